"""Which business calendar applies, built from the admin's rows (see `hours.Hours`).

`hours_for(department)` is what every rule calls: the department's calendar, else the
default calendar, else Monday-Friday 09:00-17:00 in settings.TIME_ZONE without
holidays (what the desk did before calendars existed).

Every case opened and every message received asks for hours, so the calendars are kept
in the process (`lib.cache.Recent`, one query set for all of them): reading them on each
call took 3-6 queries, a third of an API create's CPU (bench/write_path_ab.py, Dec 2026).
A save or delete of a calendar row in this process drops them at once (receivers in
apps.py); other server processes see an admin's edit within 30 seconds. Public holidays
come from the `holidays` library and are kept per country and region for the life of the
process.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable
from datetime import date, time

import holidays as holidays_lib
from django.conf import settings

from honeydesk.accounts.models import Department
from honeydesk.lib.cache import Recent
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


def _load_hours() -> dict[int | None, Hours]:
    """Hours by department id for every department with its own calendar; None: the default."""
    found: dict[int | None, Hours] = {}
    for calendar in BusinessCalendar.objects.prefetch_related("opening_hours", "closures", "departments"):
        hours = from_calendar(calendar)
        for link in calendar.departments.all():
            found[link.department_id] = hours
        if calendar.is_default:
            found[None] = hours
    return found


known_hours: Recent[dict[int | None, Hours]] = Recent(_load_hours)


def configured_hours(department: Department | int | None) -> Hours | None:
    """The department's own or the default calendar; None when the desk has set up none
    (metrics then count calendar hours, as the issue asks)."""
    dept_id = department.pk if isinstance(department, Department) else department
    known = known_hours.get()
    return known.get(dept_id) or known.get(None)


def hours_for(department: Department | int | None) -> Hours:
    """The business calendar of a department (see the module docstring): its own, else
    the default calendar, else the built-in week."""
    return configured_hours(department) or built_in()
