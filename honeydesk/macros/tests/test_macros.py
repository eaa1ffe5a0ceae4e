"""Macros (issue 17): who sees which, placeholders, and every action in one transaction."""

from __future__ import annotations

import pytest

from honeydesk.cases import properties
from honeydesk.cases.models import TimelineEntry
from honeydesk.lib.errors import InvalidInput, InvalidTransition, NotFound, StaleVersion
from honeydesk.macros import actions
from honeydesk.macros.actions import Draft
from honeydesk.macros.models import Macro, MacroUse

Scope = Macro.Scope


def test_it_shows_personal_department_and_shared_macros_to_the_right_people(cast):
    mine = actions.do_save_macro(Draft(name="Mine", reply="Hi"), acting_user=cast.billing_agent)
    billing = actions.do_save_macro(
        Draft(name="Billing", scope=Scope.DEPARTMENT, department=cast.billing, reply="Hi"), acting_user=cast.supervisor
    )
    shared = actions.do_save_macro(Draft(name="All", scope=Scope.SHARED, reply="Hi"), acting_user=cast.admin)
    seen = lambda user: set(actions.macros_visible_to(user))  # noqa: E731
    assert seen(cast.billing_agent) == {mine, billing, shared}
    assert seen(cast.repair_agent) == {shared}
    assert seen(cast.supervisor) == {billing, shared}
    with pytest.raises(NotFound):
        actions.macros_visible_to(cast.alice)
    with pytest.raises(NotFound):
        actions.macro_for(cast.repair_agent, mine.pk)
    with pytest.raises(InvalidInput, match="not saved"):  # agents keep personal macros only
        actions.do_save_macro(Draft(name="X", scope=Scope.SHARED, reply="Hi"), acting_user=cast.billing_agent)
    with pytest.raises(NotFound):  # nor edit others'
        actions.do_save_macro(Draft(name="Y", reply="Hi"), acting_user=cast.repair_agent, macro=mine)


def test_it_refuses_unknown_placeholders_and_empty_macros(cast):
    with pytest.raises(InvalidInput) as bad:
        actions.do_save_macro(Draft(name="Typo", reply="Hello {frist_name}"), acting_user=cast.billing_agent)
    assert "Unknown placeholder {frist_name}" in bad.value.fields["reply"][0]
    with pytest.raises(InvalidInput):
        actions.do_save_macro(Draft(name="Nothing"), acting_user=cast.billing_agent)
    with pytest.raises(InvalidInput) as both:
        actions.do_save_macro(
            Draft(name="Odd", set_status="resolved", transfer_to=cast.repair), acting_user=cast.supervisor
        )
    assert {"resolution_note", "transfer_to", "handoff"} <= set(both.value.fields)


def test_it_fills_in_the_placeholders(cast):
    case = cast.alice_case
    text = actions.render("Hi {first_name}, {case_ref} is with {owner_name}; we are open {department_hours}.", case)
    assert text.startswith(f"Hi Alice, {case.ref} is with our team; we are open ")
    assert "{" not in text
    assert actions.render("Due: {due_time}", case).startswith("Due: ")


def test_it_applies_every_action_in_one_change_and_counts_the_use(cast):
    macro = actions.do_save_macro(
        Draft(
            name="Refund on the way",
            reply="Hi {first_name}, {owner_name} has refunded the charge on {case_ref}.",
            set_priority="high",
            add_tags=("refund",),
            assign_to_self=True,
            set_status="pending",
            note="Refund issued via macro",
        ),
        acting_user=cast.billing_agent,
    )
    case, text = actions.do_apply_macro(
        cast.alice_case, macro, acting_user=cast.billing_agent, expected_version=cast.alice_case.version
    )
    assert (case.priority, case.owner, case.status) == ("high", cast.billing_agent, "pending")
    assert properties.tags_of(case) == ["refund"]
    who = cast.billing_agent.first_name or cast.billing_agent.display_name
    assert text == f"Hi Alice, {who} has refunded the charge on {case.ref}."
    applied = TimelineEntry.objects.get(case=case, event=TimelineEntry.Event.MACRO_APPLIED)
    assert applied.visibility == "internal" and "Refund on the way" in applied.body
    assert TimelineEntry.objects.filter(case=case, kind="note", body="Refund issued via macro").exists()
    assert actions.usage_counts(Macro.objects.all()) == {macro.pk: (1, 1)}


def test_it_applies_nothing_when_one_action_is_refused(cast):
    # Resolving is refused (the case is escalated and an agent applies it): the tags,
    # priority and note before it must not stay.
    from honeydesk.cases import actions as case_actions

    case_actions.do_escalate(cast.alice_case, reason="Third call", acting_user=cast.alice)
    macro = actions.do_save_macro(
        Draft(name="Close", set_priority="urgent", add_tags=("done",), note="closing", set_status="resolved",
              resolution_note="Sorted, {first_name}."),
        acting_user=cast.billing_agent,
    )  # fmt: skip
    before = cast.fresh(cast.alice_case)
    entries = TimelineEntry.objects.filter(case=before).count()
    with pytest.raises((InvalidTransition, InvalidInput)):
        actions.do_apply_macro(before, macro, acting_user=cast.billing_agent, expected_version=before.version)
    after = cast.fresh(cast.alice_case)
    assert (after.version, after.priority, after.status) == (before.version, before.priority, before.status)
    assert properties.tags_of(after) == [] and TimelineEntry.objects.filter(case=after).count() == entries
    assert not MacroUse.objects.exists()
    with pytest.raises(StaleVersion):
        actions.do_apply_macro(before, macro, acting_user=cast.billing_agent, expected_version=1)


def test_it_transfers_with_the_hand_off_and_keeps_the_reply_for_the_new_department(cast):
    macro = actions.do_save_macro(
        Draft(
            name="To repair",
            scope=Scope.SHARED,
            reply="Hi {first_name}, our repair team has {case_ref} now.",
            transfer_to=cast.repair,
            handoff="Billing checked {case_ref}: the charge is right, the modem is not.",
        ),
        acting_user=cast.supervisor,
    )
    case = cast.fresh(cast.alice_case)
    moved, text = actions.do_apply_macro(case, macro, acting_user=cast.billing_agent, expected_version=case.version)
    assert (moved.department, moved.owner, moved.status) == (cast.repair, None, "new")
    handoff = f"Billing checked {case.ref}: the charge is right, the modem is not."
    assert moved.handoff_summary == handoff
    transferred = TimelineEntry.objects.get(case=case, event=TimelineEntry.Event.TRANSFERRED)
    assert (transferred.body, transferred.author, transferred.visibility) == (handoff, cast.billing_agent, "internal")
    assert transferred.data["from"] == "Billing" and transferred.data["to"] == "Repair"
    # Billing's rep no longer sees the case: the reply waits, unsent, as a note for Repair.
    assert text == f"Hi Alice, our repair team has {case.ref} now."
    kept = TimelineEntry.objects.get(case=case, kind="note", author=cast.billing_agent, body__contains=text)
    assert kept.visibility == "internal" and kept.body.startswith("Reply from the macro “To repair”, not sent")
    assert not TimelineEntry.objects.filter(case=case, kind="outbound").exists()
    applied = TimelineEntry.objects.get(case=case, event=TimelineEntry.Event.MACRO_APPLIED)
    assert applied.data["done"] == ["transferred to Repair", "reply kept as a note for Repair"]
    # A supervisor still sees the case after the transfer: the reply goes to the composer only.
    back = actions.do_save_macro(
        Draft(name="Back", scope=Scope.SHARED, reply="Back to billing.", transfer_to=cast.billing, handoff="Bill."),
        acting_user=cast.supervisor,
    )
    notes = TimelineEntry.objects.filter(case=case, kind="note").count()
    again, text = actions.do_apply_macro(moved, back, acting_user=cast.supervisor, expected_version=moved.version)
    assert again.department == cast.billing and text == "Back to billing."
    assert TimelineEntry.objects.filter(case=case, kind="note").count() == notes


def test_it_assigns_the_named_rep(cast):
    from honeydesk.accounts.models import Role
    from honeydesk.testing import make_staff

    bo = make_staff("bo", Role.AGENT, cast.billing)
    macro = actions.do_save_macro(
        Draft(name="For Bo", scope=Scope.DEPARTMENT, department=cast.billing, assign_to=bo, reply="{owner_name} here."),
        acting_user=cast.supervisor,
    )
    case = cast.fresh(cast.alice_case)
    assigned, text = actions.do_apply_macro(case, macro, acting_user=cast.billing_agent, expected_version=case.version)
    assert (assigned.owner, assigned.status) == (bo, "open")
    assert text == "Bo here."
    change = TimelineEntry.objects.get(case=case, event=TimelineEntry.Event.OWNER_CHANGED)
    assert change.author == cast.billing_agent  # the rep who applied it, on record
    assert TimelineEntry.objects.get(case=case, event="macro_applied").data["done"] == ["assigned to Bo"]
    # Bo is not in Repair: on a Repair case the whole macro is refused, nothing applied.
    bob_case = cast.fresh(cast.bob_case)
    with pytest.raises((InvalidInput, InvalidTransition)):
        actions.do_apply_macro(bob_case, macro, acting_user=cast.supervisor, expected_version=bob_case.version)
    assert cast.fresh(cast.bob_case).owner is None and not MacroUse.objects.filter(case=bob_case).exists()


def test_the_due_time_placeholder_says_when_the_next_target_is_due(cast, settings):
    from datetime import UTC, datetime

    import time_machine

    from honeydesk.cases import actions as case_actions

    settings.TIME_ZONE = "UTC"
    with time_machine.travel(datetime(2025, 3, 17, 10, 0, tzinfo=UTC), tick=False):  # Monday 10:00
        case = case_actions.do_open_case(
            case_actions.Opening(
                account=cast.alice_account,
                contact=cast.alice_contact,
                request_type=cast.billing_type,
                subject="Bill",
                body="Billed twice.",
                channel="portal",
            ),
            acting_user=cast.alice,
        )
        # Billing answers within 8 business hours (Monday-Friday 09:00-17:00): Tuesday 10:00.
        assert actions.render("Expect us by {due_time}.", case) == "Expect us by Tuesday 18 March, 10:00."
        case_actions.do_resolve(case, note="Refunded.", acting_user=cast.billing_agent)
        assert actions.render("{due_time}", cast.fresh(case)) == "as soon as we can"  # nothing left to meet
