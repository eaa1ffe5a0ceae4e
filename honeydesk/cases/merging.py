"""Merge a duplicate case into another, and split a message out into a new case (issue 17).

Both are actions like those in `honeydesk.cases.actions` (one transaction, the case rows
locked, `acting_user` a keyword, the change recorded on the timeline); they live here to
keep that module readable. Callers fetch both cases through `honeydesk.cases.access`.

Why a merge copies nothing: the timeline is append-only (model, queryset and database
triggers refuse changes), so a merge cannot move the duplicate's entries. Copying them as
new entries onto the survivor would keep history, but every copy would pass through
`hooks.entries_added` again: webhooks would announce old messages as new replies, the
metrics would count the same contact twice, service-level clocks and rep protection would
run on words that were handled already. Instead the merged case keeps its entries and
records where it went (`Case.merged_into`); `access.entries_visible_to` reads a case's
timeline as the union of its own entries and those of the cases merged into it, in time
order, each entry still naming the case it was written on (the source is marked). Nothing
is rewritten, so the record reads as it did.

While merged, the merged case is closed, its pages lead to the survivor, and a
customer's message on it (an e-mail reply to its thread, `actions.do_receive_message`)
lands on the survivor. A case merged into one that is merged later follows on: its
`merged_into` moves to the new survivor (a case row, not the timeline; each case's
timeline keeps the merge it saw).

Undoing a merge is new entries too (`do_unmerge_case`): the pointer is cleared, so the
survivor's timeline stops showing the merged case's entries, the merged case is reopened
and its thread is its own again. What was written on the survivor meanwhile stays there
(it happened there). Single entries move by `do_split_entry`, which accepts any entry the
survivor's timeline shows.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.fields.files import FieldFile

from honeydesk.accounts.models import User
from honeydesk.cases import notify
from honeydesk.cases.models import Case, Channel, RequestType, Status, TimelineEntry, parse_ref
from honeydesk.cases.timeline import (
    Event,
    Kind,
    NewEntry,
    Opening,
    Upload,
    Vis,
    add_entries,
    add_event,
    check_staff,
    lock,
    open_case_rows,
    require_text,
    set_status,
    touch,
)
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput, InvalidTransition

DIFFERENT_ACCOUNTS = "confirm_different_accounts"


def do_merge_cases(
    source: Case,
    survivor: Case,
    *,
    acting_user: User,
    confirm_different_accounts: bool = False,
    expected_version: int | None = None,
    channel: str = Channel.WORKSPACE,
) -> Case:
    """Merge `source` (the duplicate) into `survivor`; returns the survivor.

    Cases of different accounts merge only with `confirm_different_accounts` (a customer
    wrote from two accounts, or a household): otherwise InvalidInput names that field.
    `expected_version` is the source's, as the person saw it. The source's customer is
    told once, by one notice on the source's thread."""
    check_staff(acting_user, "user")
    if source.pk == survivor.pk:
        raise InvalidInput.field("into", "A case cannot be merged into itself.")
    now = clock.now()
    with transaction.atomic():
        # Both rows locked, lower id first: two merges of the same pair in opposite
        # directions wait for each other instead of deadlocking.
        locked = {
            c.pk: lock(c, expected_version if c.pk == source.pk else None)
            for c in sorted((source, survivor), key=lambda c: c.pk)
        }
        source, survivor = locked[source.pk], locked[survivor.pk]
        _check_mergeable(source, survivor, confirm_different_accounts)
        same_account = source.account_id == survivor.account_id
        # Cases merged into the source earlier now continue on the survivor too.
        earlier = list(Case.objects.filter(merged_into=source).values_list("pk", flat=True))
        Case.objects.filter(pk__in=earlier).update(merged_into=survivor)
        entries = TimelineEntry.objects.filter(case_id__in=[source.pk, *earlier]).count()
        source.merged_into = survivor
        source.closed_at = now
        merged = add_event(
            source,
            Event.MERGED,
            acting_user=acting_user,
            channel=channel,
            public=True,
            body=f"Merged into {survivor.ref}: this request continues there.",
            data={"into": survivor.ref, "into_id": survivor.pk},
            at=now,
        )
        set_status(source, Status.CLOSED, acting_user=acting_user, channel=channel)
        touch(source, ["merged_into", "closed_at", "status"], now)
        add_event(
            survivor,
            Event.MERGED_IN,
            acting_user=acting_user,
            channel=channel,
            public=same_account,
            body=f"{source.ref} ({source.subject}) was merged into this case; its entries are shown here.",
            data={
                "source": source.ref,
                "source_id": source.pk,
                "entries": entries,
                "different_accounts": not same_account,
                "also": [f"HD-{pk:06d}" for pk in earlier],
            },
            at=now,
        )
        touch(survivor, [], now)
        notify.merged(source, survivor, merged)
    return survivor


def _check_mergeable(source: Case, survivor: Case, confirm_different_accounts: bool) -> None:
    if source.merged_into_id is not None:
        raise InvalidTransition(f"{source.ref} is already merged into HD-{source.merged_into_id:06d}.")
    if source.status == Status.CLOSED:
        raise InvalidTransition(f"{source.ref} is closed; only a case still open or resolved can be merged.")
    if source.escalated:
        raise InvalidTransition(f"{source.ref} is waiting for a supervisor; take the escalation before merging it.")
    if survivor.merged_into_id is not None:
        target = f"HD-{survivor.merged_into_id:06d}"
        raise InvalidInput.field("into", f"{survivor.ref} was itself merged into {target}; merge into {target}.")
    if survivor.status == Status.CLOSED:
        raise InvalidInput.field("into", f"{survivor.ref} is closed; choose a case that is still open or resolved.")
    if survivor.account_id != source.account_id and not confirm_different_accounts:
        raise InvalidInput.field(
            DIFFERENT_ACCOUNTS,
            f"{source.ref} and {survivor.ref} belong to different customer accounts; "
            "confirm that they are the same request to merge them.",
        )


def do_unmerge_case(
    source: Case,
    *,
    acting_user: User,
    reason: str,
    expected_version: int | None = None,
    channel: str = Channel.WORKSPACE,
) -> Case:
    """Undo the merge of `source` (the case that was merged): it is handled on its own
    again. Returns the case it was merged into.

    The pointer is cleared, so the survivor's timeline no longer shows the source's
    entries, and mail, portal and API messages on the source's thread land on the source
    again; what was written on the survivor while they were merged stays there. The
    source is reopened (open with its owner, new without one) and its service-level
    resolution clock restarts as on any reopen. Cases that were merged into the source
    before it was merged, and followed it on, come back with it. Both cases get an
    internal entry naming who undid the merge and why (`reason`, required). The source's
    customer is told once, by a public entry and a notice on the source's thread, when
    the merge told them (its public "merged" entry). `expected_version` is the source's."""
    check_staff(acting_user, "user")
    reason = require_text("reason", reason, max_chars=2000)
    if source.merged_into_id is None:
        raise InvalidTransition(f"{source.ref} is not merged into another case.")
    now = clock.now()
    with transaction.atomic():
        into = Case(pk=source.merged_into_id)
        # Both rows locked, lower id first, as in a merge.
        locked = {
            c.pk: lock(c, expected_version if c.pk == source.pk else None)
            for c in sorted((source, into), key=lambda c: c.pk)
        }
        source, survivor = locked[source.pk], locked[into.pk]
        if source.merged_into_id != survivor.pk:
            # Undone, or carried on by a later merge, since the caller read it.
            raise InvalidTransition(f"{source.ref} changed meanwhile; reload it and try again.")
        merged = source.entries.filter(event=Event.MERGED).order_by("-created_at", "-id").first()
        told = merged is not None and merged.visibility == Vis.PUBLIC
        back = _followers(source, survivor, merged)
        Case.objects.filter(pk__in=back).update(merged_into=source)
        about = {"source": source.ref, "source_id": source.pk, "from": survivor.ref, "from_id": survivor.pk}
        about["also"] = [f"HD-{pk:06d}" for pk in back]
        source.merged_into = None
        source.closed_at = None
        source.resolved_at = None
        add_entries(
            source,
            NewEntry(
                Kind.EVENT,
                channel,
                acting_user,
                Vis.INTERNAL,
                body=f"Merge into {survivor.ref} undone: {reason}",
                event=Event.UNMERGED,
                data={**about, "reason": reason},
                at=now,
            ),
            # What reopens the case: the service-level clocks restart as on any reopen.
            NewEntry(
                Kind.EVENT,
                channel,
                acting_user,
                Vis.INTERNAL,
                body=f"Reopened: it is no longer merged into {survivor.ref}.",
                event=Event.REOPENED,
                data={"unmerged_from": survivor.ref},
                at=now,
            ),
        )
        status = Status.OPEN if source.owner_id else Status.NEW
        set_status(source, status, acting_user=acting_user, channel=channel, public=told)
        if told:
            notice = add_event(
                source,
                Event.UNMERGED,
                acting_user=acting_user,
                channel=channel,
                public=True,
                body=f"This request is handled on its own again, separately from {survivor.ref}.",
                data={"source": source.ref, "from": survivor.ref},
                at=now,
            )
            notify.unmerged(source, survivor, notice)
        touch(source, ["merged_into", "closed_at", "resolved_at", "status"], now)
        add_event(
            survivor,
            Event.UNMERGED,
            acting_user=acting_user,
            channel=channel,
            body=f"{source.ref} ({source.subject}) is no longer merged into this case: {reason}",
            data={**about, "reason": reason},
            at=now,
        )
        touch(survivor, [], now)
    return survivor


def _followers(source: Case, survivor: Case, merged: TimelineEntry | None) -> list[int]:
    """The cases that were merged into `source` before its merge and moved on with it
    (its "merged in" entry names them), still on `survivor` and not merged again since."""
    merged_in = (
        TimelineEntry.objects.filter(kind=Kind.EVENT, event=Event.MERGED_IN, data__source_id=source.pk)
        .order_by("-created_at", "-id")
        .first()
    )
    if merged is None or merged_in is None:
        return []
    also = [pk for pk in (parse_ref(str(ref)) for ref in merged_in.data.get("also", [])) if pk]
    again = TimelineEntry.objects.filter(
        case_id__in=also, kind=Kind.EVENT, event=Event.MERGED, created_at__gt=merged.created_at
    ).values("case_id")
    return list(
        Case.objects.filter(pk__in=also, merged_into=survivor).exclude(pk__in=again).values_list("pk", flat=True)
    )


# What can be split out. A staff reply (outbound) cannot: it was sent to the customer on
# this case's thread (its mail's Message-ID, the portal's notice), so a copy opening a new
# case would claim a message the customer never got there, and their answer to it still
# threads to this case. Split the customer's message it answers instead. Events are the
# case's own decisions, and an automatic inbound message (auto-reply, bounce) is no request.
SPLITTABLE = frozenset({Kind.INBOUND, Kind.CALL, Kind.NOTE})

# Measurements a copy must not carry: the call and the typing were counted on the case
# they happened on (honeydesk.metrics reads these keys, and skips copied call logs).
_MEASURED = ("call_id", "wait_seconds", "talk_seconds", "compose_seconds")

_WHAT = {Kind.INBOUND: "A message", Kind.CALL: "A call log", Kind.NOTE: "A note"}


def check_splittable(entry: TimelineEntry) -> None:
    """InvalidInput naming `entry` unless it is a customer's message, a call log or a note."""
    if entry.kind == Kind.OUTBOUND:
        raise InvalidInput.field(
            "entry",
            "A reply already sent to the customer cannot be split: it went out on this case's thread. "
            "Split the customer's message it answers.",
        )
    automatic = entry.kind == Kind.INBOUND and (entry.visibility != Vis.PUBLIC or entry.data.get("record_only"))
    if entry.kind not in SPLITTABLE or automatic:
        raise InvalidInput.field(
            "entry", "Only a customer's message, a call log or a note can be split out into a new case."
        )


def do_split_entry(
    case: Case,
    entry: TimelineEntry,
    *,
    acting_user: User,
    request_type: RequestType | None = None,
    subject: str = "",
    expected_version: int | None = None,
    channel: str = Channel.WORKSPACE,
) -> Case:
    """An entry on `case` (or on a case merged into it) that is really another request
    becomes a new case of the same account and customer, linked to `case`, with the entry
    (and its attachments) as its first entry; `request_type` defaults to the case's.
    Returns the new case.

    - A customer's message becomes the new case's first message; the customer gets the
      new case's acknowledgement, and `case` a public event naming the new case. A public
      call log (the record of a conversation with the customer) goes the same way.
    - A note, or an internal call log, is copied as it was and stays internal on the new
      case; the event on `case` is internal and nobody is told (the customer sees only
      that a case was opened, under its subject).

    The entry stays where it was (the timeline is append-only)."""
    check_staff(acting_user, "user")
    check_splittable(entry)
    request_type = request_type or case.request_type
    if not request_type.active:
        raise InvalidInput.field("request_type", f"Request type {request_type.name!r} is not offered any more.")
    subject = require_text("subject", subject or case.subject, max_chars=200)
    uploads = [Upload(a.filename, a.content_type, _content(a.file)) for a in entry.attachments.order_by("id")]
    # The customer it is about: the entry's own case's (a merged case may be another
    # account's, when the merge was confirmed across accounts).
    origin_case = Case.objects.select_related("account", "contact").get(pk=entry.case_id)
    public = entry.visibility == Vis.PUBLIC
    now = clock.now()
    with transaction.atomic():
        case = lock(case, expected_version)
        if case.merged_into_id is not None:
            raise InvalidTransition(f"{case.ref} is merged into HD-{case.merged_into_id:06d}; split from there.")
        if entry.case_id != case.pk and not Case.objects.filter(pk=entry.case_id, merged_into=case).exists():
            raise InvalidInput.field("entry", f"That entry is not on {case.ref}.")
        opening = Opening(
            account=origin_case.account,
            request_type=request_type,
            subject=subject,
            body=entry.body,
            channel=entry.channel,
            contact=origin_case.contact,
            author_name=entry.author_name,
            uploads=uploads,
            linked_case=case,
        )
        origin = {"case": f"HD-{entry.case_id:06d}", "entry": entry.pk, "at": entry.created_at.isoformat()}
        kept = {k: v for k, v in entry.data.items() if entry.kind == Kind.INBOUND or k not in _MEASURED}
        new_case, first = open_case_rows(
            opening,
            opened_by=acting_user,
            author=entry.author,
            data={**kept, "split_from": origin},
            now=now,
            kind=entry.kind,
            visibility=entry.visibility,
        )
        add_event(
            case,
            Event.SPLIT,
            acting_user=acting_user,
            channel=channel,
            public=public,
            body=f"{_WHAT[Kind(entry.kind)]} was moved to a new case, {new_case.ref}.",
            data={"new_case": new_case.ref, "new_case_id": new_case.pk, "entry": entry.pk, "kind": entry.kind},
            at=now,
        )
        touch(case, [], now)
        if public:
            notify.case_opened(new_case, first)
    return new_case


def _content(f: FieldFile) -> bytes:
    with f.open("rb") as opened:
        data: bytes = opened.read()
    return data
