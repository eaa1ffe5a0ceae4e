"""Surveys: asked once per resolution, reminded once, never after the case is closed,
the customer has answered or opted out.

`on_resolved` runs in the resolving action's transaction (the cases hook, see
listeners.py): the survey row and its mail exist exactly when the resolution does. The
reminder is a periodic task (`periodic_reminders`): a survey is claimed by clearing its
`remind_at` in one conditional UPDATE before its mail is queued, in the same
transaction, so a second run or a second worker finds nothing to send.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import transaction

from honeydesk.cases.models import Case, Status, TimelineEntry
from honeydesk.channels.registry import Notice, deliver
from honeydesk.jobs.schedule import Stop
from honeydesk.lib import clock
from honeydesk.quality import config, links
from honeydesk.quality.models import Survey, SurveyOptOut

BATCH = 200


def opted_out(contact_id: int | None) -> bool:
    return contact_id is not None and SurveyOptOut.objects.filter(contact_id=contact_id).exists()


def on_resolved(case: Case, resolution: TimelineEntry) -> Survey | None:
    """Ask the customer about this resolution (None when they opted out)."""
    if opted_out(case.contact_id):
        return None
    settings = config.current()
    now = resolution.created_at
    survey = Survey.objects.create(
        case=case,
        resolution=resolution,
        contact_id=case.contact_id,
        owner_id=case.owner_id,
        department_id=case.department_id,
        nonce=secrets.token_hex(16),
        created_at=now,
        expires_at=now + timedelta(days=settings.survey_days),
        remind_at=now + timedelta(hours=settings.survey_reminder_hours),
    )
    if _send(survey, reminder=False):
        Survey.objects.filter(pk=survey.pk).update(sent_at=now)
    return survey


def _send(survey: Survey, *, reminder: bool) -> bool:
    label = "Reminder: how did we do? " if reminder else "How did we do? "
    sent = deliver(
        Notice(
            survey.case,
            "survey",
            label=label,
            automatic="auto-generated",
            context={
                "token": links.token_for(survey),
                "reminder": reminder,
                "expires": survey.expires_at.date().isoformat(),
            },
        )
    )
    return sent is not None


def on_reopened(case: Case, at: datetime) -> None:
    """A reopened case is not resolved any more: its unanswered survey is withdrawn, and
    the next resolution asks again."""
    Survey.objects.filter(case=case, answered_at__isnull=True, superseded_at__isnull=True).update(
        superseded_at=at, remind_at=None
    )


def on_closed(case: Case) -> None:
    """No reminder once the case is closed (the survey itself may still be answered)."""
    Survey.objects.filter(case=case, remind_at__isnull=False).update(remind_at=None)


def remind_due(now: datetime | None = None, *, limit: int = BATCH) -> int:
    """Send the reminders due by `now`; how many were sent. Safe to run twice, and on
    several workers at once: each survey is claimed by the UPDATE that clears
    `remind_at`, inside the transaction that queues its mail."""
    now = now or clock.now()
    due = list(
        Survey.objects.filter(remind_at__lte=now).order_by("remind_at", "id").values_list("id", flat=True)[:limit]
    )
    sent = 0
    for survey_id in due:
        with transaction.atomic():
            if not Survey.objects.filter(pk=survey_id, remind_at__isnull=False).update(remind_at=None):
                continue  # another run took it
            survey = Survey.objects.select_related("case", "case__department", "case__contact").get(pk=survey_id)
            if (
                survey.answered
                or survey.superseded_at is not None
                or survey.expires_at <= now
                or survey.case.status != Status.RESOLVED
                or opted_out(survey.contact_id)
            ):
                continue
            if _send(survey, reminder=True):
                Survey.objects.filter(pk=survey_id).update(reminded_at=now)
                sent += 1
    return sent


def periodic_reminders(stop: Stop) -> bool:
    while not stop():
        due = Survey.objects.filter(remind_at__lte=clock.now()).exists()
        if not due:
            return True
        remind_due()
    return False


def open_survey_of(case: Case) -> Survey | None:
    """The survey the customer may answer on this case now, if any."""
    survey = Survey.objects.filter(case=case).order_by("-created_at", "-id").first()
    if survey is None or survey.answered or survey.superseded_at is not None or survey.expires_at <= clock.now():
        return None
    return survey


def latest_of(case: Case) -> Survey | None:
    return Survey.objects.filter(case=case).order_by("-created_at", "-id").first()
