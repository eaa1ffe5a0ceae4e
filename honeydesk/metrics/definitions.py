"""The metrics, each defined once. Dashboards, CSV exports and the API all read these.

A metric is a `Metric` (what is shown and how it is computed from a roll-up's count and
total) over one *measure*; a measure is what `facts_for` finds in each case's record: one
`Fact` per contribution, keyed by day, rep, department, request type and channel. The
roll-ups (`rollups.py`) are sums of these facts, so the definitions below are the whole
truth about every figure.

Common rules, for every measure:

- **Day and hour** are local to `settings.TIME_ZONE`, taken at the moment the fact
  happened (a first response is counted on the day it was given).
- **Department and request type** are the case's *now*: a case transferred from Billing
  to Repair counts in Repair, for all its figures (a department is judged on the cases it
  holds; what Billing did before the hand-off still counts for Billing's *reps*).
- **Rep**: work counts for the rep who did it (the author of a reply, the rep on a call);
  outcomes count for the rep who produced them (first response: who answered; resolution,
  first-contact resolution and reopenings: who resolved the case first; service levels:
  the case's owner when the target was met or missed). So in a case transferred from one
  rep to another, the first rep keeps their replies and calls, the one who resolves it
  gets the resolution. Contacts are nobody's (rep 0).
- **Channel**: the entry's channel for work and contacts (a call is phone), the channel
  the case came in on for outcomes.

Handle time per call: talk from the call events (or the length a rep logged) plus the
wrap-up from the call events, the telephony system's `wrapup_ended` (its `wrapup_seconds`,
else the time since the call's `ended`); the rep's note typing time after the call is the
wrap-up only for calls without that event.

Business time: durations use the department's business calendar
(`honeydesk.policy.calendars`) when an admin has set one up (its own or the default
calendar); with no calendar at all, calendar (elapsed) time.

The registration point for metrics of other apps is `register_source` +
`register_metric` (the quality app's satisfaction, survey response and recovery
completion: `honeydesk/quality/metrics.py`); an app whose rows change without an entry
on the case marks the case stale itself (`rollups.mark_stale`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from honeydesk.cases.models import Case, TimelineEntry
from honeydesk.channels.phone.models import CallbackTask, CallEvent, CallEventKind, PromiseState
from honeydesk.policy.calendars import configured_hours
from honeydesk.policy.hours import Hours
from honeydesk.policy.models import SlaEvent, Target

Kind = TimelineEntry.Kind
Event = TimelineEntry.Event

# Without a wrap-up from the telephony system, notes a rep writes this soon after a call,
# on the same case, are the call's wrap-up.
WRAP_UP_WINDOW = timedelta(minutes=30)


def fcr_days() -> int:
    """N for first-contact resolution (HONEYDESK_FCR_DAYS, default 7)."""
    return int(settings.FCR_DAYS)


@dataclass(frozen=True)
class Fact:
    day: Any  # datetime.date
    hour: int
    rep_id: int
    department_id: int
    request_type_id: int
    channel: str
    measure: str
    count: int
    total: int

    def key(self) -> tuple[Any, ...]:
        return (self.day, self.hour, self.rep_id, self.department_id, self.request_type_id, self.channel, self.measure)


# A score is a mean on the scale it was given in (a survey's 1 to 5).
Unit = Literal["seconds", "ratio", "count", "score"]


@dataclass(frozen=True)
class Metric:
    """What a dashboard shows. `value(count, total)`: an average of seconds or a score
    (total / count), a share (total / count) or a plain count."""

    key: str
    label: str
    measure: str
    unit: Unit
    definition: str
    supervisors_only: bool = False

    def value(self, count: int, total: int) -> float | None:
        if self.unit == "count":
            return float(count)
        return total / count if count else None

    def shown(self, count: int, total: int) -> str:
        v = self.value(count, total)
        return "—" if v is None else self.show(v)

    def show(self, v: float) -> str:
        """A value as the pages and the CSV write it (a count that is a median may be
        fractional)."""
        if self.unit == "seconds":
            return human_seconds(v)
        if self.unit == "ratio":
            return f"{v * 100:.0f}%"
        if self.unit == "score":
            return f"{v:.1f}"
        return f"{v:.0f}" if v == int(v) else f"{v:.1f}"


def human_seconds(seconds: float) -> str:
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s // 3600}h {s % 3600 // 60:02d}m"


METRICS: list[Metric] = [
    Metric(
        "handle_call",
        "Handle time per call",
        "handle_call",
        "seconds",
        "Talk time of each call a rep took (from the telephony system's answered/ended events, or the"
        " length a rep logged) plus wrap-up from the call events: the after-call work the telephony"
        " system reported with its wrapup_ended event (its wrapup_seconds, else the time from the"
        " call's end to that event). Only for a call without a wrapup_ended event (the telephony system"
        " sends none, or the call was logged by hand) is the wrap-up the composing time of notes the"
        " same rep wrote on the case within 30 minutes after the call. A call with no end event has no"
        " talk time and is left out (not counted as zero). Counts for the rep on the call.",
    ),
    Metric(
        "handle_written",
        "Handle time per written reply",
        "handle_written",
        "seconds",
        "Focused composing time per reply, measured in the composer (time the reply box had focus and"
        " was being typed in, idle gaps over 30 s left out) and stored on the reply. Replies sent"
        " without a measurement (API, e-mail) are left out. Counts for the rep who wrote it.",
    ),
    Metric(
        "first_response",
        "Time to first response",
        "first_response",
        "seconds",
        "Business time from the case's opening to its first answer by staff (a reply, a call, or the"
        " opening itself when a rep opened it during a live call). Counts for the rep who answered.",
    ),
    Metric(
        "resolution",
        "Time to resolution",
        "resolution",
        "seconds",
        "Business time from opening to the case's first resolution (reopenings show in the reopen"
        " rate, not here). Counts for the rep who resolved it.",
    ),
    Metric(
        "fcr",
        "First-contact resolution",
        "fcr",
        "ratio",
        "Share of first resolutions after which the customer made no repeat contact about it within"
        " N days (default 7): no reopening of the case, no new case from the same account with the"
        " same request type on any channel, and no follow-up case linked to it. A reopening after the"
        " N days does not count against it. Counts for the rep who resolved it.",
    ),
    Metric(
        "reopen_rate",
        "Reopen rate",
        "reopened",
        "ratio",
        "Share of resolved cases reopened afterwards (at any time). Counts for the rep who first resolved it.",
    ),
    Metric(
        "sla",
        "Service-level attainment",
        "sla",
        "ratio",
        "Of the first-response and resolution targets that came to an end (met, or missed — answered"
        " late or recorded as breached by the service-level scan), the share met. Cases without a"
        " service level are not counted. Counts for the case's owner at that moment.",
    ),
    Metric(
        "promises",
        "Call-back promises kept",
        "promises",
        "ratio",
        "Of the call-backs a rep promised that were settled (kept or broken), the share kept."
        " Counts for the rep who promised.",
    ),
    Metric(
        "contacts",
        "Contacts",
        "contacts",
        "count",
        "Customer messages and inbound calls received (every channel), by the hour they came in.",
    ),
    Metric(
        "abuse",
        "Abusive messages received",
        "abuse",
        "count",
        "Customer messages read as abusive, counted for the case's owner when they arrived (rep"
        " protection: shown to supervisors only).",
        supervisors_only=True,
    ),
]


@dataclass
class Context:
    """What facts need beyond one case, loaded once per batch."""

    entries: dict[int, list[TimelineEntry]] = field(default_factory=dict)
    breaches: dict[tuple[int, str], datetime] = field(default_factory=dict)
    promises: dict[int, list[CallbackTask]] = field(default_factory=dict)
    repeats: dict[int, list[datetime]] = field(default_factory=dict)
    waits: dict[str, int] = field(default_factory=dict)
    wrapups: dict[str, int] = field(default_factory=dict)
    _hours: dict[int, Hours | None] = field(default_factory=dict)

    def hours(self, department_id: int) -> Hours | None:
        if department_id not in self._hours:
            self._hours[department_id] = configured_hours(department_id)
        return self._hours[department_id]

    def business_seconds(self, department_id: int, start: datetime, end: datetime) -> int:
        if end <= start:
            return 0
        hours = self.hours(department_id)
        span = hours.between(start, end) if hours is not None else end - start
        return int(span.total_seconds())


Source = Callable[[Sequence[Case], Context], Iterable[tuple[int, Fact]]]
_sources: dict[str, Source] = {}


def register_source(name: str) -> Callable[[Source], Source]:
    """Another app's facts about cases (the quality app's surveys): `func(cases, ctx)`
    yields (case id, fact) for the cases given, from that app's own rows."""

    def register(func: Source) -> Source:
        _sources.setdefault(name, func)
        return func

    return register


def register_metric(metric: Metric) -> None:
    if all(m.key != metric.key for m in METRICS):
        METRICS.append(metric)


def metric(key: str) -> Metric:
    for m in METRICS:
        if m.key == key:
            return m
    raise KeyError(key)


def load_context(cases: Sequence[Case]) -> Context:
    ids = [c.pk for c in cases]
    ctx = Context()
    for entry in TimelineEntry.objects.filter(case_id__in=ids).order_by("case_id", "created_at", "id"):
        ctx.entries.setdefault(entry.case_id, []).append(entry)
    for e in SlaEvent.objects.filter(case_id__in=ids, kind=SlaEvent.Kind.BREACH).order_by("recorded_at"):
        ctx.breaches.setdefault((e.case_id, e.target), e.recorded_at)
    for task in CallbackTask.objects.filter(
        case_id__in=ids,
        promised_by__isnull=False,
        settled_at__isnull=False,
        promise_state__in=[PromiseState.KEPT, PromiseState.BROKEN],
    ):
        if task.case_id is not None:
            ctx.promises.setdefault(task.case_id, []).append(task)
    # A call's wait comes with whichever of its events reported it (often `answered`,
    # before the call-log entry exists); its wrap-up with `wrapup_ended`, after the call.
    call_ids = [
        e.data["call_id"] for es in ctx.entries.values() for e in es if e.kind == Kind.CALL and e.data.get("call_id")
    ]
    ended: dict[str, datetime] = {}
    wrapped: dict[str, tuple[datetime, int | None]] = {}
    for call_id, kind, wait, wrapup, occurred in CallEvent.objects.filter(call_id__in=call_ids).values_list(
        "call_id", "event", "wait_seconds", "wrapup_seconds", "occurred_at"
    ):
        if wait is not None:
            ctx.waits[call_id] = max(wait, ctx.waits.get(call_id, 0))
        if kind == CallEventKind.ENDED:
            ended[call_id] = occurred
        elif kind == CallEventKind.WRAPUP_ENDED:
            wrapped[call_id] = (occurred, wrapup)
    for call_id, (occurred, wrapup) in wrapped.items():
        if wrapup is None and call_id in ended:
            wrapup = max(0, int((occurred - ended[call_id]).total_seconds()))
        if wrapup is not None:
            ctx.wrapups[call_id] = wrapup
    # Repeat contacts: cases of the same account and request type, and follow-ups, opened
    # after a first resolution of these cases and within N days of it. Only that window is
    # read (the rebuild takes cases in order of opening, so each batch's window is narrow).
    firsts = {
        pk: next((e.created_at for e in es if e.kind == Kind.EVENT and e.event == Event.RESOLVED), None)
        for pk, es in ctx.entries.items()
    }
    resolved = [t for t in firsts.values() if t is not None]
    if not resolved:
        return ctx
    lo, hi = min(resolved), max(resolved) + timedelta(days=fcr_days())
    accounts = {c.account_id for c in cases if firsts.get(c.pk) is not None}
    later = Case.objects.filter(
        Q(account_id__in=accounts) | Q(linked_case_id__in=ids), created_at__gt=lo, created_at__lte=hi
    ).values_list("id", "account_id", "request_type_id", "linked_case_id", "created_at")
    by_key: dict[tuple[int, int], list[tuple[int, datetime]]] = defaultdict(list)
    linked: dict[int, list[datetime]] = defaultdict(list)
    for pk, account_id, type_id, linked_id, created in later:
        by_key[(account_id, type_id)].append((pk, created))
        if linked_id is not None:
            linked[linked_id].append(created)
    for c in cases:
        if firsts.get(c.pk) is None:
            continue
        same = [created for pk, created in by_key[(c.account_id, c.request_type_id)] if pk != c.pk]
        ctx.repeats[c.pk] = sorted(same + linked.get(c.pk, []))
    return ctx


def _local(moment: datetime) -> tuple[Any, int]:
    here = timezone.localtime(moment)
    return here.date(), here.hour


def _owner_at(entries: Sequence[TimelineEntry], moment: datetime) -> int:
    owner = 0
    for e in entries:
        if e.created_at > moment:
            break
        if e.kind == Kind.EVENT and e.event == Event.OWNER_CHANGED:
            owner = int(e.data.get("to_id") or 0)
    return owner


def facts_for(case: Case, ctx: Context) -> list[Fact]:
    """Every fact of one case, from its record (see the module docstring for the rules)."""
    entries = ctx.entries.get(case.pk, [])
    out: list[Fact] = []

    def add(moment: datetime, rep: int, channel: str, measure: str, count: int, total: int, hourly: bool) -> None:
        day, hour = _local(moment)
        out.append(
            Fact(
                day,
                hour if hourly else 0,
                rep,
                case.department_id,
                case.request_type_id,
                channel,
                measure,
                count,
                total,
            )
        )

    calls: list[tuple[TimelineEntry, int]] = []
    for e in entries:
        rep = e.author_id or 0
        data = e.data or {}
        if e.kind == Kind.INBOUND and not data.get("record_only"):
            add(e.created_at, 0, e.channel, "contacts", 1, 0, True)
            if (data.get("analysis") or {}).get("tone") == "abusive":
                add(e.created_at, _owner_at(entries, e.created_at), e.channel, "abuse", 1, 1, False)
        elif e.kind == Kind.CALL and data.get("split_from"):
            # A copy split out of another case (honeydesk.cases.merging): the call was
            # taken once, and counted on the case it was logged on.
            continue
        elif e.kind == Kind.CALL:
            if data.get("direction", "inbound") == "inbound":
                add(e.created_at, 0, e.channel, "contacts", 1, 0, True)
            wait = ctx.waits.get(str(data.get("call_id") or ""), data.get("wait_seconds"))
            if isinstance(wait, int):
                add(e.created_at, rep, e.channel, "call_wait", 1, wait, True)
            talk = data.get("talk_seconds", data.get("duration_seconds"))
            if isinstance(talk, int) and rep:
                calls.append((e, talk))
        elif e.kind == Kind.OUTBOUND and isinstance(data.get("compose_seconds"), int) and rep:
            add(e.created_at, rep, e.channel, "handle_written", 1, int(data["compose_seconds"]), False)
    for call, talk in calls:
        wrap = ctx.wrapups.get(str((call.data or {}).get("call_id") or ""))
        if wrap is None:
            wrap = sum(
                int(n.data["compose_seconds"])
                for n in entries
                if n.kind == Kind.NOTE
                and n.author_id == call.author_id
                and isinstance((n.data or {}).get("compose_seconds"), int)
                and call.created_at <= n.created_at <= call.created_at + WRAP_UP_WINDOW
            )
        add(call.created_at, call.author_id or 0, call.channel, "handle_call", 1, talk + wrap, False)

    if case.first_response_at is not None:
        answer = next((e for e in entries if e.kind in (Kind.OUTBOUND, Kind.CALL) and e.author_id), None)
        if answer is None:
            answer = next((e for e in entries if e.event == Event.OPENED), None)
        rep = (answer.author_id or 0) if answer is not None else 0
        seconds = ctx.business_seconds(case.department_id, case.created_at, case.first_response_at)
        add(case.first_response_at, rep, case.channel, "first_response", 1, seconds, False)

    resolved = next((e for e in entries if e.kind == Kind.EVENT and e.event == Event.RESOLVED), None)
    if resolved is not None:
        at, rep = resolved.created_at, resolved.author_id or 0
        seconds = ctx.business_seconds(case.department_id, case.created_at, at)
        add(at, rep, case.channel, "resolution", 1, seconds, False)
        window_end = at + timedelta(days=fcr_days())
        reopenings = [e.created_at for e in entries if e.event == Event.REOPENED and e.created_at > at]
        repeated = any(at < t <= window_end for t in [*reopenings, *ctx.repeats.get(case.pk, [])])
        add(at, rep, case.channel, "fcr", 1, 0 if repeated else 1, False)
        add(at, rep, case.channel, "reopened", 1, 1 if reopenings else 0, False)

    for target, due, met_at in (
        (Target.FIRST_RESPONSE, case.first_response_due_at, case.first_response_at),
        (Target.RESOLUTION, case.resolution_due_at, resolved.created_at if resolved else None),
    ):
        if due is None:
            continue
        breach = ctx.breaches.get((case.pk, target))
        ends = [t for t in (met_at, breach) if t is not None]
        if not ends:
            continue
        ended = min(ends)
        met = breach is None and met_at is not None and met_at <= due
        add(ended, _owner_at(entries, ended), case.channel, "sla", 1, 1 if met else 0, False)

    for task in ctx.promises.get(case.pk, []):
        if task.settled_at is not None and task.promised_by_id is not None:
            kept = 1 if task.promise_state == PromiseState.KEPT else 0
            add(task.settled_at, task.promised_by_id, "phone", "promises", 1, kept, False)
    return out


def facts_for_cases(cases: Sequence[Case]) -> list[tuple[int, Fact]]:
    """(case id, fact) for every fact of these cases, from the built-in measures and the
    registered sources."""
    ctx = load_context(cases)
    out = [(c.pk, f) for c in cases for f in facts_for(c, ctx)]
    for source in _sources.values():
        out.extend(source(cases, ctx))
    return out
