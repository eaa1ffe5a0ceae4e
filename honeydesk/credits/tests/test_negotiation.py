"""The thread: offers, counters, answers, approvals above a rep's authority, the
monthly limit, withdrawals, and amounts refused before anything is written."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from honeydesk.cases.models import TimelineEntry
from honeydesk.credits import actions
from honeydesk.credits.models import Approval, CreditRequest, CreditStep, Decision, LedgerEntry
from honeydesk.credits.policy import month_total
from honeydesk.credits.tests.conftest import ask
from honeydesk.jobs import runner
from honeydesk.lib.errors import InvalidInput, InvalidTransition


@pytest.fixture
def flagged(credits):
    """A billing error on alice's account: the policy recommends granting."""
    actions.do_flag_billing_error(credits.alice_account, description="Double charge", acting_user=credits.billing_agent)
    return credits


def request(cast, amount="40.00", **extra):
    return actions.do_request_credit(cast.alice_case, ask(amount, **extra), acting_user=cast.alice, channel="portal")


def labels(case, visibility="public"):
    return list(
        TimelineEntry.objects.filter(case=case, visibility=visibility, data__has_key="credit")
        .order_by("id")
        .values_list("data__label", flat=True)
    )


def test_a_counter_offer_met_in_the_middle_is_accepted_and_partly_granted(flagged):
    cast = flagged
    req = request(cast, "50.00")
    actions.do_decide_credit(
        req, action="offer", amount="20.00", note="Half of it is the modem rental.", acting_user=cast.billing_agent
    )
    req.refresh_from_db()
    assert (req.status, req.offered_amount) == ("offered", Decimal("20.00"))
    with pytest.raises(InvalidInput):  # a counter must be above the offer and at most what was asked
        actions.do_answer_offer(req, answer="counter", amount="60.00", acting_user=cast.alice)
    actions.do_answer_offer(req, answer="counter", amount="36.00", note="The modem was fine.", acting_user=cast.alice)
    req.refresh_from_db()
    assert (req.status, req.countered_amount, req.on_the_table) == ("countered", Decimal("36.00"), Decimal("36.00"))
    actions.do_decide_credit(req, action="offer", amount="28.00", acting_user=cast.billing_agent)  # meet in the middle
    actions.do_answer_offer(req, answer="accept", acting_user=cast.alice)
    req.refresh_from_db()
    assert (req.status, req.granted_amount) == ("partly_granted", Decimal("28.00"))
    assert labels(cast.alice_case) == [
        "Credit requested", "Credit offer", "Counter-offer", "Credit offer", "Offer accepted", "Credit partly granted",
    ]  # fmt: skip
    assert list(req.steps.values_list("kind", flat=True)) == [
        "requested", "offered", "countered", "offered", "accepted", "granted",
    ]  # fmt: skip
    entry = LedgerEntry.objects.get()
    assert (entry.amount, entry.approver, entry.case_id) == (Decimal("28.00"), cast.billing_agent, cast.alice_case.pk)
    granted = TimelineEntry.objects.get(case=cast.alice_case, data__label="Credit partly granted")
    assert "$28.00 of the $40.00" not in granted.body and "$28.00 of the $50.00 you asked for" in granted.body
    runner.run_pending()
    subjects = [m.subject for m in mail.outbox if m.to == ["alice@example.test"]]
    assert sum("Credit offer" in s for s in subjects) == 2 and sum("Credit decision" in s for s in subjects) == 1


def test_a_customer_who_declines_the_offer_closes_the_request(flagged):
    cast = flagged
    req = request(cast, "50.00")
    actions.do_decide_credit(req, action="offer", amount="20.00", acting_user=cast.billing_agent)
    actions.do_answer_offer(req, answer="decline", acting_user=cast.alice)
    req.refresh_from_db()
    assert req.status == "declined" and not LedgerEntry.objects.exists()
    with pytest.raises(InvalidTransition):
        actions.do_answer_offer(req, answer="accept", acting_user=cast.alice)


def test_an_amount_over_the_agents_limit_waits_for_a_supervisor_who_approves_it(flagged):
    cast = flagged
    req = request(cast, "120.00")
    actions.do_decide_credit(req, action="grant", acting_user=cast.billing_agent)
    req.refresh_from_db()
    assert req.status == "approval" and not LedgerEntry.objects.exists()
    approval = Approval.objects.get()
    assert approval.status == "pending" and approval.amount == Decimal("120.00")
    assert "above Bianca's limit of $50.00 per request" in approval.reason
    internal = TimelineEntry.objects.get(case=cast.alice_case, data__label="Credit sent for approval")
    assert internal.visibility == "internal" and "Policy recommendation: Grant $120.00" in internal.body
    public = TimelineEntry.objects.get(case=cast.alice_case, data__label="Credit waiting for approval")
    assert "limit" not in public.body and "Bianca" not in public.body
    with pytest.raises(InvalidInput):
        actions.do_decide_approval(approval, approve=True, acting_user=cast.billing_agent)
    actions.do_decide_approval(approval, approve=True, note="Long-standing customer.", acting_user=cast.supervisor)
    req.refresh_from_db()
    assert (req.status, req.granted_amount) == ("granted", Decimal("120.00"))
    entry = LedgerEntry.objects.get()
    assert entry.approver == cast.supervisor
    assert Approval.objects.get().status == "approved"
    assert TimelineEntry.objects.get(case=cast.alice_case, data__label="Approval note").visibility == "internal"


def test_a_supervisor_may_change_the_amount_or_decline_on_record(flagged):
    cast = flagged
    req = request(cast, "120.00")
    actions.do_decide_credit(req, action="grant", acting_user=cast.billing_agent)
    approval = Approval.objects.get()
    with pytest.raises(InvalidInput):  # declining needs a reason on record
        actions.do_decide_approval(approval, approve=False, acting_user=cast.supervisor)
    actions.do_decide_approval(
        approval, approve=False, note="Flag is for a different month.", message="We checked the bill with you.",
        acting_user=cast.supervisor,
    )  # fmt: skip
    req.refresh_from_db()
    assert req.status == "declined"
    declined = TimelineEntry.objects.get(case=cast.alice_case, data__label="Credit declined")
    assert declined.visibility == "public" and "A supervisor reviewed your request and declined it." in declined.body
    assert "different month" not in declined.body and "You may ask again" in declined.body

    req2 = actions.do_request_credit(cast.alice_case, ask("120.00"), acting_user=cast.alice, channel="portal")
    actions.do_decide_credit(req2, action="grant", acting_user=cast.billing_agent)
    actions.do_decide_approval(
        Approval.objects.get(status="pending"), approve=True, amount="90.00", acting_user=cast.supervisor
    )
    req2.refresh_from_db()
    assert (req2.status, req2.granted_amount) == ("partly_granted", Decimal("90.00"))
    assert Approval.objects.get(request=req2).status == "changed"


def test_a_supervisor_cannot_approve_above_their_own_authority(flagged):
    cast = flagged
    req = request(cast, "300.00")
    actions.do_decide_credit(req, action="grant", acting_user=cast.billing_agent)
    with pytest.raises(InvalidTransition, match="An admin approves this one"):
        actions.do_decide_approval(Approval.objects.get(), approve=True, acting_user=cast.supervisor)
    actions.do_decide_approval(Approval.objects.get(), approve=True, acting_user=cast.admin)
    assert LedgerEntry.objects.get().approver == cast.admin


def test_the_monthly_limit_counts_every_grant_to_the_account_that_month(flagged, frozen):
    cast = flagged
    first = request(cast, "45.00")
    actions.do_decide_credit(first, action="grant", acting_user=cast.billing_agent)
    second = request(cast, "45.00")
    actions.do_decide_credit(second, action="grant", acting_user=cast.billing_agent)
    assert month_total(cast.alice_account.pk, first.created_at) == Decimal("90.00")
    third = request(cast, "20.00")  # within the $50 per request, but $110 this month > $100
    actions.do_decide_credit(third, action="grant", acting_user=cast.billing_agent)
    third.refresh_from_db()
    assert third.status == "approval"
    assert "per account per month" in Approval.objects.get().reason
    actions.do_withdraw_credit(third, acting_user=cast.alice)
    assert Approval.objects.get().status == "withdrawn"
    frozen.move_to("2026-04-02 10:00:00+00:00")  # a new month
    fourth = request(cast, "20.00", period_start=date(2026, 3, 20), period_end=date(2026, 3, 21))
    actions.do_decide_credit(fourth, action="grant", acting_user=cast.billing_agent)
    fourth.refresh_from_db()
    assert fourth.status == "granted"


def test_one_request_at_a_time_on_a_case_and_no_decision_twice(flagged):
    cast = flagged
    req = request(cast)
    with pytest.raises(InvalidTransition):
        request(cast)
    actions.do_decide_credit(req, action="grant", acting_user=cast.billing_agent)
    with pytest.raises(InvalidTransition):
        actions.do_decide_credit(req, action="grant", acting_user=cast.billing_agent)
    with pytest.raises(InvalidInput):
        actions.do_decide_credit(request(cast), action="grant", acting_user=cast.alice)  # customers do not decide


@pytest.mark.parametrize(
    ("amount", "currency", "field", "message"),
    [
        ("-5.00", "", "amount", "cannot be negative"),
        ("0", "", "amount", "more than zero"),
        ("0.00", "", "amount", "more than zero"),
        ("forty", "", "amount", "is not an amount"),
        ("NaN", "", "amount", "is not an amount"),
        ("Infinity", "", "amount", "is not an amount"),
        ("1e3", "", "amount", "is not an amount"),
        ("12,50", "", "amount", "point for cents"),
        ("12.345", "", "amount", "two decimal places"),
        ("99999999999", "", "amount", "more than the largest credit"),
        ("2000.01", "", "amount", "more than the largest credit"),
        ("", "", "amount", "Enter an amount"),
        (40.0, "", "amount", "exact decimals"),
        ("40.00", "EUR", "currency", "Credits are given in USD"),
    ],
)
def test_it_refuses_bad_amounts_with_a_field_message_and_records_nothing(credits, amount, currency, field, message):
    cast = credits
    entries, version = TimelineEntry.objects.count(), cast.fresh(cast.alice_case).version
    with pytest.raises(InvalidInput) as refused:
        actions.do_request_credit(
            cast.alice_case, ask(amount, currency=currency), acting_user=cast.alice, channel="portal"
        )
    assert list(refused.value.fields) == [field]
    assert message in refused.value.fields[field][0]
    assert not CreditRequest.objects.exists() and TimelineEntry.objects.count() == entries
    assert cast.fresh(cast.alice_case).version == version


def test_it_accepts_amounts_as_people_write_them(credits):
    cast = credits
    req = actions.do_request_credit(
        cast.alice_case, ask("$12.5", currency="usd"), acting_user=cast.alice, channel="portal"
    )
    assert req.amount == Decimal("12.50") and req.currency == "USD"


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [("2026-03-05", "2026-03-01", "period_end"), ("2026-03-01", "2026-04-01", "period_end"),
     ("2024-01-01", "2026-03-01", "period_start"), ("March", "2026-03-01", "period_start")],
)  # fmt: skip
def test_it_refuses_bad_periods(credits, start, end, field):
    with pytest.raises(InvalidInput) as refused:
        actions.do_request_credit(
            credits.alice_case, ask(period_start=start, period_end=end), acting_user=credits.alice, channel="portal"
        )
    assert list(refused.value.fields) == [field]
    assert not CreditRequest.objects.exists()


def test_a_customer_may_only_rely_on_public_entries_of_the_case(credits):
    cast = credits
    note = TimelineEntry.objects.get(case=cast.alice_case, kind="note")
    message = TimelineEntry.objects.get(case=cast.alice_case, kind="inbound")
    foreign = TimelineEntry.objects.filter(case=cast.bob_case, kind="inbound").get()
    for wrong in (note, foreign):
        with pytest.raises(InvalidInput) as refused:
            actions.do_request_credit(
                cast.alice_case, ask(relies_on=[wrong.pk]), acting_user=cast.alice, channel="portal"
            )
        assert "relies_on" in refused.value.fields
    req = actions.do_request_credit(
        cast.alice_case, ask(relies_on=[message.pk]), acting_user=cast.alice, channel="portal"
    )
    assert list(req.relies_on.all()) == [message]


def test_a_credit_request_reopens_a_resolved_case(credits):
    from honeydesk.cases import actions as case_actions

    cast = credits
    case_actions.do_resolve(cast.alice_case, note="Refunded", acting_user=cast.billing_agent)
    actions.do_request_credit(cast.alice_case, ask(), acting_user=cast.alice, channel="portal")
    assert cast.fresh(cast.alice_case).status == "open"
    assert CreditStep.objects.count() == 1 and Decision.objects.count() == 0


def test_decisions_never_leave_floats_in_the_ledger(flagged, frozen):
    cast = flagged
    for amount in ("0.10", "0.20"):
        req = request(cast, amount)
        actions.do_decide_credit(req, action="grant", acting_user=cast.billing_agent)
        frozen.shift(timedelta(minutes=1))
    assert month_total(cast.alice_account.pk, req.created_at) == Decimal("0.30")
    assert all(isinstance(a, Decimal) for a in LedgerEntry.objects.values_list("amount", flat=True))
