"""When a call-back is due.

A missed or abandoned call is called back within CALLBACK_DUE_BUSINESS_HOURS business
hours (default 2) of the department it was meant for, counted by that department's
business calendar (`honeydesk.policy.calendars`: opening hours, public holidays and
closures in its time zone; Monday-Friday 09:00-17:00 in settings.TIME_ZONE until an
admin sets one up). A call at 16:30 on a Friday is due at 10:30 on Monday.

Read when a task is created, never at import time.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from honeydesk.accounts.models import Department
from honeydesk.policy.calendars import hours_for

DEFAULT_DUE_BUSINESS_HOURS = 2


def callback_due(called_at: datetime, department: Department | int | None = None) -> datetime:
    hours = float(getattr(settings, "CALLBACK_DUE_BUSINESS_HOURS", DEFAULT_DUE_BUSINESS_HOURS))
    if hours < 0:
        raise ValueError("CALLBACK_DUE_BUSINESS_HOURS must not be negative.")
    return hours_for(department).add_hours(called_at, hours)
