"""Service levels: due times in business hours kept on the case, paused while waiting on
the customer, warned about before a breach and a breach recorded once."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
import time_machine

from honeydesk.cases import actions
from honeydesk.cases.models import Case, TimelineEntry
from honeydesk.notifications.models import Notification
from honeydesk.policy import sla
from honeydesk.policy.models import (
    BusinessCalendar,
    DepartmentCalendar,
    OpeningHours,
    ServiceLevel,
    SlaEvent,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def frozen(settings):
    settings.TIME_ZONE = "UTC"
    with time_machine.travel(utc(2025, 3, 14, 15, 0), tick=False) as traveller:  # a Friday
        yield traveller


def open_case(cast, request_type=None, **extra) -> Case:
    case = actions.do_open_case(
        actions.Opening(
            account=cast.bob_account,
            contact=cast.bob_contact,
            request_type=request_type or cast.repair_type,
            subject="Line down",
            body="My line is dead since this morning.",
            channel="portal",
            **extra,
        ),
        acting_user=cast.bob,
    )
    return Case.objects.get(pk=case.pk)


def test_it_writes_due_times_in_business_hours_when_a_case_opens(cast, frozen):
    case = open_case(cast)  # repair: first response 4 h, resolution 24 h
    assert case.first_response_due_at == utc(2025, 3, 17, 11, 0)  # 2 h on Friday, 2 h on Monday
    assert case.resolution_due_at == utc(2025, 3, 19, 15, 0)
    assert case.next_response_due_at is None and case.sla_due_at == case.first_response_due_at
    page = cast.client(cast.repair_agent).get(f"/desk/cases/{case.ref}/").content.decode()
    assert "First response due" in page and "Mon 17 Mar 11:00" in page


def test_a_new_cases_due_times_go_in_with_its_insert(cast, frozen):
    """No UPDATE of the case row right after its INSERT: the clocks start in `sla.opening`
    and the "opened" entry finds them right (one statement less per case opened)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        case = open_case(cast)
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "cases_case"')]
    assert updates == []
    assert case.first_response_due_at == utc(2025, 3, 17, 11, 0)
    assert case.sla_due_at == case.first_response_due_at and case.sla_check_at == utc(2025, 3, 14, 15, 0)


def test_an_answer_moves_the_due_time_after_an_opening_without_update(cast, frozen):
    """The clocks still move after a case opened with its due times in the INSERT: the
    first answer stops the first-response clock and the soonest target becomes the
    resolution."""
    case = open_case(cast)
    actions.do_add_reply(case, body="We are on it.", acting_user=cast.repair_agent)
    case.refresh_from_db()
    assert case.first_response_at is not None and case.sla_due_at == case.resolution_due_at


def test_a_case_without_a_service_level_gets_no_clock_writes(cast, frozen):
    """The e-mail hot path: nothing runs, so nothing is written (no NULL-to-NULL UPDATE per
    message); a case with a level still gets its due time written."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ServiceLevel.objects.filter(request_type=cast.repair_type).delete()
    with CaptureQueriesContext(connection) as queries:
        case = open_case(cast)
    assert case.sla_due_at is None and case.sla_check_at is None
    assert not [q["sql"] for q in queries.captured_queries if '"sla_due_at"' in q["sql"] and "UPDATE" in q["sql"]]


def test_it_takes_the_level_of_the_priority_and_never_rewrites_running_cases(cast, frozen):
    ServiceLevel.objects.create(request_type=cast.repair_type, priority="urgent", first_response_hours=1)
    urgent = open_case(cast, priority="urgent")
    assert urgent.first_response_due_at == utc(2025, 3, 14, 16, 0)
    normal = open_case(cast)
    level = ServiceLevel.objects.get(request_type=cast.repair_type, priority="")
    level.first_response_hours = 1
    level.save()  # as the admin saves it: the process's kept levels are dropped at once
    assert Case.objects.get(pk=normal.pk).first_response_due_at == utc(2025, 3, 17, 11, 0)
    assert open_case(cast).first_response_due_at == utc(2025, 3, 14, 16, 0)


def test_it_pauses_while_waiting_on_the_customer_and_resumes_when_they_answer(cast, frozen):
    case = open_case(cast)
    frozen.move_to(utc(2025, 3, 14, 15, 30))
    actions.do_add_reply(case, body="Bob, I'm on it.", acting_user=cast.repair_agent)
    case = Case.objects.get(pk=case.pk)
    assert case.sla_due_at == case.resolution_due_at == utc(2025, 3, 19, 15, 0)  # first response met
    frozen.move_to(utc(2025, 3, 17, 10, 0))
    actions.do_set_pending(case, acting_user=cast.repair_agent)
    case = Case.objects.get(pk=case.pk)
    assert case.sla_paused_at == utc(2025, 3, 17, 10, 0) and case.sla_due_at is None
    frozen.move_to(utc(2025, 3, 19, 12, 0))  # the old due time passes while paused: no breach
    assert sla.scan() == 0
    actions.do_add_reply(case, body="Here is the photo of the modem lights.", acting_user=cast.bob)
    case = Case.objects.get(pk=case.pk)
    # 21 business hours were left at the pause (Mon 10-17, Tue, Wed 9-15): from Wed 12:00.
    assert case.sla_paused_at is None and case.resolution_due_at == utc(2025, 3, 21, 17, 0)
    # The customer's message starts the next-response clock (8 business hours).
    assert case.next_response_due_at == utc(2025, 3, 20, 12, 0) and case.sla_due_at == case.next_response_due_at
    actions.do_log_call(case, body="Talked Bob through a reset.", acting_user=cast.repair_agent, direction="outbound")
    case = Case.objects.get(pk=case.pk)
    assert case.next_response_due_at is None and case.sla_due_at == case.resolution_due_at


def test_it_warns_before_a_breach_and_records_the_breach_once(cast, frozen):
    frozen.move_to(utc(2025, 3, 17, 9, 0))  # Monday
    case = open_case(cast, request_type=cast.billing_type)  # first response 8 h, warn 1 h before
    assert case.first_response_due_at == utc(2025, 3, 17, 17, 0)
    frozen.move_to(utc(2025, 3, 17, 15, 59))
    assert sla.scan() == 0
    frozen.move_to(utc(2025, 3, 17, 16, 0))
    assert sla.scan() == 1 and sla.scan() == 0
    [warning] = Notification.objects.filter(kind="sla_warning")
    assert warning.user == cast.supervisor  # nobody owns it yet: the department's supervisor
    assert "First response due soon" in warning.title and "(1 h of business time left)" in warning.body
    assert not TimelineEntry.objects.filter(case=case, event="sla_breached").exists()
    version = Case.objects.get(pk=case.pk).version
    frozen.move_to(utc(2025, 3, 17, 17, 5))
    assert sla.scan() == 1
    assert sla.scan() == 0 and sla.scan(utc(2025, 3, 18, 9, 0)) == 0
    [breach] = TimelineEntry.objects.filter(case=case, event="sla_breached")
    assert breach.visibility == "internal" and breach.data["target"] == "first_response"
    assert breach.data["due_at"] == "2025-03-17T17:00:00+00:00" and "First response target missed" in breach.body
    assert SlaEvent.objects.filter(case=case).count() == 2
    assert Notification.objects.filter(kind="sla_breach", user=cast.supervisor).count() == 1
    # A clock event is not somebody else's change: a rep's open form is not made stale.
    assert Case.objects.get(pk=case.pk).version == version


def test_it_warns_the_owner_and_not_someone_who_cannot_see_the_case(cast, frozen):
    frozen.move_to(utc(2025, 3, 17, 9, 0))
    case = open_case(cast, request_type=cast.billing_type)
    actions.do_assign(case, cast.billing_agent, acting_user=cast.supervisor)
    frozen.move_to(utc(2025, 3, 17, 16, 30))
    sla.scan()
    assert list(Notification.objects.filter(kind="sla_warning").values_list("user__username", flat=True)) == ["bianca"]


def test_it_sorts_a_queue_by_due_soonest(cast, frozen):
    later = open_case(cast, request_type=cast.billing_type)
    sooner = open_case(cast)
    paused = open_case(cast)
    actions.do_assign(paused, cast.repair_agent, acting_user=cast.repair_agent)
    actions.do_set_pending(paused, acting_user=cast.repair_agent)
    page = cast.client(cast.supervisor).get("/desk/?queue=department&sort=due").content.decode()
    refs = [ref for ref in (sooner.ref, later.ref, paused.ref) if ref in page]
    assert sorted(refs, key=page.index) == [sooner.ref, later.ref, paused.ref]


def test_it_records_the_final_overrun_when_a_missed_first_response_is_sent(cast, frozen):
    frozen.move_to(utc(2025, 3, 17, 9, 0))  # Monday
    case = open_case(cast, request_type=cast.billing_type)  # first response due Mon 17:00
    frozen.move_to(utc(2025, 3, 17, 17, 5))
    assert sla.scan() == 1
    [breach] = SlaEvent.objects.filter(case=case, kind="breach")
    assert breach.met_at is None and breach.overrun_seconds is None
    frozen.move_to(utc(2025, 3, 18, 12, 10))  # Tuesday: the first answer at last
    actions.do_add_reply(case, body="Sorry for the wait, Bob.", acting_user=cast.billing_agent)
    breach.refresh_from_db()
    assert breach.met_at == utc(2025, 3, 18, 12, 10)
    assert breach.overrun_seconds == (3 * 60 + 10) * 60  # Mon 17:00 is closing: 09:00-12:10 Tuesday
    # Recorded once on the timeline; later answers and scans leave the overrun alone.
    frozen.move_to(utc(2025, 3, 18, 15, 0))
    actions.do_add_reply(case, body="One more thing.", acting_user=cast.billing_agent)
    assert sla.scan() == 0
    breach.refresh_from_db()
    assert breach.overrun_seconds == (3 * 60 + 10) * 60
    assert TimelineEntry.objects.filter(case=case, event="sla_breached").count() == 1
    page = cast.client(cast.billing_agent).get(f"/desk/cases/{case.ref}/").content.decode()
    assert "(missed: 3 h 10 min late (business time))" in page
    api = cast.api(cast.billing_agent).get(f"/cases/{case.ref}/service-level").json()
    assert [(e["kind"], e["overrun_seconds"]) for e in api["events"]] == [("breach", 11400)]


def test_it_records_a_late_next_response_and_resolution_with_their_overruns(cast, frozen):
    case = open_case(cast)  # repair, Friday 15:00: resolution due Wed 19 Mar 15:00
    frozen.move_to(utc(2025, 3, 14, 15, 30))
    actions.do_add_reply(case, body="Bob, I'm on it.", acting_user=cast.repair_agent)
    frozen.move_to(utc(2025, 3, 17, 10, 0))
    actions.do_add_reply(case, body="Still dead.", acting_user=cast.bob)
    case = Case.objects.get(pk=case.pk)
    assert case.next_response_due_at == utc(2025, 3, 18, 10, 0)  # 8 business hours
    # Answered 1 h 30 late, before any scan noticed: the breach is recorded now, with the
    # overrun, and nobody is told (nothing is left to do about it).
    frozen.move_to(utc(2025, 3, 18, 11, 30))
    actions.do_add_reply(case, body="A technician comes tomorrow.", acting_user=cast.repair_agent)
    [late] = SlaEvent.objects.filter(case=case, target="next_response")
    assert (late.kind, late.due_at, late.overrun_seconds) == ("breach", utc(2025, 3, 18, 10, 0), 90 * 60)
    [entry] = TimelineEntry.objects.filter(case=case, event="sla_breached")
    assert entry.visibility == "internal" and "met 1 h 30 min of business time late" in entry.body
    assert not Notification.objects.filter(kind="sla_breach").exists()
    frozen.move_to(utc(2025, 3, 19, 15, 1))
    assert sla.scan() == 1  # the resolution target; the next response is not recorded again
    frozen.move_to(utc(2025, 3, 20, 10, 0))
    actions.do_resolve(Case.objects.get(pk=case.pk), acting_user=cast.repair_agent, note="Line restored.")
    resolution = SlaEvent.objects.get(case=case, target="resolution", kind="breach")
    assert (
        resolution.met_at == utc(2025, 3, 20, 10, 0) and resolution.overrun_seconds == 3 * 3600
    )  # Wed 15-17, Thu 9-10
    assert TimelineEntry.objects.filter(case=case, event="sla_breached").count() == 2
    page = cast.client(cast.repair_agent).get(f"/desk/cases/{case.ref}/").content.decode()
    assert "1 h 30 min late (business time)" in page and "3 h late (business time)" in page


def test_a_target_met_in_time_records_no_breach(cast, frozen):
    case = open_case(cast)
    frozen.move_to(utc(2025, 3, 17, 10, 59))  # first response due Mon 11:00
    actions.do_add_reply(case, body="On it.", acting_user=cast.repair_agent)
    assert not SlaEvent.objects.filter(case=case).exists()
    assert not TimelineEntry.objects.filter(case=case, event="sla_breached").exists()


def test_a_case_target_spans_a_weekend_a_holiday_and_a_clock_change(cast, frozen):
    calendar = BusinessCalendar.objects.create(name="US East", time_zone="America/New_York", holiday_country="US")
    for day in range(5):
        OpeningHours.objects.create(calendar=calendar, weekday=day, opens=time(9), closes=time(17))
    DepartmentCalendar.objects.create(department=cast.repair, calendar=calendar)
    level = ServiceLevel.objects.get(request_type=cast.repair_type, priority="")
    level.first_response_hours, level.resolution_hours, level.warn_before_hours = 4, 56, 1
    level.save()  # as the admin saves it
    # Friday 31 Oct 2025 15:00 EDT. The clocks go back on Sunday 2 Nov; Tuesday 11 Nov is
    # Veterans Day.
    frozen.move_to(utc(2025, 10, 31, 19, 0))
    case = open_case(cast)
    # 2 h on Friday, then Monday 09:00-11:00 EST (16:00 UTC, not 15:00 as in summer time).
    assert case.first_response_due_at == utc(2025, 11, 3, 16, 0)
    # 2 h Friday, 8 h a day through Mon 10 Nov, no hours on the holiday, 6 h on Wed 12 Nov:
    # 15:00 EST.
    assert case.resolution_due_at == utc(2025, 11, 12, 20, 0)
    frozen.move_to(utc(2025, 10, 31, 20, 0))
    actions.do_add_reply(case, body="Looking into it, Bob.", acting_user=cast.repair_agent)
    assert Case.objects.get(pk=case.pk).sla_due_at == utc(2025, 11, 12, 20, 0)
    page = cast.client(cast.repair_agent).get(f"/desk/cases/{case.ref}/").content.decode()
    assert "Resolution due" in page and "Wed 12 Nov 15:00" in page
    # The warning one business hour before: Wed 14:00 EST (the holiday is not an hour).
    frozen.move_to(utc(2025, 11, 11, 20, 0))
    assert sla.scan() == 0
    frozen.move_to(utc(2025, 11, 12, 18, 59))
    assert sla.scan() == 0
    frozen.move_to(utc(2025, 11, 12, 19, 0))
    assert sla.scan() == 1
    assert Notification.objects.get(kind="sla_warning", user=cast.repair_agent).body.startswith(
        "Resolution is due Wed 12 Nov 15:00 (1 h of business time left)"
    )
    frozen.move_to(utc(2025, 11, 12, 19, 59))
    assert sla.scan() == 0
    frozen.move_to(utc(2025, 11, 12, 20, 0))
    assert sla.scan() == 1
    assert SlaEvent.objects.get(case=case, kind="breach").due_at == utc(2025, 11, 12, 20, 0)
