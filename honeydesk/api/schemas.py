"""Request and response shapes of API v1.

Request shapes derive from `In` (honeydesk.lib.apischema): unknown fields, NUL
characters and lone surrogates are refused, and every limit the actions apply is
declared here too, so the OpenAPI document says what the API accepts (issue 19).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.conf import settings
from ninja import Field, Schema
from pydantic import ConfigDict

from honeydesk.lib.apischema import DateTime, ErrorDetail, ErrorOut, In, StrictBool, StrictInt, Text

__all__ = ["ErrorDetail", "ErrorOut", "In", "errors"]

MAX_ID = 2**63 - 1
BODY_CHARS = settings.MAX_BODY_CHARS
MAX_ATTACHMENTS = settings.MAX_ATTACHMENTS_PER_ENTRY
# base64 of the largest attachment accepted, with its padding.
BASE64_CHARS = (settings.MAX_ATTACHMENT_BYTES + 2) // 3 * 4
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]

# The error answers an operation may give, each in the one error shape.
READ = (401, 404, 422)
WRITE = (400, 401, 404, 409, 413, 422)


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    return dict.fromkeys(codes, ErrorOut)


class AttachmentIn(In):
    filename: Text = Field(..., max_length=255)
    content_type: Text = Field(..., max_length=120)
    content_base64: str = Field(..., max_length=BASE64_CHARS)


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
    owner: str | None = Field(
        ..., description="Username of the owner (staff only; customers get null and see owner_name)."
    )
    owner_name: str | None = Field(..., description="The owner's name as the customer knows it.")
    account: str
    contact_id: int | None
    channel: str
    goal: str
    facts: dict[str, Any]
    escalated: bool
    handoff_summary: str
    linked_case: str | None
    merged_into: str | None = Field(
        None, description="When this case was merged into another: that case's reference (it continues there)."
    )
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    version: int
    tags: list[str] = Field(..., description="Staff's labels (staff only; customers get []).")
    fields: dict[str, Any] = Field(
        ..., description="Custom field values by key (staff only; customers get {}). See GET /case-fields."
    )


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


Attachments = Annotated[list[AttachmentIn], Field(max_length=MAX_ATTACHMENTS)]
MAX_FACTS = 50
FactKey = Annotated[str, Field(min_length=1, max_length=64)]
FactValue = Annotated[str, Field(max_length=2000)]


class CaseCreate(In):
    account_number: str | None = Field(
        None, max_length=32, description="Required for staff; customers may omit it when they have one account."
    )
    request_type: str = Field(..., min_length=1, max_length=40, description="Slug of the request type, e.g. 'billing'.")
    subject: Text = Field(..., max_length=200)
    body: Text = Field(..., max_length=BODY_CHARS)
    goal: str = Field("", max_length=2000)
    priority: Literal["low", "normal", "high", "urgent"] = Field(
        "normal", description="Staff only: customers' cases start at normal (422 otherwise)."
    )
    contact_id: Id | None = None
    facts: dict[FactKey, FactValue] = Field(default={}, max_length=MAX_FACTS)
    channel: Literal["portal", "email", "phone", "chat", "api"] = Field(
        "api", description="Staff only (the channel the customer used): customers' cases are opened through the API."
    )
    attachments: Attachments = []


def _version_is_required(schema: dict[str, Any]) -> None:
    """The document says what the server does: `version` is required (issue 19). The
    field stays optional in Python only so that a request without it answers 409
    version_required, the conflict answer the API promises, instead of a generic 422."""
    schema["properties"]["version"] = {
        "type": "integer",
        "minimum": 1,
        "maximum": MAX_ID,
        "title": "Version",
        "description": VERSION_HELP,
    }
    schema["required"] = ["version", *(name for name in schema.get("required", []) if name != "version")]


VERSION_HELP = (
    "The case version you saw. Without it 409 version_required; if the case moved on since, 409 stale_version."
)


class VersionIn(In):
    """A write that changes what others may be looking at (status, owner, department,
    account, priority, tags, fields, a public reply): it must say which version it saw."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_version_is_required)

    version: Annotated[StrictInt, Field(ge=1, le=MAX_ID)] | None = Field(None, description=VERSION_HELP)


class ReplyIn(VersionIn):
    body: Text = Field(..., max_length=BODY_CHARS)
    attachments: Attachments = []


class NoteIn(In):
    # No version, on purpose (nor for CallIn): a note or a logged call is appended to the
    # timeline and overwrites nothing another writer did, so two at once both belong
    # there; a version check would only make one of them retry. The server asks for none.
    body: Text = Field(..., max_length=BODY_CHARS)
    attachments: Attachments = []


class CallIn(In):
    body: Text = Field(..., max_length=BODY_CHARS)
    direction: Literal["inbound", "outbound"] = "inbound"
    duration_seconds: Annotated[StrictInt, Field(ge=0, le=86_400)] | None = None
    phone: str = Field("", max_length=40)
    public: StrictBool = True


Username = Annotated[str, Field(min_length=1, max_length=150)]


class AssignIn(VersionIn):
    owner: Username = Field(..., description="Username of the new owner.")


class TransferIn(VersionIn):
    department: str = Field(..., min_length=1, max_length=40, description="Slug of the target department.")
    summary: Text = Field(..., max_length=5000, description="Hand-off summary shown first to the next owner.")
    owner: Username | None = None


class MoveIn(VersionIn):
    account_number: str = Field(..., min_length=1, max_length=32, description="The account the case belongs on.")
    contact_id: Id | None = Field(None, description="A contact on that account; default: its only contact, if one.")
    remember_phone: str = Field(
        "",
        max_length=40,
        description="A phone number to file under that contact (the caller's), so their next call is matched.",
    )


class EscalateIn(VersionIn):
    reason: Text = Field(..., max_length=2000)


class ResolveIn(VersionIn):
    note: Text = Field(..., max_length=BODY_CHARS)


class ReopenIn(VersionIn):
    reason: str = Field("", max_length=2000)


_STATUS_LIST = r"^(new|open|pending|resolved|closed)(,(new|open|pending|resolved|closed))*$"


class CaseFilters(In):
    q: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Words, a name, an account number, an e-mail address, a phone number or a reference. "
        "Every word must be found somewhere in the case; results are ranked (identity and subject first), "
        "and each item tells where the words were found.",
    )
    order: Literal["relevance", "newest"] = Field("relevance", description="With q: best match or newest first.")
    status: str | None = Field(None, pattern=_STATUS_LIST, description="One status or several, comma-separated.")
    owner: str | None = Field(None, min_length=1, max_length=150, description="me, none, or a username (staff only).")
    department: str | None = Field(None, min_length=1, max_length=40)
    request_type: str | None = Field(None, min_length=1, max_length=40)
    updated_since: DateTime | None = Field(None, description="RFC 3339 date and time, e.g. 2026-01-31T09:00:00Z.")
    tag: str | None = Field(None, min_length=1, max_length=50, description="Cases with this tag (staff only).")
    field: str | None = Field(
        None,
        min_length=2,
        max_length=600,
        pattern=r"^[a-z][a-z0-9_]*:",
        description="key:value, cases whose custom field has that value (text: contains it; staff only).",
    )
    cursor: str | None = Field(None, min_length=1, max_length=100)
    limit: int = Field(25, ge=1, le=100)


class AccountLookup(In):
    number: str | None = Field(None, min_length=1, max_length=32)
    email: str | None = Field(None, min_length=1, max_length=254)
    phone: str | None = Field(None, min_length=1, max_length=40)


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
    name: Text = Field(..., max_length=200)
    emails: Annotated[list[Annotated[str, Field(max_length=254)]], Field(max_length=10)] = []
    phones: Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=10)] = []


class AccountOut(Schema):
    number: str
    name: str
    service_area: str
    services: list[str]
    contacts: list[ContactOut]


class AccountIn(In):
    number: Text = Field(..., max_length=32)
    name: Text = Field(..., max_length=200)
    service_area: str = Field("", max_length=80)
    services: Annotated[list[Annotated[str, Field(max_length=80)]], Field(max_length=100)] = []
    contacts: Annotated[list[ContactIn], Field(max_length=20)] = []
