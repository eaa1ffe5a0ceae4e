"""API endpoints of the phone channel (wired into /api/v1/ by honeydesk.api.urls).

- `POST /calls`: the telephony system (CTI) posts call events. Staff tokens only (the CTI
  signs in as a dedicated staff account); anyone else gets 404.
- `GET /callbacks`: call-back tasks the staff member may see, soonest due first.
- `POST /callbacks/{id}/done`: record the outcome of a call-back.

Calls logged by hand stay where they are: `POST /cases/{ref}/calls`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from honeydesk.accounts.models import Department, User
from honeydesk.cases.models import REF_PREFIX
from honeydesk.channels.phone import access
from honeydesk.channels.phone.inbound import CallEventData, do_record_call_event
from honeydesk.channels.phone.models import CallbackOutcome, CallbackTask
from honeydesk.channels.phone.outbound import do_complete_callback
from honeydesk.lib import clock
from honeydesk.lib.apischema import DateTime, ErrorOut, In, StrictInt
from honeydesk.lib.errors import InvalidInput

# Error answers, in the one error shape (honeydesk.api documents them all, issue 19).
_READ = dict.fromkeys((401, 404, 422), ErrorOut)
_WRITE = dict.fromkeys((400, 401, 404, 409, 413, 422), ErrorOut)
MAX_ID = 2**63 - 1

router = Router(tags=["phone"])


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined, no-any-return]


class CallEventIn(In):
    call_id: str = Field(
        ..., min_length=1, max_length=100, pattern=r"\S", description="The telephony system's identifier of the call."
    )
    event: Literal["ringing", "answered", "ended", "missed", "abandoned"] = Field(..., description="What happened.")
    caller: str = Field("", max_length=64, description="Caller number in any common format; 'anonymous' when withheld.")
    queue: str = Field("", max_length=80, description="Queue (line) name; matched to a request type or department.")
    agent: str | None = Field(None, max_length=150, description="Username of the staff member who answered.")
    wait_seconds: StrictInt | None = Field(None, ge=0, le=86_400)
    talk_seconds: StrictInt | None = Field(None, ge=0, le=86_400)
    recording_url: str | None = Field(None, max_length=500, description="http(s) URL of the recording.")
    at: DateTime | None = Field(None, description="When it happened (RFC 3339); default: when received.")


class CallEventOut(Schema):
    call_id: str
    event: str
    case: str | None
    entry_id: int | None
    callback_task: int | None
    duplicate: bool


@router.post(
    "/calls", response={200: CallEventOut, 201: CallEventOut, **_WRITE}, summary="Post a call event (telephony)"
)
def post_call_event(request: HttpRequest, payload: CallEventIn) -> Status[dict[str, Any]]:
    user = _user(request)
    access.check_may_post_calls(user)
    result = do_record_call_event(
        CallEventData(
            call_id=payload.call_id,
            event=payload.event,
            caller=payload.caller,
            queue=payload.queue,
            agent=payload.agent or "",
            wait_seconds=payload.wait_seconds,
            talk_seconds=payload.talk_seconds,
            recording_url=payload.recording_url or "",
            at=payload.at,
        ),
        acting_user=user,
    )
    return Status(200 if result.duplicate else 201, result.as_dict())


class CallbackOut(Schema):
    id: int
    department: str
    case: str | None
    contact_id: int | None
    contact_name: str | None
    phone: str
    reason: str
    attempts: int
    due_at: datetime
    overdue: bool
    created_at: datetime
    owner: str | None
    done_at: datetime | None
    done_by: str | None
    outcome: str
    outcome_note: str
    kept: bool | None


class CallbackList(Schema):
    items: list[CallbackOut]


class CallbackFilters(In):
    department: str | None = Field(None, min_length=1, max_length=80)
    overdue: bool = False
    status: Literal["open", "done", "all"] = "open"
    limit: int = Field(100, ge=1, le=500)


class CallbackDoneIn(In):
    outcome: Literal["reached", "voicemail", "no_answer", "not_needed"] = Field(
        ..., description=f"One of: {', '.join(CallbackOutcome.values)}."
    )
    note: str = Field("", max_length=5000)


def callback_dict(task: CallbackTask, now: datetime) -> dict[str, Any]:
    return {
        "id": task.pk,
        "department": task.department.slug,
        "case": f"{REF_PREFIX}{task.case_id:06d}" if task.case_id else None,
        "contact_id": task.contact_id,
        "contact_name": task.contact.name if task.contact else None,
        "phone": task.phone,
        "reason": task.reason,
        "attempts": task.attempts,
        "due_at": task.due_at,
        "overdue": task.done_at is None and task.due_at < now,
        "created_at": task.created_at,
        "owner": task.owner.username if task.owner else None,
        "done_at": task.done_at,
        "done_by": task.done_by.username if task.done_by else None,
        "outcome": task.outcome,
        "outcome_note": task.outcome_note,
        "kept": task.kept,
    }


@router.get(
    "/callbacks", response={200: CallbackList, **_READ}, summary="Call-back tasks you can see, soonest due first"
)
def list_callbacks(request: HttpRequest, filters: Query[CallbackFilters]) -> dict[str, Any]:
    user = _user(request)
    tasks = access.callbacks_visible_to(user).select_related("department", "contact", "owner", "done_by")
    if not 1 <= filters.limit <= 500:
        raise InvalidInput.field("limit", "Limit must be between 1 and 500.")
    if filters.department:
        department = Department.objects.filter(Q(slug=filters.department) | Q(name__iexact=filters.department)).first()
        if department is None:
            raise InvalidInput.field("department", f"No department {filters.department!r}.")
        tasks = tasks.filter(department=department)
    now = clock.now()
    if filters.overdue:
        tasks = tasks.filter(done_at__isnull=True, due_at__lt=now)
    elif filters.status == "open":
        tasks = tasks.filter(done_at__isnull=True)
    elif filters.status == "done":
        tasks = tasks.filter(done_at__isnull=False)
    return {"items": [callback_dict(t, now) for t in tasks.order_by("due_at", "id")[: filters.limit]]}


@router.post(
    "/callbacks/{task_id}/done", response={200: CallbackOut, **_WRITE}, summary="Record the outcome of a call-back"
)
def callback_done(
    request: HttpRequest, payload: CallbackDoneIn, task_id: Annotated[int, Field(ge=1, le=MAX_ID)]
) -> dict[str, Any]:
    user = _user(request)
    task = access.callback_for(user, task_id)
    task = do_complete_callback(task, outcome=payload.outcome, note=payload.note, acting_user=user)
    return callback_dict(access.callback_for(user, task.pk), clock.now())
