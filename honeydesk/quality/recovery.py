"""Recovery: every unhappy answer reaches a supervisor within one business day.

"One business day" is the length of the department's next full business day in its own
calendar (`policy.hours_for`), counted from when the answer came in: an answer on Friday
at 15:00 at a desk open 09:00-17:00 on weekdays is due on Monday at 15:00; one in the
evening is due at the end of the next business day. The overdue scan is a periodic
task that flags each recovery once (a conditional UPDATE) and tells the department's
supervisors through `honeydesk.notifications` (once per key: a second run tells nobody
twice).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from honeydesk.jobs.schedule import Stop
from honeydesk.lib import clock
from honeydesk.notifications.actions import notify, supervisors_of
from honeydesk.notifications.models import Kind as NoticeKind
from honeydesk.policy.calendars import hours_for
from honeydesk.quality.models import Recovery, Survey

BATCH = 200


def one_business_day_after(moment: datetime, department_id: int) -> datetime:
    hours = hours_for(department_id)
    start = hours.next_open(moment)
    day_length = sum(
        ((end - begin) for begin, end in hours.ranges_on(hours.local_day(start))),
        timedelta(0),
    )
    return hours.add(moment, day_length)


def reason_of(survey: Survey) -> str:
    parts = []
    if survey.rating is not None and survey.rating < 4:
        parts.append(f"rated {survey.rating} of 5")
    if survey.solved is False:
        parts.append("said the problem is not solved")
    return "The customer " + " and ".join(parts) + "."


def open_for(survey: Survey) -> Recovery:
    """Called by the answering action, in its transaction, for an unhappy answer."""
    assert survey.answered_at is not None
    return Recovery.objects.create(
        survey=survey,
        case_id=survey.case_id,
        department_id=survey.department_id,
        reason=reason_of(survey),
        opened_at=survey.answered_at,
        due_at=one_business_day_after(survey.answered_at, survey.department_id),
    )


def flag_overdue(now: datetime | None = None, *, limit: int = BATCH) -> int:
    """Flag the open recoveries past due and tell supervisors; how many were flagged."""
    now = now or clock.now()
    due = list(
        Recovery.objects.filter(closed_at__isnull=True, overdue_at__isnull=True, due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    flagged = 0
    for recovery_id in due:
        with transaction.atomic():
            if not Recovery.objects.filter(pk=recovery_id, overdue_at__isnull=True, closed_at__isnull=True).update(
                overdue_at=now
            ):
                continue
            recovery = Recovery.objects.select_related("case").get(pk=recovery_id)
            notify(
                supervisors_of(recovery.department_id),
                NoticeKind.RECOVERY_OVERDUE,
                key=f"recovery-overdue:{recovery.pk}",
                title=f"Recovery overdue: {recovery.case.ref}",
                body=f"{recovery.reason} Due {recovery.due_at:%Y-%m-%d %H:%M} UTC; no contact recorded yet.",
                case=recovery.case,
                url=f"/desk/recovery/{recovery.pk}/",
            )
            flagged += 1
    return flagged


def periodic_overdue(stop: Stop) -> bool:
    while not stop():
        if flag_overdue() < BATCH:
            return True
    return False
