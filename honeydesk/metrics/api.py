"""The metrics through the API (wired into /api/v1/ by honeydesk.api.urls).

`GET /metrics`: the same figures as the dashboard (the same `queries.table`), cut by
`group` and filtered by period, department, request type and channel. Staff only:
supervisors and admins get every rep's figures; an agent gets only their own (the rep
filter is forced to them, and rep-protection figures are left out). Everyone else gets
the 404 a missing page gets.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from honeydesk.accounts.models import Role, User
from honeydesk.cases import access
from honeydesk.lib import clock
from honeydesk.lib.apischema import READ_ERRORS, In
from honeydesk.lib.errors import InvalidInput
from honeydesk.metrics import queries

router = Router(tags=["metrics"])

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
MAX_DAYS = 731


class MetricFilters(In):
    group: Literal["total", "rep", "department", "request_type", "channel", "day", "week", "month"] = "total"
    period: Literal["week", "month", "quarter", "year"] = "month"
    start: date | None = Field(None, description="First day (local); with `end`, instead of `period`.")
    end: date | None = Field(None, description="Last day (local), inclusive.")
    department: Id | None = None
    request_type: Id | None = None
    channel: Literal["email", "phone", "portal", "chat", "api", "workspace", "system"] | None = None


class MetricOut(Schema):
    key: str
    label: str
    unit: str
    definition: str


class RowOut(Schema):
    key: str
    label: str
    values: dict[str, float | None]
    shown: dict[str, str]


class MetricsOut(Schema):
    start: date
    end: date
    group: str
    metrics: list[MetricOut]
    rows: list[RowOut]


@router.get("/metrics", response={200: MetricsOut, **READ_ERRORS}, summary="Metrics cut by rep, type, channel, period")
def metrics(request: HttpRequest, filters: Query[MetricFilters]) -> dict[str, Any]:
    user: User = request.auth  # type: ignore[attr-defined]
    access.require_staff(user)
    supervisor = user.role in (Role.SUPERVISOR, Role.ADMIN)
    if (filters.start is None) != (filters.end is None):
        raise InvalidInput.field("start", "Give both start and end, or neither (then period).")
    cuts: dict[str, Any] = {
        "department_id": filters.department,
        "request_type_id": filters.request_type,
        "channel": filters.channel,
        "rep_id": None if supervisor else user.pk,
    }
    if filters.start is not None and filters.end is not None:
        if filters.end < filters.start or (filters.end - filters.start).days >= MAX_DAYS:
            raise InvalidInput.field("end", f"End must be on or after start, at most {MAX_DAYS} days later.")
        chosen = queries.Filters(start=filters.start, end=filters.end, **cuts)
    else:
        chosen = queries.filters_for_period(clock.now().date(), filters.period, **cuts)
    shown = queries.metrics_for(user)
    rows = queries.table(chosen, shown, filters.group)
    return {
        "start": chosen.start,
        "end": chosen.end,
        "group": filters.group,
        "metrics": [{"key": m.key, "label": m.label, "unit": m.unit, "definition": m.definition} for m in shown],
        "rows": [
            {
                "key": str(row.key),
                "label": row.label,
                "values": {m.key: value for m, value, _ in row.cells},
                "shown": {m.key: text for m, _, text in row.cells},
            }
            for row in rows
        ],
    }
