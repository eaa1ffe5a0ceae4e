"""The service-level state of a case (wired into /api/v1/ by honeydesk.api.urls).

`GET /cases/{ref}/service-level`: each target's due time, whether it was met, is
running, paused or overdue, the soonest due time, and the warnings and breaches
recorded (staff only; a breach met since carries its final overrun in business
seconds). Anyone who may see the case may see its service level; customers too (the
due times are what the desk promised them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from honeydesk.accounts.models import User
from honeydesk.cases import access
from honeydesk.cases.models import Case
from honeydesk.lib import clock
from honeydesk.lib.apischema import READ_ERRORS
from honeydesk.policy.calendars import hours_for
from honeydesk.policy.models import SlaEvent, Target

router = Router(tags=["service levels"])


class TargetOut(Schema):
    target: str
    due_at: datetime
    state: str  # met, missed, running, paused, overdue
    met_at: datetime | None


class SlaEventOut(Schema):
    target: str
    kind: str
    due_at: datetime
    recorded_at: datetime
    met_at: datetime | None  # a breach: when the target was finally met
    overrun_seconds: int | None  # and by how much business time it was late then


class ServiceLevelOut(Schema):
    case: str
    time_zone: str
    business_hours: str
    paused_since: datetime | None
    due_soonest: datetime | None
    targets: list[TargetOut]
    events: list[SlaEventOut]


def service_level_dict(case: Case, now: datetime, *, internal: bool) -> dict[str, Any]:
    hours = hours_for(case.department_id)
    targets = []
    for target, due, met in (
        (Target.FIRST_RESPONSE, case.first_response_due_at, case.first_response_at),
        (Target.NEXT_RESPONSE, case.next_response_due_at, None),
        (Target.RESOLUTION, case.resolution_due_at, case.resolved_at),
    ):
        if due is None:
            continue
        if met is not None:
            state = "met" if met <= due else "missed"
        elif not case.is_active:
            continue
        elif case.sla_paused_at is not None:
            state = "paused"
        else:
            state = "overdue" if due < now else "running"
        targets.append({"target": target.value, "due_at": due, "state": state, "met_at": met})
    events = (
        list(
            SlaEvent.objects.filter(case=case).values(
                "target", "kind", "due_at", "recorded_at", "met_at", "overrun_seconds"
            )
        )
        if internal
        else []
    )
    return {
        "case": case.ref,
        "time_zone": str(getattr(hours.tz, "key", hours.tz)),
        "business_hours": hours.describe(),
        "paused_since": case.sla_paused_at,
        "due_soonest": case.sla_due_at,
        "targets": targets,
        "events": events,
    }


@router.get(
    "/cases/{ref}/service-level",
    response={200: ServiceLevelOut, **READ_ERRORS},
    summary="Service-level due times of a case",
)
def case_service_level(request: HttpRequest, ref: str) -> dict[str, Any]:
    user: User = request.auth  # type: ignore[attr-defined]
    case = access.case_for(user, ref)
    return service_level_dict(case, clock.now(), internal=user.is_staff_member)
