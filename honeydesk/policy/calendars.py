"""Which business calendar applies, built from the admin's rows (see `hours.Hours`).

`hours_for(department)` is what every rule calls: the department's calendar, else the
default calendar, else Monday-Friday 09:00-17:00 in settings.TIME_ZONE without
holidays (what the desk did before calendars existed).

Every case opened and every message received asks for hours, so the calendars are kept
in the process (`lib.cache.Recent`, one query set for all of them): reading them on each
call took 3-6 queries, a third of an API create's CPU (bench/write_path_ab.py, Dec 2026).
A save or delete of a calendar row in this process drops them at once (receivers in
apps.py); other server processes see an admin's edit within 30 seconds.

Public holidays come from the `holidays` library, but through the database: its first use
in a process imports every country's module (7 MB of each server worker's memory, whichever
country is asked for; bench/worker_memory.py), so `fill_public_holidays` writes each
calendar's country and region as `HolidayYear` rows, for last year to two years ahead, when
a calendar is saved and once a day in `honeydesk worker`; the calendars read those rows with
the rest. A day in a year not filled yet asks the library in the process, as before, so a
calendar is never wrong, only heavier, until the worker has filled it.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from datetime import date, time
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from honeydesk.accounts.models import Department
from honeydesk.lib.cache import Recent
from honeydesk.policy.hours import Hours, Range
from honeydesk.policy.models import BusinessCalendar, HolidayYear

if TYPE_CHECKING:
    from holidays import HolidayBase

DEFAULT_WEEK: dict[int, list[Range]] = {d: [(time(9), time(17))] for d in range(5)}


# Years filled ahead of today, and behind it (cases still open from last year).
YEARS_AHEAD, YEARS_BEHIND = 2, 1
Pair = tuple[str, str]  # (country, region)
Filled = Mapping[int, frozenset[date]]  # year -> that year's public holidays


@functools.lru_cache(maxsize=64)
def public_holidays(country: str, region: str) -> HolidayBase:
    """The library's holiday set (years fill in as they are asked for). Imported here, not at
    the top: only filling and a year not filled yet need it."""
    import holidays as holidays_lib

    return holidays_lib.country_holidays(country, subdiv=region or None)


def filled_years(pairs: Iterable[Pair]) -> dict[Pair, dict[int, frozenset[date]]]:
    """The filled `HolidayYear` rows of these countries and regions, by pair and year."""
    wanted = {p for p in pairs if p[0]}
    found: dict[Pair, dict[int, frozenset[date]]] = {p: {} for p in wanted}
    if not wanted:
        return found
    rows = HolidayYear.objects.filter(country__in={c for c, _ in wanted})
    for country, region, year, days in rows.values_list("country", "region", "year", "days"):
        if (country, region) in found:
            found[(country, region)][year] = frozenset(date.fromisoformat(d) for d in days)
    return found


def fill_public_holidays(pairs: Iterable[Pair] | None = None, today: date | None = None) -> int:
    """Write the public holidays of `pairs` (default: every calendar's country and region)
    for last year to two years ahead; a year whose holidays the library now gives
    differently is rewritten. Idempotent. Returns the number of years written."""
    if pairs is None:
        pairs = BusinessCalendar.objects.exclude(holiday_country="").values_list("holiday_country", "holiday_region")
    this_year = (today or timezone.localdate()).year
    years = range(this_year - YEARS_BEHIND, this_year + YEARS_AHEAD + 1)
    written = 0
    for country, region in sorted(set(pairs)):
        if not country:
            continue
        official = public_holidays(country, region)
        for year in years:
            _ = date(year, 1, 1) in official  # the library works out a whole year when asked about a day in it
            days = {d.isoformat(): name for d, name in sorted(official.items()) if d.year == year}
            # get_or_create, not a read then create: two workers filling at once end with one row.
            row, created = HolidayYear.objects.get_or_create(
                country=country, region=region, year=year, defaults={"days": days}
            )
            if not created:
                if row.days == days:
                    continue
                row.days = days
                row.save(update_fields=["days", "filled_at"])
            written += 1
    return written


def periodic_fill(stop: Callable[[], bool]) -> bool:
    """`honeydesk worker`, daily: keep the coming years filled."""
    fill_public_holidays()
    return True


def calendar_saved(sender: object, instance: BusinessCalendar, **kwargs: object) -> None:
    """A calendar saved with a country: fill its holidays now (receiver in apps.py)."""
    if instance.holiday_country and not kwargs.get("raw"):
        fill_public_holidays([(instance.holiday_country, instance.holiday_region)])


def _closed_test(country: str, region: str, closures: frozenset[date], filled: Filled) -> Callable[[date], bool]:
    def closed(day: date) -> bool:
        if day in closures:
            return True
        if not country:
            return False
        days = filled.get(day.year)
        if days is not None:
            return day in days
        return day in public_holidays(country, region)  # a year not filled yet

    return closed


def from_calendar(calendar: BusinessCalendar, filled: Filled | None = None) -> Hours:
    """An `Hours` for a calendar whose opening hours and closures are prefetched or loadable.
    `filled`: its country's `HolidayYear` days by year (read here when not given)."""
    week: dict[int, list[Range]] = {}
    for row in calendar.opening_hours.all():
        week.setdefault(row.weekday, []).append((row.opens, row.closes))
    closures = frozenset(c.date for c in calendar.closures.all())
    pair = (calendar.holiday_country, calendar.holiday_region)
    if filled is None:
        filled = filled_years([pair]).get(pair, {})
    return Hours(
        tz=zoneinfo.ZoneInfo(calendar.time_zone),
        week=week,
        closed=_closed_test(calendar.holiday_country, calendar.holiday_region, closures, filled),
    )


def built_in() -> Hours:
    return Hours(tz=zoneinfo.ZoneInfo(settings.TIME_ZONE), week=DEFAULT_WEEK)


def _load_hours() -> dict[int | None, Hours]:
    """Hours by department id for every department with its own calendar; None: the default."""
    found: dict[int | None, Hours] = {}
    calendars = list(BusinessCalendar.objects.prefetch_related("opening_hours", "closures", "departments"))
    holidays = filled_years((c.holiday_country, c.holiday_region) for c in calendars)
    for calendar in calendars:
        hours = from_calendar(calendar, holidays.get((calendar.holiday_country, calendar.holiday_region), {}))
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
