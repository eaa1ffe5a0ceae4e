"""The current person's notifications (wired into /api/v1/ by honeydesk.api.urls).

- `GET /notifications`: newest first (`unread=true` for unread only), with the unread count;
- `POST /notifications/{id}/read`, `POST /notifications/read-all`.

Staff only (customers and tokens of anyone else get 404); only one's own notifications,
and of those only the ones about cases one may still see.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from honeydesk.accounts.models import User
from honeydesk.lib.apischema import READ_ERRORS, WRITE_ERRORS, In
from honeydesk.lib.errors import InvalidInput, NotFound
from honeydesk.notifications import actions
from honeydesk.notifications.models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    case: str | None
    url: str
    created_at: datetime
    read_at: datetime | None


class NotificationList(Schema):
    unread: int
    items: list[NotificationOut]


class NotificationFilters(In):
    unread: bool = False
    limit: int = Field(50, ge=1, le=200)


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined, no-any-return]


def notification_dict(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "case": n.case.ref if n.case_id and n.case else None,
        "url": n.url,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


@router.get(
    "/notifications", response={200: NotificationList, **READ_ERRORS}, summary="Your notifications, newest first"
)
def list_notifications(request: HttpRequest, filters: Query[NotificationFilters]) -> dict[str, Any]:
    user = _user(request)
    if not 1 <= filters.limit <= 200:
        raise InvalidInput.field("limit", "Limit must be between 1 and 200.")
    mine = actions.visible_to(user).select_related("case")
    if filters.unread:
        mine = mine.filter(read_at__isnull=True)
    return {"unread": actions.unread_count(user), "items": [notification_dict(n) for n in mine[: filters.limit]]}


@router.post(
    "/notifications/{note_id}/read",
    response={200: NotificationOut, **WRITE_ERRORS},
    summary="Mark one notification read",
)
def read_notification(request: HttpRequest, note_id: Annotated[int, Field(ge=1, le=2**63 - 1)]) -> dict[str, Any]:
    user = _user(request)
    note = actions.visible_to(user).select_related("case").filter(pk=note_id).first()
    if note is None:
        raise NotFound("No such notification.")
    actions.do_mark_read(user, [note.pk])
    note.refresh_from_db()
    return notification_dict(note)


@router.post(
    "/notifications/read-all",
    response={200: NotificationList, **WRITE_ERRORS},
    summary="Mark all your notifications read",
)
def read_all(request: HttpRequest) -> dict[str, Any]:
    user = _user(request)
    actions.do_mark_read(user)
    return {"unread": 0, "items": []}
