"""Figures from the roll-ups, cut by rep, department, request type, channel and period.

Everything the dashboards, the CSV exports and the API show comes from `table` (and
`heatmap` for weekday x hour), through the `Metric`s of `definitions.py`, so the three
always give the same numbers. Reading is one grouped query over the roll-up rows of the
period (index `rollup_day_measure`), whatever the number of cases.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Literal

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import ExtractIsoWeekDay, TruncMonth, TruncWeek

from honeydesk.accounts.models import Department, Role, User
from honeydesk.cases import access
from honeydesk.cases.models import Channel, RequestType
from honeydesk.lib.errors import NotFound
from honeydesk.metrics.definitions import METRICS, Metric, human_seconds
from honeydesk.metrics.models import Rollup

Group = Literal["total", "rep", "department", "request_type", "channel", "day", "week", "month"]
GROUPS: tuple[str, ...] = ("total", "rep", "department", "request_type", "channel", "day", "week", "month")
PERIODS = {"week": 7, "month": 30, "quarter": 91, "year": 365}


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    department_id: int | None = None
    request_type_id: int | None = None
    channel: str | None = None
    rep_id: int | None = None

    def query(self) -> Q:
        q = Q(day__gte=self.start, day__lte=self.end)
        if self.department_id is not None:
            q &= Q(department_id=self.department_id)
        if self.request_type_id is not None:
            q &= Q(request_type_id=self.request_type_id)
        if self.channel is not None:
            q &= Q(channel=self.channel)
        if self.rep_id is not None:
            q &= Q(rep_id=self.rep_id)
        return q


def filters_for_period(today: date, period: str, **cuts: Any) -> Filters:
    days = PERIODS.get(period, 30)
    return Filters(start=today - timedelta(days=days - 1), end=today, **cuts)


def metrics_for(user: User) -> list[Metric]:
    """The metrics this person may see (rep protection figures: supervisors only)."""
    supervisor = user.role in (Role.SUPERVISOR, Role.ADMIN)
    return [m for m in METRICS if supervisor or not m.supervisors_only]


def require_supervisor(user: User) -> None:
    """Team figures (and other reps' names): supervisors and admins; others get 404."""
    access.require_staff(user)
    if user.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise NotFound("Not found.")


Sums = dict[str, tuple[int, int]]


def _grouped(filters: Filters, metrics: Sequence[Metric], group: str) -> dict[Any, Sums]:
    rows: QuerySet[Rollup, Any]
    base = Rollup.objects.filter(filters.query(), measure__in={m.measure for m in metrics})
    if group == "total":
        rows = base.values("measure")
    elif group in ("day", "week", "month"):
        trunc = {"day": F("day"), "week": TruncWeek("day"), "month": TruncMonth("day")}[group]
        rows = base.annotate(g=trunc).values("g", "measure")
    else:
        column = {"rep": "rep_id", "department": "department_id", "request_type": "request_type_id"}.get(group, group)
        rows = base.annotate(g=F(column)).values("g", "measure")
    out: dict[Any, Sums] = defaultdict(dict)
    for row in rows.annotate(c=Sum("count"), t=Sum("total")).order_by():
        key = row.get("g", "all")
        if hasattr(key, "date") and callable(key.date):
            key = key.date()
        out[key][row["measure"]] = (int(row["c"]), int(row["t"]))
    return out


@dataclass(frozen=True)
class Row:
    key: Any
    label: str
    cells: list[tuple[Metric, float | None, str]]  # metric, value, shown


def _labels(group: str, keys: Sequence[Any]) -> dict[Any, str]:
    if group == "rep":
        names = {u.pk: u.display_name for u in User.objects.filter(pk__in=[k for k in keys if k])}
        return {k: names.get(k, "Nobody yet") if k else "Not anyone's" for k in keys}
    if group == "department":
        depts = dict(Department.objects.filter(pk__in=keys).values_list("pk", "name"))
        return {k: depts.get(k, f"#{k}") for k in keys}
    if group == "request_type":
        types = dict(RequestType.objects.filter(pk__in=keys).values_list("pk", "name"))
        return {k: types.get(k, f"#{k}") for k in keys}
    if group == "channel":
        return {k: Channel(k).label if k in Channel.values else k for k in keys}
    if group == "week":
        return {k: f"Week of {k:%d %b %Y}" for k in keys}
    if group == "month":
        return {k: f"{k:%B %Y}" for k in keys}
    if group == "day":
        return {k: f"{k:%a %d %b %Y}" for k in keys}
    return {k: "All" for k in keys}


def table(filters: Filters, metrics: Sequence[Metric], group: str) -> list[Row]:
    """One row per group (sorted by label; periods in time order) with each metric's value."""
    if group not in GROUPS:
        raise ValueError(group)
    grouped = _grouped(filters, metrics, group)
    keys = sorted(grouped, key=lambda k: (k is None, k)) if group in ("day", "week", "month") else list(grouped)
    labels = _labels(group, keys)
    if group not in ("day", "week", "month"):
        keys.sort(key=lambda k: labels[k].lower())
    rows = []
    for key in keys:
        sums = grouped[key]
        cells = []
        for m in metrics:
            count, total = sums.get(m.measure, (0, 0))
            cells.append((m, m.value(count, total), m.shown(count, total)))
        rows.append(Row(key, labels[key], cells))
    return rows


def heatmap(filters: Filters, measure: str = "contacts") -> list[list[int]]:
    """grid[weekday][hour] (Monday 0) of a measure's counts over the period."""
    grid = [[0] * 24 for _ in range(7)]
    rows = (
        Rollup.objects.filter(filters.query(), measure=measure)
        .annotate(wd=ExtractIsoWeekDay("day"))
        .values("wd", "hour")
        .annotate(c=Sum("count"))
        .order_by()
    )
    for row in rows:
        grid[int(row["wd"]) - 1][int(row["hour"])] += int(row["c"])
    return grid


@dataclass(frozen=True)
class Comparison:
    metric: Metric
    mine: str
    median: str
    mine_value: float | None
    median_value: float | None


def own_against_team(user: User, filters: Filters) -> list[Comparison]:
    """A rep's own figures and the median of their team (the reps of their departments
    with figures in the period). Names never leave this function."""
    metrics = metrics_for(user)
    team = set(User.objects.filter(departments__in=access.department_ids(user)).values_list("pk", flat=True))
    team.add(user.pk)
    by_rep = _grouped(replace(filters, rep_id=None), metrics, "rep")
    out = []
    for m in metrics:
        mine_sums = by_rep.get(user.pk, {}).get(m.measure, (0, 0))
        values = [
            v
            for rep, sums in by_rep.items()
            if rep in team and m.measure in sums
            for v in [m.value(*sums[m.measure])]
            if v is not None
        ]
        median = statistics.median(values) if values else None
        mine = m.value(*mine_sums)
        out.append(Comparison(m, _show(m, mine), _show(m, median), mine, median))
    return out


def _show(m: Metric, value: float | None) -> str:
    if value is None:
        return "—"
    if m.unit == "count":
        return f"{value:.0f}" if value == int(value) else f"{value:.1f}"
    if m.unit == "ratio":
        return f"{value * 100:.0f}%"
    return human_seconds(value)
