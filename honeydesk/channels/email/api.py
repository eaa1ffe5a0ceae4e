"""API endpoints of the email channel (wired into /api/v1/ by honeydesk.api.urls).

`POST /inbound/email`: a mail server or forwarding service posts one raw RFC 822
message as the request body (`Content-Type: message/rfc822`). The answer, 202, comes
after the message is committed (or quarantined): `{"status": "stored" | "duplicate" |
"quarantined", "case": "HD-000123" | null}`. A 5xx means nothing was stored; post again.

Who may post: admins, and any active account holding the permission
`email_channel.post_inbound` (give a dedicated service account just that). Anyone else
gets 404, like every other thing they may not see.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from honeydesk.accounts.models import User
from honeydesk.cases import access
from honeydesk.channels.email.inbound import ingest, max_message_bytes
from honeydesk.lib.apischema import ErrorOut
from honeydesk.lib.errors import DomainError, InvalidInput

router = Router(tags=["email"])


class TooLarge(DomainError):
    code = "too_large"
    status = 413


class InboundOut(Schema):
    status: str
    case: str | None


@router.post(
    "/inbound/email",
    response={202: InboundOut, **dict.fromkeys((401, 404, 413, 422), ErrorOut)},
    summary="Post one raw e-mail (message/rfc822)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                media: {"schema": {"type": "string", "format": "binary", "minLength": 1}}
                for media in ("message/rfc822", "application/octet-stream", "text/plain")
            },
        }
    },
)
def inbound_email(request: HttpRequest) -> Status[dict[str, Any]]:
    user: User = request.auth  # type: ignore[attr-defined]
    access.require_permission(user, "email_channel.post_inbound")
    length = int(request.headers.get("Content-Length") or 0)
    if length > max_message_bytes():
        raise TooLarge(f"The message is larger than {max_message_bytes()} bytes.")
    ctype = (request.content_type or "").lower()
    if ctype not in ("message/rfc822", "application/octet-stream", "text/plain"):
        raise InvalidInput.field("content_type", "Send the raw message with Content-Type: message/rfc822.")
    raw = request.body
    if not raw.strip():
        raise InvalidInput.field("body", "The request body is empty; send the raw message.")
    result = ingest(raw, "api", envelope_from=request.headers.get("X-Envelope-From"))
    return Status(202, {"status": result.status, "case": result.case})
