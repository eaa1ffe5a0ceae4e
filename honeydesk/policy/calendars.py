"""Which business calendar applies, built from the admin's rows (see `hours.Hours`).

`hours_for(department)` is what every rule calls: the department's calendar, else the
default calendar, else Monday-Friday 09:00-17:00 in settings.TIME_ZONE without
holidays (what the desk did before calendars existed). Rows are read on each call
(three small queries): calendars change rarely but must never be stale, and a cache
would outlive a test's rolled-back rows. Public holidays come from the `holidays`
library and are kept per country and region for the life of the process.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable
from datetime import date, time

import holidays as holidays_lib
from django.conf import settings

from honeydesk.accounts.models import Department
from honeydesk.policy.hours import Hours, Range
from honeydesk.policy.models import BusinessCalendar

DEFAULT_WEEK: dict[int, list[Range]] = {d: [(time(9), time(17))] for d in range(5)}


@functools.lru_cache(maxsize=64)
def public_holidays(country: str, region: str) -> holidays_lib.HolidayBase:
    """The library's holiday set (years fill in as they are asked for)."""
    return holidays_lib.country_holidays(country, subdiv=region or None)


def _closed_test(country: str, region: str, closures: frozenset[date]) -> Callable[[date], bool]:
    official = public_holidays(country, region) if country else None

    def closed(day: date) -> bool:
        return day in closures or (official is not None and day in official)

    return closed


def from_calendar(calendar: BusinessCalendar) -> Hours:
    """An `Hours` for a calendar whose opening hours and closures are prefetched or loadable."""
    week: dict[int, list[Range]] = {}
    for row in calendar.opening_hours.all():
        week.setdefault(row.weekday, []).append((row.opens, row.closes))
    closures = frozenset(c.date for c in calendar.closures.all())
    return Hours(
        tz=zoneinfo.ZoneInfo(calendar.time_zone),
        week=week,
        closed=_closed_test(calendar.holiday_country, calendar.holiday_region, closures),
    )


def built_in() -> Hours:
    return Hours(tz=zoneinfo.ZoneInfo(settings.TIME_ZONE), week=DEFAULT_WEEK)


def calendar_of(department: Department | int | None) -> BusinessCalendar | None:
    """The department's own calendar, else the default one, else None (built in)."""
    dept_id = department.pk if isinstance(department, Department) else department
    calendars = BusinessCalendar.objects.prefetch_related("opening_hours", "closures")
    own = calendars.filter(departments__department_id=dept_id).first() if dept_id is not None else None
    return own or calendars.filter(is_default=True).first()


def hours_for(department: Department | int | None) -> Hours:
    """The business calendar of a department (see the module docstring)."""
    calendar = calendar_of(department)
    return from_calendar(calendar) if calendar is not None else built_in()
