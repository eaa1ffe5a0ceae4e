"""Figures from the roll-ups, cut by rep, department, request type, channel and period.

Everything the dashboards, the CSV exports and the API show comes from `tables` (and
`heatmap` for weekday x hour), through the `Metric`s of `definitions.py`, so the three
always give the same numbers.

Reading costs the same whatever the number of cases and about the same whatever the
period: a period is covered exactly once by whole months, whole weeks and the days left
over (`cover`), read from `PeriodRollup` (index `periodrollup_read`), so a year reads
about as many rows as a fortnight. All the cuts of a page (total, rep, department,
request type, channel) come from one grouped query, the trend from a second; the
heatmap reads the weekday x hour table `HourRollup`.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Literal

from django.db.models import Q, Sum

from honeydesk.accounts.models import Department, Role, User
from honeydesk.cases import access
from honeydesk.cases.models import Channel, RequestType
from honeydesk.lib.errors import NotFound
from honeydesk.metrics.definitions import METRICS, Metric
from honeydesk.metrics.models import HourRollup, Level, PeriodRollup

Group = Literal["total", "rep", "department", "request_type", "channel", "day", "week", "month"]
GROUPS: tuple[str, ...] = ("total", "rep", "department", "request_type", "channel", "day", "week", "month")
PERIODS = {"week": 7, "month": 30, "quarter": 91, "year": 365}
DIMENSIONS = {"rep": "rep_id", "department": "department_id", "request_type": "request_type_id", "channel": "channel"}
PERIOD_GROUPS = ("day", "week", "month")
Bucket = Literal["day", "week", "month"]


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    department_id: int | None = None
    request_type_id: int | None = None
    channel: str | None = None
    rep_id: int | None = None

    def cuts(self) -> Q:
        q = Q()
        if self.department_id is not None:
            q &= Q(department_id=self.department_id)
        if self.request_type_id is not None:
            q &= Q(request_type_id=self.request_type_id)
        if self.channel is not None:
            q &= Q(channel=self.channel)
        if self.rep_id is not None:
            q &= Q(rep_id=self.rep_id)
        return q


def cover(start: date, end: date, by: Bucket = "month") -> Q:
    """The roll-up rows (of `PeriodRollup` or `HourRollup`) that together count every day
    from `start` to `end` exactly once, with as few rows as possible: whole months (when
    `by` is "month"), whole weeks, and single days for the rest. Every row read falls in
    one `by` bucket, so a trend by week or month can be summed from them."""
    months: list[date] = []
    weeks: list[date] = []
    days: list[tuple[date, date]] = []

    def weeks_and_days(a: date, b: date) -> None:
        if by == "day":
            days.append((a, b))
            return
        monday = a + timedelta(days=-a.weekday() % 7)
        whole = ((b - monday).days + 1) // 7 if b >= monday else 0
        if whole <= 0:
            days.append((a, b))
            return
        weeks.extend(monday + timedelta(weeks=i) for i in range(whole))
        after = monday + timedelta(weeks=whole)
        if monday > a:
            days.append((a, monday - timedelta(days=1)))
        if after <= b:
            days.append((after, b))

    if by == "month":
        first = start.replace(day=1)
        while first <= end:
            following = (first + timedelta(days=32)).replace(day=1)
            if first >= start and following - timedelta(days=1) <= end:
                months.append(first)
            else:
                weeks_and_days(max(first, start), min(following - timedelta(days=1), end))
            first = following
    elif start <= end:
        weeks_and_days(start, end)
    q = Q(pk__in=[])
    if months:
        q |= Q(level=Level.MONTH, start__in=months)
    if weeks:
        q |= Q(level=Level.WEEK, start__in=weeks)
    for a, b in days:
        q |= Q(level=Level.DAY, start__gte=a, start__lte=b)
    return q


def bucket_of(day: date, by: str) -> date:
    if by == "week":
        return day - timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    return day


def trend_for(period_days: int) -> Bucket:
    """The trend's step: weeks, and months over periods longer than a quarter."""
    return "month" if period_days > PERIODS["quarter"] else "week"


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


def _measures(metrics: Sequence[Metric]) -> set[str]:
    return {m.measure for m in metrics}


def _grouped(filters: Filters, metrics: Sequence[Metric], groups: Sequence[str]) -> dict[str, dict[Any, Sums]]:
    """Sums per group for every group asked, from at most one query for the cuts and one
    per period step."""
    out: dict[str, dict[Any, Sums]] = {g: defaultdict(dict) for g in groups}
    cuts = [g for g in groups if g not in PERIOD_GROUPS]
    base = PeriodRollup.objects.filter(filters.cuts(), measure__in=_measures(metrics)).order_by()
    if cuts:
        rows = base.filter(cover(filters.start, filters.end)).values(*DIMENSIONS.values(), "measure")
        for row in rows.annotate(c=Sum("count"), t=Sum("total")):
            for g in cuts:
                key = "all" if g == "total" else row[DIMENSIONS[g]]
                c, t = out[g][key].get(row["measure"], (0, 0))
                out[g][key][row["measure"]] = (c + int(row["c"]), t + int(row["t"]))
    for g in groups:
        if g not in PERIOD_GROUPS:
            continue
        rows = base.filter(cover(filters.start, filters.end, by=g)).values("level", "start", "measure")  # type: ignore[arg-type]
        for row in rows.annotate(c=Sum("count"), t=Sum("total")):
            key = bucket_of(row["start"], g)
            c, t = out[g][key].get(row["measure"], (0, 0))
            out[g][key][row["measure"]] = (c + int(row["c"]), t + int(row["t"]))
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


def tables(filters: Filters, metrics: Sequence[Metric], groups: Sequence[str]) -> dict[str, list[Row]]:
    """For each group asked, one row per key (sorted by label; periods in time order) with
    each metric's value. The number of queries depends on the groups asked only."""
    for group in groups:
        if group not in GROUPS:
            raise ValueError(group)
    grouped = _grouped(filters, metrics, groups)
    out: dict[str, list[Row]] = {}
    for group in groups:
        sums_by_key = grouped[group]
        keys = sorted(sums_by_key) if group in PERIOD_GROUPS else list(sums_by_key)
        labels = _labels(group, keys)
        if group not in PERIOD_GROUPS:
            keys.sort(key=lambda k: labels[k].lower())
        rows = []
        for key in keys:
            sums = sums_by_key[key]
            cells = []
            for m in metrics:
                count, total = sums.get(m.measure, (0, 0))
                cells.append((m, m.value(count, total), m.shown(count, total)))
            rows.append(Row(key, labels[key], cells))
        out[group] = rows
    return out


def table(filters: Filters, metrics: Sequence[Metric], group: str) -> list[Row]:
    return tables(filters, metrics, [group])[group]


def heatmap(filters: Filters, measure: str = "contacts") -> list[list[int]]:
    """grid[weekday][hour] (Monday 0) of a measure's counts over the period."""
    grid = [[0] * 24 for _ in range(7)]
    rows = (
        HourRollup.objects.filter(cover(filters.start, filters.end), filters.cuts(), measure=measure)
        .values("weekday", "hour")
        .annotate(c=Sum("count"))
        .order_by()
    )
    for row in rows:
        grid[int(row["weekday"]) - 1][int(row["hour"])] += int(row["c"])
    return grid


# A team median of fewer reps gives a rep's colleagues away: with two, the other rep's
# figure is 2 x median - mine. Below this many reps with figures, no team figure.
MIN_TEAM_REPS = 3
NOT_ENOUGH = "not enough data to compare"


@dataclass(frozen=True)
class Comparison:
    metric: Metric
    mine: str
    median: str
    mine_value: float | None
    median_value: float | None


def own_against_team(user: User, filters: Filters) -> list[Comparison]:
    """A rep's own figures and the median of their team (the reps of their departments
    with figures in the period, the rep included). Names never leave this function, and
    a metric's median is given only when at least `MIN_TEAM_REPS` reps have a figure for
    it (otherwise `NOT_ENOUGH`), so no colleague's own figure can be worked out from it."""
    metrics = metrics_for(user)
    team = set(User.objects.filter(departments__in=access.department_ids(user)).values_list("pk", flat=True))
    team.add(user.pk)
    by_rep = _grouped(replace(filters, rep_id=None), metrics, ["rep"])["rep"]
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
        median = statistics.median(values) if len(values) >= MIN_TEAM_REPS else None
        mine = m.value(*mine_sums)
        out.append(Comparison(m, _show(m, mine), _show(m, median) if median is not None else NOT_ENOUGH, mine, median))
    return out


def _show(m: Metric, value: float | None) -> str:
    return "—" if value is None else m.show(value)
