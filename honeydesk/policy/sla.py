"""Service levels on cases: due times kept on the case, warnings and breaches.

The clocks (subscribed to `honeydesk.cases.hooks` in apps.py, so they run in the same
transaction as the change, on the locked case):

- **opened**: first response and resolution due, from the service level of the case's
  request type and priority, counted in the business hours of its department;
- **a customer's message** after an answer starts the next-response clock (when the
  level has one); any answer from staff (a reply, a call) stops it;
- **waiting on the customer** pauses every clock; the customer's next message (or the
  case leaving "waiting" any other way) resumes them with the business time that was
  left when they paused;
- **reopened**: a fresh resolution clock;
- resolved or closed: nothing runs.

Due times are written when a clock starts and moved only when it resumes after a pause,
so editing a service level changes new cases, never the ones already running.
`sla_due_at` is the soonest target still to meet ("due soonest" in the queues).

The scan (`scan`, every minute in `honeydesk worker`) warns the owner — or the
department's supervisors while nobody owns the case — the level's `warn_before_hours`
before a due time, and records a breach once on the timeline (internal) with the
target, the due time and how late it was found. `SlaEvent` rows, written under the
case's row lock and unique per case, target, kind and due time, make a second run, or
a second worker, find the work done.

When a missed target is finally met (the first answer, the answer to the customer's
message, the resolution), the hook writes the final overrun, in business time from the
due time, on the breach's row (`met_at`, `overrun_seconds`); the case page shows it. A
target met late before the scan noticed gets its breach recorded then, with the overrun
and without a notification (there is nothing left to do about it). The overrun counts
all business time after the due time, a wait on the customer included: the clock had
already run out when the case paused.
"""

from __future__ import annotations

import logging
import time as time_module
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from honeydesk.cases.models import ACTIVE_STATUSES, Case, Channel, Status, TimelineEntry
from honeydesk.cases.timeline import add_event, lock
from honeydesk.lib import clock
from honeydesk.lib.cache import Recent
from honeydesk.notifications.actions import notify, supervisors_of
from honeydesk.notifications.models import Kind as NoticeKind
from honeydesk.policy.calendars import hours_for
from honeydesk.policy.hours import Hours
from honeydesk.policy.models import ServiceLevel, SlaEvent, Target

log = logging.getLogger(__name__)

Event = TimelineEntry.Event
FIELDS = {
    Target.FIRST_RESPONSE: "first_response_due_at",
    Target.NEXT_RESPONSE: "next_response_due_at",
    Target.RESOLUTION: "resolution_due_at",
}
DEFAULT_WARN = Decimal("1")


def _load_levels() -> dict[tuple[int, str], ServiceLevel]:
    return {(level.request_type_id, level.priority): level for level in ServiceLevel.objects.all()}


# Read for every case opened; kept like the calendars (see policy/calendars.py).
known_levels: Recent[dict[tuple[int, str], ServiceLevel]] = Recent(_load_levels)


def level_for(request_type_id: int, priority: str) -> ServiceLevel | None:
    """The level for this priority, else the request type's any-priority level."""
    levels = known_levels.get()
    return levels.get((request_type_id, priority)) or levels.get((request_type_id, ""))


def hours_of(amount: Decimal) -> timedelta:
    return timedelta(seconds=int(amount * 3600))


def running(case: Case, *, answered: bool = False) -> dict[str, datetime]:
    """The targets still to meet and their due times (paused ones included)."""
    if case.status not in ACTIVE_STATUSES:
        return {}
    found: dict[str, datetime] = {}
    if case.first_response_due_at and case.first_response_at is None and not answered:
        found[Target.FIRST_RESPONSE] = case.first_response_due_at
    if case.next_response_due_at:
        found[Target.NEXT_RESPONSE] = case.next_response_due_at
    if case.resolution_due_at:
        found[Target.RESOLUTION] = case.resolution_due_at
    return found


def _staff_answer(entry: TimelineEntry) -> bool:
    if entry.kind not in (TimelineEntry.Kind.OUTBOUND, TimelineEntry.Kind.CALL) or entry.author_id is None:
        return False
    return entry.author is not None and entry.author.is_staff_member


def _customer_message(entry: TimelineEntry) -> bool:
    return (
        entry.kind == TimelineEntry.Kind.INBOUND
        and entry.visibility == TimelineEntry.Visibility.PUBLIC
        and not entry.data.get("record_only")
    )


class _Clocks:
    """One batch of entries on one case: what changes, read lazily."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.changes: dict[str, Any] = {}
        self._hours: Hours | None = None
        self._level: tuple[ServiceLevel | None] | None = None

    @property
    def hours(self) -> Hours:
        if self._hours is None:
            self._hours = hours_for(self.case.department_id)
        return self._hours

    @property
    def level(self) -> ServiceLevel | None:
        if self._level is None:
            self._level = (level_for(self.case.request_type_id, self.case.priority),)
        return self._level[0]

    def set(self, field: str, value: datetime | None) -> None:
        # Only what differs is written: setting a due time to the value it has would be
        # an UPDATE of the case row for nothing.
        if field in self.case.get_deferred_fields() or getattr(self.case, field) != value:
            setattr(self.case, field, value)
            self.changes[field] = value

    def start(self, at: datetime) -> None:
        level = self.level
        if level is None:
            return
        self.set("first_response_due_at", self.hours.add(at, hours_of(level.first_response_hours)))
        self.set("resolution_due_at", self.hours.add(at, hours_of(level.resolution_hours)))

    def restart_resolution(self, at: datetime) -> None:
        if self.level is not None:
            self.set("resolution_due_at", self.hours.add(at, hours_of(self.level.resolution_hours)))
        self.set("next_response_due_at", None)

    def pause(self, at: datetime) -> None:
        if self.case.sla_paused_at is None:
            self.set("sla_paused_at", at)

    def resume(self, at: datetime) -> None:
        paused = self.case.sla_paused_at
        if paused is None:
            return
        for field in FIELDS.values():
            due: datetime | None = getattr(self.case, field)
            if due is not None and due > paused:
                # The business time that was left when the clock stopped, from now on.
                left = self.hours.between(paused, due)
                self.set(field, self.hours.add(at, left))
        self.set("sla_paused_at", None)

    def customer_wrote(self, at: datetime, answered: bool) -> None:
        self.resume(at)
        level = self.level
        if (
            level is not None
            and level.next_response_hours is not None
            and (self.case.first_response_at is not None or answered)
            and self.case.next_response_due_at is None
        ):
            self.set("next_response_due_at", self.hours.add(at, hours_of(level.next_response_hours)))


def opening(case: Case) -> None:
    """The hook before a new case's row is written: its clocks start with it, so the due
    times are in its INSERT (no UPDATE of the row a moment later). `entries_added` on its
    "opened" entry finds them set and writes nothing."""
    clocks = _Clocks(case)
    clocks.start(case.created_at)
    targets = running(case)
    if targets:
        case.sla_due_at = min(targets.values())
        case.sla_check_at = case.created_at


def entries_added(case: Case, entries: Sequence[TimelineEntry]) -> None:
    """The hook: move the clocks for what these entries record (module docstring)."""
    clocks = _Clocks(case)
    met: list[tuple[str, datetime, datetime]] = []  # target, due, met at
    opened = any(e.event == Event.OPENED for e in entries if e.kind == TimelineEntry.Kind.EVENT)
    answered, relevant = False, False
    for entry in entries:
        at = entry.created_at
        if entry.kind == TimelineEntry.Kind.EVENT:
            data = entry.data if isinstance(entry.data, dict) else {}
            if entry.event == Event.OPENED:
                # Every case is opened by `timeline.open_case_rows`, whose row went in with
                # its clocks started (`opening`); the summary below finds them right.
                relevant = True
            elif entry.event == Event.REOPENED:
                clocks.restart_resolution(at)
                relevant = True
            elif entry.event == Event.STATUS_CHANGED:
                before, after = data.get("from"), data.get("to")
                if after in (Status.RESOLVED, Status.CLOSED) and before in ACTIVE_STATUSES and case.resolution_due_at:
                    met.append((Target.RESOLUTION, case.resolution_due_at, at))
                if after == Status.PENDING:
                    clocks.pause(at)
                elif before == Status.PENDING:
                    clocks.resume(at)
                relevant = relevant or Status.PENDING in (before, after) or after in (Status.RESOLVED, Status.CLOSED)
        elif _customer_message(entry) and not opened:
            clocks.customer_wrote(at, answered)
            relevant = True
        elif _staff_answer(entry):
            if case.first_response_at is None and not answered and case.first_response_due_at is not None:
                met.append((Target.FIRST_RESPONSE, case.first_response_due_at, at))
            answered = True
            if case.next_response_due_at is not None:
                met.append((Target.NEXT_RESPONSE, case.next_response_due_at, at))
                clocks.set("next_response_due_at", None)
            relevant = True
    if not relevant:
        return
    targets = running(case, answered=answered)
    changes = clocks.changes
    deferred = case.get_deferred_fields()
    now = clock.now()
    check = None if "sla_check_at" in deferred else case.sla_check_at
    summary = {
        "sla_due_at": None if case.sla_paused_at else min(targets.values(), default=None),
        # The scan looks at it soon and works out the next moment itself; a check that is
        # already due (a case opened a moment ago) is as soon.
        "sla_check_at": (check if check is not None and check <= now else now)
        if targets and not case.sla_paused_at
        else None,
    }
    for field, value in summary.items():
        # A case without running targets (no service level, the common case of e-mail
        # ingest) has nothing to write: an UPDATE of NULL to NULL is a statement per message.
        if field in deferred or getattr(case, field) != value:
            changes[field] = value
    for field, value in changes.items():
        setattr(case, field, value)
    if changes:
        Case.objects.filter(pk=case.pk).update(**changes)
    for target, due, at in met:
        if at > due:
            _settle(case, target, due, at, clocks.hours)


# --- the scan: warnings and breaches ---------------------------------------------------


def _local(moment: datetime, hours: Hours) -> str:
    return f"{moment.astimezone(hours.tz):%a %d %b %H:%M}"


def span(delta: timedelta) -> str:
    """A business-time amount as people say it: "45 min", "3 h", "3 h 10 min"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d} min" if m else f"{h} h"


def _recipients(case: Case) -> list[Any]:
    if case.owner_id is not None and case.owner is not None and case.owner.is_active:
        return [case.owner]
    return list(supervisors_of(case.department_id))


def _warn(case: Case, target: str, due: datetime, now: datetime, hours: Hours) -> None:
    SlaEvent.objects.create(case=case, target=target, kind=SlaEvent.Kind.WARNING, due_at=due, recorded_at=now)
    label = Target(target).label
    notify(
        _recipients(case),
        NoticeKind.SLA_WARNING,
        key=f"sla:{case.pk}:{target}:warning:{due.isoformat()}",
        title=f"{label} due soon on {case.ref}",
        body=f"{label} is due {_local(due, hours)} ({span(hours.between(now, due))} of business time left).",
        case=case,
    )


def _breach(case: Case, target: str, due: datetime, now: datetime, hours: Hours) -> None:
    SlaEvent.objects.create(case=case, target=target, kind=SlaEvent.Kind.BREACH, due_at=due, recorded_at=now)
    late = hours.between(due, now)
    label = Target(target).label
    body = f"{label} target missed: it was due {_local(due, hours)}" + (
        f"; {span(late)} of business time late when noticed." if late >= timedelta(minutes=1) else "."
    )
    _breach_entry(case, target, due, now, late, body)
    notify(
        _recipients(case),
        NoticeKind.SLA_BREACH,
        key=f"sla:{case.pk}:{target}:breach:{due.isoformat()}",
        title=f"{label} missed on {case.ref}",
        body=body,
        case=case,
    )


def _breach_entry(case: Case, target: str, due: datetime, now: datetime, late: timedelta, body: str) -> None:
    add_event(
        case,
        Event.SLA_BREACHED,
        acting_user=None,
        author_name="honeydesk",
        channel=Channel.SYSTEM,
        body=body,
        data={"target": target, "due_at": due.isoformat(), "late_business_seconds": int(late.total_seconds())},
        at=now,
    )


def _settle(case: Case, target: str, due: datetime, at: datetime, hours: Hours) -> None:
    """A target met after its due time: the final overrun on its breach row (the case
    row is locked by the action, so the scan cannot record the same breach meanwhile)."""
    overrun = hours.between(due, at)
    seconds = int(overrun.total_seconds())
    breach = SlaEvent.objects.filter(case=case, target=target, kind=SlaEvent.Kind.BREACH, due_at=due).first()
    if breach is not None:
        if breach.met_at is None:
            SlaEvent.objects.filter(pk=breach.pk).update(met_at=at, overrun_seconds=seconds)
        return
    SlaEvent.objects.create(
        case=case,
        target=target,
        kind=SlaEvent.Kind.BREACH,
        due_at=due,
        recorded_at=at,
        met_at=at,
        overrun_seconds=seconds,
    )
    label = Target(target).label
    body = f"{label} target missed: it was due {_local(due, hours)} and met {span(overrun)} of business time late."
    _breach_entry(case, target, due, at, overrun, body)


def check_case(pk: int, now: datetime) -> int:
    """Warn or record what is due on one case; the case's next look. Returns how many
    warnings and breaches were recorded. The breach entry does not bump the case's
    version: it changes nothing a person decided, and must not make a rep's open reply
    form stale."""
    recorded = 0
    with transaction.atomic():
        case = lock(Case(pk=pk))
        if case.sla_check_at is None or case.sla_check_at > now:
            return 0  # another worker got here first
        targets = {} if case.sla_paused_at else running(case)
        next_check: datetime | None = None
        if targets:
            hours = hours_for(case.department_id)
            level = level_for(case.request_type_id, case.priority)
            warn_before = hours_of(level.warn_before_hours if level is not None else DEFAULT_WARN)
            done = set(
                SlaEvent.objects.filter(case=case, due_at__in=list(targets.values())).values_list("target", "kind")
            )
            for target, due in targets.items():
                if now >= due:
                    if (target, SlaEvent.Kind.BREACH) not in done:
                        _breach(case, target, due, now, hours)
                        recorded += 1
                    continue
                warn_at = hours.back(due, warn_before)
                if now >= warn_at:
                    if (target, SlaEvent.Kind.WARNING) not in done and (target, SlaEvent.Kind.BREACH) not in done:
                        _warn(case, target, due, now, hours)
                        recorded += 1
                else:
                    next_check = min(next_check or warn_at, warn_at)
                next_check = min(next_check or due, due)
        Case.objects.filter(pk=pk).update(sla_check_at=next_check)
    return recorded


def scan(now: datetime | None = None, *, batch: int = 200, stop: Callable[[], bool] = lambda: False) -> int:
    """Every case whose look is due, each in its own transaction; a failing case is
    logged and tried again at the next scan. Returns how many events were recorded."""
    moment = now or clock.now()
    recorded, seen = 0, 0
    last = 0
    while not stop():
        pks = list(
            Case.objects.filter(sla_check_at__lte=moment, pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not pks:
            break
        for pk in pks:
            if stop():
                return recorded
            last, seen = pk, seen + 1
            try:
                recorded += check_case(pk, moment)
            except Exception:
                log.exception("service levels: checking case %s failed; next scan tries again", pk)
    return recorded


ROUND_SECONDS = 20.0


def periodic_scan(stop: Callable[[], bool]) -> bool:
    """The worker's task (registered in apps.py): True when the round finished."""
    deadline = time_module.monotonic() + ROUND_SECONDS
    late = [False]

    def should_stop() -> bool:
        late[0] = late[0] or time_module.monotonic() > deadline
        return late[0] or stop()

    scan(stop=should_stop)
    return not late[0]
