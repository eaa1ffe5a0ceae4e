"""The building blocks every change to a case is made of.

`honeydesk.cases.actions` composes these inside its transactions; nothing here opens a
transaction of its own, checks permissions or sends anything directly. Read top to
bottom:

1. input checks (`require_text`, `check_uploads`, `check_staff`, `check_can_own`);
2. `lock` (the case row, re-read under a row lock, with the version check) and
   `touch` (the version bump that ends every change);
3. `add_entries` (and `add_entry` for one), the one function that writes timeline
   entries: it reads an inbound message for tone (unless the caller did so before
   taking the lock, see `analysed`), stores attachments, and applies rep protection
   (`protect_rep`);
4. owner and status changes, each recorded as an event;
5. the reopen window (`past_reopen_window`, the one rule) and `reopen`;
6. the rows a new case starts with (`open_case_rows`) and a customer's message on an
   existing case (`customer_message`).

Who writes each kind of entry and who may read it (`READERS` below, checked entry by
entry in cases/tests/test_visibility.py): what staff write about a customer is internal
unless the rep chooses to send it (a reply, a resolution note "the customer sees", a
call log, a correction of a public entry). A public entry that records a staff decision
carries only text honeydesk composes; the staff member's own words (an escalation or
reopen reason, a hand-off summary) go on an internal entry beside it. Customers read
public entries only (`access.entries_visible_to`), and of their data only
`api.serialize.CUSTOMER_DATA_KEYS`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile

from honeydesk.accounts.models import Contact, CustomerAccount, Department, Role, User
from honeydesk.cases import hooks, notify, proposals, signals, tone_guard
from honeydesk.cases.models import Attachment, Case, Escalation, RequestType, Status, TimelineEntry, Tone
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput, InvalidTransition, StaleVersion

Kind = TimelineEntry.Kind
Event = TimelineEntry.Event
Vis = TimelineEntry.Visibility

PUBLIC, INTERNAL = frozenset({Vis.PUBLIC}), frozenset({Vis.INTERNAL})
BOTH = PUBLIC | INTERNAL

# kind (or "event:<event>") -> (who writes it, the visibilities it may have, why).
READERS: dict[str, tuple[str, frozenset[str], str]] = {
    Kind.INBOUND: ("the customer, on any channel", BOTH, "internal only when automatic (auto-reply, bounce)"),
    Kind.OUTBOUND: ("staff", PUBLIC, "a reply is written to be sent"),
    Kind.NOTE: ("staff", INTERNAL, "notes are staff's own"),
    Kind.CALL: ("staff, or the telephony system", BOTH, "public by default (the record of a conversation)"),
    f"event:{Event.OPENED}": ("whoever opened the case", PUBLIC, "text: the case's subject"),
    f"event:{Event.OWNER_CHANGED}": ("staff or honeydesk", INTERNAL, "staff names are internal"),
    f"event:{Event.TRANSFERRED}": ("staff", INTERNAL, "the hand-off summary is staff's words"),
    f"event:{Event.ESCALATED}": (
        "the customer, staff, or honeydesk (repeated abuse)",
        BOTH,
        "public with the customer's own reason; staff's or honeydesk's reason internal, beside a public "
        "'a supervisor will review this case'",
    ),
    f"event:{Event.ESCALATION_TAKEN}": ("a supervisor", PUBLIC, "text composed by honeydesk"),
    f"event:{Event.STATUS_CHANGED}": ("staff, customer or honeydesk", BOTH, "text composed by honeydesk"),
    f"event:{Event.RESOLVED}": ("staff", PUBLIC, "the resolution note, labelled 'the customer sees it'"),
    f"event:{Event.REOPENED}": (
        "staff, the customer or honeydesk",
        BOTH,
        "public with honeydesk's text; a staff member's reason internal",
    ),
    f"event:{Event.CLOSED}": ("honeydesk or staff", PUBLIC, "text composed by honeydesk"),
    f"event:{Event.CORRECTION}": ("staff", BOTH, "as visible as the entry it corrects"),
    f"event:{Event.MOVED}": ("staff", INTERNAL, "account numbers of two customers"),
    f"event:{Event.CALLBACK_PROMISED}": (
        "the customer (portal) or staff",
        BOTH,
        "public when the customer asked for the call; a rep's promise is internal (it names the rep)",
    ),
    f"event:{Event.CALLBACK_KEPT}": ("honeydesk or staff", INTERNAL, "how staff kept their word"),
    f"event:{Event.CALLBACK_BROKEN}": (
        "honeydesk or staff",
        BOTH,
        "the reason is staff's words (internal); beside it, when the customer asked for the call, "
        "honeydesk's public text: the call was missed and what happens now",
    ),
    f"event:{Event.SLA_BREACHED}": ("honeydesk", INTERNAL, "service-level records are for staff"),
    f"event:{Event.SURVEY_ANSWERED}": (
        "the customer (survey link or portal)",
        PUBLIC,
        "the customer's own rating and words (honeydesk.quality)",
    ),
    f"event:{Event.RECOVERY_CONTACT}": (
        "a supervisor",
        INTERNAL,
        "the outcome of a recovery contact and the supervisor's note (honeydesk.quality)",
    ),
    f"event:{Event.PRIORITY_CHANGED}": ("staff, or a rule", INTERNAL, "a staff judgement; text composed by honeydesk"),
    f"event:{Event.TAGS_CHANGED}": ("staff, or a rule", INTERNAL, "tags are staff's labels for a customer's case"),
    f"event:{Event.FIELDS_CHANGED}": ("staff", INTERNAL, "custom fields are staff's record"),
    f"event:{Event.MACRO_APPLIED}": ("staff (honeydesk.macros)", INTERNAL, "which saved reply and actions a rep used"),
    f"event:{Event.MERGED}": (
        "staff (honeydesk.cases.merging)",
        PUBLIC,
        "on the merged case: text composed by honeydesk naming the case it continues on",
    ),
    f"event:{Event.MERGED_IN}": (
        "staff (honeydesk.cases.merging)",
        BOTH,
        "on the surviving case, text composed by honeydesk; internal when the accounts differ "
        "(the other account's reference is not the customer's business)",
    ),
    f"event:{Event.SPLIT}": (
        "staff (honeydesk.cases.merging)",
        BOTH,
        "text composed by honeydesk: which new case an entry went to; internal when the entry was "
        "(a note, an internal call log)",
    ),
    f"event:{Event.UNMERGED}": (
        "staff (honeydesk.cases.merging)",
        BOTH,
        "the staff member's reason internal, on both cases; beside it on the case that was merged, when "
        "the merge told the customer, honeydesk's public text: the requests are handled separately again",
    ),
    f"event:{Event.RULE_FIRED}": ("honeydesk (honeydesk.rules)", INTERNAL, "which rule acted and what it did"),
}

# What a customer is told when staff ask for a supervisor (the reason stays internal).
SUPERVISOR_WILL_REVIEW = "A supervisor will review this case."


@dataclass(frozen=True)
class Upload:
    """An attachment on its way in, from a form, the API or a MIME part."""

    filename: str
    content_type: str
    content: bytes

    @classmethod
    def from_file(cls, f: IO[bytes] | Any) -> Upload:
        return cls(filename=f.name, content_type=getattr(f, "content_type", "") or "", content=f.read())


# --- 1. input checks ----------------------------------------------------------------


def require_text(name: str, value: str | None, *, max_chars: int | None = None, label: str | None = None) -> str:
    """The stripped text, or InvalidInput naming the field: empty, NUL or too long."""
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


def check_staff(user: User, field: str = "owner") -> None:
    if not user.is_staff_member or not user.is_active:
        raise InvalidInput.field(field, f"{user.username} is not an active member of staff.")


def check_can_own(case: Case, owner: User, department: Department | None = None) -> None:
    """Agents own cases of their own departments only; supervisors and admins any."""
    check_staff(owner)
    dept = department or case.department
    if owner.role == Role.AGENT and not owner.departments.filter(pk=dept.pk).exists():
        raise InvalidInput.field("owner", f"{owner.display_name} is not in the {dept.name} department.")


# --- 2. the row lock and the version ------------------------------------------------


def lock(case: Case, expected_version: int | None = None) -> Case:
    """The case as it is now, its row locked until the transaction ends.

    `SELECT ... FOR UPDATE OF` the case row only: PostgreSQL refuses FOR UPDATE on the
    nullable side of an outer join (owner), and locking department or owner rows would
    serialise unrelated cases. SQLite's IMMEDIATE transactions serialise writers anyway.
    `case` may be a stub holding only its id. A caller that passes the version it showed
    someone is told (StaleVersion, 409) when another change came in between.
    """
    # Department and owner load when an action reads them: a customer's message, the
    # hot path of e-mail ingest, needs neither.
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(
            f"{locked.ref} was changed by someone else while you were looking at it "
            f"(you saw version {expected_version}, it is now {locked.version}). Reload and try again."
        )
    return locked


def touch(case: Case, fields: Iterable[str], now: datetime | None = None) -> None:
    """Save the changed `fields` with the version bump and the update time: the last
    step of every action on a case."""
    case.version += 1
    case.updated_at = now or clock.now()
    names = dict.fromkeys([*fields, "version", "updated_at"])
    Case.objects.filter(pk=case.pk).update(**{name: getattr(case, name) for name in names})


# --- 3. the one entry writer --------------------------------------------------------


def analysed(body: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """`data` with the analysis of an inbound message's text. Callers read the text
    before their transaction begins, so the write lock is not held while it is read."""
    return {**(data or {}), "analysis": tone_guard.analyze(body)}


@dataclass(frozen=True)
class NewEntry:
    """One entry to append (see `add_entries`). `at` defaults to now."""

    kind: str
    channel: str
    acting_user: User | None = None
    visibility: str = Vis.INTERNAL
    body: str = ""
    event: str = ""
    data: dict[str, Any] | None = None
    author_name: str = ""
    corrects: TimelineEntry | None = None
    uploads: Sequence[Upload] = ()
    at: datetime | None = None


def add_entries(case: Case, *new: NewEntry) -> list[TimelineEntry]:
    """Append entries to a locked case's timeline, in order: the only way entries are
    written (one INSERT for all of them).

    An inbound message is read for tone first (unless its `data` already carries the
    analysis) so the record keeps what was flagged and why, and rep protection runs on
    it once it is stored."""
    now = clock.now()
    rows = []
    for n in new:
        data = n.data
        if n.kind == Kind.INBOUND and n.body and not (data and "analysis" in data):
            data = analysed(n.body, data)
        rows.append(
            TimelineEntry(
                case=case,
                kind=n.kind,
                event=n.event,
                author=n.acting_user,
                author_name=n.author_name,
                channel=n.channel,
                visibility=n.visibility,
                body=n.body,
                data=data or {},
                corrects=n.corrects,
                created_at=n.at or now,
            )
        )
    TimelineEntry.objects.bulk_create(rows)
    for entry, n in zip(rows, new, strict=True):
        for upload in n.uploads:
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
        if entry.kind == Kind.INBOUND:
            protect_rep(case, entry)
    proposals.notice(case, rows)
    hooks.entries_added(case, rows)
    return rows


def add_entry(
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
    at: datetime | None = None,
) -> TimelineEntry:
    """`add_entries` for one entry."""
    new = NewEntry(kind, channel, acting_user, visibility, body, event, data, author_name, corrects, uploads, at)
    return add_entries(case, new)[0]


def add_event(
    case: Case,
    event: str,
    *,
    acting_user: User | None,
    channel: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    public: bool = False,
    author_name: str = "",
    at: datetime | None = None,
) -> TimelineEntry:
    """A decision on the record (kind event): internal unless `public`."""
    return add_entry(
        case,
        Kind.EVENT,
        event=event,
        acting_user=acting_user,
        channel=channel,
        visibility=Vis.PUBLIC if public else Vis.INTERNAL,
        body=body,
        data=data,
        author_name=author_name,
        at=at,
    )


REPEAT_ABUSE_WINDOW = timedelta(days=30)
REPEAT_ABUSE_LIMIT = 2


def protect_rep(case: Case, entry: TimelineEntry) -> None:
    """After an inbound message is stored: the case's attention follows the message's
    tone (angry and frustrated customers surface early); an abusive message tells the
    supervisors, and an account that keeps abusing reps is escalated automatically with
    the reason on record (internal: it is about the customer)."""
    tone = tone_guard.tone_of(entry)
    if case.attention != tone:
        case.attention = tone
        Case.objects.filter(pk=case.pk).update(attention=tone)
    if tone != Tone.ABUSIVE:
        return
    notify.abuse_flagged(case, entry)
    now = clock.now()
    abusive = TimelineEntry.objects.filter(
        case__account_id=case.account_id,
        kind=Kind.INBOUND,
        created_at__gte=now - REPEAT_ABUSE_WINDOW,
        data__analysis__tone=Tone.ABUSIVE,
    ).count()
    if abusive < REPEAT_ABUSE_LIMIT or case.escalated:
        return
    reason = (
        f"Automatic: {abusive} abusive messages from account {case.account.number} "
        f"in the last {REPEAT_ABUSE_WINDOW.days} days."
    )
    Escalation.objects.create(case=case, reason=reason, requested_by=None, requested_at=now)
    case.escalated = True
    Case.objects.filter(pk=case.pk).update(escalated=True)
    add_event(
        case,
        Event.ESCALATED,
        acting_user=None,
        author_name="honeydesk",
        channel="system",
        body=reason,
        data={"automatic": True, "abusive_messages": abusive},
    )
    notify.escalated(case)


# --- 4. owner and status ------------------------------------------------------------


def set_owner(case: Case, owner: User | None, *, acting_user: User | None, channel: str, author_name: str = "") -> bool:
    """Change the owner on the record (internal); False when nothing changed. `author_name`
    says who when honeydesk changes it on its own account (a rule)."""
    if case.owner_id == (owner.pk if owner else None):
        return False
    before = case.owner.display_name if case.owner else None
    case.owner = owner
    add_event(
        case,
        Event.OWNER_CHANGED,
        acting_user=acting_user,
        channel=channel,
        author_name=author_name,
        body=f"Owner: {before or 'nobody'} → {owner.display_name if owner else 'nobody'}",
        data={"from": before, "to": owner.display_name if owner else None, "to_id": owner.pk if owner else None},
    )
    return True


def public_name(author_name: str) -> str:
    """Who a customer is told made an automatic change: honeydesk, never the name staff
    gave the automation (a rule's name is staff's words)."""
    return "honeydesk" if author_name else ""


def set_status(
    case: Case, status: str, *, acting_user: User | None, channel: str, public: bool = True, author_name: str = ""
) -> None:
    """Change the status on the record; customers see it unless `public` is False."""
    if case.status == status:
        return
    if public:
        author_name = public_name(author_name)
    before = case.status
    case.status = status
    add_event(
        case,
        Event.STATUS_CHANGED,
        acting_user=acting_user,
        channel=channel,
        public=public,
        author_name=author_name,
        body=f"Status: {Status(before).label} → {Status(status).label}",
        data={"from": before, "to": status},
    )
    notify.status_changed(case, before, status)


# --- 5. the reopen window -----------------------------------------------------------


def reopen_window() -> timedelta:
    return timedelta(days=settings.REOPEN_WINDOW_DAYS)


def reopen_deadline(case: Case) -> datetime | None:
    """Until when a customer's message reopens this resolved case (None: not resolved)."""
    if case.resolved_at is None:
        return None
    return case.resolved_at + reopen_window()


def past_reopen_window(case: Case, now: datetime | None = None) -> bool:
    """The one rule for a customer writing about a finished case: a closed case, or a
    resolved one past the window, gets a new case linked to it; anything else takes
    the message (and a resolved case within the window reopens)."""
    if case.status == Status.CLOSED:
        return True
    deadline = reopen_deadline(case)
    return case.status == Status.RESOLVED and deadline is not None and (now or clock.now()) > deadline


def reopen(case: Case, *, acting_user: User | None, channel: str, why: str, public: bool = True) -> None:
    """Resolved -> open (or new when nobody owns it); the previous owner keeps the case:
    they know the story. `why` is public only when honeydesk composed it or the customer
    wrote it (`public`); a staff member's reason is internal (the customer sees the
    status change)."""
    if case.status != Status.RESOLVED:
        raise InvalidTransition(f"{case.ref} is {case.get_status_display().lower()}, not resolved.")
    if past_reopen_window(case):
        raise InvalidTransition(
            f"{case.ref} was resolved more than {settings.REOPEN_WINDOW_DAYS} days ago; "
            "a new case linked to it is opened instead."
        )
    add_event(case, Event.REOPENED, acting_user=acting_user, channel=channel, body=why, public=public)
    case.resolved_at = None
    set_status(case, Status.OPEN if case.owner_id else Status.NEW, acting_user=acting_user, channel=channel)


# --- 6. new cases and customers' messages -------------------------------------------


@dataclass(frozen=True)
class Opening:
    """What a new case starts with, from any way in (workspace, portal, API, a call, a
    mail). `author_name` names a customer who is not a user (an e-mail sender, a caller);
    `linked_case` is the earlier case this one continues."""

    account: CustomerAccount
    request_type: RequestType
    subject: str
    body: str
    channel: str
    contact: Contact | None = None
    goal: str = ""
    facts: dict[str, Any] | None = None
    priority: str = "normal"
    author_name: str = ""
    uploads: Sequence[Upload] = ()
    linked_case: Case | None = None


def open_case_rows(
    opening: Opening,
    *,
    opened_by: User | None,
    author: User | None,
    data: dict[str, Any],
    now: datetime,
    first_response_at: datetime | None = None,
    kind: str = Kind.INBOUND,
    visibility: str = Vis.PUBLIC,
) -> tuple[Case, TimelineEntry]:
    """The new case row and the two entries every case starts with: "opened" (public,
    by whoever opened it) and the customer's first message (by `author` when the
    customer is a user, else `opening.author_name`). `data` carries the message's
    analysis, read before the transaction. Returns the case and the message entry.

    `kind` and `visibility` differ only for a case split out of another from a call log
    or a note (honeydesk.cases.merging): that entry, as it was, is the first one."""
    tone = data.get("analysis", {}).get("tone", Tone.CALM)
    case = Case(
        subject=opening.subject,
        request_type=opening.request_type,
        account=opening.account,
        contact=opening.contact,
        department=opening.request_type.department,
        channel=opening.channel,
        linked_case=opening.linked_case,
        goal=opening.goal,
        facts=opening.facts or {},
        priority=opening.priority,
        attention=tone,
        first_response_at=first_response_at,
        created_at=now,
        updated_at=now,
    )
    hooks.case_opening(case)  # fields kept from the first moment (due times) go in the INSERT
    case.save(force_insert=True)
    opened = NewEntry(
        Kind.EVENT,
        opening.channel,
        acting_user=opened_by,
        event=Event.OPENED,
        author_name="" if opened_by else opening.author_name,
        visibility=Vis.PUBLIC,
        body=f"Case opened: {case.subject}",
        at=now,
        data={"linked_case": opening.linked_case.ref} if opening.linked_case else {},
    )
    first_message = NewEntry(
        kind,
        opening.channel,
        acting_user=author,
        author_name=opening.author_name,
        visibility=visibility,
        body=opening.body,
        uploads=opening.uploads,
        at=now,
        data=data,
    )
    message = add_entries(case, opened, first_message)[1]
    signals.case_opened.send(sender=Case, case=case, message=message)
    return case, message


def customer_message(
    case: Case,
    *,
    author: User | None,
    author_name: str,
    channel: str,
    body: str,
    uploads: Sequence[Upload],
    data: dict[str, Any] | None,
    now: datetime,
) -> tuple[TimelineEntry, list[str]]:
    """A customer's message on a locked case within the reopen window: it reopens a
    resolved case and puts a waiting one back to work. Returns the entry and the case
    fields it changed, for the caller's `touch`."""
    fields = ["status"]
    if case.status == Status.RESOLVED:
        reopen(case, acting_user=author, channel=channel, why="The customer wrote again.")
        fields.append("resolved_at")
    entry = add_entry(
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
        set_status(case, Status.OPEN, acting_user=author, channel=channel)
    return entry, fields
