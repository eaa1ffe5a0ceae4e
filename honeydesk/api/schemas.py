"""Request and response shapes of API v1."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import field_validator


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class In(Schema):
    """Base of every request shape: text with NUL characters is refused up front.

    PostgreSQL cannot store NUL in text or JSON, and would even fail a look-up with one;
    refusing it here keeps both databases answering the same 422.
    """

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("Text may not contain NUL characters.")
        return value


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorDetail


class AttachmentIn(In):
    filename: str = Field(..., max_length=255)
    content_type: str = Field(..., max_length=120)
    content_base64: str


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class EntryOut(Schema):
    id: int
    case: str = Field(..., description="Reference of the case the entry is on (a late reply may open a new one).")
    kind: str
    event: str
    author: str
    channel: str
    visibility: str
    body: str
    data: dict[str, Any]
    corrects: int | None
    created_at: datetime
    attachments: list[AttachmentOut]


class CaseOut(Schema):
    ref: str
    subject: str
    status: str
    priority: str
    request_type: str
    department: str
    owner: str | None
    account: str
    contact_id: int | None
    channel: str
    goal: str
    facts: dict[str, Any]
    escalated: bool
    handoff_summary: str
    linked_case: str | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    version: int


class Highlight(Schema):
    field: Literal["subject", "customer", "timeline"]
    text: str = Field(..., description="The text as written (a window of it, for a timeline entry).")
    ranges: list[tuple[int, int]] = Field(..., description="[start, end) of each matching word in text.")
    entry: int | None = Field(None, description="For field timeline: the id of the entry.")


class CaseListItem(CaseOut):
    highlights: list[Highlight] = Field([], description="With q: where the words were found.")


class CaseList(Schema):
    items: list[CaseListItem]
    next_cursor: str | None


class CaseCreate(In):
    account_number: str | None = Field(
        None, description="Required for staff; customers may omit it when they have one account."
    )
    request_type: str = Field(..., description="Slug of the request type, e.g. 'billing'.")
    subject: str
    body: str
    goal: str = ""
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    contact_id: int | None = None
    facts: dict[str, str] = {}
    channel: Literal["portal", "email", "phone", "chat", "api"] = "api"
    attachments: list[AttachmentIn] = []


class VersionIn(In):
    version: int | None = Field(None, description="The case version you saw; 409 stale_version if it moved on.")


class ReplyIn(VersionIn):
    body: str
    attachments: list[AttachmentIn] = []


class NoteIn(In):
    body: str
    attachments: list[AttachmentIn] = []


class CallIn(In):
    body: str
    direction: Literal["inbound", "outbound"] = "inbound"
    duration_seconds: int | None = None
    phone: str = ""
    public: bool = True


class AssignIn(VersionIn):
    owner: str = Field(..., description="Username of the new owner.")


class TransferIn(VersionIn):
    department: str = Field(..., description="Slug of the target department.")
    summary: str = Field(..., description="Hand-off summary shown first to the next owner.")
    owner: str | None = None


class MoveIn(VersionIn):
    account_number: str = Field(..., description="The account the case belongs on.")
    contact_id: int | None = Field(None, description="A contact on that account; default: its only contact, if one.")
    remember_phone: str = Field(
        "", description="A phone number to file under that contact (the caller's), so their next call is matched."
    )


class EscalateIn(VersionIn):
    reason: str


class ResolveIn(VersionIn):
    note: str


class ReopenIn(VersionIn):
    reason: str = ""


class ContactPointOut(Schema):
    kind: str
    value: str


class ContactOut(Schema):
    id: int
    name: str
    account: str
    emails: list[str]
    phones: list[str]


class ContactIn(In):
    name: str
    emails: list[str] = []
    phones: list[str] = []


class AccountOut(Schema):
    number: str
    name: str
    service_area: str
    services: list[str]
    contacts: list[ContactOut]


class AccountIn(In):
    number: str
    name: str
    service_area: str = ""
    services: list[str] = []
    contacts: list[ContactIn] = []
