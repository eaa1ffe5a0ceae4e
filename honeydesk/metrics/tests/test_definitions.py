"""Every metric against a small hand-computed record.

The clock starts Monday 2 March 2026 09:00 UTC. The cast's alice_case (Billing, portal,
alice) and bob_case (Repair, portal, bob) are opened at that moment; bianca works
Billing, rafael Repair. Each test writes out the expected figure and why.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from honeydesk.cases import actions
from honeydesk.channels.phone import callbacks
from honeydesk.channels.phone.inbound import CallEventData, do_record_call_event
from honeydesk.metrics.definitions import METRICS, metric
from honeydesk.metrics.tests.conftest import by, incremental_matches
from honeydesk.policy.models import BusinessCalendar, OpeningHours

pytestmark = pytest.mark.django_db

MON = datetime(2026, 3, 2, tzinfo=UTC)


def at(clock: Any, day: int, hour: int, minute: int = 0) -> None:
    clock.move_to(MON + timedelta(days=day, hours=hour, minutes=minute))


def test_it_measures_first_response_resolution_and_written_handle_time(desk: Any, clock: Any) -> None:
    bianca = desk.billing_agent
    at(clock, 0, 10, 30)
    actions.do_add_reply(desk.alice_case, body="Looking into it.", acting_user=bianca, compose_seconds=240)
    at(clock, 0, 13)
    actions.do_resolve(desk.fresh(desk.alice_case), note="Refunded.", acting_user=bianca)

    # No business calendar is set up: calendar time. Opened 09:00, answered 10:30 = 5400 s,
    # resolved 13:00 = 14400 s; both bianca's.
    assert by("first_response", "rep_id")[bianca.pk] == (1, 5400)
    assert by("resolution", "rep_id")[bianca.pk] == (1, 14400)
    # One reply with 240 s of composing; the cast's note has no measurement: not counted.
    assert by("handle_written", "rep_id") == {bianca.pk: (1, 240)}
    # Two customer messages opened the two cases at 09:00; contacts are nobody's.
    assert by("contacts", "hour", "rep_id") == {(9, 0): (2, 0)}
    # No repeat contact: resolved first time; not reopened.
    assert by("fcr", "rep_id")[bianca.pk] == (1, 1)
    assert by("reopened", "rep_id")[bianca.pk] == (1, 0)
    assert metric("fcr").shown(1, 1) == "100%"
    assert metric("handle_written").shown(1, 240) == "4m 00s"
    assert incremental_matches()


def test_it_counts_durations_in_business_hours_when_a_calendar_exists(desk: Any, clock: Any) -> None:
    calendar = BusinessCalendar.objects.create(name="Desk", time_zone="UTC", is_default=True)
    OpeningHours.objects.bulk_create(
        OpeningHours(calendar=calendar, weekday=d, opens=time(9), closes=time(17)) for d in range(5)
    )
    bianca = desk.billing_agent
    at(clock, 4, 16)  # Friday 16:00
    case = actions.do_open_case(
        actions.Opening(
            account=desk.alice_account,
            contact=desk.alice_contact,
            request_type=desk.billing_type,
            subject="Late fee",
            body="Why a late fee?",
            channel="email",
        ),
        acting_user=desk.alice,
    )
    at(clock, 7, 10)  # Monday 10:00: 66 calendar hours, but 1 h Friday + 1 h Monday open.
    actions.do_add_reply(case, body="Removed.", acting_user=bianca)
    actions.do_resolve(desk.fresh(case), note="Fee removed.", acting_user=bianca)
    assert by("resolution", "request_type_id", "channel")[(desk.billing_type.pk, "email")] == (1, 7200)
    # First response over the same weekend: answered Monday 10:00, 7200 s of business time.
    # And over a night: opened Tuesday 16:30, answered Wednesday 09:30: 30 min before the
    # close and 30 min after the opening, 3600 s (17 calendar hours). Each first response
    # counts on the day it was given.
    at(clock, 8, 16, 30)
    night = actions.do_open_case(
        actions.Opening(
            account=desk.bob_account,
            contact=desk.bob_contact,
            request_type=desk.repair_type,
            subject="Noise on the line",
            body="Crackling since last night.",
            channel="email",
        ),
        acting_user=desk.bob,
    )
    at(clock, 9, 9, 30)
    actions.do_add_reply(night, body="Sending an engineer.", acting_user=desk.repair_agent)
    assert by("first_response", "day", "rep_id") == {
        (date(2026, 3, 9), bianca.pk): (1, 7200),
        (date(2026, 3, 11), desk.repair_agent.pk): (1, 3600),
    }
    assert incremental_matches()


def test_it_judges_first_contact_resolution_on_repeats_within_n_days(desk: Any, clock: Any) -> None:
    bianca, rafael = desk.billing_agent, desk.repair_agent
    at(clock, 0, 12)
    actions.do_resolve(desk.fresh(desk.alice_case), note="Refunded.", acting_user=bianca)
    actions.do_resolve(desk.fresh(desk.bob_case), note="Node reset.", acting_user=rafael)
    # alice: reopened on day 10, after the 7-day window -> still resolved first time,
    # but it is a reopening (reopen rate 1/1).
    at(clock, 10, 12)
    actions.do_reopen(desk.fresh(desk.alice_case), acting_user=desk.alice, reason="Charged again")
    # bob: calls on day 2 about a repair again: a new case on another channel (phone),
    # same account and request type -> a repeat contact, not resolved first time.
    at(clock, 2, 9)
    actions.do_open_case(
        actions.Opening(
            account=desk.bob_account,
            contact=desk.bob_contact,
            request_type=desk.repair_type,
            subject="Still offline",
            body="Modem offline again.",
            channel="phone",
        ),
        acting_user=rafael,
    )
    assert by("fcr", "rep_id") == {bianca.pk: (1, 1), rafael.pk: (1, 0)}
    assert by("reopened", "rep_id") == {bianca.pk: (1, 1), rafael.pk: (1, 0)}
    assert incremental_matches()


def test_it_counts_a_linked_follow_up_as_a_repeat_contact(desk: Any, clock: Any) -> None:
    bianca = desk.billing_agent
    at(clock, 0, 12)
    actions.do_resolve(desk.fresh(desk.alice_case), note="Refunded.", acting_user=bianca)
    rollups_before = incremental_matches()
    at(clock, 3, 12)
    # A follow-up of another type (repair), linked to alice's billing case, on day 3.
    actions.do_open_case(
        actions.Opening(
            account=desk.alice_account,
            contact=desk.alice_contact,
            request_type=desk.repair_type,
            subject="About my refund",
            body="Did the refund go through?",
            channel="portal",
            linked_case=desk.alice_case,
        ),
        acting_user=desk.alice,
    )
    assert rollups_before
    assert by("fcr", "rep_id") == {bianca.pk: (1, 0)}
    # The roll-up had counted alice's case as resolved first time; the follow-up marked it
    # stale and the worker's refresh turned it round.
    assert incremental_matches()


def test_it_measures_call_handle_time_and_leaves_out_calls_without_an_end(desk: Any, clock: Any) -> None:
    rafael = desk.repair_agent
    sam = desk.supervisor
    at(clock, 0, 10)
    do_record_call_event(
        CallEventData(
            call_id="c1", event="answered", caller="+14155550202", queue="repair", agent="rafael", wait_seconds=45
        ),
        acting_user=sam,
    )
    at(clock, 0, 10, 5)
    do_record_call_event(CallEventData(call_id="c1", event="ended", talk_seconds=300), acting_user=sam)
    # Wrap-up: rafael's note 10 minutes after the call, 60 s of composing.
    at(clock, 0, 10, 15)
    case = desk.fresh(desk.bob_case)
    actions.do_add_note(case, body="Reset the node.", acting_user=rafael, compose_seconds=60)
    # A second call answered but never ended: no talk time, left out.
    at(clock, 0, 11)
    do_record_call_event(
        CallEventData(call_id="c2", event="answered", caller="+14155550202", queue="repair", agent="rafael"),
        acting_user=sam,
    )
    # One call: 300 s talk + 60 s wrap-up = 360 s.
    assert by("handle_call", "rep_id") == {rafael.pk: (1, 360)}
    # Its wait (45 s) in the 10:00 hour, and the call is a contact in that hour.
    assert by("call_wait", "hour") == {10: (1, 45)}
    assert by("contacts", "hour", "channel")[(10, "phone")] == (1, 0)
    assert incremental_matches()


def test_it_takes_call_wrap_up_from_the_call_events_before_the_notes(desk: Any, clock: Any) -> None:
    from honeydesk.metrics import rollups

    rafael, sam = desk.repair_agent, desk.supervisor

    def answered_call(call_id: str, hour: int) -> None:
        at(clock, 0, hour)
        do_record_call_event(
            CallEventData(call_id=call_id, event="answered", caller="+14155550202", queue="repair", agent="rafael"),
            acting_user=sam,
        )
        at(clock, 0, hour, 5)
        do_record_call_event(CallEventData(call_id=call_id, event="ended", talk_seconds=300), acting_user=sam)
        # rafael's note 2 minutes after the call ended, 60 s of composing.
        at(clock, 0, hour, 7)
        actions.do_add_note(desk.fresh(desk.bob_case), body="Notes.", acting_user=rafael, compose_seconds=60)

    # c1: the telephony system reports 90 s of after-call work: 300 + 90 = 390 s (the
    # note's 60 s typing is not added: the call events say what the wrap-up was).
    answered_call("c1", 10)
    rollups.refresh()  # the call is in the roll-ups before its wrap-up is reported
    at(clock, 0, 10, 8)
    do_record_call_event(CallEventData(call_id="c1", event="wrapup_ended", wrapup_seconds=90), acting_user=sam)
    assert incremental_matches()  # the late event marked the case: refreshed, not stale
    # c2: wrap-up ended 4 minutes after the call's end, without a measurement: 300 + 240.
    answered_call("c2", 11)
    at(clock, 0, 11, 9)
    do_record_call_event(CallEventData(call_id="c2", event="wrapup_ended"), acting_user=sam)
    # c3: no wrap-up event: the note's typing time is the wrap-up, 300 + 60.
    answered_call("c3", 12)
    assert by("handle_call", "hour", "rep_id") == {(0, rafael.pk): (3, 390 + 540 + 360)}
    assert metric("handle_call").shown(3, 1290) == "7m 10s"
    assert incremental_matches()


def test_it_counts_a_transferred_case_for_whoever_did_each_part(desk: Any, clock: Any) -> None:
    bianca, rafael = desk.billing_agent, desk.repair_agent
    at(clock, 0, 9, 30)
    actions.do_add_reply(desk.bob_case, body="Checking the line.", acting_user=rafael, compose_seconds=100)
    at(clock, 0, 10)
    actions.do_transfer(desk.fresh(desk.bob_case), desk.billing, summary="It is a billing block.", acting_user=rafael)
    at(clock, 0, 11)
    case = desk.fresh(desk.bob_case)
    actions.do_add_reply(case, body="Unblocked.", acting_user=bianca, compose_seconds=200)
    actions.do_resolve(desk.fresh(case), note="Unblocked.", acting_user=bianca)
    # rafael keeps his reply and the first response (30 min); bianca gets the resolution.
    assert by("first_response", "rep_id") == {rafael.pk: (1, 1800)}
    assert by("handle_written", "rep_id") == {rafael.pk: (1, 100), bianca.pk: (1, 200)}
    assert by("resolution", "rep_id") == {bianca.pk: (1, 7200)}
    # All of the case's figures are in the department it has now: Billing.
    assert set(by("handle_written", "department_id")) == {desk.billing.pk}
    assert incremental_matches()


def test_it_measures_service_levels_and_promises(desk: Any, clock: Any) -> None:
    bianca, rafael = desk.billing_agent, desk.repair_agent
    # Service levels (built-in calendar Mon-Fri 09-17): billing answers within 8 h,
    # repair within 4 h. bianca answers at 10:30 (met); rafael at 14:00 (5 h: missed).
    at(clock, 0, 10, 30)
    actions.do_add_reply(desk.alice_case, body="On it.", acting_user=bianca)
    at(clock, 0, 14)
    actions.do_add_reply(desk.bob_case, body="On it.", acting_user=rafael)
    assert by("sla", "rep_id") == {bianca.pk: (1, 1), rafael.pk: (1, 0)}
    # rafael promises two call-backs; he calls in time for the first (kept), and closes
    # the second as broken: 1 of 2 kept.
    case = desk.fresh(desk.bob_case)
    first = callbacks.do_promise_callback(case, due_at=MON + timedelta(hours=16), acting_user=rafael)
    at(clock, 0, 15)
    actions.do_log_call(desk.fresh(case), body="Called back.", acting_user=rafael, direction="outbound")
    second = callbacks.do_promise_callback(desk.fresh(case), due_at=MON + timedelta(hours=17), acting_user=rafael)
    callbacks.do_break_callback(second, reason="Line down.", acting_user=rafael)
    first.refresh_from_db()
    assert first.promise_state == "kept"
    assert by("promises", "rep_id") == {rafael.pk: (2, 1)}
    assert metric("promises").shown(2, 1) == "50%"
    assert incremental_matches()


def test_it_counts_abusive_messages_for_the_owner_when_they_arrived(desk: Any, clock: Any) -> None:
    bianca = desk.billing_agent
    actions.do_assign(desk.alice_case, bianca, acting_user=bianca)
    at(clock, 0, 12)
    actions.do_receive_message(
        actions.Inbound(
            subject="Re: Charged twice",
            body="(abusive words)",
            channel="email",
            contact=desk.alice_contact,
            data={"analysis": {"tone": "abusive"}},
        ),
        case=desk.fresh(desk.alice_case),
    )
    assert by("abuse", "rep_id") == {bianca.pk: (1, 1)}
    assert metric("abuse").supervisors_only
    assert incremental_matches()


def test_it_states_a_definition_for_every_metric() -> None:
    assert all(len(m.definition) > 40 for m in METRICS)
