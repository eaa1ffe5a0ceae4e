"""When a call-back is due.

The rule: a missed or abandoned call is called back within CALLBACK_DUE_BUSINESS_HOURS
business hours (default 2). Business hours are BUSINESS_HOURS (default 09:00-17:00) on
BUSINESS_DAYS (default Monday-Friday) in the desk's time zone (settings.TIME_ZONE). A
call at 16:30 on a Friday is due at 10:30 on Monday; a call at 07:00 is due at 11:00.
No public holidays (yet).

The defaults can be overridden in Django settings; they are read when a task is
created, never at import time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from django.conf import settings
from django.utils import timezone

DEFAULT_DUE_BUSINESS_HOURS = 2
DEFAULT_BUSINESS_HOURS = (9, 17)  # opening hour, closing hour (local time)
DEFAULT_BUSINESS_DAYS = (0, 1, 2, 3, 4)  # Monday=0 .. Friday=4


def _rules() -> tuple[float, int, int, tuple[int, ...]]:
    hours = float(getattr(settings, "CALLBACK_DUE_BUSINESS_HOURS", DEFAULT_DUE_BUSINESS_HOURS))
    opening, closing = getattr(settings, "BUSINESS_HOURS", DEFAULT_BUSINESS_HOURS)
    days = tuple(getattr(settings, "BUSINESS_DAYS", DEFAULT_BUSINESS_DAYS))
    if not (0 <= opening < closing <= 24) or not days or hours < 0:
        raise ValueError("BUSINESS_HOURS, BUSINESS_DAYS or CALLBACK_DUE_BUSINESS_HOURS is not a usable rule.")
    return hours, opening, closing, days


def _at_hour(day: date, hour: int, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz) + timedelta(hours=hour)


def add_business_hours(start: datetime, hours: float) -> datetime:
    """`start` plus `hours` of business time, counted in the desk's time zone."""
    _, opening, closing, days = _rules()
    tz = timezone.get_default_timezone()
    moment = timezone.localtime(start, tz) if timezone.is_aware(start) else timezone.make_aware(start, tz)
    remaining = timedelta(hours=hours)
    for _ in range(3660):  # ten years of days: a guard, never reached with a sane rule
        day_open, day_close = _at_hour(moment.date(), opening, tz), _at_hour(moment.date(), closing, tz)
        if moment.weekday() in days and moment < day_close:
            moment = max(moment, day_open)
            if moment + remaining <= day_close:
                return moment + remaining
            remaining -= day_close - moment
        moment = _at_hour(moment.date() + timedelta(days=1), 0, tz)
    raise ValueError("Could not place the due time within ten years.")


def callback_due(called_at: datetime) -> datetime:
    hours, *_ = _rules()
    return add_business_hours(called_at, hours)
