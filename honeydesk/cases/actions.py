"""Every change to a case is an action here.

`do_*` functions run in one transaction, take `acting_user` as a keyword, append the
timeline entry that records the change, and schedule side effects (mail) with
`transaction.on_commit`. They do not check permissions: callers fetch the case through
`honeydesk.accounts.access` first. They do validate input and state, and raise
`InvalidInput` / `InvalidTransition` / `StaleVersion` before anything is written.

Concurrency: each action re-reads the case under a row lock (`SELECT ... FOR UPDATE` on
PostgreSQL; SQLite's IMMEDIATE transactions serialise writers). A caller that passes the
`expected_version` it displayed is told with `StaleVersion` when someone else changed
the case in between, so the slower of two people never silently overwrites the faster.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from honeydesk.accounts.models import Contact, CustomerAccount, Department, Role, User
from honeydesk.cases import notify, tone_guard
from honeydesk.cases.models import (
    ACTIVE_STATUSES,
    Attachment,
    Case,
    Channel,
    Escalation,
    Priority,
    RequestType,
    Status,
    TimelineEntry,
)
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput, InvalidTransition, StaleVersion

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


def _touch(case: Case, fields: Iterable[str], now: Any = None) -> None:
    case.version += 1
    case.updated_at = now or clock.now()
    case.save(update_fields=[*fields, "version", "updated_at"])


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
    if kind == Kind.INBOUND and body:
        # Read before storing: the record keeps what was flagged and why (rep protection).
        data = {**(data or {}), "analysis": tone_guard.analyze(body)}
    entry = TimelineEntry.objects.create(
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
    """The two entries every case starts with: "opened", and the customer's first message."""
    _entry(
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
    return _entry(
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


def do_open_case(
    *,
    account: CustomerAccount,
    request_type: RequestType,
    subject: str,
    body: str,
    acting_user: User,
    channel: str = Channel.PORTAL,
    contact: Contact | None = None,
    goal: str = "",
    facts: dict[str, Any] | None = None,
    priority: str = Priority.NORMAL,
    author_name: str = "",
    uploads: Sequence[Upload] = (),
    linked_case: Case | None = None,
    at: Any = None,
) -> Case:
    subject = _require_text("subject", subject, max_chars=200)
    body = _require_text("body", body, label="Description")
    if not request_type.active:
        raise InvalidInput.field("request_type", f"Request type {request_type.name!r} is not offered any more.")
    if priority not in Priority.values:
        raise InvalidInput.field("priority", f"Priority must be one of {', '.join(Priority.values)}.")
    if contact is not None and contact.account_id != account.pk:
        raise InvalidInput.field("contact", "That contact is not on this account.")
    if len(goal) > 2000:
        raise InvalidInput.field("goal", "The goal is too long (2000 characters at most).")
    check_uploads(uploads)
    now = at or clock.now()
    with transaction.atomic():
        case = Case.objects.create(
            subject=subject,
            request_type=request_type,
            goal=goal.strip(),
            facts=facts or {},
            priority=priority,
            account=account,
            contact=contact,
            department=request_type.department,
            channel=channel,
            linked_case=linked_case,
            created_at=now,
            updated_at=now,
            # A rep who opens the case during a live call or chat has already answered.
            first_response_at=now if acting_user.is_staff_member and channel in (Channel.PHONE, Channel.CHAT) else None,
        )
        from_customer = not acting_user.is_staff_member
        entry = _opening_entries(
            case,
            opened_by=acting_user,
            author=acting_user if from_customer else None,
            author_name=author_name or (contact.name if contact else ""),
            channel=channel,
            body=body,
            uploads=uploads,
            data={} if from_customer else {"recorded_by": acting_user.display_name},
            linked_case=linked_case,
            now=now,
        )
        notify.case_opened(case, entry)
    return case


def do_assign(
    case: Case, owner: User, *, acting_user: User, expected_version: int | None = None, channel: str = Channel.WORKSPACE
) -> Case:
    """Take (owner == acting_user) or assign an active case."""
    with transaction.atomic():
        case = _lock(case, expected_version)
        if case.status not in ACTIVE_STATUSES:
            raise InvalidTransition(f"{case.ref} is {case.get_status_display().lower()}; reopen it first.")
        _check_can_own(case, owner)
        if case.owner_id == owner.pk:
            raise InvalidTransition(f"{case.ref} is already owned by {owner.display_name}.")
        _set_owner(case, owner, acting_user=acting_user, channel=channel)
        if case.status == Status.NEW:
            _set_status(case, Status.OPEN, acting_user=acting_user, channel=channel)
        _touch(case, ["owner", "status"])
    return case


def do_transfer(
    case: Case,
    department: Department,
    *,
    summary: str,
    acting_user: User,
    owner: User | None = None,
    expected_version: int | None = None,
    channel: str = Channel.WORKSPACE,
) -> Case:
    """Move a case to another department with a hand-off summary for the next owner.

    Without a named owner the case waits, unassigned, in the new department's queue.
    """
    summary = _require_text("summary", summary, max_chars=5000, label="Hand-off summary")
    with transaction.atomic():
        case = _lock(case, expected_version)
        if case.status not in ACTIVE_STATUSES:
            raise InvalidTransition(f"{case.ref} is {case.get_status_display().lower()}; only active cases move.")
        if department.pk == case.department_id:
            raise InvalidTransition(f"{case.ref} is already in {department.name}.")
        if owner is not None:
            _check_can_own(case, owner, department)
        before = case.department
        case.department = department
        case.handoff_summary = summary
        _entry(
            case,
            Kind.EVENT,
            event=Event.TRANSFERRED,
            acting_user=acting_user,
            channel=channel,
            visibility=Vis.INTERNAL,
            body=summary,
            data={"from": before.name, "to": department.name, "from_id": before.pk, "to_id": department.pk},
        )
        _set_owner(case, owner, acting_user=acting_user, channel=channel)
        if owner is None and case.status != Status.NEW:
            _set_status(case, Status.NEW, acting_user=acting_user, channel=channel, public=False)
        elif owner is not None and case.status == Status.NEW:
            _set_status(case, Status.OPEN, acting_user=acting_user, channel=channel)
        _touch(case, ["department", "handoff_summary", "owner", "status"])
    return case


def do_escalate(
    case: Case, *, reason: str, acting_user: User, expected_version: int | None = None, channel: str = Channel.WORKSPACE
) -> Case:
    """Ask for a supervisor. Customers and staff both may; the reason is required."""
    reason = _require_text("reason", reason, max_chars=2000)
    now = clock.now()
    with transaction.atomic():
        case = _lock(case, expected_version)
        if case.status == Status.CLOSED:
            raise InvalidTransition(f"{case.ref} is closed; a new request will be linked to it.")
        if case.escalated:
            raise InvalidTransition(f"{case.ref} is already waiting for a supervisor.")
        if case.status == Status.RESOLVED:
            _reopen(case, acting_user=acting_user, channel=channel, why="supervisor requested")
        Escalation.objects.create(case=case, reason=reason, requested_by=acting_user, requested_at=now)
        case.escalated = True
        _entry(
            case,
            Kind.EVENT,
            event=Event.ESCALATED,
            acting_user=acting_user,
            channel=channel,
            visibility=Vis.PUBLIC,
            body=reason,
            data={"by_customer": not acting_user.is_staff_member},
        )
        _touch(case, ["escalated", "status", "owner", "resolved_at"], now)
        notify.escalated(case)
    return case


def do_take_escalation(case: Case, *, acting_user: User, expected_version: int | None = None) -> Case:
    if acting_user.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise InvalidInput.field("user", "Only supervisors take escalations.")
    now = clock.now()
    with transaction.atomic():
        case = _lock(case, expected_version)
        escalation = Escalation.objects.select_for_update().filter(case=case, taken_at__isnull=True).first()
        if escalation is None:
            raise InvalidTransition(f"{case.ref} has no open escalation.")
        escalation.taken_by = acting_user
        escalation.taken_at = now
        escalation.save(update_fields=["taken_by", "taken_at"])
        case.escalated = False
        waited = int((now - escalation.requested_at).total_seconds())
        _entry(
            case,
            Kind.EVENT,
            event=Event.ESCALATION_TAKEN,
            acting_user=acting_user,
            channel=Channel.WORKSPACE,
            visibility=Vis.PUBLIC,
            body=f"{acting_user.display_name} (supervisor) took the escalation.",
            data={"waited_seconds": waited},
        )
        _set_owner(case, acting_user, acting_user=acting_user, channel=Channel.WORKSPACE)
        if case.status == Status.NEW:
            _set_status(case, Status.OPEN, acting_user=acting_user, channel=Channel.WORKSPACE)
        _touch(case, ["escalated", "owner", "status"], now)
    return case


def do_set_pending(case: Case, *, acting_user: User, expected_version: int | None = None) -> Case:
    """Waiting on the customer: the clock is theirs until they answer."""
    with transaction.atomic():
        case = _lock(case, expected_version)
        if case.status != Status.OPEN:
            raise InvalidTransition(f"Only open cases can wait on the customer; {case.ref} is {case.status}.")
        _set_status(case, Status.PENDING, acting_user=acting_user, channel=Channel.WORKSPACE)
        _touch(case, ["status"])
    return case


def do_resolve(
    case: Case, *, note: str, acting_user: User, expected_version: int | None = None, channel: str = Channel.WORKSPACE
) -> Case:
    note = _require_text("note", note, label="Resolution note")
    now = clock.now()
    with transaction.atomic():
        case = _lock(case, expected_version)
        if case.status not in ACTIVE_STATUSES:
            raise InvalidTransition(f"{case.ref} is already {case.get_status_display().lower()}.")
        if case.escalated:
            # A customer who asked for a supervisor gets one: an agent cannot close the
            # matter around the request; a supervisor resolving it takes it on record.
            if acting_user.role not in (Role.SUPERVISOR, Role.ADMIN):
                raise InvalidTransition(
                    f"{case.ref} is waiting for a supervisor; a supervisor takes the escalation before it is resolved."
                )
            Escalation.objects.filter(case=case, taken_at__isnull=True).update(taken_by=acting_user, taken_at=now)
            case.escalated = False
            _event(
                case,
                Event.ESCALATION_TAKEN,
                acting_user=acting_user,
                channel=channel,
                public=True,
                body=f"{acting_user.display_name} (supervisor) took the escalation.",
            )
        if case.owner_id is None:
            _check_staff(acting_user)
            _set_owner(case, acting_user, acting_user=acting_user, channel=channel)
        case.resolved_at = now
        _entry(
            case,
            Kind.EVENT,
            event=Event.RESOLVED,
            acting_user=acting_user,
            channel=channel,
            visibility=Vis.PUBLIC,
            body=note,
        )
        _set_status(case, Status.RESOLVED, acting_user=acting_user, channel=channel)
        _touch(case, ["status", "owner", "resolved_at", "escalated"], now)
    return case


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


def do_reopen(
    case: Case,
    *,
    acting_user: User,
    reason: str = "",
    expected_version: int | None = None,
    channel: str = Channel.WORKSPACE,
) -> Case:
    with transaction.atomic():
        case = _lock(case, expected_version)
        _reopen(case, acting_user=acting_user, channel=channel, why=reason.strip() or "Reopened")
        _touch(case, ["status", "resolved_at"])
    return case


def do_close(case: Case, *, acting_user: User | None) -> Case:
    """Resolved -> closed, after the reopen window (run by the worker) or by staff."""
    now = clock.now()
    with transaction.atomic():
        case = _lock(case, None)
        if case.status != Status.RESOLVED:
            raise InvalidTransition(f"Only resolved cases close; {case.ref} is {case.status}.")
        case.closed_at = now
        _event(
            case,
            Event.CLOSED,
            acting_user=acting_user,
            channel=Channel.SYSTEM,
            public=True,
            body=f"Closed: the {settings.REOPEN_WINDOW_DAYS}-day window to reopen it has passed."
            if acting_user is None
            else "Closed.",
        )
        _set_status(case, Status.CLOSED, acting_user=acting_user, channel=Channel.SYSTEM)
        _touch(case, ["status", "closed_at"], now)
    return case


def do_add_reply(
    case: Case,
    *,
    body: str,
    acting_user: User,
    channel: str = Channel.WORKSPACE,
    uploads: Sequence[Upload] = (),
    expected_version: int | None = None,
) -> TimelineEntry:
    """A public message on the case: from staff an outbound reply, from a customer an
    inbound message (which reopens a resolved case within the window)."""
    body = _require_text("body", body, label="Message")
    check_uploads(uploads)
    now = clock.now()
    with transaction.atomic():
        case = _lock(case, expected_version)
        if case.status == Status.CLOSED:
            raise InvalidTransition(f"{case.ref} is closed; write a new request and it will be linked.")
        fields = ["status"]
        if acting_user.is_staff_member:
            entry = _entry(
                case,
                Kind.OUTBOUND,
                acting_user=acting_user,
                channel=channel,
                visibility=Vis.PUBLIC,
                body=body,
                uploads=uploads,
                at=now,
            )
            if case.owner_id is None:
                # Whoever answers an unowned case owns it: no case is worked by nobody.
                _set_owner(case, acting_user, acting_user=acting_user, channel=channel)
                fields.append("owner")
            if case.status == Status.NEW:
                _set_status(case, Status.OPEN, acting_user=acting_user, channel=channel)
            if case.first_response_at is None:
                case.first_response_at = now
                fields.append("first_response_at")
            notify.reply_sent(case, entry)
        else:
            entry, changed = _customer_message(
                case,
                author=acting_user,
                author_name="",
                channel=channel,
                body=body,
                uploads=uploads,
                data=None,
                now=now,
            )
            fields = sorted({*fields, *changed})
        _touch(case, fields, now)
    return entry


def do_add_note(case: Case, *, body: str, acting_user: User, uploads: Sequence[Upload] = ()) -> TimelineEntry:
    _check_staff(acting_user, "user")
    body = _require_text("body", body, label="Note")
    check_uploads(uploads)
    with transaction.atomic():
        case = _lock(case, None)
        entry = _entry(
            case,
            Kind.NOTE,
            acting_user=acting_user,
            channel=Channel.WORKSPACE,
            visibility=Vis.INTERNAL,
            body=body,
            uploads=uploads,
        )
        _touch(case, [])
    return entry


def do_log_call(
    case: Case,
    *,
    body: str,
    acting_user: User,
    direction: str = "inbound",
    duration_seconds: int | None = None,
    phone: str = "",
    public: bool = True,
    channel: str = Channel.PHONE,
    data: dict[str, Any] | None = None,
) -> TimelineEntry:
    """A phone conversation on the record. Public by default: calls are part of the
    customer's record of communication."""
    body = _require_text("body", body, label="Call summary")
    if direction not in ("inbound", "outbound"):
        raise InvalidInput.field("direction", "Direction must be inbound or outbound.")
    if duration_seconds is not None and not (0 <= duration_seconds <= 24 * 3600):
        raise InvalidInput.field("duration_seconds", "Duration must be between 0 and 86400 seconds.")
    now = clock.now()
    with transaction.atomic():
        case = _lock(case, None)
        if case.status == Status.CLOSED:
            raise InvalidTransition(f"{case.ref} is closed.")
        entry = _entry(
            case,
            Kind.CALL,
            acting_user=acting_user,
            channel=channel,
            visibility=Vis.PUBLIC if public else Vis.INTERNAL,
            body=body,
            at=now,
            data={"direction": direction, "duration_seconds": duration_seconds, "phone": phone, **(data or {})},
        )
        fields: list[str] = []
        if acting_user.is_staff_member and case.first_response_at is None:
            case.first_response_at = now
            fields.append("first_response_at")
        if direction == "inbound" and case.status == Status.PENDING:
            # The customer called back with what we were waiting for: the case moves on.
            _set_status(case, Status.OPEN, acting_user=acting_user, channel=channel)
            fields.append("status")
        _touch(case, fields, now)
    return entry


def do_correct_entry(entry: TimelineEntry, *, body: str, acting_user: User) -> TimelineEntry:
    """Entries are never edited: a correction is a new entry pointing at the old one."""
    _check_staff(acting_user, "user")
    body = _require_text("body", body, label="Correction")
    if entry.kind == Kind.EVENT and entry.event == Event.CORRECTION:
        entry = entry.corrects or entry
    with transaction.atomic():
        case = _lock(entry.case, None)
        correction = _entry(
            case,
            Kind.EVENT,
            event=Event.CORRECTION,
            acting_user=acting_user,
            channel=Channel.WORKSPACE,
            visibility=entry.visibility,
            body=body,
            corrects=entry,
        )
        _touch(case, [])
    return correction


def check_customer_writes(
    case: Case,
    *,
    body: str,
    acting_user: User,
    channel: str,
    uploads: Sequence[Upload] = (),
    author_name: str = "",
    expected_version: int | None = None,
) -> TimelineEntry:
    """A customer wrote about an existing case: append, reopen within the window, or —
    when the case is closed or past the window — open a new case linked to it."""
    deadline = reopen_deadline(case)
    past_window = case.status == Status.CLOSED or (
        case.status == Status.RESOLVED and deadline is not None and clock.now() > deadline
    )
    if not past_window:
        return do_add_reply(
            case,
            body=body,
            acting_user=acting_user,
            channel=channel,
            uploads=uploads,
            expected_version=expected_version,
        )
    new_case = do_open_case(
        account=case.account,
        contact=case.contact,
        request_type=case.request_type,
        subject=f"Re: {case.subject}"[:200],
        body=body,
        acting_user=acting_user,
        channel=channel,
        uploads=uploads,
        linked_case=case,
        author_name=author_name,
    )
    return new_case.entries.filter(kind=Kind.INBOUND).first()  # type: ignore[return-value]
