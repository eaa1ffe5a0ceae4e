"""Keeping the roll-ups equal to the record.

- The write path only marks: the entries hook (`entries_added`, inside the action's
  transaction) upserts one `StaleCase` row for the case (one small statement; the
  recomputing, and finding which other cases a change affects, is the worker's). Other
  apps mark their cases the same way (`mark_stale`) when their own rows change.
- `refresh` (the worker's periodic task, every 30 s, and `honeydesk rollups`) claims
  stale cases in batches, marks the earlier cases whose first-contact verdict a case new
  to the roll-ups (or moved to another request type) can change (same account and
  request type within the window, or the case it follows up), recomputes the claimed
  cases' facts whole, and adds the difference to the roll-up rows.
- `rebuild` recomputes every case from the timeline (`honeydesk rollups --rebuild`).
- The tables the dashboards read (`PeriodRollup`: per day, week and month without the
  hour; `HourRollup`: the hourly measures per weekday x hour) are sums of `Rollup` rows:
  every change to `Rollup` moves them by the same difference (`_apply`), and `derive`
  recomputes them from `Rollup` (after a rebuild, or after rows were loaded directly).

Safe with several workers (PostgreSQL, READ COMMITTED): a batch claims its marks with
`FOR UPDATE SKIP LOCKED`, so two workers never refresh the same case at once (which would
add its difference twice). A mark is never lost to a refresh that read the record before
the change committed: `mark_stale` is an upsert (`ON CONFLICT DO UPDATE`), which waits for
a worker holding that mark and, once the worker deleted it, inserts a fresh one, so the
case is refreshed again after the change commits. The worker's own marks (earlier cases)
are about changes already committed, so they are `ON CONFLICT DO NOTHING` (which does not
wait on a mark another worker merely holds, only on one it deleted) and made before the
batch deletes its own claims: a worker that deleted its claims waits on no mark, so two
workers never wait on each other for marks. Roll-up rows are created with `ignore_conflicts` and moved by
`UPDATE ... SET count = count + d`, always in key order (no lock-order deadlocks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q, Sum

from honeydesk.cases.models import Case, TimelineEntry
from honeydesk.lib import clock
from honeydesk.lib.batches import Batch
from honeydesk.metrics import besttime
from honeydesk.metrics.definitions import Fact, facts_for_cases, fcr_days
from honeydesk.metrics.models import CaseFact, HourRollup, Level, PeriodRollup, Rollup, StaleCase

BATCH = 500
KEY_FIELDS = ("day", "hour", "rep_id", "department_id", "request_type_id", "channel", "measure")
PERIOD_FIELDS = ("level", "start", "rep_id", "department_id", "request_type_id", "channel", "measure")
HOUR_FIELDS = ("level", "start", "weekday", "hour", "rep_id", "department_id", "request_type_id", "channel", "measure")
# The measures counted by local hour (their facts carry it; every other measure's hour is 0).
HOURLY = frozenset({"contacts", "call_wait"})

Sums = dict[tuple[Any, ...], tuple[int, int]]


# Inside `marks_per_batch`: the cases marked so far, written when the block ends.
_marks: Batch[int] = Batch("pending_stale_marks")


def mark_stale(case_ids: Iterable[int]) -> None:
    """Mark cases for the worker, in the caller's transaction (which changed them)."""
    pending = _marks.current()
    if pending is not None:
        pending.extend(case_ids)
        return
    now = clock.now()
    StaleCase.objects.bulk_create(
        [StaleCase(case_id=pk, marked_at=now) for pk in sorted(set(case_ids))],
        update_conflicts=True,
        unique_fields=["case_id"],
        update_fields=["marked_at"],
    )


@contextmanager
def marks_per_batch() -> Iterator[None]:
    """Collect the marks made inside the block and write them as one upsert when it ends
    without an error, still inside the caller's transaction (so nothing above about
    concurrency changes). For a batch that writes many cases in one transaction without
    savepoints (e-mail ingest, `inbound.ingest_many`): a statement per batch instead of
    one per message. If the block fails, nothing is written: its transaction is rolled
    back whole anyway (`honeydesk.lib.batches`)."""
    with _marks.collect() as pending:
        yield
    if pending:
        mark_stale(pending)


def entries_added(case: Case, entries: Sequence[TimelineEntry]) -> None:
    mark_stale([case.pk])


def call_event_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A call event that reaches its case after the call-log entry was written (the end of
    the rep's wrap-up, a wait reported late) changes the call's figures without an entry
    on the case: the phone channel's row marks the case (post_save of `CallEvent`)."""
    if instance.case_id is not None:
        mark_stale([instance.case_id])


def _affected(cases: Sequence[Case], old_types: dict[int, set[int]]) -> set[int]:
    """The earlier cases whose first-contact verdict these cases can change: of the same
    account and request type (now, or before a change of type), opened no later and not
    resolved before the window, and the cases they follow up."""
    if not cases:
        return set()
    keys: dict[tuple[int, int], list[Any]] = {}
    for c in cases:
        for type_id in {c.request_type_id, *old_types.get(c.pk, set())}:
            keys.setdefault((c.account_id, type_id), []).append(c.created_at)
    out = {c.linked_case_id for c in cases if c.linked_case_id is not None}
    latest = max(c.created_at for c in cases)
    since = min(c.created_at for c in cases) - timedelta(days=fcr_days())
    candidates = Case.objects.filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=since),
        account_id__in={a for a, _ in keys},
        request_type_id__in={t for _, t in keys},
        created_at__lte=latest,
    ).values_list("id", "account_id", "request_type_id", "created_at", "resolved_at")
    window = timedelta(days=fcr_days())
    for pk, account_id, type_id, created, resolved in candidates:
        for opened in keys.get((account_id, type_id), []):
            if created <= opened and (resolved is None or resolved >= opened - window):
                out.add(pk)
                break
    return out


def _add(sums: Sums, key: tuple[Any, ...], count: int, total: int) -> None:
    c, t = sums.get(key, (0, 0))
    sums[key] = (c + count, t + total)


def _fact_row(case_id: int, f: Fact) -> CaseFact:
    return CaseFact(
        case_id=case_id,
        day=f.day,
        hour=f.hour,
        rep_id=f.rep_id,
        department_id=f.department_id,
        request_type_id=f.request_type_id,
        channel=f.channel,
        measure=f.measure,
        count=f.count,
        total=f.total,
    )


def starts(day: date) -> list[tuple[str, date]]:
    """The day, week and month a day's figures are summed into."""
    return [(Level.DAY, day), (Level.WEEK, day - timedelta(days=day.weekday())), (Level.MONTH, day.replace(day=1))]


def derived(sums: Sums) -> tuple[Sums, Sums]:
    """`Rollup` sums (or differences) folded into the keys of `PeriodRollup` and `HourRollup`."""
    periods: Sums = {}
    hours: Sums = {}
    for (day, hour, rep, department, request_type, channel, measure), (count, total) in sums.items():
        for level, start in starts(day):
            _add(periods, (level, start, rep, department, request_type, channel, measure), count, total)
            if measure in HOURLY:
                key = (level, start, day.isoweekday(), hour, rep, department, request_type, channel, measure)
                _add(hours, key, count, total)
    return periods, hours


def _move(model: Any, fields: Sequence[str], delta: Sums) -> None:
    # Key by key in sorted order: two workers take the rows' locks in the same order, so
    # they never wait on each other in a cycle. Most keys exist: one UPDATE each.
    for key, (count, total) in sorted((k, v) for k, v in delta.items() if v != (0, 0)):
        row = model.objects.filter(**dict(zip(fields, key, strict=True)))
        if not row.update(count=F("count") + count, total=F("total") + total):
            model.objects.bulk_create([model(**dict(zip(fields, key, strict=True)))], ignore_conflicts=True)
            row.update(count=F("count") + count, total=F("total") + total)
        if count < 0 or total < 0:  # only a subtraction can leave a row at zero
            row.filter(count=0, total=0).delete()


def _apply(delta: Sums) -> None:
    _move(Rollup, KEY_FIELDS, delta)
    periods, hours = derived(delta)
    _move(PeriodRollup, PERIOD_FIELDS, periods)
    _move(HourRollup, HOUR_FIELDS, hours)
    if hours:
        besttime.forget_advice()


def refresh_cases(cases: Sequence[Case]) -> None:
    """Recompute these cases' facts and move the roll-ups by the difference (in the
    caller's transaction)."""
    delta: Sums = {}
    old = CaseFact.objects.filter(case_id__in=[c.pk for c in cases])
    for row in old.values_list(*KEY_FIELDS, "count", "total"):
        _add(delta, tuple(row[:-2]), -row[-2], -row[-1])
    old.delete()
    facts = facts_for_cases(cases)
    for _, f in facts:
        _add(delta, f.key(), f.count, f.total)
    CaseFact.objects.bulk_create([_fact_row(pk, f) for pk, f in facts], batch_size=1000)
    _apply(delta)


def _new_or_moved(cases: Sequence[Case]) -> tuple[list[Case], dict[int, set[int]]]:
    """The cases not yet in the roll-ups or counted under another request type than
    their own now, with the request types they are counted under."""
    counted: dict[int, set[int]] = {}
    for case_id, type_id in (
        CaseFact.objects.filter(case_id__in=[c.pk for c in cases])
        .values_list("case_id", "request_type_id")
        .distinct()
        .order_by()
    ):
        counted.setdefault(case_id, set()).add(type_id)
    return [c for c in cases if counted.get(c.pk, set()) != {c.request_type_id}], counted


def refresh(*, batch: int = BATCH, stop: Callable[[], bool] = lambda: False) -> int:
    """Fold stale cases into the roll-ups (the worker's task; tests call it to read
    figures right after an action); returns how many were refreshed."""
    done = 0
    while not stop():
        with transaction.atomic():
            claimed = list(
                StaleCase.objects.select_for_update(skip_locked=True)
                .order_by("case_id")
                .values_list("case_id", flat=True)[:batch]
            )
            if not claimed:
                return done
            cases = list(Case.objects.filter(pk__in=claimed))
            # Earlier cases first, while the claims are still held (see the docstring).
            moved, counted = _new_or_moved(cases)
            earlier = _affected(moved, counted) - set(claimed)
            now = clock.now()
            StaleCase.objects.bulk_create(
                [StaleCase(case_id=pk, marked_at=now) for pk in sorted(earlier)], ignore_conflicts=True
            )
            StaleCase.objects.filter(case_id__in=claimed).delete()
            refresh_cases(cases)
        done += len(claimed)
    return done


def periodic_refresh(stop: Callable[[], bool]) -> bool:
    refresh(stop=stop)
    return not StaleCase.objects.exists()


def from_scratch() -> Sums:
    """Every case's facts summed, computed from the record without touching the tables
    (what the roll-ups must equal)."""
    sums: Sums = {}
    ids = list(Case.objects.order_by("created_at", "pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        for _, f in facts_for_cases(list(Case.objects.filter(pk__in=ids[start : start + BATCH]))):
            _add(sums, f.key(), f.count, f.total)
    return {k: v for k, v in sums.items() if v != (0, 0)}


def stored(model: Any = Rollup, fields: Sequence[str] = KEY_FIELDS) -> Sums:
    return {tuple(row[:-2]): (row[-2], row[-1]) for row in model.objects.values_list(*fields, "count", "total")}


def derived_match() -> bool:
    """Whether the dashboards' tables hold exactly the sums of `Rollup`."""
    periods, hours = derived(stored())
    nonzero = [{k: v for k, v in d.items() if v != (0, 0)} for d in (periods, hours)]
    return nonzero == [stored(PeriodRollup, PERIOD_FIELDS), stored(HourRollup, HOUR_FIELDS)]


def _nonzero(sums: Sums) -> list[tuple[tuple[Any, ...], tuple[int, int]]]:
    return [(k, v) for k, v in sums.items() if v != (0, 0)]


def derive(*, batch_size: int = 5000) -> int:
    """Recompute `PeriodRollup` and `HourRollup` from `Rollup`; returns the rows written."""
    sums: Sums = {}
    for row in Rollup.objects.values_list(*KEY_FIELDS, "count", "total").iterator(chunk_size=batch_size):
        sums[tuple(row[:-2])] = (row[-2], row[-1])
    periods, hours = derived(sums)
    with transaction.atomic():
        PeriodRollup.objects.all().delete()
        HourRollup.objects.all().delete()
        PeriodRollup.objects.bulk_create(
            [
                PeriodRollup(**dict(zip(PERIOD_FIELDS, k, strict=True)), count=c, total=t)
                for k, (c, t) in _nonzero(periods)
            ],
            batch_size=batch_size,
        )
        HourRollup.objects.bulk_create(
            [HourRollup(**dict(zip(HOUR_FIELDS, k, strict=True)), count=c, total=t) for k, (c, t) in _nonzero(hours)],
            batch_size=batch_size,
        )
    besttime.forget_advice()
    return len(periods) + len(hours)


def rebuild(*, progress: Callable[[int], None] = lambda n: None) -> int:
    """Recompute every fact and roll-up from the timeline. Returns the number of cases."""
    # Stale marks stay: the worker's next refresh finds nothing to change for them.
    with transaction.atomic():
        CaseFact.objects.all().delete()
        Rollup.objects.all().delete()
        PeriodRollup.objects.all().delete()
        HourRollup.objects.all().delete()
    # In order of opening: each batch's repeat-contact window is then narrow.
    ids = list(Case.objects.order_by("created_at", "pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        chunk = list(Case.objects.filter(pk__in=ids[start : start + BATCH]))
        with transaction.atomic():
            CaseFact.objects.bulk_create([_fact_row(pk, f) for pk, f in facts_for_cases(chunk)], batch_size=1000)
        progress(start + len(chunk))
    rows = CaseFact.objects.values(*KEY_FIELDS).annotate(c=Sum("count"), t=Sum("total")).order_by()
    with transaction.atomic():
        Rollup.objects.bulk_create(
            [
                Rollup(**{k: row[k] for k in KEY_FIELDS}, count=row["c"], total=row["t"])
                for row in rows
                if (row["c"], row["t"]) != (0, 0)
            ],
            batch_size=1000,
        )
    derive()
    return len(ids)
