"""The steps that actions are made of, shared by every way into a case.

`honeydesk.cases.actions` (the workspace, portal and API) and `honeydesk.cases.receive`
(channels without a signed-in user) compose these inside their own transaction: input
checks, the row lock and version bump, timeline entries (with the tone analysis of
inbound messages and their attachments), owner and status changes, and the two
entries every case opens with. Nothing here opens a transaction of its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection

from honeydesk.accounts.models import Contact, Department, Role, User
from honeydesk.cases import notify, tone_guard
from honeydesk.cases.models import Attachment, Case, RequestType, Status, TimelineEntry
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput, InvalidTransition, StaleVersion
from honeydesk.lib.rows import columns, fetch, insert, insert_many, update

Kind = TimelineEntry.Kind
Event = TimelineEntry.Event
Vis = TimelineEntry.Visibility


@dataclass(frozen=True)
class Upload:
    """An attachment on its way in, from a form, the API or a MIME part."""

    filename: str
    content_type: str
    content: bytes

    @classmethod
    def from_file(cls, f: IO[bytes] | Any) -> Upload:
        return cls(filename=f.name, content_type=getattr(f, "content_type", "") or "", content=f.read())


# --- validation helpers -------------------------------------------------------------


def _require_text(name: str, value: str | None, *, max_chars: int | None = None, label: str | None = None) -> str:
    text = (value or "").strip()
    label = label or name.replace("_", " ").capitalize()
    if not text:
        raise InvalidInput.field(name, f"{label} is required.")
    if "\x00" in text:
        # PostgreSQL cannot store NUL in text; SQLite would, and the two must agree.
        raise InvalidInput.field(name, f"{label} contains a NUL character.")
    limit = max_chars or settings.MAX_BODY_CHARS
    if len(text) > limit:
        raise InvalidInput.field(name, f"{label} is too long ({len(text)} characters; the limit is {limit}).")
    return text


def check_uploads(uploads: Sequence[Upload]) -> None:
    if len(uploads) > settings.MAX_ATTACHMENTS_PER_ENTRY:
        raise InvalidInput.field(
            "attachments", f"At most {settings.MAX_ATTACHMENTS_PER_ENTRY} attachments per message."
        )
    problems = []
    for upload in uploads:
        if len(upload.content) > settings.MAX_ATTACHMENT_BYTES:
            limit_mb = settings.MAX_ATTACHMENT_BYTES / (1024 * 1024)
            problems.append(f"{upload.filename}: larger than the {limit_mb:g} MB limit.")
        ctype = upload.content_type.split(";")[0].strip().lower()
        if ctype not in settings.ALLOWED_ATTACHMENT_TYPES:
            problems.append(f"{upload.filename}: files of type {ctype or 'unknown'} are not accepted.")
    if problems:
        raise InvalidInput("Some attachments were not accepted.", fields={"attachments": problems})


def _check_staff(user: User, field: str = "owner") -> None:
    if not user.is_staff_member or not user.is_active:
        raise InvalidInput.field(field, f"{user.username} is not an active member of staff.")


# --- internals ----------------------------------------------------------------------


def _lock(case: Case, expected_version: int | None) -> Case:
    # of=("self",): lock the case row only. PostgreSQL refuses FOR UPDATE on the nullable
    # side of an outer join (owner), and locking the department or owner rows would
    # serialise unrelated cases.
    locked = Case.objects.select_for_update(of=("self",)).select_related("department", "owner").get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(
            f"{locked.ref} was changed by someone else while you were looking at it "
            f"(you saw version {expected_version}, it is now {locked.version}). Reload and try again."
        )
    return locked


def _lock_lean(case: Case) -> Case:
    """`_lock` without the version check and without loading department and owner (they
    load lazily if needed): for a customer's message arriving on a channel, the hot path
    of e-mail ingest, where the ORM's query building cost more than the query itself."""
    sql = f"SELECT {columns(Case, 'c')} FROM {Case._meta.db_table} c WHERE c.id = %s"  # noqa: S608 -- the model's own table
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    found = fetch(Case, sql, [case.pk])
    if not found:
        raise Case.DoesNotExist(f"case {case.pk} is gone")
    return found[0][0]


def _touch(case: Case, fields: Iterable[str], now: Any = None) -> None:
    case.version += 1
    case.updated_at = now or clock.now()
    update(case, [*fields, "version", "updated_at"])


def _new_entry(
    case: Case,
    kind: str,
    *,
    acting_user: User | None,
    channel: str,
    visibility: str = Vis.INTERNAL,
    body: str = "",
    event: str = "",
    data: dict[str, Any] | None = None,
    author_name: str = "",
    corrects: TimelineEntry | None = None,
    at: Any = None,
) -> TimelineEntry:
    """An entry not yet saved. Inbound messages are read first: the record keeps what was
    flagged and why (rep protection). A caller may pass the analysis in `data` already,
    made before its transaction began, so the write lock is not held while text is read."""
    if kind == Kind.INBOUND and body and not (data and "analysis" in data):
        data = {**(data or {}), "analysis": tone_guard.analyze(body)}
    return TimelineEntry(
        case=case,
        kind=kind,
        event=event,
        author=acting_user,
        author_name=author_name,
        channel=channel,
        visibility=visibility,
        body=body,
        data=data or {},
        corrects=corrects,
        created_at=at or clock.now(),
    )


def _attach(entry: TimelineEntry, uploads: Sequence[Upload]) -> None:
    for upload in uploads:
        digest = hashlib.sha256(upload.content).hexdigest()
        attachment = Attachment(
            entry=entry,
            filename=upload.filename[:255],
            content_type=upload.content_type.split(";")[0].strip().lower(),
            size=len(upload.content),
            sha256=digest,
        )
        # Content-addressed: a rolled-back transaction leaves at most an unreferenced file.
        attachment.file.save(digest, ContentFile(upload.content), save=False)
        attachment.save()


def _entry(
    case: Case,
    kind: str,
    *,
    acting_user: User | None,
    channel: str,
    visibility: str = Vis.INTERNAL,
    body: str = "",
    event: str = "",
    data: dict[str, Any] | None = None,
    author_name: str = "",
    corrects: TimelineEntry | None = None,
    uploads: Sequence[Upload] = (),
    at: Any = None,
) -> TimelineEntry:
    entry = _new_entry(
        case,
        kind,
        acting_user=acting_user,
        channel=channel,
        visibility=visibility,
        body=body,
        event=event,
        data=data,
        author_name=author_name,
        corrects=corrects,
        at=at,
    )
    insert(entry)
    _attach(entry, uploads)
    if kind == Kind.INBOUND:
        tone_guard.after_inbound(case, entry)
    return entry


def _event(
    case: Case,
    event: str,
    *,
    acting_user: User | None,
    channel: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    public: bool = False,
) -> TimelineEntry:
    return _entry(
        case,
        Kind.EVENT,
        event=event,
        acting_user=acting_user,
        channel=channel,
        visibility=Vis.PUBLIC if public else Vis.INTERNAL,
        body=body,
        data=data,
    )


def _set_owner(case: Case, owner: User | None, *, acting_user: User | None, channel: str) -> bool:
    if case.owner_id == (owner.pk if owner else None):
        return False
    before = case.owner.display_name if case.owner else None
    case.owner = owner
    _event(
        case,
        Event.OWNER_CHANGED,
        acting_user=acting_user,
        channel=channel,
        body=f"Owner: {before or 'nobody'} → {owner.display_name if owner else 'nobody'}",
        data={"from": before, "to": owner.display_name if owner else None, "to_id": owner.pk if owner else None},
    )
    return True


def _set_status(case: Case, status: str, *, acting_user: User | None, channel: str, public: bool = True) -> None:
    if case.status == status:
        return
    before = case.status
    case.status = status
    _event(
        case,
        Event.STATUS_CHANGED,
        acting_user=acting_user,
        channel=channel,
        public=public,
        body=f"Status: {Status(before).label} → {Status(status).label}",
        data={"from": before, "to": status},
    )
    notify.status_changed(case, before, status)


def _check_can_own(case: Case, owner: User, department: Department | None = None) -> None:
    _check_staff(owner)
    dept = department or case.department
    if owner.role == Role.AGENT and not owner.departments.filter(pk=dept.pk).exists():
        raise InvalidInput.field("owner", f"{owner.display_name} is not in the {dept.name} department.")


def analysed(body: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """`data` with the inbound message's analysis, for callers that read the text before
    their transaction begins (see _new_entry)."""
    return {**(data or {}), "analysis": tone_guard.analyze(body)}


def _open_case(
    *,
    subject: str,
    request_type: RequestType,
    account_id: int,
    contact: Contact | None,
    channel: str,
    linked_case: Case | None,
    now: Any,
    opened_by: User | None,
    author: User | None,
    author_name: str,
    body: str,
    uploads: Sequence[Upload],
    data: dict[str, Any],
    **fields: Any,
) -> tuple[Case, TimelineEntry]:
    """A new case row and the two entries it opens with, the same for every way in (the
    workspace, portal and API, and channels without a signed-in user). `fields` sets
    the case's other columns (goal, facts, priority, first response)."""
    case = insert(
        Case(
            subject=subject,
            request_type=request_type,
            account_id=account_id,
            contact=contact,
            department=request_type.department,
            channel=channel,
            linked_case=linked_case,
            created_at=now,
            updated_at=now,
            **fields,
        )
    )
    entry = _opening_entries(
        case,
        opened_by=opened_by,
        author=author,
        author_name=author_name,
        channel=channel,
        body=body,
        uploads=uploads,
        data=data,
        linked_case=linked_case,
        now=now,
    )
    return case, entry


def _opening_entries(
    case: Case,
    *,
    opened_by: User | None,
    author: User | None,
    author_name: str,
    channel: str,
    body: str,
    uploads: Sequence[Upload],
    data: dict[str, Any],
    linked_case: Case | None,
    now: Any,
) -> TimelineEntry:
    """The two entries every case starts with: "opened", and the customer's first message.
    Both go in with one INSERT: every case pays for this, whichever way it came in."""
    opened = _new_entry(
        case,
        Kind.EVENT,
        event=Event.OPENED,
        acting_user=opened_by,
        author_name="" if opened_by else author_name,
        channel=channel,
        visibility=Vis.PUBLIC,
        body=f"Case opened: {case.subject}",
        at=now,
        data={"linked_case": linked_case.ref} if linked_case else {},
    )
    message = _new_entry(
        case,
        Kind.INBOUND,
        acting_user=author,
        author_name=author_name,
        channel=channel,
        visibility=Vis.PUBLIC,
        body=body,
        at=now,
        data=data,
    )
    insert_many([opened, message])
    _attach(message, uploads)
    tone_guard.after_inbound(case, message)
    return message


def _customer_message(
    case: Case,
    *,
    author: User | None,
    author_name: str,
    channel: str,
    body: str,
    uploads: Sequence[Upload],
    data: dict[str, Any] | None,
    now: Any,
) -> tuple[TimelineEntry, list[str]]:
    """A customer's message on a locked, existing case: it reopens a resolved case (the
    caller has checked the window) and puts a waiting one back to work. Returns the entry
    and the case fields it changed, for the caller's _touch."""
    fields = ["status"]
    if case.status == Status.RESOLVED:
        _reopen(case, acting_user=author, channel=channel, why="The customer wrote again.")
        fields.append("resolved_at")
    entry = _entry(
        case,
        Kind.INBOUND,
        acting_user=author,
        author_name=author_name,
        channel=channel,
        visibility=Vis.PUBLIC,
        body=body,
        uploads=uploads,
        at=now,
        data=data,
    )
    if case.status == Status.PENDING:
        _set_status(case, Status.OPEN, acting_user=author, channel=channel)
    return entry, fields


# --- actions ------------------------------------------------------------------------


def reopen_deadline(case: Case) -> Any:
    if case.resolved_at is None:
        return None
    return case.resolved_at + timedelta(days=settings.REOPEN_WINDOW_DAYS)


def _reopen(case: Case, *, acting_user: User | None, channel: str, why: str) -> None:
    deadline = reopen_deadline(case)
    if case.status != Status.RESOLVED:
        raise InvalidTransition(f"{case.ref} is {case.get_status_display().lower()}, not resolved.")
    if deadline is not None and clock.now() > deadline:
        raise InvalidTransition(
            f"{case.ref} was resolved more than {settings.REOPEN_WINDOW_DAYS} days ago; "
            "a new case linked to it is opened instead."
        )
    _event(case, Event.REOPENED, acting_user=acting_user, channel=channel, body=why, public=True)
    case.resolved_at = None
    # The previous owner keeps the case: they know the story.
    _set_status(case, Status.OPEN if case.owner_id else Status.NEW, acting_user=acting_user, channel=channel)
