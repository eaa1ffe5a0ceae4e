"""API endpoints for incidents (wired into /api/v1/ by honeydesk.api.urls).

Read for every integrator through the door (`access.incidents_visible_to`: staff all,
customers the real incidents of their areas, without the cases linked); write for staff
(supervisors confirm and dismiss). Anyone else gets the 404 of something missing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja import Status as Reply

from honeydesk.accounts.models import User
from honeydesk.cases import access as case_access
from honeydesk.lib.apischema import READ_ERRORS, WRITE_ERRORS, In
from honeydesk.lib.errors import InvalidInput
from honeydesk.outages import access, actions
from honeydesk.outages.models import Incident, IncidentUpdate, OutageReport

# A path id the database can hold; anything else names nothing (404/422, never a 500).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]

router = Router(tags=["incidents"])


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined, no-any-return]


class UpdateOut(Schema):
    body: str
    posted_at: datetime
    next_update_at: datetime | None


class IncidentOut(Schema):
    id: int
    title: str
    service: str
    area: str
    status: str
    summary: str
    started_at: datetime
    reported_at: datetime
    next_update_at: datetime | None
    resolved_at: datetime | None
    resolution: str
    proposed_by_system: bool
    updates: list[UpdateOut]
    cases: list[str] = Field(..., description="Staff only: references of the linked cases.")
    affected_accounts: int | None = Field(..., description="Staff only: accounts on record as affected.")


def incident_dict(incident: Incident, user: User) -> dict[str, Any]:
    staff = user.is_staff_member
    updates = IncidentUpdate.objects.filter(incident=incident).order_by("posted_at", "id")
    cases = (
        [
            f"HD-{pk:06d}"
            for pk in OutageReport.objects.filter(incident=incident)
            .order_by("case_id")
            .values_list("case_id", flat=True)
        ]
        if staff
        else []
    )
    return {
        "id": incident.pk,
        "title": incident.title,
        "service": incident.service,
        "area": incident.area,
        "status": incident.status,
        "summary": incident.summary,
        "started_at": incident.started_at,
        "reported_at": incident.reported_at,
        "next_update_at": incident.next_update_at,
        "resolved_at": incident.resolved_at,
        "resolution": incident.resolution,
        "proposed_by_system": incident.reported_by_id is None,
        "updates": [{"body": u.body, "posted_at": u.posted_at, "next_update_at": u.next_update_at} for u in updates],
        "cases": cases,
        "affected_accounts": incident.affected.count() if staff else None,
    }


class IncidentFilters(In):
    status: str | None = None
    area: str | None = None


class IncidentIn(In):
    service: str = Field(..., max_length=80)
    area: str = Field(..., max_length=80)
    title: str = Field("", max_length=200)
    summary: str = Field("", max_length=2000)
    started_at: datetime | None = None
    next_update_at: datetime | None = None


class ConfirmIn(In):
    summary: str = Field("", max_length=2000)
    next_update_at: datetime | None = None


class DismissIn(In):
    reason: str = Field(..., max_length=2000)


class UpdateIn(In):
    body: str = Field(..., max_length=2000)
    next_update_at: datetime | None = None


class IncidentResolveIn(In):
    resolution: str = Field(..., max_length=2000)
    resolved_at: datetime | None = None


class LinkIn(In):
    case: str = Field(..., description="Reference of the case to link, e.g. HD-000123.")


@router.get(
    "/incidents", response={200: list[IncidentOut], **READ_ERRORS}, summary="Incidents you may see, newest first"
)
def list_incidents(request: HttpRequest, filters: Query[IncidentFilters]) -> list[dict[str, Any]]:
    user = _user(request)
    incidents = access.incidents_visible_to(user).order_by("-reported_at", "-id")
    if filters.status:
        if filters.status not in Incident.Status.values:
            raise InvalidInput.field("status", f"Unknown status; use {', '.join(Incident.Status.values)}.")
        incidents = incidents.filter(status=filters.status)
    if filters.area:
        incidents = incidents.filter(area=filters.area)
    return [incident_dict(i, user) for i in incidents[:100]]


@router.get("/incidents/{incident_id}", response={200: IncidentOut, **READ_ERRORS}, summary="An incident")
def get_incident(request: HttpRequest, incident_id: Id) -> dict[str, Any]:
    user = _user(request)
    return incident_dict(access.incident_for(user, incident_id), user)


@router.post("/incidents", response={201: IncidentOut, **WRITE_ERRORS}, summary="Report an outage (staff)")
def report_incident(request: HttpRequest, payload: IncidentIn) -> Reply[dict[str, Any]]:
    user = _user(request)
    case_access.require_staff(user)
    incident = actions.do_report_incident(
        service=payload.service,
        area=payload.area,
        title=payload.title,
        summary=payload.summary,
        started_at=payload.started_at,
        next_update_at=payload.next_update_at,
        acting_user=user,
    )
    return Reply(201, incident_dict(incident, user))


def _staff_incident(user: User, incident_id: Id) -> Incident:
    case_access.require_staff(user)
    return access.incident_for(user, incident_id)


@router.post(
    "/incidents/{incident_id}/confirm",
    response={200: IncidentOut, **WRITE_ERRORS},
    summary="Confirm a proposed incident (supervisors)",
)
def confirm(request: HttpRequest, incident_id: Id, payload: ConfirmIn) -> dict[str, Any]:
    user = _user(request)
    incident = actions.do_confirm_incident(
        _staff_incident(user, incident_id),
        summary=payload.summary,
        next_update_at=payload.next_update_at,
        acting_user=user,
    )
    return incident_dict(incident, user)


@router.post(
    "/incidents/{incident_id}/dismiss",
    response={200: IncidentOut, **WRITE_ERRORS},
    summary="Dismiss a proposed incident (supervisors)",
)
def dismiss(request: HttpRequest, incident_id: Id, payload: DismissIn) -> dict[str, Any]:
    user = _user(request)
    incident = actions.do_dismiss_incident(_staff_incident(user, incident_id), reason=payload.reason, acting_user=user)
    return incident_dict(incident, user)


@router.post(
    "/incidents/{incident_id}/updates", response={201: IncidentOut, **WRITE_ERRORS}, summary="Post an update (staff)"
)
def post_update(request: HttpRequest, incident_id: Id, payload: UpdateIn) -> Reply[dict[str, Any]]:
    user = _user(request)
    incident = _staff_incident(user, incident_id)
    actions.do_post_update(incident, body=payload.body, next_update_at=payload.next_update_at, acting_user=user)
    return Reply(201, incident_dict(access.incident_for(user, incident_id), user))


@router.post("/incidents/{incident_id}/resolve", response={200: IncidentOut, **WRITE_ERRORS}, summary="Resolve (staff)")
def resolve(request: HttpRequest, incident_id: Id, payload: IncidentResolveIn) -> dict[str, Any]:
    user = _user(request)
    incident = actions.do_resolve_incident(
        _staff_incident(user, incident_id),
        resolution=payload.resolution,
        resolved_at=payload.resolved_at,
        acting_user=user,
    )
    return incident_dict(incident, user)


@router.post(
    "/incidents/{incident_id}/cases",
    response={200: IncidentOut, **WRITE_ERRORS},
    summary="Link a case to an incident (staff)",
)
def link_case(request: HttpRequest, incident_id: Id, payload: LinkIn) -> dict[str, Any]:
    user = _user(request)
    incident = _staff_incident(user, incident_id)
    case = case_access.case_for(user, payload.case)
    actions.do_link_case(incident, case, acting_user=user)
    return incident_dict(access.incident_for(user, incident_id), user)
