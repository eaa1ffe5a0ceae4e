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
    calls = besttime.pattern(clock.now().date(), department_id=chosen["department"])
    forecast = calls.forecast()
    call_rows = [
        (
            WEEKDAYS[d],
            [
                (forecast[d][h], human_seconds(slot.average_wait) if slot.average_wait is not None else "")
                for h, slot in enumerate(calls.grid[d])
            ],
        )
        for d in range(7)
    ]
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
            "call_rows": call_rows,
            "advice": besttime.advice_from(calls),
        },
    )


@require_GET
@staff_required
def export(request: HttpRequest, name: str) -> HttpResponse:
    """One dashboard table as CSV: the same rows and the same figures as the page."""
    user = user_of(request)
    queries.require_supervisor(user)
    if name not in TABLES:
        raise Http404("Not found")
    filters, chosen = _filters(request)
    metrics = queries.metrics_for(user)
    rows = queries.table(filters, metrics, name)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="metrics-{name}-{filters.start}-{filters.end}.csv"'
    writer = csv.writer(response)
    writer.writerow([TABLES[name].removeprefix("By ").capitalize(), *(m.label for m in metrics)])
    for row in rows:
        writer.writerow([row.label, *(shown for _, _, shown in row.cells)])
    audit.record_export(
        request,
        actor=user,
        what=f"metrics {name}",
        target=f"metrics table {TABLES[name].lower()}",
        rows=len(rows),
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
            "filters": filters,
            "chosen": chosen,
            "periods": list(queries.PERIODS),
            "departments": None,
        },
    )
