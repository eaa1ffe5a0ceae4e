"""Every change to a case is an action here; read top to bottom, this is the write path.

`do_*` functions run in one transaction, take `acting_user` as a keyword, append the
timeline entries that record the change, and schedule side effects (mail) with
`transaction.on_commit` through `notify`. They do not check permissions: callers fetch
the case through `honeydesk.cases.access` first. They do validate input and state, and
raise `InvalidInput` / `InvalidTransition` / `StaleVersion` before anything is written.
The steps they are made of are the public functions of `honeydesk.cases.timeline`.

Ways in: the workspace, the portal and the API call `do_open_case` and the workflow
actions as a signed-in person; channels without a signed-in user (e-mail) call
`do_receive_message` and `do_record_automatic_message`; the phone channel calls
`do_open_case` and `do_log_call` as the agent on the call.

Concurrency: each action re-reads the case under a row lock (`timeline.lock`). A caller
that passes the `expected_version` it displayed is told with `StaleVersion` when someone
else changed the case in between, so the slower of two people never silently overwrites
the faster.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import transaction

from honeydesk.accounts.actions import do_add_phone
from honeydesk.accounts.models import Contact, CustomerAccount, Department, Role, User
from honeydesk.cases import notify, properties
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
from honeydesk.cases.timeline import (
    SUPERVISOR_WILL_REVIEW,
    Event,
    Kind,
    NewEntry,
    Opening,
    Upload,
    Vis,
    add_entries,
    add_entry,
    add_event,
    analysed,
    check_can_own,
    check_staff,
    check_uploads,
    customer_message,
    lock,
    open_case_rows,
    past_reopen_window,
    public_name,
    reopen,
    reopen_deadline,
    require_text,
    set_owner,
    set_status,
    touch,
)
from honeydesk.jobs.runner import jobs_per_batch
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput, InvalidTransition

# Re-exported: callers build these and pass them to the actions here.
__all__ = ["Inbound", "Opening", "Upload", "check_uploads", "reopen_deadline"]


# --- opening a case -----------------------------------------------------------------


def do_open_case(opening: Opening, *, acting_user: User) -> Case:
    """A new case opened by a signed-in person: a customer in the portal or API, or a rep
    on the customer's behalf (a call, a walk-in). The customer is told by mail."""
    subject = require_text("subject", opening.subject, max_chars=200)
    body = require_text("body", opening.body, label="Description")
    if not opening.request_type.active:
        raise InvalidInput.field("request_type", f"Request type {opening.request_type.name!r} is not offered any more.")
    if opening.priority not in Priority.values:
        raise InvalidInput.field("priority", f"Priority must be one of {', '.join(Priority.values)}.")
    if opening.contact is not None and opening.contact.account_id != opening.account.pk:
        raise InvalidInput.field("contact", "That contact is not on this account.")
    if len(opening.goal) > 2000:
        raise InvalidInput.field("goal", "The goal is too long (2000 characters at most).")
    check_uploads(opening.uploads)
    from_customer = not acting_user.is_staff_member
    # Read before the write lock is taken (see timeline.analysed).
    data = analysed(body, {} if from_customer else {"recorded_by": acting_user.display_name})
    now = clock.now()
    author_name = opening.author_name or (opening.contact.name if opening.contact else "")
    opening = replace(opening, subject=subject, body=body, goal=opening.goal.strip(), author_name=author_name)
    # A rep who opens the case during a live call or chat has already answered.
    live = acting_user.is_staff_member and opening.channel in (Channel.PHONE, Channel.CHAT)
    # The jobs of an opening (webhook delivery, rules, the customer's mail) in one INSERT.
    with transaction.atomic(), jobs_per_batch():
        case, entry = open_case_rows(
            opening,
            opened_by=acting_user,
            author=acting_user if from_customer else None,
            data=data,
            now=now,
            first_response_at=now if live else None,
        )
        notify.case_opened(case, entry)
    return case


@dataclass(frozen=True)
class Inbound:
    """A customer's message that arrived on a channel without a signed-in user (e-mail).
    The author is recorded by name (and contact), never as a user; `data` is what the
    channel keeps with the entry (headers, skipped attachments, ...). Uploads must
    already be within the limits: the channel records what it skipped."""

    subject: str
    body: str
    channel: str
    contact: Contact | None = None
    author_name: str = ""
    data: dict[str, Any] | None = None
    uploads: Sequence[Upload] = ()


def _inbound_data(inbound: Inbound) -> tuple[str, str, str, dict[str, Any]]:
    """Subject, body and author cut to what is stored, and the data with the analysis
    (read before any lock is taken)."""
    subject = (" ".join(inbound.subject.split()) or "(no subject)")[:200]
    body = inbound.body.strip()[: settings.MAX_BODY_CHARS] or "(no text)"
    author_name = (inbound.author_name or (inbound.contact.name if inbound.contact else ""))[:200]
    data = {"contact_id": inbound.contact.pk if inbound.contact else None, **(inbound.data or {})}
    if "analysis" not in data:  # a channel may have read it already (to route the case)
        data = analysed(body, data)
    return subject, body, author_name, data


def do_receive_message(
    inbound: Inbound,
    *,
    case: Case | None,
    account: CustomerAccount | None = None,
    request_type: RequestType | None = None,
    acknowledge: bool = True,
) -> TimelineEntry:
    """A customer's message arrived on a channel (see `Inbound`).

    - On `case` (which may be a stub holding only its id: it is re-read under the row
      lock) the message is appended, reopening the case within the reopen window; a
      case past the window gets a new case linked to it, with the old one's account
      and request type unless given.
    - Without a case a new one is opened on `account` (default: the contact's) with
      `request_type` (required then), acknowledged by mail unless `acknowledge` is False.

    Inside a caller's transaction no savepoint is taken: a failure here fails the
    caller's transaction too, which is what the e-mail pipeline wants (it quarantines).
    """
    subject, body, author_name, data = _inbound_data(inbound)
    now = clock.now()
    linked_case = None
    with transaction.atomic(savepoint=False):
        if case is not None:
            case = lock(case)
            if case.merged_into_id is not None:  # merged (cases.merging): its thread goes on there
                case = lock(Case(pk=case.merged_into_id))
            if not past_reopen_window(case, now):
                entry, fields = customer_message(
                    case,
                    author=None,
                    author_name=author_name,
                    channel=inbound.channel,
                    body=body,
                    uploads=inbound.uploads,
                    data=data,
                    now=now,
                )
                touch(case, fields, now)
                return entry
            linked_case = case
        if request_type is None:
            if linked_case is None:
                raise InvalidInput.field("request_type", "A request type is required for a new case.")
            request_type = linked_case.request_type
        if account is None:
            if linked_case is not None:
                account = linked_case.account
            elif inbound.contact is not None:
                account = inbound.contact.account
            else:
                raise InvalidInput.field("account", "An account or a contact is required for a new case.")
        opening = Opening(
            account=account,
            request_type=request_type,
            subject=subject,
            body=body,
            channel=inbound.channel,
            contact=inbound.contact,
            author_name=author_name,
            uploads=inbound.uploads,
            linked_case=linked_case,
        )
        case, entry = open_case_rows(opening, opened_by=None, author=None, data=data, now=now)
        if acknowledge:
            notify.case_opened(case, entry)
    return entry


def do_record_automatic_message(inbound: Inbound, *, case: Case) -> TimelineEntry:
    """An automatic message (an auto-reply, a bounce) kept on `case` as an internal
    entry that changes nothing: it must never reopen a case or start a mail loop."""
    _, body, author_name, data = _inbound_data(inbound)
    now = clock.now()
    with transaction.atomic(savepoint=False):
        case = lock(case)
        entry = add_entry(
            case,
            Kind.INBOUND,
            acting_user=None,
            author_name=author_name,
            channel=inbound.channel,
            visibility=Vis.INTERNAL,
            body=body,
            uploads=inbound.uploads,
            at=now,
            data={**data, "record_only": True},
        )
        touch(case, [], now)
    return entry


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
    """A signed-in customer wrote about an existing case: append (reopening it within
    the window) or, past the window, open a new case linked to it. On a merged case
    the message goes to the case it was merged into, as an e-mail reply would."""
    if case.merged_into_id is not None:
        case, expected_version = Case.objects.get(pk=case.merged_into_id), None
    if not past_reopen_window(case):
        return do_add_reply(
            case,
            body=body,
            acting_user=acting_user,
            channel=channel,
            uploads=uploads,
            expected_version=expected_version,
        )
    new_case = do_open_case(
        Opening(
            account=case.account,
            contact=case.contact,
            request_type=case.request_type,
            subject=f"Re: {case.subject}"[:200],
            body=body,
            channel=channel,
            uploads=uploads,
            linked_case=case,
            author_name=author_name,
        ),
        acting_user=acting_user,
    )
    return new_case.entries.filter(kind=Kind.INBOUND).get()


# --- workflow -----------------------------------------------------------------------


def _check_automatic(acting_user: User | None, author_name: str) -> None:
    """A person acts, or honeydesk on its own account under a name that says who (a
    rule, honeydesk.rules): never nobody."""
    if acting_user is None and not author_name:
        raise InvalidInput.field("user", "Say who changes the case.")


def do_assign(
    case: Case,
    owner: User,
    *,
    acting_user: User | None,
    expected_version: int | None = None,
    channel: str = Channel.WORKSPACE,
    author_name: str = "",
) -> Case:
    """Take (owner == acting_user) or assign an active case."""
    _check_automatic(acting_user, author_name)
    with transaction.atomic():
        case = lock(case, expected_version)
        if case.status not in ACTIVE_STATUSES:
            raise InvalidTransition(f"{case.ref} is {case.get_status_display().lower()}; reopen it first.")
        check_can_own(case, owner)
        if case.owner_id == owner.pk:
            raise InvalidTransition(f"{case.ref} is already owned by {owner.display_name}.")
        set_owner(case, owner, acting_user=acting_user, channel=channel, author_name=author_name)
        if case.status == Status.NEW:
            set_status(case, Status.OPEN, acting_user=acting_user, channel=channel, author_name=author_name)
        touch(case, ["owner", "status"])
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
    check_staff(acting_user, "acting_user")
    if contact is not None and contact.account_id != account.pk:
        raise InvalidInput.field("contact", f"{contact.name} is not on account {account.number}.")
    if remember_phone and contact is None:
        raise InvalidInput.field("contact", "Choose the contact whose number this is.")
    with transaction.atomic():
        case = lock(case, expected_version)
        if case.account_id == account.pk and case.contact_id == (contact.pk if contact else None):
            raise InvalidTransition(f"{case.ref} is already on account {account.number}.")
        before = CustomerAccount.objects.get(pk=case.account_id)
        if remember_phone and contact is not None:
            do_add_phone(contact, remember_phone, acting_user=acting_user)
        case.account, case.contact = account, contact
        moved = f"{before.number} ({before.name}) → {account.number} ({account.name})"
        add_event(
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
        touch(case, ["account", "contact"])
    return case


def do_transfer(
    case: Case,
    department: Department,
    *,
    summary: str,
    acting_user: User | None,
    owner: User | None = None,
    expected_version: int | None = None,
    channel: str = Channel.WORKSPACE,
    author_name: str = "",
) -> Case:
    """Move a case to another department with a hand-off summary for the next owner.

    Without a named owner the case waits, unassigned, in the new department's queue.
    """
    _check_automatic(acting_user, author_name)
    summary = require_text("summary", summary, max_chars=5000, label="Hand-off summary")
    with transaction.atomic():
        case = lock(case, expected_version)
        if case.status not in ACTIVE_STATUSES:
            raise InvalidTransition(f"{case.ref} is {case.get_status_display().lower()}; only active cases move.")
        if department.pk == case.department_id:
            raise InvalidTransition(f"{case.ref} is already in {department.name}.")
        if owner is not None:
            check_can_own(case, owner, department)
        before = case.department
        case.department = department
        case.handoff_summary = summary
        add_entry(
            case,
            Kind.EVENT,
            event=Event.TRANSFERRED,
            acting_user=acting_user,
            author_name=author_name,
            channel=channel,
            visibility=Vis.INTERNAL,
            body=summary,
            data={"from": before.name, "to": department.name, "from_id": before.pk, "to_id": department.pk},
        )
        set_owner(case, owner, acting_user=acting_user, channel=channel, author_name=author_name)
        if owner is None and case.status != Status.NEW:
            set_status(
                case, Status.NEW, acting_user=acting_user, channel=channel, public=False, author_name=author_name
            )
        elif owner is not None and case.status == Status.NEW:
            set_status(case, Status.OPEN, acting_user=acting_user, channel=channel, author_name=author_name)
        touch(case, ["department", "handoff_summary", "owner", "status"])
    return case


def do_escalate(
    case: Case,
    *,
    reason: str,
    acting_user: User | None,
    expected_version: int | None = None,
    channel: str = Channel.WORKSPACE,
    author_name: str = "",
) -> Case:
    """Ask for a supervisor. Customers and staff both may, and honeydesk itself (a rule,
    `author_name`); the reason is required.

    A customer's reason is public (their own words, on their record). A staff member's
    or honeydesk's reason is internal: the customer is told only that a supervisor will
    review the case (timeline.READERS)."""
    _check_automatic(acting_user, author_name)
    reason = require_text("reason", reason, max_chars=2000)
    now = clock.now()
    with transaction.atomic():
        case = lock(case, expected_version)
        if case.status == Status.CLOSED:
            raise InvalidTransition(f"{case.ref} is closed; a new request will be linked to it.")
        if case.escalated:
            raise InvalidTransition(f"{case.ref} is already waiting for a supervisor.")
        if case.status == Status.RESOLVED:
            reopen(case, acting_user=acting_user, channel=channel, why="supervisor requested")
        Escalation.objects.create(case=case, reason=reason, requested_by=acting_user, requested_at=now)
        case.escalated = True
        by_customer = acting_user is not None and not acting_user.is_staff_member
        asked = NewEntry(
            Kind.EVENT,
            channel,
            acting_user,
            visibility=Vis.PUBLIC if by_customer else Vis.INTERNAL,
            body=reason,
            event=Event.ESCALATED,
            data={"by_customer": by_customer},
            author_name=author_name,
        )
        if by_customer:
            add_entries(case, asked)
        else:
            told = NewEntry(
                Kind.EVENT,
                channel,
                acting_user,
                visibility=Vis.PUBLIC,
                body=SUPERVISOR_WILL_REVIEW,
                event=Event.ESCALATED,
                data={"by_customer": False, "notice": True},
                author_name=public_name(author_name),
            )
            add_entries(case, asked, told)
        touch(case, ["escalated", "status", "owner", "resolved_at"], now)
        notify.escalated(case)
    return case


def do_take_escalation(case: Case, *, acting_user: User, expected_version: int | None = None) -> Case:
    if acting_user.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise InvalidInput.field("user", "Only supervisors take escalations.")
    now = clock.now()
    with transaction.atomic():
        case = lock(case, expected_version)
        escalation = Escalation.objects.select_for_update().filter(case=case, taken_at__isnull=True).first()
        if escalation is None:
            raise InvalidTransition(f"{case.ref} has no open escalation.")
        escalation.taken_by = acting_user
        escalation.taken_at = now
        escalation.save(update_fields=["taken_by", "taken_at"])
        case.escalated = False
        waited = int((now - escalation.requested_at).total_seconds())
        add_entry(
            case,
            Kind.EVENT,
            event=Event.ESCALATION_TAKEN,
            acting_user=acting_user,
            channel=Channel.WORKSPACE,
            visibility=Vis.PUBLIC,
            body=f"{acting_user.display_name} (supervisor) took the escalation.",
            data={"waited_seconds": waited},
        )
        set_owner(case, acting_user, acting_user=acting_user, channel=Channel.WORKSPACE)
        if case.status == Status.NEW:
            set_status(case, Status.OPEN, acting_user=acting_user, channel=Channel.WORKSPACE)
        touch(case, ["escalated", "owner", "status"], now)
    return case


def do_set_pending(case: Case, *, acting_user: User, expected_version: int | None = None) -> Case:
    """Waiting on the customer: the clock is theirs until they answer."""
    with transaction.atomic():
        case = lock(case, expected_version)
        if case.status != Status.OPEN:
            raise InvalidTransition(f"Only open cases can wait on the customer; {case.ref} is {case.status}.")
        set_status(case, Status.PENDING, acting_user=acting_user, channel=Channel.WORKSPACE)
        touch(case, ["status"])
    return case


def do_resolve(
    case: Case, *, note: str, acting_user: User, expected_version: int | None = None, channel: str = Channel.WORKSPACE
) -> Case:
    note = require_text("note", note, label="Resolution note")
    now = clock.now()
    with transaction.atomic():
        case = lock(case, expected_version)
        if case.status not in ACTIVE_STATUSES:
            raise InvalidTransition(f"{case.ref} is already {case.get_status_display().lower()}.")
        properties.check_resolvable(case)
        if case.escalated:
            # A customer who asked for a supervisor gets one: an agent cannot close the
            # matter around the request; a supervisor resolving it takes it on record.
            if acting_user.role not in (Role.SUPERVISOR, Role.ADMIN):
                raise InvalidTransition(
                    f"{case.ref} is waiting for a supervisor; a supervisor takes the escalation before it is resolved."
                )
            Escalation.objects.filter(case=case, taken_at__isnull=True).update(taken_by=acting_user, taken_at=now)
            case.escalated = False
            add_event(
                case,
                Event.ESCALATION_TAKEN,
                acting_user=acting_user,
                channel=channel,
                public=True,
                body=f"{acting_user.display_name} (supervisor) took the escalation.",
            )
        if case.owner_id is None:
            check_staff(acting_user)
            set_owner(case, acting_user, acting_user=acting_user, channel=channel)
        case.resolved_at = now
        add_entry(
            case,
            Kind.EVENT,
            event=Event.RESOLVED,
            acting_user=acting_user,
            channel=channel,
            visibility=Vis.PUBLIC,
            body=note,
        )
        set_status(case, Status.RESOLVED, acting_user=acting_user, channel=channel)
        touch(case, ["status", "owner", "resolved_at", "escalated"], now)
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
        case = lock(case, expected_version)
        # A staff member's reason is internal; the customer sees the status change.
        reopen(
            case,
            acting_user=acting_user,
            channel=channel,
            why=reason.strip() or "Reopened",
            public=not acting_user.is_staff_member,
        )
        touch(case, ["status", "resolved_at"])
    return case


def do_close(case: Case, *, acting_user: User | None) -> Case:
    """Resolved -> closed, after the reopen window (run by the worker) or by staff."""
    now = clock.now()
    with transaction.atomic():
        case = lock(case, None)
        if case.status != Status.RESOLVED:
            raise InvalidTransition(f"Only resolved cases close; {case.ref} is {case.status}.")
        case.closed_at = now
        add_event(
            case,
            Event.CLOSED,
            acting_user=acting_user,
            channel=Channel.SYSTEM,
            public=True,
            body=f"Closed: the {settings.REOPEN_WINDOW_DAYS}-day window to reopen it has passed."
            if acting_user is None
            else "Closed.",
        )
        set_status(case, Status.CLOSED, acting_user=acting_user, channel=Channel.SYSTEM)
        touch(case, ["status", "closed_at"], now)
    return case


def do_add_reply(
    case: Case,
    *,
    body: str,
    acting_user: User,
    channel: str = Channel.WORKSPACE,
    uploads: Sequence[Upload] = (),
    expected_version: int | None = None,
    compose_seconds: int | None = None,
) -> TimelineEntry:
    """A public message on the case: from staff an outbound reply, from a customer an
    inbound message (which reopens a resolved case within the window). `compose_seconds`:
    the rep's focused composing time, measured by the composer (handle time)."""
    body = require_text("body", body, label="Message")
    check_uploads(uploads)
    now = clock.now()
    with transaction.atomic():
        case = lock(case, expected_version)
        if case.status == Status.CLOSED:
            raise InvalidTransition(f"{case.ref} is closed; write a new request and it will be linked.")
        fields = ["status"]
        if acting_user.is_staff_member:
            entry = add_entry(
                case,
                Kind.OUTBOUND,
                acting_user=acting_user,
                channel=channel,
                visibility=Vis.PUBLIC,
                body=body,
                uploads=uploads,
                at=now,
                data=_composed(compose_seconds),
            )
            if case.owner_id is None:
                # Whoever answers an unowned case owns it: no case is worked by nobody.
                set_owner(case, acting_user, acting_user=acting_user, channel=channel)
                fields.append("owner")
            if case.status == Status.NEW:
                set_status(case, Status.OPEN, acting_user=acting_user, channel=channel)
            if case.first_response_at is None:
                case.first_response_at = now
                fields.append("first_response_at")
            notify.reply_sent(case, entry)
        else:
            entry, changed = customer_message(
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
        touch(case, fields, now)
    return entry


def _composed(seconds: int | None) -> dict[str, Any] | None:
    if seconds is None:
        return None
    if not 0 <= seconds <= 24 * 3600:
        raise InvalidInput.field("compose_seconds", "Composing time must be between 0 and 86400 seconds.")
    return {"compose_seconds": seconds}


def do_add_note(
    case: Case,
    *,
    body: str,
    acting_user: User,
    uploads: Sequence[Upload] = (),
    compose_seconds: int | None = None,
) -> TimelineEntry:
    check_staff(acting_user, "user")
    body = require_text("body", body, label="Note")
    check_uploads(uploads)
    with transaction.atomic():
        case = lock(case, None)
        entry = add_entry(
            case,
            Kind.NOTE,
            acting_user=acting_user,
            channel=Channel.WORKSPACE,
            visibility=Vis.INTERNAL,
            body=body,
            uploads=uploads,
            data=_composed(compose_seconds),
        )
        touch(case, [])
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
    body = require_text("body", body, label="Call summary")
    if direction not in ("inbound", "outbound"):
        raise InvalidInput.field("direction", "Direction must be inbound or outbound.")
    if duration_seconds is not None and not (0 <= duration_seconds <= 24 * 3600):
        raise InvalidInput.field("duration_seconds", "Duration must be between 0 and 86400 seconds.")
    now = clock.now()
    with transaction.atomic():
        case = lock(case, None)
        if case.status == Status.CLOSED:
            raise InvalidTransition(f"{case.ref} is closed.")
        entry = add_entry(
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
            set_status(case, Status.OPEN, acting_user=acting_user, channel=channel)
            fields.append("status")
        touch(case, fields, now)
    return entry


def do_correct_entry(entry: TimelineEntry, *, body: str, acting_user: User) -> TimelineEntry:
    """Entries are never edited: a correction is a new entry pointing at the old one."""
    check_staff(acting_user, "user")
    body = require_text("body", body, label="Correction")
    if entry.kind == Kind.EVENT and entry.event == Event.CORRECTION:
        entry = entry.corrects or entry
    with transaction.atomic():
        case = lock(entry.case, None)
        correction = add_entry(
            case,
            Kind.EVENT,
            event=Event.CORRECTION,
            acting_user=acting_user,
            channel=Channel.WORKSPACE,
            visibility=entry.visibility,
            body=body,
            corrects=entry,
        )
        touch(case, [])
    return correction
