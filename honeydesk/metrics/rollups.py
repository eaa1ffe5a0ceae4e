"""Keeping the roll-ups equal to the record.

- The entries hook (`entries_added`, inside the action's transaction) marks the case
  stale, and with it the earlier cases whose first-contact verdict a new case can change
  (same account and request type, or the case it follows up). Cheap: one or two small
  writes; the recomputing is the worker's.
- `refresh` (the worker, every 30 s, and on demand) claims stale cases, recomputes their
  facts whole, and adds the difference to the roll-up rows. Idempotent and safe with
  several workers: a case's claim and its fact rows change in one transaction, roll-up
  rows change by `UPDATE ... SET count = count + d` (rows created first with
  `ignore_conflicts`, so two workers never collide on an insert).
- `rebuild` recomputes every case from the timeline (`honeydesk rollups --rebuild`).
- The tables the dashboards read (`PeriodRollup`: per day, week and month without the
  hour; `HourRollup`: the hourly measures per weekday x hour) are sums of `Rollup` rows:
  every change to `Rollup` moves them by the same difference (`_apply`), and `derive`
  recomputes them from `Rollup` (after a rebuild, or after rows were loaded directly).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q, Sum

from honeydesk.cases.models import Case, TimelineEntry
from honeydesk.lib import clock
from honeydesk.metrics.definitions import Fact, facts_for_cases, fcr_days
from honeydesk.metrics.models import CaseFact, HourRollup, Level, PeriodRollup, Rollup, StaleCase

BATCH = 500
KEY_FIELDS = ("day", "hour", "rep_id", "department_id", "request_type_id", "channel", "measure")
PERIOD_FIELDS = ("level", "start", "rep_id", "department_id", "request_type_id", "channel", "measure")
HOUR_FIELDS = ("level", "start", "weekday", "hour", "rep_id", "department_id", "request_type_id", "channel", "measure")
# The measures counted by local hour (their facts carry it; every other measure's hour is 0).
HOURLY = frozenset({"contacts", "call_wait"})

Sums = dict[tuple[Any, ...], tuple[int, int]]


def mark_stale(case_ids: Iterable[int]) -> None:
    now = clock.now()
    StaleCase.objects.bulk_create([StaleCase(case_id=pk, marked_at=now) for pk in set(case_ids)], ignore_conflicts=True)


def entries_added(case: Case, entries: Sequence[TimelineEntry]) -> None:
    ids = {case.pk}
    if any(e.event == TimelineEntry.Event.OPENED for e in entries):
        since = case.created_at - timedelta(days=fcr_days())
        earlier = Case.objects.filter(
            Q(account_id=case.account_id, request_type_id=case.request_type_id)
            & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=since))
            & Q(created_at__lte=case.created_at)
        ).values_list("id", flat=True)
        ids.update(earlier)
        if case.linked_case_id is not None:
            ids.add(case.linked_case_id)
    mark_stale(ids)


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
    changed = {k: v for k, v in delta.items() if v != (0, 0)}
    if not changed:
        return
    model.objects.bulk_create([model(**dict(zip(fields, key, strict=True))) for key in changed], ignore_conflicts=True)
    for key, (count, total) in changed.items():
        row = model.objects.filter(**dict(zip(fields, key, strict=True)))
        row.update(count=F("count") + count, total=F("total") + total)
        row.filter(count=0, total=0).delete()


def _apply(delta: Sums) -> None:
    _move(Rollup, KEY_FIELDS, delta)
    periods, hours = derived(delta)
    _move(PeriodRollup, PERIOD_FIELDS, periods)
    _move(HourRollup, HOUR_FIELDS, hours)


def refresh_cases(case_ids: Sequence[int]) -> None:
    """Recompute these cases' facts and move the roll-ups by the difference (in the
    caller's transaction)."""
    delta: Sums = {}
    old = CaseFact.objects.filter(case_id__in=case_ids)
    for row in old.values_list(*KEY_FIELDS, "count", "total"):
        _add(delta, tuple(row[:-2]), -row[-2], -row[-1])
    old.delete()
    cases = list(Case.objects.filter(pk__in=case_ids))
    facts = facts_for_cases(cases)
    for _, f in facts:
        _add(delta, f.key(), f.count, f.total)
    CaseFact.objects.bulk_create([_fact_row(pk, f) for pk, f in facts], batch_size=1000)
    _apply(delta)


def refresh(*, batch: int = BATCH, stop: Callable[[], bool] = lambda: False) -> int:
    """Fold stale cases into the roll-ups; returns how many were refreshed."""
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
            refresh_cases(claimed)
            StaleCase.objects.filter(case_id__in=claimed).delete()
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
