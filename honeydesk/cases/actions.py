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

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction

from honeydesk.accounts.models import Contact, CustomerAccount, Department, Role, User
from honeydesk.cases import notify
from honeydesk.cases.models import (
    ACTIVE_STATUSES,
    Case,
    Channel,
    Escalation,
    Priority,
    RequestType,
    Status,
    TimelineEntry,
)
from honeydesk.cases.steps import (
    Event,
    Kind,
    Upload,
    Vis,
    _check_can_own,
    _check_staff,
    _customer_message,
    _entry,
    _event,
    _lock,
    _open_case,
    _reopen,
    _require_text,
    _set_owner,
    _set_status,
    _touch,
    analysed,
    check_uploads,
    reopen_deadline,
)
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput, InvalidTransition

# Re-exported: callers import these with the actions they pass them to.
__all__ = ["Upload", "check_uploads", "reopen_deadline"]


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
    from_customer = not acting_user.is_staff_member
    # Read the text before taking the write lock (see steps._new_entry).
    data = analysed(body, {} if from_customer else {"recorded_by": acting_user.display_name})
    now = at or clock.now()
    with transaction.atomic():
        case, entry = _open_case(
            subject=subject,
            request_type=request_type,
            account_id=account.pk,
            contact=contact,
            channel=channel,
            linked_case=linked_case,
            now=now,
            opened_by=acting_user,
            author=acting_user if from_customer else None,
            author_name=author_name or (contact.name if contact else ""),
            body=body,
            uploads=uploads,
            data=data,
            goal=goal.strip(),
            facts=facts or {},
            priority=priority,
            # A rep who opens the case during a live call or chat has already answered.
            first_response_at=now if acting_user.is_staff_member and channel in (Channel.PHONE, Channel.CHAT) else None,
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


def do_move_to_account(
    case: Case,
    account: CustomerAccount,
    *,
    acting_user: User,
    contact: Contact | None = None,
    remember_phone: str = "",
    expected_version: int | None = None,
    channel: str = Channel.WORKSPACE,
) -> Case:
    """Put a case on the right customer account: typically an unknown caller's case on
    "Unidentified callers", or a stranger's e-mail, once the rep knows who it is.
    `remember_phone` files the caller's number under `contact`, so the next call from it
    finds them. The case keeps its whole timeline; the customer sees it in the portal
    of the new account from now on, and no longer in the old one's."""
    from honeydesk.accounts.actions import do_add_phone

    _check_staff(acting_user, "acting_user")
    if contact is not None and contact.account_id != account.pk:
        raise InvalidInput.field("contact", f"{contact.name} is not on account {account.number}.")
    if remember_phone and contact is None:
        raise InvalidInput.field("contact", "Choose the contact whose number this is.")
    with transaction.atomic():
        case = _lock(case, expected_version)
        if case.account_id == account.pk and case.contact_id == (contact.pk if contact else None):
            raise InvalidTransition(f"{case.ref} is already on account {account.number}.")
        before = CustomerAccount.objects.get(pk=case.account_id)
        if remember_phone and contact is not None:
            do_add_phone(contact, remember_phone, acting_user=acting_user)
        case.account, case.contact = account, contact
        moved = f"{before.number} ({before.name}) → {account.number} ({account.name})"
        _event(
            case,
            Event.MOVED,
            acting_user=acting_user,
            channel=channel,
            body=f"Account: {moved}" + (f", contact {contact.name}" if contact else ""),
            data={
                "from": before.number,
                "to": account.number,
                "contact_id": contact.pk if contact else None,
                "remembered_phone": bool(remember_phone),
            },
        )
        _touch(case, ["account", "contact"])
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
