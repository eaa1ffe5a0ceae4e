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
is rewritten, so the record reads as it did, and "undoing" a merge is new entries: split
the duplicate's message back out (`do_split_entry` accepts any entry the survivor's
timeline shows).

A merge is final for the merged case: it is closed, its pages lead to the survivor, and
a customer's message on it (an e-mail reply to its thread, `actions.do_receive_message`)
lands on the survivor. A case merged into one that is merged later follows on: its
`merged_into` moves to the new survivor (a case row, not the timeline; each case's
timeline keeps the merge it saw).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.fields.files import FieldFile

from honeydesk.accounts.models import User
from honeydesk.cases import notify
from honeydesk.cases.models import Case, Channel, RequestType, Status, TimelineEntry
from honeydesk.cases.timeline import (
    Event,
    Kind,
    Opening,
    Upload,
    Vis,
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


SPLITTABLE = frozenset({Kind.INBOUND})


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
    """A customer's message on `case` (or on a case merged into it) that is really another
    request becomes a new case of the same account and customer, linked to `case`, with
    the message (and its attachments) as its first message; `request_type` defaults to
    the case's. The message stays where it was (the timeline is append-only); `case` gets
    a public event naming the new case. The customer gets the new case's acknowledgement.
    Returns the new case."""
    check_staff(acting_user, "user")
    if entry.kind not in SPLITTABLE or entry.visibility != Vis.PUBLIC or entry.data.get("record_only"):
        raise InvalidInput.field("entry", "Only a customer's message can be split out into a new case.")
    request_type = request_type or case.request_type
    if not request_type.active:
        raise InvalidInput.field("request_type", f"Request type {request_type.name!r} is not offered any more.")
    subject = require_text("subject", subject or case.subject, max_chars=200)
    uploads = [Upload(a.filename, a.content_type, _content(a.file)) for a in entry.attachments.order_by("id")]
    # The customer who wrote it: the message's own case's (a merged case may be another
    # account's, when the merge was confirmed across accounts).
    origin_case = Case.objects.select_related("account", "contact").get(pk=entry.case_id)
    now = clock.now()
    with transaction.atomic():
        case = lock(case, expected_version)
        if case.merged_into_id is not None:
            raise InvalidTransition(f"{case.ref} is merged into HD-{case.merged_into_id:06d}; split from there.")
        if entry.case_id != case.pk and not Case.objects.filter(pk=entry.case_id, merged_into=case).exists():
            raise InvalidInput.field("entry", f"That message is not on {case.ref}.")
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
        data = {**entry.data, "split_from": origin}
        new_case, message = open_case_rows(opening, opened_by=acting_user, author=entry.author, data=data, now=now)
        add_event(
            case,
            Event.SPLIT,
            acting_user=acting_user,
            channel=channel,
            public=True,
            body=f"A message was moved to a new case, {new_case.ref}.",
            data={"new_case": new_case.ref, "new_case_id": new_case.pk, "entry": entry.pk},
            at=now,
        )
        touch(case, [], now)
        notify.case_opened(new_case, message)
    return new_case


def _content(f: FieldFile) -> bytes:
    with f.open("rb") as opened:
        data: bytes = opened.read()
    return data
