"""Two real `honeydesk worker` processes on one database run the service-level scan at
once: every warning and every breach is recorded once, told once and mailed once
(PostgreSQL: the case row lock and the unique `SlaEvent`; SQLite: one writer at a time).
The helpers are the call-back two-worker test's (channels/phone/tests/test_two_workers.py)."""

from __future__ import annotations

from collections import Counter
from datetime import time, timedelta

import pytest
from django.utils import timezone

from honeydesk.cases import actions
from honeydesk.cases.models import Case, TimelineEntry
from honeydesk.channels.phone.tests.test_two_workers import run_two_workers, subjects
from honeydesk.notifications.models import Notification
from honeydesk.policy.models import BusinessCalendar, DepartmentCalendar, OpeningHours, SlaEvent

pytestmark = pytest.mark.django_db(transaction=True)

CASES = 12


def open_billing_case(cast, n: int) -> Case:
    return actions.do_open_case(
        actions.Opening(
            account=cast.alice_account,
            contact=cast.alice_contact,
            request_type=cast.billing_type,
            subject=f"Invoice question {n}",
            body="Why was I charged twice?",
            channel="portal",
        ),
        acting_user=cast.alice,
    )


def test_it_warns_and_records_breaches_once_with_two_workers(cast, tmp_path):
    # The workers run on the real clock: a desk open all week makes business time real
    # time, whatever day the test runs on.
    always = BusinessCalendar.objects.create(name="Always open", time_zone="UTC")
    for day in range(7):
        OpeningHours.objects.create(calendar=always, weekday=day, opens=time(0), closes=time(0))
    DepartmentCalendar.objects.create(department=cast.billing, calendar=always)
    now = timezone.now()
    near = [open_billing_case(cast, i) for i in range(CASES)]
    late = [open_billing_case(cast, CASES + i) for i in range(CASES)]
    # First response due in 30 minutes (the warning is 1 business hour before), or 5
    # minutes ago; each case due for a look now. Other cases are left out of the scan.
    Case.objects.exclude(pk__in=[c.pk for c in near + late]).update(sla_check_at=None)
    for cases, due in ((near, now + timedelta(minutes=30)), (late, now - timedelta(minutes=5))):
        Case.objects.filter(pk__in=[c.pk for c in cases]).update(
            first_response_due_at=due, sla_due_at=due, sla_check_at=now - timedelta(minutes=1), owner=cast.billing_agent
        )

    mail_dir = run_two_workers(tmp_path)

    warnings = Counter(SlaEvent.objects.filter(kind="warning").values_list("case_id", flat=True))
    breaches = Counter(SlaEvent.objects.filter(kind="breach").values_list("case_id", flat=True))
    assert warnings == Counter(c.pk for c in near)
    assert breaches == Counter(c.pk for c in late)
    entries = Counter(TimelineEntry.objects.filter(event="sla_breached").values_list("case_id", flat=True))
    assert entries == Counter(c.pk for c in late)
    told = Counter(
        Notification.objects.filter(kind__startswith="sla_").values_list("user__username", "kind", "case_id")
    )
    assert told == Counter(
        [("bianca", "sla_warning", c.pk) for c in near] + [("bianca", "sla_breach", c.pk) for c in late]
    )
    assert Notification.objects.filter(kind__startswith="sla_", emailed_at__isnull=False).count() == 2 * CASES
    # Mailed once each (whatever else the workers mailed, such as acknowledgements).
    sent = Counter(s.removeprefix("Subject: [honeydesk] ") for s in subjects(mail_dir))
    expected = [f"First response due soon on {c.ref}" for c in near] + [
        f"First response missed on {c.ref}" for c in late
    ]
    assert {s: sent[s] for s in expected} == dict.fromkeys(expected, 1), sent
    # Each case's next look is set (the near ones at their due time), none left due now.
    assert not Case.objects.filter(pk__in=[c.pk for c in near + late], sla_check_at__lte=now).exists()
