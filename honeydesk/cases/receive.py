"""Messages from people who may have no portal login (the e-mail channel).

The author is recorded by name and contact, never as a user. Opening a case and
appending a customer's message use the same steps as the workspace and portal actions
(`honeydesk.cases.actions`), so a mail and a portal message leave the same record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction

from honeydesk.accounts.models import Contact, CustomerAccount
from honeydesk.cases import notify
from honeydesk.cases.models import Case, RequestType, Status, TimelineEntry
from honeydesk.cases.steps import (
    Kind,
    Upload,
    Vis,
    _customer_message,
    _entry,
    _lock_lean,
    _open_case,
    _touch,
    analysed,
    reopen_deadline,
)
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput


def do_receive_message(
    *,
    case: Case | None,
    contact: Contact | None,
    subject: str,
    body: str,
    channel: str,
    account: CustomerAccount | None = None,
    request_type: RequestType | None = None,
    author_name: str = "",
    data: dict[str, Any] | None = None,
    uploads: Sequence[Upload] = (),
    acknowledge: bool = True,
    record_only: bool = False,
) -> TimelineEntry:
    """A customer message arrived on a channel (e-mail) without a signed-in user.

    - `case` None: a new case is opened on `account` (default: the contact's) with
      `request_type` (required then), acknowledged unless `acknowledge` is False.
    - `record_only`: the message is kept on `case` as an internal entry that changes
      nothing (an auto-reply or bounce must never reopen a case or start a loop).
    - otherwise it is appended to `case`, reopening it within the reopen window; a
      closed case or one past the window gets a new case linked to it (same account
      and request type as the old one unless given).

    `case` may be a stub holding only its id (`Case.from_db` with the other fields
    deferred): it is re-read under the row lock before anything is decided.
    Uploads must already be within the limits (the channel records what it skipped).
    Inside a caller's transaction no savepoint is taken: a failure here fails the
    caller's transaction too, which is what the e-mail pipeline wants (it quarantines).
    """
    subject = (" ".join(subject.split()) or "(no subject)")[:200]
    body = body.strip()[: settings.MAX_BODY_CHARS] or "(no text)"
    author_name = (author_name or (contact.name if contact else ""))[:200]
    # Read the text before any lock is taken (see steps._new_entry).
    data = analysed(body, {"contact_id": contact.pk if contact else None, **(data or {})})
    now = clock.now()
    linked_case = None
    with transaction.atomic(savepoint=False):
        if case is not None:
            # The case as it is now, locked: `case` may be a stub with only its id.
            case = _lock_lean(case)
            if record_only:
                entry = _entry(
                    case,
                    Kind.INBOUND,
                    acting_user=None,
                    author_name=author_name,
                    channel=channel,
                    visibility=Vis.INTERNAL,
                    body=body,
                    uploads=uploads,
                    at=now,
                    data={**data, "record_only": True},
                )
                _touch(case, [], now)
                return entry
            deadline = reopen_deadline(case)
            if case.status == Status.CLOSED or (
                case.status == Status.RESOLVED and deadline is not None and now > deadline
            ):
                linked_case, case = case, None
        if case is not None:
            entry, fields = _customer_message(
                case,
                author=None,
                author_name=author_name,
                channel=channel,
                body=body,
                uploads=uploads,
                data=data,
                now=now,
            )
            _touch(case, fields, now)
            return entry
        if request_type is None:
            if linked_case is None:
                raise InvalidInput.field("request_type", "A request type is required for a new case.")
            request_type = linked_case.request_type
        if account is not None:
            account_id = account.pk
        elif linked_case is not None:
            account_id = linked_case.account_id
        elif contact is not None:
            account_id = contact.account_id
        else:
            raise InvalidInput.field("account", "An account or a contact is required for a new case.")
        case, entry = _open_case(
            subject=subject,
            request_type=request_type,
            account_id=account_id,
            contact=contact,
            channel=channel,
            linked_case=linked_case,
            now=now,
            opened_by=None,
            author=None,
            author_name=author_name,
            body=body,
            uploads=uploads,
            data=data,
        )
        if acknowledge:
            notify.case_opened(case, entry)
    return entry
