"""Business time: the one module every rule counts with (weekends, holidays, DST)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from honeydesk.policy.calendars import hours_for
from honeydesk.policy.hours import Hours, NeverOpen, merged
from honeydesk.policy.models import BusinessCalendar, Closure, DepartmentCalendar, OpeningHours

NY = ZoneInfo("America/New_York")
WEEKDAYS_9_TO_5 = {d: [(time(9), time(17))] for d in range(5)}


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


def test_it_adds_business_hours_across_a_weekend():
    hours = Hours(NY, WEEKDAYS_9_TO_5)
    # Friday 15:00 + 4 h: 2 h on Friday, 2 h on Monday.
    assert hours.add(ny(2025, 1, 10, 15), timedelta(hours=4)) == ny(2025, 1, 13, 11)
    assert hours.between(ny(2025, 1, 10, 15), ny(2025, 1, 13, 11)) == timedelta(hours=4)
    # Starting on a Saturday counts from Monday's opening.
    assert hours.add(ny(2025, 1, 11, 12), timedelta(hours=1)) == ny(2025, 1, 13, 10)
    assert hours.add(ny(2025, 1, 11, 12), timedelta(0)) == ny(2025, 1, 13, 9)


def test_it_keeps_eight_hour_days_across_both_dst_changes():
    hours = Hours(NY, WEEKDAYS_9_TO_5)
    # Spring forward on Sunday 9 March 2025: Friday 15:00 EST + 8 h = Monday 15:00 EDT.
    due = hours.add(ny(2025, 3, 7, 15), timedelta(hours=8))
    assert due == ny(2025, 3, 10, 15) and due.astimezone(UTC) == datetime(2025, 3, 10, 19, tzinfo=UTC)
    # Fall back on Sunday 2 November 2025: Friday 15:00 EDT + 8 h = Monday 15:00 EST.
    due = hours.add(ny(2025, 10, 31, 15), timedelta(hours=8))
    assert due.astimezone(UTC) == datetime(2025, 11, 3, 20, tzinfo=UTC)
    assert hours.between(ny(2025, 10, 31, 15), due) == timedelta(hours=8)


def test_it_counts_real_hours_for_a_desk_open_through_a_dst_night():
    always = Hours(NY, {d: [(time(0), time(0))] for d in range(7)})
    # Sunday 9 March 2025 has 23 hours in New York.
    assert always.between(ny(2025, 3, 9), ny(2025, 3, 10)) == timedelta(hours=23)
    assert always.add(ny(2025, 3, 9), timedelta(hours=23)) == ny(2025, 3, 10)


def test_it_skips_public_holidays_and_the_desks_own_closures(db):
    calendar = BusinessCalendar.objects.create(name="US East", time_zone="America/New_York", holiday_country="US")
    for d in range(5):
        OpeningHours.objects.create(calendar=calendar, weekday=d, opens=time(9), closes=time(17))
    Closure.objects.create(calendar=calendar, date=date(2025, 1, 14), name="Office move")
    hours = hours_for_calendar(calendar)
    # Friday 17 Jan 15:00 + 4 h: Monday 20 Jan is Martin Luther King Jr. Day.
    assert hours.add(ny(2025, 1, 17, 15), timedelta(hours=4)) == ny(2025, 1, 21, 11)
    # Monday 13 Jan 16:00 + 2 h: Tuesday 14 Jan is the desk's own closure.
    assert hours.add(ny(2025, 1, 13, 16), timedelta(hours=2)) == ny(2025, 1, 15, 10)
    assert not hours.is_open(ny(2025, 1, 20, 10)) and hours.is_open(ny(2025, 1, 21, 10))


def hours_for_calendar(calendar: BusinessCalendar) -> Hours:
    from honeydesk.policy.calendars import from_calendar

    return from_calendar(BusinessCalendar.objects.prefetch_related("opening_hours", "closures").get(pk=calendar.pk))


def test_it_spans_a_weekend_a_holiday_and_a_dst_change_in_one_target(db):
    calendar = BusinessCalendar.objects.create(name="US", time_zone="America/New_York", holiday_country="US")
    for d in range(5):
        OpeningHours.objects.create(calendar=calendar, weekday=d, opens=time(9), closes=time(17))
    hours = hours_for_calendar(calendar)
    # Fri 31 Oct 15:00 EDT + 56 h: 2 h Friday, the clocks go back on Sunday 2 Nov, 8 h a day
    # through Mon 10 Nov, Tue 11 Nov is Veterans Day, 6 h on Wed 12 Nov: 15:00 EST.
    due = hours.add(ny(2025, 10, 31, 15), timedelta(hours=56))
    assert due == ny(2025, 11, 12, 15)
    assert due.astimezone(UTC) == datetime(2025, 11, 12, 20, tzinfo=UTC)
    assert hours.between(ny(2025, 10, 31, 15), due) == timedelta(hours=56)
    assert hours.back(due, timedelta(hours=56)) == ny(2025, 10, 31, 15)


def test_it_handles_several_ranges_a_day_and_counts_back_for_warnings():
    split = Hours(NY, {0: [(time(13), time(17)), (time(8), time(12)), (time(11), time(12, 30))]})
    assert merged(split.week[0]) == [(time(8), time(12, 30)), (time(13), time(17))]
    monday = ny(2025, 1, 13, 12)
    assert split.add(monday, timedelta(hours=1)) == ny(2025, 1, 13, 13, 30)  # the lunch break does not count
    assert split.between(ny(2025, 1, 13, 8), ny(2025, 1, 13, 17)) == timedelta(hours=8, minutes=30)
    assert split.back(ny(2025, 1, 13, 13, 30), timedelta(hours=1)) == monday
    assert split.between(ny(2025, 1, 13, 17), ny(2025, 1, 13, 8)) == -timedelta(hours=8, minutes=30)
    assert split.describe() == "Mon 08:00-12:30, 13:00-17:00"


def test_it_refuses_a_calendar_that_never_opens():
    with pytest.raises(NeverOpen):
        Hours(NY, {}).add(ny(2025, 1, 13, 12), timedelta(hours=1))


def test_each_department_uses_its_calendar_else_the_default_else_the_built_in_one(cast, settings):
    settings.TIME_ZONE = "Europe/London"
    assert hours_for(cast.billing).describe() == "Mon-Fri 09:00-17:00"
    assert getattr(hours_for(cast.billing).tz, "key", "") == "Europe/London"
    default = BusinessCalendar.objects.create(name="Default", time_zone="UTC", is_default=True)
    OpeningHours.objects.create(calendar=default, weekday=5, opens=time(10), closes=time(14))
    night = BusinessCalendar.objects.create(name="Night desk", time_zone="Asia/Tokyo")
    OpeningHours.objects.create(calendar=night, weekday=0, opens=time(22), closes=time(0))
    DepartmentCalendar.objects.create(department=cast.repair, calendar=night)
    assert hours_for(cast.billing).describe() == "Sat 10:00-14:00"
    assert hours_for(cast.repair).describe() == "Mon 22:00-24:00"
    assert getattr(hours_for(cast.repair.pk).tz, "key", "") == "Asia/Tokyo"


def test_it_validates_calendars_in_the_admin(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="time zone"):
        BusinessCalendar(name="x", time_zone="Mars/Olympus").full_clean()
    with pytest.raises(ValidationError, match="No public holidays"):
        BusinessCalendar(name="x", time_zone="UTC", holiday_country="XX").full_clean()
    with pytest.raises(ValidationError, match="no region"):
        BusinessCalendar(name="x", time_zone="UTC", holiday_country="US", holiday_region="ZZ").full_clean()
    BusinessCalendar(name="x", time_zone="UTC", holiday_country="us", holiday_region="ca").full_clean()
    calendar = BusinessCalendar.objects.create(name="y", time_zone="UTC")
    with pytest.raises(ValidationError, match="after opening"):
        OpeningHours(calendar=calendar, weekday=0, opens=time(17), closes=time(9)).full_clean()
    OpeningHours(calendar=calendar, weekday=0, opens=time(17), closes=time(0)).full_clean()
