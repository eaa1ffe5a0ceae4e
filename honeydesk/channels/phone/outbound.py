"""The calls we owe: call-backs (the phone channel's way out).

A missed or abandoned call becomes a call-back task for the department the call was
meant for (repeated calls from one number fold into the open task); recording how a
call-back went puts an outbound call log (or, when no call was made, a note) on the
case. Call-backs are promises (PRODUCT.md practice 7): each has a due time and an
outcome, and `CallbackTask.kept` says whether the promise was kept (callbacks.py).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from honeydesk.accounts.models import Contact, Department, User
from honeydesk.cases import actions as case_actions
from honeydesk.cases.models import Case, Channel, Status, TimelineEntry
from honeydesk.cases.timeline import lock
from honeydesk.channels.phone.callbacks import settle, state_after_call
from honeydesk.channels.phone.models import CallbackOutcome, CallbackReason, CallbackTask, CallEventKind
from honeydesk.channels.phone.policy import callback_due
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput, InvalidTransition

# What a person records about a call they made (the others are found on the timeline).
RECORDABLE = [
    CallbackOutcome.REACHED,
    CallbackOutcome.VOICEMAIL,
    CallbackOutcome.NO_ANSWER,
    CallbackOutcome.NOT_NEEDED,
]


def callback_for_missed(
    phone: str, event: str, *, department: Department, contact: Contact | None, case: Case | None, called_at: datetime
) -> CallbackTask:
    """One open promise per number and department: repeated missed calls fold into it."""
    reason = CallbackReason.ABANDONED if event == CallEventKind.ABANDONED else CallbackReason.MISSED
    task = (
        CallbackTask.objects.select_for_update()
        .filter(department=department, phone=phone, done_at__isnull=True)
        .order_by("due_at", "id")
        .first()
    )
    if task is not None:
        task.attempts += 1
        fields = ["attempts"]
        if task.case_id is None and case is not None:
            task.case = case
            fields.append("case")
        task.save(update_fields=fields)
        return task
    return CallbackTask.objects.create(
        department=department,
        case=case,
        contact=contact,
        phone=phone,
        reason=reason,
        due_at=callback_due(called_at, department),
        created_at=clock.now(),
        owner=case.owner if case is not None and case.owner_id and case.status != Status.NEW else None,
    )


def do_complete_callback(task: CallbackTask, *, outcome: str, note: str = "", acting_user: User) -> CallbackTask:
    """Record how a call-back went; the promise is kept when this comes before the due
    time (see callbacks.state_after_call). The caller fetched `task` through phone.access."""
    if not acting_user.is_staff_member:
        raise InvalidInput.field("user", "Only staff record call-backs.")
    if outcome not in RECORDABLE:
        raise InvalidInput.field("outcome", f"Outcome must be one of {', '.join(RECORDABLE)}.")
    note = (note or "").strip()
    if len(note) > 2000:
        raise InvalidInput.field("note", "The note is at most 2000 characters.")
    now = clock.now()
    with transaction.atomic():
        # The case first, then the task: the order every path takes (the timeline hook
        # settles call-backs with the case already locked).
        case = lock(task.case) if task.case_id and task.case else None
        task = CallbackTask.objects.select_for_update(of=("self",)).select_related("case").get(pk=task.pk)
        if task.done_at is not None:
            raise InvalidTransition(f"Call-back #{task.pk} was already recorded as {task.get_outcome_display()}.")
        task.done_at, task.done_by, task.outcome, task.outcome_note = now, acting_user, outcome, note
        if task.owner_id is None:
            task.owner = acting_user
        task.save(update_fields=["done_at", "done_by", "outcome", "outcome_note", "owner"])
        state, reason = state_after_call(task, outcome, now)
        if state != task.promise_state:
            settle(task, state, case=case, at=now, by=acting_user, reason=reason)
        if task.case is not None:
            _callback_entry(task, acting_user=acting_user)
    return task


def _callback_entry(task: CallbackTask, *, acting_user: User) -> TimelineEntry:
    case = task.case
    assert case is not None
    label = CallbackOutcome(task.outcome).label
    body = f"Call-back to {task.phone}: {label.lower()}." + (f" {task.outcome_note}" if task.outcome_note else "")
    data = {"callback_task": task.pk, "outcome": task.outcome, "due_at": task.due_at.isoformat(), "kept": task.kept}
    if task.outcome == CallbackOutcome.NOT_NEEDED or case.status == Status.CLOSED:
        # No call was made (or the case is closed to new calls): a note for the team.
        return case_actions.do_add_note(case, body=body, acting_user=acting_user)
    return case_actions.do_log_call(
        case,
        body=body,
        acting_user=acting_user,
        direction="outbound",
        phone=task.phone,
        public=True,
        channel=Channel.PHONE,
        data=data,
    )
