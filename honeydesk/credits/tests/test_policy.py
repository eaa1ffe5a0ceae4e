"""The written policy decides, says why and cites the record (issue 10, point 2)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from honeydesk.cases.models import TimelineEntry
from honeydesk.credits import actions
from honeydesk.credits.models import CreditPolicy, Decision, LedgerEntry, PolicyRule, PolicyVersion
from honeydesk.credits.policy import current_policy, recommend, record_version
from honeydesk.credits.tests.conftest import ask
from honeydesk.lib.errors import InvalidInput
from honeydesk.outages import actions as outages

UTC = UTC


def outage(cast, frozen, *, at, started, area="North", service="Internet"):
    """An incident staff reported at `at` (then the clock comes back)."""
    now = datetime.now(UTC)
    frozen.move_to(at)
    incident = outages.do_report_incident(service=service, area=area, acting_user=cast.repair_agent, started_at=started)
    frozen.move_to(now)
    return incident


def request(cast, who=None, **extra):
    return actions.do_request_credit(cast.alice_case, ask(**extra), acting_user=who or cast.alice, channel="portal")


def test_it_declines_a_first_request_with_no_outage_on_record_and_says_why(credits):
    cast = credits
    req = request(cast)
    rec = recommend(req, for_user=cast.billing_agent)
    assert rec.outcome == "decline" and rec.rule.condition == "always"
    actions.do_decide_credit(req, action="decline", acting_user=cast.billing_agent)
    req.refresh_from_db()
    assert req.status == "declined"
    decision = Decision.objects.get(request=req)
    assert decision.version.number == 1 and decision.rule_condition == "always"
    shown = TimelineEntry.objects.filter(case=cast.alice_case, data__label="Credit declined").get()
    assert shown.visibility == "public"
    assert "A first request about an issue is credited only when" in shown.body
    assert (
        "What would change the answer: The answer would change if an outage in your area had been reported"
        in shown.body
    )
    assert "You may ask again, or ask for a supervisor" in shown.body


def test_it_grants_a_first_request_matching_an_outage_reported_before_it(credits, frozen):
    cast = credits
    incident = outage(cast, frozen, at="2026-03-02 08:00:00+00:00", started=datetime(2026, 3, 2, 7, 30, tzinfo=UTC))
    req = request(cast)
    rec = recommend(req, for_user=cast.billing_agent)
    assert (rec.outcome, rec.amount, rec.rule.condition) == ("grant", req.amount, "outage_match")
    assert [c.incident_id for c in rec.citations] == [incident.pk]
    actions.do_decide_credit(req, action="grant", acting_user=cast.billing_agent)
    granted = TimelineEntry.objects.get(case=cast.alice_case, data__label="Credit granted")
    assert f"Outage #{incident.pk}: Internet in North, reported Mar 2, 08:00" in granted.body
    assert "an outage of that service in your area was on record before you asked" in granted.body
    entry = LedgerEntry.objects.get()
    assert (entry.amount, entry.approver, entry.version.number) == (req.amount, cast.billing_agent, 1)


def test_it_declines_when_the_outage_was_reported_only_after_the_request(credits, frozen):
    cast = credits
    req = request(cast)
    frozen.shift(timedelta(hours=1))
    outage(cast, frozen, at=datetime.now(UTC), started=datetime(2026, 3, 2, 7, 30, tzinfo=UTC))
    assert recommend(req, for_user=cast.billing_agent).outcome == "decline"


def test_it_declines_when_the_outage_is_in_another_area_or_outside_the_period(credits, frozen):
    cast = credits
    outage(cast, frozen, at="2026-03-02 08:00:00+00:00", started=datetime(2026, 3, 2, 7, tzinfo=UTC), area="South")
    other_days = outage(
        cast, frozen, at="2026-02-10 08:00:00+00:00", started=datetime(2026, 2, 10, 7, tzinfo=UTC), service="TV"
    )
    outages.do_resolve_incident(
        other_days, resolution="fixed", acting_user=cast.repair_agent, resolved_at=datetime(2026, 2, 11, tzinfo=UTC)
    )
    req = request(cast)
    assert recommend(req, for_user=cast.billing_agent).outcome == "decline"


def test_it_grants_when_a_billing_error_is_flagged_and_keeps_the_flag_text_internal(credits):
    cast = credits
    actions.do_flag_billing_error(
        cast.alice_account, description="Duplicate payment run in March", acting_user=cast.billing_agent
    )
    req = request(cast)
    rec = recommend(req, for_user=cast.billing_agent)
    assert (rec.outcome, rec.rule.condition) == ("grant", "billing_error")
    assert "Duplicate payment run" in rec.citations[0].label
    assert "Duplicate payment run" not in rec.citations[0].public_label
    actions.do_decide_credit(req, action="grant", acting_user=cast.billing_agent)
    public = TimelineEntry.objects.filter(case=cast.alice_case, visibility="public")
    assert not any("Duplicate payment run" in e.body for e in public)
    assert any("A billing error recorded on your account" in e.body for e in public)


def test_it_relaxes_a_repeated_request_up_to_the_reps_authority(credits, frozen):
    cast = credits
    first = request(cast)
    actions.do_decide_credit(first, action="decline", acting_user=cast.billing_agent)
    frozen.shift(timedelta(days=20))
    second = request(cast, amount="80.00")
    rec = recommend(second, for_user=cast.billing_agent)
    assert rec.rule.condition == "repeat_request"
    # The agent may grant up to $50 per request: the policy recommends that much, no more.
    assert (rec.outcome, str(rec.amount)) == ("grant", "50.00")
    assert any(c.kind == "earlier_request" and c.case_ref == cast.alice_case.ref for c in rec.citations)
    # A supervisor's authority is larger: the same request, the whole amount.
    assert str(recommend(second, for_user=cast.supervisor).amount) == "80.00"
    actions.do_decide_credit(second, action="grant", amount="50.00", acting_user=cast.billing_agent)
    second.refresh_from_db()
    assert (second.status, str(second.granted_amount)) == ("partly_granted", "50.00")
    assert not Decision.objects.get(request=second).departed


def test_it_does_not_relax_a_request_after_the_window(credits, frozen):
    cast = credits
    first = request(cast)
    actions.do_decide_credit(first, action="decline", acting_user=cast.billing_agent)
    frozen.shift(timedelta(days=91))
    second = request(cast, period_start=date(2026, 5, 1), period_end=date(2026, 5, 2))
    assert recommend(second, for_user=cast.billing_agent).outcome == "decline"


def test_it_refuses_a_departure_from_the_recommendation_without_a_written_reason(credits):
    cast = credits
    req = request(cast, amount="20.00")
    entries = TimelineEntry.objects.count()
    with pytest.raises(InvalidInput) as refused:
        actions.do_decide_credit(req, action="grant", acting_user=cast.billing_agent)
    assert "departure_reason" in refused.value.fields
    assert "The policy recommends: Decline" in refused.value.fields["departure_reason"][0]
    req.refresh_from_db()
    assert req.status == "open" and not Decision.objects.exists() and TimelineEntry.objects.count() == entries
    actions.do_decide_credit(
        req, action="grant", acting_user=cast.billing_agent, departure_reason="Technician confirmed the fault on site."
    )
    decision = Decision.objects.get()
    assert decision.departed and decision.recommendation == "decline"
    internal = TimelineEntry.objects.get(case=cast.alice_case, data__label="Departure from the credit policy")
    assert internal.visibility == "internal" and "Technician confirmed" in internal.body
    granted = TimelineEntry.objects.get(case=cast.alice_case, data__label="Credit granted")
    assert "Technician confirmed" not in granted.body and "exception to the rule below" in granted.body


def test_an_edited_policy_leaves_earlier_decisions_as_they_were(credits):
    cast = credits
    req = request(cast)
    actions.do_decide_credit(req, action="decline", acting_user=cast.billing_agent)
    before = Decision.objects.get()
    policy = CreditPolicy.objects.get()
    rule = PolicyRule.objects.get(policy=policy, condition="always")
    rule.plain_words = "Every first request is looked at by a supervisor."
    rule.save()
    policy.repeat_window_days = 30
    policy.save()
    assert record_version(policy, acting_user=cast.admin).number == 2
    assert record_version(policy, acting_user=cast.admin).number == 2  # nothing changed: no new version
    after = Decision.objects.get()
    assert (after.version.number, after.rule_text) == (1, before.rule_text)
    assert "credited only when" in after.rule_text
    assert PolicyVersion.objects.get(number=1).content["repeat_window_days"] == 90
    assert current_policy().number == 2 and current_policy().repeat_window_days == 30
    req2 = actions.do_request_credit(cast.bob_case, ask(), acting_user=cast.bob, channel="portal")
    assert (
        recommend(req2, for_user=cast.repair_agent).rule.plain_words
        == "Every first request is looked at by a supervisor."
    )


def test_the_e_mail_to_the_customer_states_the_rule_cites_the_record_and_what_would_change(credits):
    from django.core import mail

    from honeydesk.jobs import runner

    cast = credits
    message = TimelineEntry.objects.get(case=cast.alice_case, kind="inbound")
    req = request(cast, relies_on=[message.pk])
    actions.do_decide_credit(req, action="decline", acting_user=cast.billing_agent, note="I checked March's bill.")
    runner.run_pending()
    (sent,) = [m for m in mail.outbox if "Credit decision" in m.subject]
    assert sent.to == ["alice@example.test"] and sent.subject.startswith(f"[{cast.alice_case.ref}]")
    for words in (
        "Credit declined.",
        "I checked March's bill.",
        "Our credit policy (version 1) says: A first request about an issue is credited only when",
        "What would change the answer: The answer would change if an outage in your area had been reported",
        "The record: Message from customer of Mar 10, 10:00 by Alice",
        "You may ask again, or ask for a supervisor",
    ):
        assert words in sent.body, (words, sent.body)
    html = sent.alternatives[0][0]
    assert "What would change the answer" in html and "INTERNAL" not in sent.body + html
