"""Metrics in the workspace: the supervisors' dashboard (charts, tables, CSV) and a rep's
own figures against their team's median.

Every number comes from `honeydesk.metrics.queries` (so page, CSV and API agree); the
charts are drawn by the vendored Chart.js from data the page carries in `json_script`
blocks (no inline script), and every chart has its numbers in a table beside it.
"""

from __future__ import annotations

import csv
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from honeydesk.accounts import audit
from honeydesk.accounts.models import Department
from honeydesk.cases.models import Channel, RequestType
from honeydesk.lib import clock
from honeydesk.metrics import besttime, queries
from honeydesk.metrics.definitions import human_seconds, metric
from honeydesk.web.views.common import parse_int, staff_required, user_of

TABLES = {
    "rep": "By rep",
    "request_type": "By request type",
    "department": "By department",
    "channel": "By channel",
    "week": "By week",
    "month": "By month",
}
CUTS = ["rep", "request_type", "department", "channel"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _filters(request: HttpRequest) -> tuple[queries.Filters, dict[str, Any]]:
    get = request.GET
    period = get.get("period", "month")
    period = period if period in queries.PERIODS else "month"
    channel = get.get("channel") or None
    chosen = {
        "period": period,
        "department": parse_int(get.get("department")),
        "request_type": parse_int(get.get("request_type")),
        "channel": channel if channel in Channel.values else None,
    }
    filters = queries.filters_for_period(
        clock.now().date(),
        period,
        department_id=chosen["department"],
        request_type_id=chosen["request_type"],
        channel=chosen["channel"],
    )
    return filters, chosen


def _chart_data(tables: dict[str, list[queries.Row]], grid: list[list[int]]) -> dict[str, Any]:
    def series(rows: list[queries.Row], key: str) -> list[float | None]:
        out: list[float | None] = []
        for row in rows:
            value = next(v for m, v, _ in row.cells if m.key == key)
            out.append(None if value is None else round(value * 100 if metric(key).unit == "ratio" else value, 1))
        return out

    weeks = tables["week"] if "week" in tables else tables["month"]
    return {
        "step": "week" if "week" in tables else "month",
        "trend": {
            "labels": [r.label for r in weeks],
            "series": [
                {"label": "First-contact resolution (%)", "data": series(weeks, "fcr")},
                {"label": "Service-level attainment (%)", "data": series(weeks, "sla")},
                {"label": "Reopen rate (%)", "data": series(weeks, "reopen_rate")},
            ],
        },
        "reps": {"labels": [r.label for r in tables["rep"]], "data": series(tables["rep"], "fcr")},
        "types": {
            "labels": [r.label for r in tables["request_type"]],
            "data": series(tables["request_type"], "contacts"),
        },
        "heatmap": grid,
    }


def _calls(chosen: dict[str, Any]) -> besttime.Pattern:
    return besttime.pattern(clock.now().date(), department_id=chosen["department"])


def _call_rows(calls: besttime.Pattern) -> list[tuple[str, list[tuple[float, str]]]]:
    """The best-time table: per weekday, per hour, the forecast calls and the average wait
    shown ("" for an hour without answered calls)."""
    forecast = calls.forecast()
    return [
        (
            WEEKDAYS[d],
            [
                (forecast[d][h], human_seconds(slot.average_wait) if slot.average_wait is not None else "")
                for h, slot in enumerate(calls.grid[d])
            ],
        )
        for d in range(7)
    ]


@require_GET
@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    queries.require_supervisor(user)
    filters, chosen = _filters(request)
    metrics = queries.metrics_for(user)
    # The trend goes by week, by month over a year: a year's weeks would be fifty rows.
    step = queries.trend_for((filters.end - filters.start).days + 1)
    names = [*CUTS, step]
    found = queries.tables(filters, metrics, ["total", *names])
    tables = {name: found[name] for name in names}
    totals = found["total"]
    grid = queries.heatmap(filters)
    peak = max((max(row) for row in grid), default=0)
    heat = [
        (WEEKDAYS[d], [(n, 0 if not peak else min(5, (n * 5 + peak - 1) // peak)) for n in grid[d]]) for d in range(7)
    ]
    calls = _calls(chosen)
    return render(
        request,
        "metrics/dashboard.html",
        {
            "metrics": metrics,
            "tables": [(name, TABLES[name], tables[name]) for name in names],
            "step": step,
            "totals": totals[0] if totals else None,
            "filters": filters,
            "chosen": chosen,
            "query": request.GET.urlencode(),
            "departments": Department.objects.order_by("name"),
            "request_types": RequestType.objects.order_by("name"),
            "channels": Channel.choices,
            "periods": list(queries.PERIODS),
            "heat": heat,
            "hours": range(24),
            "chart_data": _chart_data(tables, grid),
            "calls": calls,
            "call_rows": _call_rows(calls),
            "advice": besttime.advice_from(calls),
        },
    )


# The dashboard's weekday x hour tables, downloadable beside the cut tables.
GRIDS = {"heatmap": "Contact volume by weekday and hour", "best-time": "Best time to call"}
# The period at a glance (the tiles): one row, the whole period.
TOTAL = "total"


def _safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula is kept as text (CSV injection): rep,
    department and request type names are typed by people."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_GET
@staff_required
def export(request: HttpRequest, name: str) -> HttpResponse:
    """One dashboard table as CSV: the same rows and the same figures as the page (the
    period at a glance, the cut tables, the contact heatmap, and the best-time-to-call
    forecast)."""
    user = user_of(request)
    queries.require_supervisor(user)
    if name not in TABLES and name not in GRIDS and name != TOTAL:
        raise Http404("Not found")
    filters, chosen = _filters(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="metrics-{name}-{filters.start}-{filters.end}.csv"'
    writer = csv.writer(response)
    hours = [f"{h:02d}" for h in range(24)]
    count = 0
    if name == "heatmap":
        # The page's table: a row per weekday, a column per local hour.
        writer.writerow(["Day", *hours])
        for d, counts in enumerate(queries.heatmap(filters)):
            writer.writerow([WEEKDAYS[d], *counts])
            count += 1
        what = "the contact heatmap"
    elif name == "best-time":
        # One row per weekday and hour with answered calls (the hours the page fills in).
        calls = _calls(chosen)
        response["Content-Disposition"] = f'attachment; filename="metrics-{name}-{calls.start}-{calls.end}.csv"'
        writer.writerow(["Day", "Hour", "Expected calls", "Average wait"])
        for day, cells in _call_rows(calls):
            for h, (expected, wait) in enumerate(cells):
                if wait:
                    writer.writerow([day, hours[h], expected, wait])
                    count += 1
        what = "the best time to call"
    else:
        metrics = queries.metrics_for(user)
        rows = queries.table(filters, metrics, name)
        first = "Period" if name == TOTAL else TABLES[name].removeprefix("By ").capitalize()
        writer.writerow([first, *(_safe(m.label) for m in metrics)])
        for row in rows:
            label = f"{filters.start} to {filters.end}" if name == TOTAL else row.label
            writer.writerow([_safe(label), *(_safe(shown) for _, _, shown in row.cells)])
        count = len(rows)
        what = "the period at a glance" if name == TOTAL else f"metrics table {TABLES[name].lower()}"
    audit.record_export(
        request,
        actor=user,
        what=f"metrics {name}",
        target=what,
        rows=count,
        filters={"start": str(filters.start), "end": str(filters.end), **chosen},
    )
    return response


@require_GET
@staff_required
def mine(request: HttpRequest) -> HttpResponse:
    """A rep's own figures against the median of their team; no other rep is named."""
    user = user_of(request)
    filters, chosen = _filters(request)
    return render(
        request,
        "metrics/mine.html",
        {
            "rows": queries.own_against_team(user, filters),
            "min_team": queries.MIN_TEAM_REPS,
            "filters": filters,
            "chosen": chosen,
            "periods": list(queries.PERIODS),
            "departments": None,
        },
    )
