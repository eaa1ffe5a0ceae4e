"""The demo shows promises: due times in business hours, call-backs in every state, breaches
and notifications, without mailing anybody."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from honeydesk.cases.models import ACTIVE_STATUSES, Case, TimelineEntry
from honeydesk.channels.phone.models import CallbackTask
from honeydesk.demo import company as demo
from honeydesk.notifications.models import Notification
from honeydesk.policy.calendars import hours_for
from honeydesk.policy.models import BusinessCalendar


@pytest.mark.django_db
def test_the_demo_shows_due_times_call_backs_and_notifications():
    now = timezone.now()
    demo.build(seed=2024, cases=60, now=now)
    assert BusinessCalendar.objects.get().holiday_country == "US"
    case = Case.objects.filter(status="new", first_response_due_at__isnull=False).first()
    assert case is not None
    hours = hours_for(case.department_id)
    assert hours.between(case.created_at, case.first_response_due_at).total_seconds() / 3600 in (1, 2, 4)
    states = set(CallbackTask.objects.values_list("promise_state", flat=True))
    assert {"kept", "broken", "open"} <= states
    assert CallbackTask.objects.filter(reason="requested").exists()
    assert CallbackTask.objects.filter(done_at__isnull=True, due_at__lt=now).exists()  # overdue
    assert CallbackTask.objects.filter(
        done_at__isnull=True, due_at__gt=now, due_at__lt=now + timedelta(hours=1)
    ).exists()
    assert TimelineEntry.objects.filter(event="sla_breached").exists()
    assert Case.objects.filter(status__in=ACTIVE_STATUSES, sla_due_at__isnull=False).exists()
    assert Notification.objects.filter(read_at__isnull=True, user__username="diane").exists()
    assert mail.outbox == []
