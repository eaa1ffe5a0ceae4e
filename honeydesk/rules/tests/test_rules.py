"""Rules that route and act (issue 17 part 4): round-robin over available reps, the order
rules run in, no loops, conditions, untouched cases in business hours, dry runs, access."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from honeydesk.accounts.models import Role, User
from honeydesk.cases import actions, properties
from honeydesk.cases.models import Case, TimelineEntry
from honeydesk.jobs.runner import run_pending
from honeydesk.macros.models import Macro
from honeydesk.notifications.models import Notification
from honeydesk.rules import engine
from honeydesk.rules.actions import do_set_availability
from honeydesk.rules.dryrun import dry_run
from honeydesk.rules.models import Firing, RoundRobin, Rule, Skill, Trigger
from honeydesk.testing import make_staff

Event = TimelineEntry.Event


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rule(name: str, **fields: object) -> Rule:
    made = Rule(name=name, **fields)
    made.full_clean()
    made.save()
    return made


def open_case(cast, *, body="I was billed twice this month.", channel="portal", request_type=None) -> Case:
    case = actions.do_open_case(
        actions.Opening(
            account=cast.alice_account,
            contact=cast.alice_contact,
            request_type=request_type or cast.billing_type,
            subject="My bill",
            body=body,
            channel=channel,
        ),
        acting_user=cast.alice,
    )
    return case


def fired(case: Case) -> list[TimelineEntry]:
    return list(TimelineEntry.objects.filter(case=case, event=Event.RULE_FIRED).order_by("id"))


@pytest.fixture
def three_reps(cast):
    return [cast.billing_agent, make_staff("bo", Role.AGENT, cast.billing), make_staff("cy", Role.AGENT, cast.billing)]


def test_it_assigns_round_robin_skipping_the_rep_who_is_away(cast, three_reps):
    first, second, third = three_reps
    rule("Billing round-robin", department=cast.billing, assign="round_robin")
    do_set_availability(second, away=True)
    owners = []
    for _ in range(4):
        case = open_case(cast)
        assert run_pending() >= 1
        owners.append(Case.objects.get(pk=case.pk).owner)
    assert owners == [first, third, first, third]
    do_set_availability(second, away=False)
    for expected in (first, second):  # back in the turn, which wraps round after the third
        case = open_case(cast)
        run_pending()
        assert Case.objects.get(pk=case.pk).owner == expected
    assert RoundRobin.objects.get(department=cast.billing).last_user_id == second.pk
    entry = fired(case)[0]
    assert entry.visibility == "internal" and entry.author_name == "Rule: Billing round-robin"
    assert "assigned to Bo (round-robin)" in entry.body
    owner_change = TimelineEntry.objects.get(case=case, event=Event.OWNER_CHANGED)
    assert owner_change.author_id is None and owner_change.author_name == "Rule: Billing round-robin"
    page = cast.client(cast.billing_agent).get(f"/desk/cases/{case.ref}/").content.decode()
    assert "Rule fired" in page and "Rule: Billing round-robin" in page
    # Customers see the status change as honeydesk's, never the rule's name (staff's words).
    assert "Billing round-robin" not in cast.client(cast.alice).get(f"/portal/cases/{case.ref}/").content.decode()
    timeline = cast.api(cast.alice).get(f"/cases/{case.ref}/timeline").content.decode()
    assert "Open" in timeline and "Billing round-robin" not in timeline


def test_it_gives_the_least_loaded_available_rep_with_the_skill(cast, three_reps):
    first, second, _third = three_reps
    rule("Least loaded", trigger=Trigger.OPENED, assign="least_loaded", use_skills=True)
    for rep in (first, second):
        Skill.objects.create(user=rep, request_type=cast.billing_type)
    busy = open_case(cast)
    actions.do_assign(busy, second, acting_user=cast.supervisor)  # fired before: left with second
    run_pending()
    case = open_case(cast)
    run_pending()
    assert Case.objects.get(pk=case.pk).owner == first  # third has no skill, second has a case
    do_set_availability(first, away=True)
    later = open_case(cast)
    run_pending()
    assert Case.objects.get(pk=later.pk).owner == second


def test_it_runs_rules_in_their_visible_order_and_fires_each_once(cast, three_reps):
    second_rule = rule("Tag billing", position=20, add_tags="billing")
    first_rule = rule("Urgent words", position=10, words="twice, refund", set_priority="high")
    case = open_case(cast)
    run_pending()
    assert [e.data["name"] for e in fired(case)] == [first_rule.name, second_rule.name]
    assert Case.objects.get(pk=case.pk).priority == "high"
    assert properties.tags_of(case) == ["billing"]
    engine.run(case.pk, Trigger.OPENED, "opened")  # the job again (at least once): nothing twice
    assert Firing.objects.filter(case=case).count() == 2 and len(fired(case)) == 2
    admin = User.objects.create_superuser("boss", "boss@example.test", "pw")
    page = cast.client(admin).get("/admin/rules/rule/").content.decode()
    assert page.index("Urgent words") < page.index("Tag billing")


def test_a_rule_that_would_loop_stops(cast):
    untag = Macro.objects.create(name="Seen", scope="shared", add_tags=["seen"], remove_tags=["check"])
    looping = rule("Check", trigger=Trigger.TAG_ADDED, trigger_tag="check", apply_macro=untag)
    rule("Recheck", trigger=Trigger.TAG_ADDED, trigger_tag="seen", add_tags="check")
    case = cast.alice_case
    properties.do_change_tags(case, add=["check"], acting_user=cast.billing_agent)
    for _ in range(5):
        run_pending()
    # Check fired; its "seen" fired Recheck; Recheck's "check" does not fire Check again.
    assert [e.data["name"] for e in fired(case)] == ["Check", "Recheck"]
    assert Firing.objects.filter(rule=looping).count() == 1
    assert properties.tags_of(case) == ["check", "seen"]


def test_a_chain_of_rules_stops_at_the_depth_limit(cast):
    for n in range(1, engine.MAX_DEPTH + 2):
        rule(f"Step {n}", trigger=Trigger.TAG_ADDED, trigger_tag=f"t{n}", add_tags=f"t{n + 1}")
    properties.do_change_tags(cast.alice_case, add=["t1"], acting_user=cast.billing_agent)
    for _ in range(engine.MAX_DEPTH + 2):
        run_pending()
    assert len(fired(cast.alice_case)) == engine.MAX_DEPTH


def test_it_checks_tone_words_channel_and_business_hours(cast, settings):
    settings.TIME_ZONE = "UTC"
    angry = rule("Angry", tone_at_least="angry", escalate=True, notify="supervisors")
    words = rule("Refunds", words="refund, money back", add_tags="refund")
    phone = rule("Phone calls", channel="phone", set_priority="high")
    after_hours = rule("After hours", business_hours="closed", add_tags="after-hours")
    with time_machine.travel(utc(2025, 3, 14, 20, 0), tick=False):  # Friday evening: closed
        calm = open_case(cast, body="Could I get my money back for March, please?")
        run_pending()
        furious = open_case(cast, body="This is absolutely outrageous! I am furious, fix it NOW!!!")
        run_pending()
    with time_machine.travel(utc(2025, 3, 14, 11, 0), tick=False):  # Friday morning: open
        refunded = open_case(cast, body="Please look at the refunds page, thanks.")  # not the word "refund"
        run_pending()
    names = lambda case: {e.data["name"] for e in fired(case)}  # noqa: E731
    assert names(calm) == {words.name, after_hours.name}
    assert angry.name in names(furious) and words.name not in names(furious)
    assert Case.objects.get(pk=furious.pk).escalated
    assert "Angry" not in cast.api(cast.alice).get(f"/cases/{furious.ref}/timeline").content.decode()
    assert Notification.objects.filter(case=furious, kind="rule", user=cast.supervisor).exists()
    assert names(refunded) == set()
    assert phone.name not in names(calm)
    facts = engine.facts_for(Case.objects.get(pk=calm.pk), None, now=utc(2025, 3, 14, 11, 0))
    assert not engine.matches(phone, facts)
    assert engine.matches(phone, engine.Facts(Case(channel="phone"), "", "calm", facts.now)) is True


def test_it_fires_on_cases_untouched_for_business_hours(cast, settings):
    settings.TIME_ZONE = "UTC"
    nudge = rule("Quiet four hours", trigger=Trigger.UNTOUCHED, untouched_hours=4, set_priority="high")
    with time_machine.travel(utc(2025, 3, 14, 15, 0), tick=False) as traveller:  # Friday 15:00
        case = open_case(cast)
        traveller.move_to(utc(2025, 3, 14, 23, 0))  # 8 hours later, 2 of them business hours
        assert engine.periodic_untouched(lambda: False)
        assert not fired(case)
        traveller.move_to(utc(2025, 3, 17, 10, 30))  # Monday 10:30: 3.5 business hours
        engine.periodic_untouched(lambda: False)
        assert not fired(case)
        traveller.move_to(utc(2025, 3, 17, 11, 0))  # 4 business hours
        engine.periodic_untouched(lambda: False)
        engine.periodic_untouched(lambda: False)
    assert [e.data["name"] for e in fired(case)] == [nudge.name]
    assert Case.objects.get(pk=case.pk).priority == "high"


def test_a_rule_applies_a_whole_macro_but_never_writes_to_the_customer(cast, mailoutbox):
    bo = make_staff("bo", Role.AGENT, cast.billing)
    macro = Macro.objects.create(
        name="Double charge",
        scope="shared",
        note="Checked {case_ref}: two payment runs.",
        reply="Hi {first_name}, we are refunding the second charge on {case_ref}.",
        set_priority="high",
        add_tags=["refund"],
        assign_to=bo,
        set_status="pending",
    )
    billed_twice = rule("Billed twice", words="twice", apply_macro=macro)
    case = open_case(cast)
    run_pending()
    case = Case.objects.get(pk=case.pk)
    assert (case.owner, case.priority, case.status) == (bo, "high", "open")  # assigned, not waiting on the customer
    assert properties.tags_of(case) == ["refund"]
    by_rule = TimelineEntry.objects.filter(case=case, author=None, author_name="Rule: Billed twice")
    notes = list(by_rule.filter(kind="note").order_by("id"))
    assert [n.visibility for n in notes] == ["internal", "internal"]
    assert notes[0].body == f"Checked {case.ref}: two payment runs."
    reply = f"Hi Alice, we are refunding the second charge on {case.ref}."
    assert notes[1].body.startswith("Suggested reply from the macro “Double charge”, not sent")
    assert reply in notes[1].body
    assert by_rule.filter(event=Event.OWNER_CHANGED).exists()
    # Nothing reached the customer: no reply, no "waiting on you", no mail.
    assert not TimelineEntry.objects.filter(case=case, kind="outbound").exists()
    assert not TimelineEntry.objects.filter(case=case, event=Event.STATUS_CHANGED, data__to="pending").exists()
    to_alice = [m.subject for m in mailoutbox if "alice@example.test" in m.to and case.ref in m.subject]
    assert to_alice == [f"[{case.ref}] We have your request: My bill"]  # the acknowledgement only
    assert reply not in cast.api(cast.alice).get(f"/cases/{case.ref}/timeline").content.decode()
    done = fired(case)[0].data["done"]
    assert "macro “Double charge”: internal note" in done
    assert "macro “Double charge”: waiting on the customer skipped: it would write to the customer" in done
    assert "macro “Double charge”: reply left as a suggestion, not sent" in done
    assert Firing.objects.filter(rule=billed_twice, case=case).count() == 1


def test_a_rule_transfers_with_its_hand_off_under_its_name(cast):
    modems = rule("Modems to repair", words="modem", transfer_to=cast.repair)
    case = open_case(cast, body="My modem keeps dropping the line.")
    actions.do_assign(case, cast.billing_agent, acting_user=cast.billing_agent)
    run_pending()
    case = Case.objects.get(pk=case.pk)
    assert (case.department, case.owner, case.status) == (cast.repair, None, "new")
    assert case.handoff_summary == "Moved by the rule “Modems to repair”."
    moved = TimelineEntry.objects.get(case=case, event=Event.TRANSFERRED)
    assert (moved.author, moved.author_name, moved.visibility) == (None, "Rule: Modems to repair", "internal")
    assert moved.data["to_id"] == cast.repair.pk
    assert fired(case)[0].data["done"] == ["transferred to Repair"]
    # Billing's rep lost sight of it; Repair's rep has it; the rule does not move it twice.
    assert cast.client(cast.billing_agent).get(f"/desk/cases/{case.ref}/").status_code == 404
    assert cast.client(cast.repair_agent).get(f"/desk/cases/{case.ref}/").status_code == 200
    engine.run(case.pk, Trigger.OPENED, "opened")
    assert Firing.objects.filter(rule=modems).count() == 1


def test_an_untouched_rule_fires_once_per_quiet_spell_whatever_its_own_changes(cast, settings):
    settings.TIME_ZONE = "UTC"
    quiet = {"trigger": Trigger.UNTOUCHED}
    nudge = rule("Quiet two hours", **quiet, untouched_hours=2, add_tags="nudged", notify="supervisors")
    late = rule("Quiet eight hours", **quiet, untouched_hours=8, escalate=True)
    names = lambda case: [e.data["name"] for e in fired(case)]  # noqa: E731

    def every_half_hour(traveller, start: datetime, end: datetime) -> None:
        at = start
        while at <= end:
            traveller.move_to(at)
            assert engine.periodic_untouched(lambda: False)
            at += timedelta(minutes=30)

    with time_machine.travel(utc(2025, 3, 17, 9, 0), tick=False) as traveller:  # Monday 09:00, desk opens
        case = open_case(cast)
        # A quiet business day (09:00-17:00) and night: each rule once, its own change
        # (the rule's entry, the tag, the escalation) starting no new quiet spell.
        every_half_hour(traveller, utc(2025, 3, 17, 9, 30), utc(2025, 3, 18, 8, 30))
        assert names(case) == [nudge.name, late.name]
        assert fired(case)[0].created_at == utc(2025, 3, 17, 11, 0)
        assert fired(case)[1].created_at == utc(2025, 3, 17, 17, 0)
        assert Notification.objects.filter(case=case, kind="rule", user=cast.supervisor).count() == 1
        assert Case.objects.get(pk=case.pk).escalated
        # The customer writes: a new quiet spell, and two quiet business hours fire it again.
        traveller.move_to(utc(2025, 3, 18, 10, 0))
        actions.do_add_reply(case, body="Any news on my bill?", acting_user=cast.alice)
        every_half_hour(traveller, utc(2025, 3, 18, 10, 30), utc(2025, 3, 18, 11, 30))
        assert names(case) == [nudge.name, late.name]
        every_half_hour(traveller, utc(2025, 3, 18, 12, 0), utc(2025, 3, 18, 13, 30))
        assert names(case) == [nudge.name, late.name, nudge.name]
        # A rep's note is activity too; nothing between it and two quiet hours later.
        actions.do_add_note(case, body="Asked billing to check.", acting_user=cast.billing_agent)
        every_half_hour(traveller, utc(2025, 3, 18, 14, 0), utc(2025, 3, 18, 15, 0))
        assert names(case).count(nudge.name) == 2
        every_half_hour(traveller, utc(2025, 3, 18, 15, 30), utc(2025, 3, 18, 16, 0))
        assert names(case).count(nudge.name) == 3
        # The dry run measures the quiet spell the same way (2.5 business hours since the note).
        assert case.pk in {p.case.pk for p in dry_run(nudge)}
        assert case.pk not in {p.case.pk for p in dry_run(late)}
    assert Firing.objects.filter(rule=nudge, case=case).count() == 3
    assert Firing.objects.filter(rule=late, case=case).count() == 1


def test_a_dry_run_changes_nothing_in_a_bounded_number_of_queries(cast, three_reps, django_assert_max_num_queries):
    for _ in range(6):
        open_case(cast)
    open_case(cast, body="My internet is down", request_type=cast.repair_type)
    robin = rule("Billing round-robin", department=cast.billing, assign="round_robin", add_tags="billing")
    do_set_availability(three_reps[1], away=True)
    before = (
        list(Case.objects.values_list("id", "version", "owner_id", "priority")),
        TimelineEntry.objects.count(),
        Firing.objects.count(),
        RoundRobin.objects.count(),
    )
    with django_assert_max_num_queries(10):
        previews = dry_run(robin)
    after = (
        list(Case.objects.values_list("id", "version", "owner_id", "priority")),
        TimelineEntry.objects.count(),
        Firing.objects.count(),
        RoundRobin.objects.count(),
    )
    assert before == after
    assert len(previews) == 7  # six new billing cases and the cast's own
    assigned = [w for p in previews for w in p.would if w.startswith("assign to")]
    assert assigned[:3] == [
        "assign to Bianca (round-robin)",
        "assign to Cy (round-robin)",
        "assign to Bianca (round-robin)",
    ]
    admin = User.objects.create_superuser("boss", "boss@example.test", "pw")
    page = cast.client(admin).get(f"/admin/rules/rule/{robin.pk}/dry-run/")
    assert page.status_code == 200 and "Nothing was changed" in page.content.decode()


def test_only_admins_edit_rules(cast):
    made = rule("Tag all", add_tags="all")
    admin = User.objects.create_superuser("boss", "boss@example.test", "pw")
    supervisor = User.objects.create_superuser("sup", "sup@example.test", "pw", role=Role.SUPERVISOR)
    add_page = cast.client(admin).get("/admin/rules/rule/add/")
    assert add_page.status_code == 200 and "fires once per quiet spell" in add_page.content.decode()
    assert "A rule never writes to the customer" in add_page.content.decode()
    response = cast.client(admin).post(
        "/admin/rules/rule/add/",
        {"name": "VIP", "position": "5", "active": "on", "trigger": "opened", "set_priority": "high"},
    )
    assert response.status_code == 302 and Rule.objects.filter(name="VIP").exists()
    for url in ("/admin/rules/rule/", f"/admin/rules/rule/{made.pk}/change/", f"/admin/rules/rule/{made.pk}/dry-run/"):
        assert cast.client(supervisor).get(url).status_code in (403, 404)
        assert cast.client(cast.billing_agent).get(url).status_code == 302  # to the sign-in page
    assert cast.client(supervisor).post(f"/admin/rules/rule/{made.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Rule.objects.filter(pk=made.pk).exists()


def test_a_rule_needs_an_action_and_its_trigger_details(db):
    with pytest.raises(Exception) as empty:
        rule("Nothing")
    assert "at least one action" in str(empty.value)
    with pytest.raises(Exception) as quiet:
        rule("Quiet", trigger=Trigger.UNTOUCHED, set_priority="high")
    assert "business hours" in str(quiet.value)


def test_it_costs_nothing_when_no_rule_listens(cast):
    from honeydesk.jobs.models import Job

    open_case(cast)
    assert not Job.objects.filter(func="honeydesk.rules.engine.run").exists()
    rule("Escalate later", trigger=Trigger.UNTOUCHED, untouched_hours=8, escalate=True)
    rule("Refund tag", trigger=Trigger.TAG_ADDED, trigger_tag="refund", set_priority="high")
    case = open_case(cast)  # no rule for openings: still no job
    properties.do_change_tags(case, add=["billing"], acting_user=cast.billing_agent)  # nor for this tag
    assert not Job.objects.filter(func="honeydesk.rules.engine.run").exists()
    properties.do_change_tags(case, add=["refund"], acting_user=cast.billing_agent)
    assert Job.objects.filter(func="honeydesk.rules.engine.run").count() == 1
    assert engine.available_reps(cast.billing.pk) == [cast.billing_agent]


def test_reps_set_themselves_away_in_the_workspace_header(cast):
    from honeydesk.rules.actions import is_away

    client = cast.client(cast.billing_agent)
    page = client.get("/desk/").content.decode()
    assert 'id="availability"' in page and "/desk/availability/" in page
    fragment = client.get("/desk/availability/").content.decode()
    assert "Available" in fragment and 'name="away" value="1"' in fragment
    answer = client.post("/desk/availability/", {"away": "1"}, headers={"HX-Request": "true"}).content.decode()
    assert "Away" in answer and is_away(cast.billing_agent)
    assert client.post("/desk/availability/", {"away": "0"}).status_code == 302
    assert not is_away(cast.billing_agent)
    assert cast.client(cast.alice).get("/desk/availability/").status_code in (302, 404)


def test_it_fires_when_the_customer_writes_again_not_on_opening_or_staff_replies(cast):
    cancel = rule("Cancellation threats", trigger=Trigger.CUSTOMER_REPLIED, words="cancel", notify="owner")
    case = open_case(cast, body="I will cancel if this is not fixed.")
    run_pending()
    assert fired(case) == []  # the first message opens the case: not a reply
    actions.do_assign(case, cast.billing_agent, acting_user=cast.billing_agent)
    actions.do_add_reply(case, body="Do you want to cancel?", acting_user=cast.billing_agent)
    run_pending()
    assert fired(case) == []  # staff's words never fire a customer's trigger
    actions.do_add_reply(case, body="Yes, cancel my line.", acting_user=cast.alice)
    run_pending()
    assert [e.data["name"] for e in fired(case)] == [cancel.name]
    assert Notification.objects.filter(case=case, kind="rule", user=cast.billing_agent).count() == 1
