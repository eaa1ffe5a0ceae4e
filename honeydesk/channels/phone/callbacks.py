"""Call-backs are promises (PRODUCT.md practice 7).

A `CallbackTask` says who promised, whom, the number, by when, about which case, and
what became of it. Promises come from:

- a rep, in the composer's "Call back" form or by confirming the promise a sent reply
  made ("I'll call you back by 3pm", read by `honeydesk.policy.promises`; offered,
  never recorded silently) — `do_promise_callback`;
- the customer, in the portal or from the acknowledgement mail: a call at a time that
  suits them, within the department's business hours — `do_request_callback`;
- missed and abandoned calls (`outbound.callback_for_missed`).

Each is settled once: **kept** when a call is logged or a reply sent on its case before
the due time (noticed on the timeline by `entries_added`, subscribed to
`honeydesk.cases.hooks`), or when the rep records the call in time; **broken** when the
due time passes first (the worker's `scan`), or when a rep says so with a reason;
**released** when it was not needed any more. A broken promise stays on the case's
timeline (internal) and the call stays to do until it is made.

The worker's scan reminds the owner (or, for an unowned one, the department's
supervisors) CALLBACK_REMINDER_MINUTES before the due time and tells them when it is
overdue; each is claimed once by a conditional update, so two workers never send twice.
`kept_rate` is the one place the kept-promise rate is counted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet

from honeydesk.accounts.models import ContactPoint, User
from honeydesk.cases.models import Case, Channel, TimelineEntry
from honeydesk.cases.timeline import add_event, lock, touch
from honeydesk.channels.phone.models import CallbackOutcome, CallbackReason, CallbackTask, PromiseState
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput, InvalidTransition
from honeydesk.lib.phones import to_e164
from honeydesk.notifications.actions import notify, supervisors_of
from honeydesk.notifications.models import Kind as NoticeKind
from honeydesk.policy.calendars import hours_for
from honeydesk.policy.hours import Hours
from honeydesk.policy.promises import find_time

log = logging.getLogger(__name__)

Event = TimelineEntry.Event
MAX_AHEAD = timedelta(days=60)
# A customer's chosen time must leave the desk a little time to plan the call.
CUSTOMER_NOTICE = timedelta(minutes=15)


def local(moment: datetime, hours: Hours) -> str:
    return f"{moment.astimezone(hours.tz):%a %d %b %H:%M}"


def reminder_lead() -> timedelta:
    return timedelta(minutes=getattr(settings, "CALLBACK_REMINDER_MINUTES", 15))


def contact_phone(case: Case, points: Sequence[ContactPoint] | None = None) -> str:
    """The customer's first phone number on file. `points`: the contact's contact points,
    when the caller has already read them."""
    if case.contact_id is None:
        return ""
    if points is not None:
        phones = sorted((p for p in points if p.kind == ContactPoint.Kind.PHONE), key=lambda p: p.pk)
        return phones[0].value if phones else ""
    return (
        ContactPoint.objects.filter(contact_id=case.contact_id, kind=ContactPoint.Kind.PHONE)
        .order_by("id")
        .values_list("value", flat=True)
        .first()
        or ""
    )


def _phone(raw: str, case: Case) -> str:
    number = (raw or "").strip() or contact_phone(case)
    if not number:
        raise InvalidInput.field("phone", "Which number should we call? No phone number is on file for this customer.")
    e164 = to_e164(number)
    if not e164:
        raise InvalidInput.field("phone", f"{number!r} is not a valid phone number.")
    return e164


def suggested_time(
    case: Case,
    now: datetime | None = None,
    *,
    latest_message: str | None = None,
    tasks: Sequence[CallbackTask] | None = None,
) -> datetime:
    """The composer's default: the time the customer last asked for or named in their
    latest message ("best to call after 3pm"), if it is still ahead and the desk is
    open then; otherwise the missed-call rule's due time from now. `latest_message`:
    that message's text, and `tasks`: every call-back task of the case, when the caller
    has already read them (the case page), so neither is read twice."""
    now = now or clock.now()
    hours = hours_for(case.department_id)
    if tasks is not None:
        pending = [t for t in tasks if t.reason == CallbackReason.REQUESTED and t.done_at is None and t.due_at > now]
        asked = max(pending, key=lambda t: t.created_at).due_at if pending else None
    else:
        asked = (
            CallbackTask.objects.filter(
                case=case, reason=CallbackReason.REQUESTED, done_at__isnull=True, due_at__gt=now
            )
            .order_by("-created_at")
            .values_list("due_at", flat=True)
            .first()
        )
    if asked is not None:
        return asked
    latest = latest_message
    if latest is None:
        latest = (
            TimelineEntry.objects.filter(case=case, kind=TimelineEntry.Kind.INBOUND)
            .order_by("-created_at", "-id")
            .values_list("body", flat=True)
            .first()
        )
    named = find_time(latest or "", now, hours.tz)
    if named is not None and hours.is_open(named[0]):
        return named[0]
    return hours.add_hours(now, float(getattr(settings, "CALLBACK_DUE_BUSINESS_HOURS", 2)))


def check_customer_time(case: Case, when: datetime, now: datetime | None = None) -> datetime:
    """A time a customer chose: ahead, within two months, and while the desk is open,
    or InvalidInput saying when it is open and when it next opens."""
    now = now or clock.now()
    hours = hours_for(case.department_id)
    if when < now + CUSTOMER_NOTICE:
        raise InvalidInput.field("when", "Please choose a time at least 15 minutes from now.")
    if when > now + MAX_AHEAD:
        raise InvalidInput.field("when", "Please choose a time within the next two months.")
    if not hours.is_open(when):
        opening = hours.next_open(when)
        message = (
            f"We call during business hours: {hours.describe()} ({getattr(hours.tz, 'key', hours.tz)}), "
            f"except public holidays. {local(when, hours)} is outside them; "
            f"the next time we are open is {local(opening, hours)}."
        )
        raise InvalidInput.field("when", message)
    return when


def _create(
    case: Case,
    *,
    due_at: datetime,
    phone: str,
    reason: str,
    owner: User | None,
    promised_by: User | None,
    about: str,
    public: bool,
    acting_user: User,
    now: datetime,
) -> CallbackTask:
    hours = hours_for(case.department_id)
    task = CallbackTask.objects.create(
        department_id=case.department_id,
        case=case,
        contact_id=case.contact_id,
        phone=phone,
        reason=reason,
        due_at=due_at,
        created_at=now,
        owner=owner,
        promised_by=promised_by,
        about=about,
    )
    if public:
        body = f"You asked us to call you on {local(due_at, hours)} at {phone}." + (f" {about}" if about else "")
    else:
        who = promised_by.display_name if promised_by else "We"
        body = f"{who} promised to call {phone} by {local(due_at, hours)}." + (f" About: {about}" if about else "")
    add_event(
        case,
        Event.CALLBACK_PROMISED,
        acting_user=acting_user,
        channel=Channel.PORTAL if public else Channel.WORKSPACE,
        public=public,
        body=body,
        data={"callback_task": task.pk, "due_at": due_at.isoformat(), "phone": phone, "reason": reason},
    )
    return task


def do_promise_callback(
    case: Case, *, due_at: datetime, acting_user: User, phone: str = "", about: str = "", entry_id: int | None = None
) -> CallbackTask:
    """A rep promises to call the customer back by `due_at` (from the composer, or
    confirming the promise a reply of theirs made: `entry_id`). The rep owns it."""
    if not acting_user.is_staff_member:
        raise InvalidInput.field("user", "Only staff promise call-backs.")
    now = clock.now()
    if due_at <= now:
        raise InvalidInput.field("due_at", "The call-back must be due in the future.")
    if due_at > now + MAX_AHEAD:
        raise InvalidInput.field("due_at", "Promise a call-back within the next two months.")
    about = (about or "").strip()
    if len(about) > 1000:
        raise InvalidInput.field("about", "At most 1000 characters.")
    number = _phone(phone, case)
    with transaction.atomic():
        case = lock(case)
        if not case.is_active:
            raise InvalidTransition(f"{case.ref} is {case.get_status_display().lower()}; reopen it first.")
        task = _create(
            case,
            due_at=due_at,
            phone=number,
            reason=CallbackReason.PROMISED,
            owner=acting_user,
            promised_by=acting_user,
            about=about or (f"Promised in reply #{entry_id}" if entry_id else ""),
            public=False,
            acting_user=acting_user,
            now=now,
        )
        touch(case, [])
    return task


def do_request_callback(
    case: Case, *, when: datetime, acting_user: User, phone: str = "", note: str = ""
) -> CallbackTask:
    """The customer asks to be called at a time that suits them (within business hours)."""
    now = clock.now()
    check_customer_time(case, when, now)
    number = _phone(phone, case)
    note = (note or "").strip()
    if len(note) > 500:
        raise InvalidInput.field("note", "At most 500 characters.")
    with transaction.atomic():
        case = lock(case)
        if case.status == "closed":
            raise InvalidTransition(f"{case.ref} is closed; please open a new request.")
        task = _create(
            case,
            due_at=when,
            phone=number,
            reason=CallbackReason.REQUESTED,
            owner=case.owner,
            promised_by=None,
            about=note,
            public=True,
            acting_user=acting_user,
            now=now,
        )
        touch(case, [])
    return task


# --- settling a promise -----------------------------------------------------------------


def settle(
    task: CallbackTask,
    state: str,
    *,
    case: Case | None,
    at: datetime,
    by: User | None,
    reason: str = "",
    entry: TimelineEntry | None = None,
) -> None:
    """Kept, broken or released, once, with a timeline entry on the (locked) case for
    kept and broken promises. The caller holds the task's row."""
    task.promise_state, task.settled_at = state, at
    task.broken_reason = reason if state == PromiseState.BROKEN else ""
    task.kept_by = entry if state == PromiseState.KEPT else None
    CallbackTask.objects.filter(pk=task.pk).update(
        promise_state=state, settled_at=at, broken_reason=task.broken_reason, kept_by=task.kept_by
    )
    if case is None or state == PromiseState.RELEASED:
        return
    hours = hours_for(case.department_id)
    if state == PromiseState.KEPT:
        how = "a reply" if entry is not None and entry.kind == TimelineEntry.Kind.OUTBOUND else "a call"
        body = f"Call-back promise kept: {how} before {local(task.due_at, hours)}."
        event = Event.CALLBACK_KEPT
    else:
        body = f"Call-back promise broken (due {local(task.due_at, hours)}): {reason}"
        event = Event.CALLBACK_BROKEN
    add_event(
        case,
        event,
        acting_user=by,
        author_name="" if by else "honeydesk",
        channel=Channel.SYSTEM if by is None else Channel.WORKSPACE,
        body=body,
        data={"callback_task": task.pk, "due_at": task.due_at.isoformat(), "reason": reason},
        at=at,
    )


def tell_customer_missed(task: CallbackTask, case: Case, at: datetime, *, still_to_call: bool) -> None:
    """A call the customer asked for was missed: they read it on their case, with what
    happens now (staff's reason stays on the internal entry). A promise breaks once, so
    this is said once."""
    if task.reason != CallbackReason.REQUESTED:
        return
    hours = hours_for(case.department_id)
    when = local(task.due_at, hours)
    missed = f"We {'did not' if at >= task.due_at else 'cannot'} call you on {when} as you asked. We are sorry."
    if still_to_call:
        now_what = f" We will still call you at {task.phone} as soon as we can."
    else:
        now_what = " We will answer you here instead; if you would still like a call, ask for a new time."
    add_event(
        case,
        Event.CALLBACK_BROKEN,
        acting_user=None,
        author_name="honeydesk",
        channel=Channel.SYSTEM,
        public=True,
        body=missed + now_what + " You can also reply here at any time.",
        data={"callback_task": task.pk, "due_at": task.due_at.isoformat(), "customer_told": True},
        at=at,
    )


def state_after_call(task: CallbackTask, outcome: str, at: datetime) -> tuple[str, str]:
    """The promise's state when the call is recorded at `at`."""
    if task.promise_state != PromiseState.OPEN:
        return task.promise_state, task.broken_reason
    if at > task.due_at:
        return PromiseState.BROKEN, "Recorded after the due time."
    if outcome == CallbackOutcome.NOT_NEEDED:
        return PromiseState.RELEASED, ""
    return PromiseState.KEPT, ""


def do_break_callback(task: CallbackTask, *, reason: str, acting_user: User) -> CallbackTask:
    """A rep closes the promise as broken, with the reason (it shows on the case)."""
    if not acting_user.is_staff_member:
        raise InvalidInput.field("user", "Only staff close call-backs.")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.field("reason", "Say why the promise was broken.")
    if len(reason) > 1000:
        raise InvalidInput.field("reason", "At most 1000 characters.")
    now = clock.now()
    with transaction.atomic():
        case = lock(task.case) if task.case_id and task.case else None
        task = CallbackTask.objects.select_for_update(of=("self",)).get(pk=task.pk)
        if task.promise_state != PromiseState.OPEN:
            raise InvalidTransition(f"Call-back #{task.pk} is already {task.get_promise_state_display().lower()}.")
        settle(task, PromiseState.BROKEN, case=case, at=now, by=acting_user, reason=reason)
        if case is not None:
            tell_customer_missed(task, case, now, still_to_call=False)
        if task.done_at is None:
            task.done_at, task.done_by, task.outcome = now, acting_user, CallbackOutcome.NOT_NEEDED
            task.outcome_note = reason
            task.save(update_fields=["done_at", "done_by", "outcome", "outcome_note"])
        if case is not None:
            touch(case, [])
    return task


def entries_added(case: Case, entries: Sequence[TimelineEntry]) -> None:
    """The hook: a call logged or a reply sent on the case by staff does the open call-backs
    on it (kept when in time)."""
    contact = next(
        (
            e
            for e in entries
            if e.kind in (TimelineEntry.Kind.CALL, TimelineEntry.Kind.OUTBOUND)
            and e.author_id is not None
            and e.author is not None
            and e.author.is_staff_member
        ),
        None,
    )
    if contact is None:
        return
    open_tasks = list(CallbackTask.objects.select_for_update(of=("self",)).filter(case=case, done_at__isnull=True))
    for task in open_tasks:
        outcome = CallbackOutcome.CALLED if contact.kind == TimelineEntry.Kind.CALL else CallbackOutcome.REPLIED
        at = contact.created_at
        state, reason = state_after_call(task, outcome, at)
        CallbackTask.objects.filter(pk=task.pk).update(
            done_at=at, done_by=contact.author, outcome=outcome, owner=task.owner or contact.author
        )
        if state != task.promise_state:
            settle(task, state, case=case, at=at, by=None, reason=reason, entry=contact)


# --- reminders and overdue promises (the worker) -----------------------------------------


def _recipients(task: CallbackTask) -> list[User]:
    from honeydesk.channels.phone.access import callbacks_visible_to

    people = [task.owner] if task.owner is not None and task.owner.is_active else supervisors_of(task.department_id)
    # Without a case the notice is about the call-back: only people who may see it.
    return [u for u in people if callbacks_visible_to(u).filter(pk=task.pk).exists()]


def _tell(task: CallbackTask, kind: str, title: str, body: str) -> None:
    notify(
        _recipients(task),
        kind,
        key=f"callback:{task.pk}:{kind}",
        title=title,
        body=body,
        case=task.case,
        url="/desk/callbacks/",
    )


def remind(now: datetime) -> int:
    soon = CallbackTask.objects.filter(
        done_at__isnull=True,
        promise_state=PromiseState.OPEN,
        reminded_at__isnull=True,
        due_at__gt=now,
        due_at__lte=now + reminder_lead(),
    ).select_related("owner", "case", "contact")
    sent = 0
    for task in soon:
        with transaction.atomic():
            # The claim: one worker's update finds the row unclaimed; any other finds none.
            if not CallbackTask.objects.filter(pk=task.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            hours = hours_for(task.department_id)
            who = task.contact.name if task.contact else task.phone
            _tell(
                task,
                NoticeKind.CALLBACK_DUE,
                f"Call-back to {who} due {local(task.due_at, hours)}",
                f"Call {task.phone}" + (f" about {task.case.ref}" if task.case else "") + ".",
            )
            sent += 1
    return sent


def break_overdue(now: datetime) -> int:
    late = list(
        CallbackTask.objects.filter(done_at__isnull=True, promise_state=PromiseState.OPEN, due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("pk", "case_id")[:500]
    )
    broken = 0
    for pk, case_id in late:
        with transaction.atomic():
            case = lock(Case(pk=case_id)) if case_id else None
            task = (
                CallbackTask.objects.select_for_update(of=("self",))
                .select_related("owner", "contact")
                .filter(pk=pk, promise_state=PromiseState.OPEN, done_at__isnull=True)
                .first()
            )
            if task is None:
                continue  # settled meanwhile, here or by another worker
            hours = hours_for(task.department_id)
            reason = f"Not called by the due time ({local(task.due_at, hours)})."
            settle(task, PromiseState.BROKEN, case=case, at=now, by=None, reason=reason)
            if case is not None:
                tell_customer_missed(task, case, now, still_to_call=True)
            who = task.contact.name if task.contact else task.phone
            _tell(
                task,
                NoticeKind.CALLBACK_OVERDUE,
                f"Call-back to {who} is overdue",
                f"It was due {local(task.due_at, hours)}; call {task.phone} now.",
            )
            broken += 1
    return broken


def scan(now: datetime | None = None) -> tuple[int, int]:
    moment = now or clock.now()
    return remind(moment), break_overdue(moment)


def periodic_scan(stop: Callable[[], bool]) -> bool:
    """The worker's task (registered in apps.py)."""
    scan()
    return True


# --- the kept-promise rate ---------------------------------------------------------------


@dataclass(frozen=True)
class KeptRate:
    kept: int
    broken: int

    @property
    def settled(self) -> int:
        return self.kept + self.broken

    @property
    def rate(self) -> float | None:
        """Kept among the promises settled as kept or broken; None when there are none."""
        return self.kept / self.settled if self.settled else None

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{round(self.rate * 100)}%"


def _counts() -> dict[str, Any]:
    return {
        "kept": Count("id", filter=Q(promise_state=PromiseState.KEPT)),
        "broken": Count("id", filter=Q(promise_state=PromiseState.BROKEN)),
    }


def kept_rate(tasks: QuerySet[CallbackTask]) -> KeptRate:
    """The kept-promise rate of these call-backs (metrics build on this)."""
    row = tasks.aggregate(**_counts())
    return KeptRate(row["kept"] or 0, row["broken"] or 0)


def kept_rates_by(tasks: QuerySet[CallbackTask], field: str) -> dict[Any, KeptRate]:
    """Per owner ("owner") or department ("department"): who made the call counts, so a
    promise is the owner's."""
    if field not in ("owner", "department"):
        raise ValueError("Group by owner or department.")
    rows = tasks.exclude(**{f"{field}__isnull": True}).values(field).annotate(**_counts()).order_by(field)
    return {row[field]: KeptRate(row["kept"], row["broken"]) for row in rows}
