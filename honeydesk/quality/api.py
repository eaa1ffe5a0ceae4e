"""API endpoints for the quality loop (wired into /api/v1/ by honeydesk.api.urls).

- `GET /surveys`, `GET /surveys/{id}`: staff; the surveys of the cases they may see.
- `GET /recoveries`, `GET /recoveries/{id}`, `POST /recoveries/{id}/contacts`:
  supervisors and admins (the Recovery queue); recording a contact takes the recovery's
  `version` (409 when someone recorded one in between).
Anyone else gets the 404 of something missing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja import Status as Reply

from honeydesk.accounts.models import User
from honeydesk.cases import access as case_access
from honeydesk.cases.models import parse_ref
from honeydesk.lib.apischema import READ_ERRORS, WRITE_ERRORS, In, StrictInt
from honeydesk.lib.clock import now
from honeydesk.lib.errors import NotFound
from honeydesk.quality import access, actions, monitoring_api
from honeydesk.quality.models import Recovery, RecoveryContact, RecoveryOutcome, Survey

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]

router = Router(tags=["quality"])
# Random monitoring has its own module and router, served under the same mount.
router.add_router("", monitoring_api.router)


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined, no-any-return]


class SurveyOut(Schema):
    id: int
    case: str
    owner: str | None
    created_at: datetime
    expires_at: datetime
    reminded_at: datetime | None
    withdrawn_at: datetime | None = Field(..., description="The case was reopened before an answer.")
    answered_at: datetime | None
    rating: int | None
    solved: bool | None
    comment: str
    answered_via: str
    recovery_id: int | None


class SurveyFilters(In):
    case: str = Field("", max_length=20, description="A case reference, e.g. HD-000123.")
    unhappy: bool = Field(False, description="Only answers below 4 or 'not solved'.")
    limit: int = Field(50, ge=1, le=200)


def survey_dict(s: Survey) -> dict[str, Any]:
    recovery = getattr(s, "recovery", None) if s.answered else None
    return {
        "id": s.pk,
        "case": s.case.ref,
        "owner": s.owner.display_name if s.owner else None,
        "created_at": s.created_at,
        "expires_at": s.expires_at,
        "reminded_at": s.reminded_at,
        "withdrawn_at": s.superseded_at,
        "answered_at": s.answered_at,
        "rating": s.rating,
        "solved": s.solved,
        "comment": s.comment,
        "answered_via": s.answered_via,
        "recovery_id": recovery.pk if recovery is not None else None,
    }


@router.get("/surveys", response={200: list[SurveyOut], **READ_ERRORS}, summary="Surveys, newest first (staff)")
def list_surveys(request: HttpRequest, filters: Query[SurveyFilters]) -> list[dict[str, Any]]:
    user = _user(request)
    case_access.require_staff(user)
    surveys = access.staff_surveys_visible_to(user).select_related("case", "owner", "recovery")
    if filters.case:
        number = parse_ref(filters.case)
        surveys = surveys.filter(case_id=number) if number is not None else surveys.none()
    if filters.unhappy:
        surveys = surveys.filter(answered_at__isnull=False).filter(Q(rating__lt=4) | Q(solved=False))
    return [survey_dict(s) for s in surveys.order_by("-created_at", "-id")[: filters.limit]]


@router.get("/surveys/{survey_id}", response={200: SurveyOut, **READ_ERRORS}, summary="One survey (staff)")
def get_survey(request: HttpRequest, survey_id: Id) -> dict[str, Any]:
    survey = access.survey_for(_user(request), survey_id)
    return survey_dict(Survey.objects.select_related("case", "owner", "recovery").get(pk=survey.pk))


class RecoveryContactOut(Schema):
    id: int
    entry_id: int
    kind: str
    outcome: str
    note: str
    by: str
    at: datetime


class RecoveryOut(Schema):
    id: int
    case: str
    survey_id: int
    rating: int
    solved: bool
    comment: str
    reason: str
    department: str
    opened_at: datetime
    due_at: datetime
    overdue: bool
    attempts: int
    version: int
    closed_at: datetime | None
    outcome: str
    contacts: list[RecoveryContactOut]


class RecoveryFilters(In):
    state: Literal["open", "closed", "all"] = "open"
    limit: int = Field(50, ge=1, le=200)


def _contact_dict(c: RecoveryContact) -> dict[str, Any]:
    return {
        "id": c.pk,
        "entry_id": c.entry_id,
        "kind": c.entry.kind,
        "outcome": c.outcome,
        "note": c.note,
        "by": c.by.display_name,
        "at": c.at,
    }


def recovery_dict(r: Recovery) -> dict[str, Any]:
    return {
        "id": r.pk,
        "case": r.case.ref,
        "survey_id": r.survey_id,
        "rating": r.survey.rating,
        "solved": r.survey.solved,
        "comment": r.survey.comment,
        "reason": r.reason,
        "department": r.department.name,
        "opened_at": r.opened_at,
        "due_at": r.due_at,
        "overdue": r.is_open and r.due_at <= now(),
        "attempts": r.attempts,
        "version": r.version,
        "closed_at": r.closed_at,
        "outcome": r.outcome,
        "contacts": [_contact_dict(c) for c in r.contacts.all()],
    }


def _recoveries(user: User) -> Any:
    return (
        access.recoveries_visible_to(user)
        .select_related("case", "survey", "department")
        .prefetch_related("contacts__entry", "contacts__by")
    )


@router.get(
    "/recoveries",
    response={200: list[RecoveryOut], **READ_ERRORS},
    summary="The Recovery queue: unhappy answers, soonest due first (supervisors)",
)
def list_recoveries(request: HttpRequest, filters: Query[RecoveryFilters]) -> list[dict[str, Any]]:
    user = _user(request)
    if not user.sees_everything:
        raise NotFound("Not found.")
    rows = _recoveries(user)
    if filters.state == "open":
        rows = rows.filter(closed_at__isnull=True).order_by("due_at", "id")
    elif filters.state == "closed":
        rows = rows.filter(closed_at__isnull=False).order_by("-closed_at", "-id")
    else:
        rows = rows.order_by("-opened_at", "-id")
    return [recovery_dict(r) for r in rows[: filters.limit]]


@router.get("/recoveries/{recovery_id}", response={200: RecoveryOut, **READ_ERRORS}, summary="One recovery")
def get_recovery(request: HttpRequest, recovery_id: Id) -> dict[str, Any]:
    user = _user(request)
    access.recovery_for(user, recovery_id)
    return recovery_dict(_recoveries(user).get(pk=recovery_id))


class RecoveryContactIn(In):
    outcome: Literal["resolved", "credit_offered", "no_answer", "declined"]
    version: StrictInt = Field(..., ge=1, le=2**31 - 1, description="The recovery's version you saw.")
    entry_id: StrictInt | None = Field(
        None, ge=1, le=2**63 - 1, description="The call or reply on the case, made since the answer."
    )
    write: Literal["", "call", "reply"] = Field("", description="Or log the call / send the reply now, with `text`.")
    text: str = Field("", max_length=10000)
    note: str = Field("", max_length=actions.MAX_COMMENT, description="Internal.")


@router.post(
    "/recoveries/{recovery_id}/contacts",
    response={201: RecoveryOut, **WRITE_ERRORS},
    summary="Record a contact with the customer and its outcome (supervisors)",
)
def record_contact(request: HttpRequest, recovery_id: Id, payload: RecoveryContactIn) -> Reply[dict[str, Any]]:
    user = _user(request)
    recovery = access.recovery_for(user, recovery_id)
    actions.do_record_contact(
        recovery,
        actions.Contacted(
            outcome=RecoveryOutcome(payload.outcome).value,
            entry_id=payload.entry_id,
            write=payload.write,
            text=payload.text,
            note=payload.note,
        ),
        acting_user=user,
        expected_version=payload.version,
    )
    return Reply(201, recovery_dict(_recoveries(user).get(pk=recovery_id)))
