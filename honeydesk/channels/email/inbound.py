"""The one inbound pipeline: `ingest(raw, source)`, fed by IMAP, SMTP and the API.

Parse -> dedupe -> thread -> store (raw message, timeline entry, attachments) in one
transaction. The caller tells its source that the message was taken (IMAP flag, SMTP
250, HTTP 202) only after `ingest` returns, i.e. after the commit. A message that
cannot be processed goes to the quarantine with the reason; `ingest` then returns
normally so the feed moves on to the next message. Only a failure to write even the
quarantine row (the database is down) raises, and then the source is not told anything
and delivers again later — which dedupe makes harmless.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from honeydesk.accounts import audit
from honeydesk.accounts.models import Contact, User
from honeydesk.cases.actions import Inbound, Upload, do_receive_message, do_record_automatic_message
from honeydesk.cases.models import Channel, ref_of
from honeydesk.cases.timeline import analysed
from honeydesk.channels.email import authenticity, matching, outbound
from honeydesk.channels.email.content import latest_reply, sanitize_html
from honeydesk.channels.email.models import Mailbox, Message, Quarantine
from honeydesk.channels.email.parse import ParsedMail, Part, parse
from honeydesk.jobs.runner import jobs_per_batch
from honeydesk.lib import clock
from honeydesk.metrics import rollups

log = logging.getLogger(__name__)

# Outlook's winmail.dat is kept as it came; the viewer can offer it for download.
EXTRA_ATTACHMENT_TYPES = {"application/ms-tnef"}
MAX_FULL_TEXT = 200_000


@dataclass
class Result:
    status: str  # "stored" | "duplicate" | "quarantined"
    case: str | None = None
    message: int | None = None
    noise: str = ""
    quarantine: int | None = None
    reason: str = ""


def dedupe_key(parsed: ParsedMail) -> str:
    return f"mid:{parsed.message_id}" if parsed.message_id else f"sha:{parsed.content_hash}"


def max_message_bytes() -> int:
    """The largest raw message accepted (the API and the SMTP receiver alike)."""
    return int(getattr(settings, "HONEYDESK_EMAIL_MAX_BYTES", 0) or settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def rate_limit() -> tuple[int, int]:
    """(messages, seconds) per sender: settings.HONEYDESK_EMAIL_RATE_LIMIT, default 20 per 600 s."""
    raw = str(getattr(settings, "HONEYDESK_EMAIL_RATE_LIMIT", "20/600"))
    count, _, seconds = raw.partition("/")
    return int(count), int(seconds or 600)


def _duplicate(key: str) -> Result | None:
    found = list(Message.objects.filter(dedupe_key=key).values_list("pk", "case_id")[:1])
    if not found:
        return None
    pk, case_id = found[0]
    return _duplicate_result(pk, case_id)


def _duplicate_result(pk: int | None, case_id: int | None) -> Result:
    # `pk` is None only for a message still pending in its group, which is written first.
    return Result("duplicate", case=ref_of(case_id) if case_id else None, message=pk)


def _lookups(batch: Sequence[tuple[str, ParsedMail]]) -> matching.Lookups:
    return matching.Lookups.read(batch, since=clock.now() - timedelta(seconds=rate_limit()[1]))


def quarantine(
    raw: bytes,
    source: str,
    reason: str,
    *,
    key: str = "",
    sender: str = "",
    subject: str = "",
    existing: Quarantine | None = None,
    kind: str = Quarantine.Kind.ERROR,
    verdict: dict[str, Any] | None = None,
) -> Result:
    key = key or "sha:" + hashlib.sha256(raw).hexdigest()
    now = clock.now()
    if existing is not None:
        Quarantine.objects.filter(pk=existing.pk).update(
            reason=reason[:5000], retried_at=now, retries=existing.retries + 1
        )
        return Result("quarantined", quarantine=existing.pk, reason=reason)
    found = Quarantine.objects.filter(dedupe_key=key, resolved=False).first()
    if found is not None:  # the same poison delivered again: one row, not one per poll
        return Result("quarantined", quarantine=found.pk, reason=found.reason)
    row = Quarantine.objects.create(
        raw=raw,
        dedupe_key=key[:255],
        reason=reason[:5000],
        source=source[:80],
        sender=sender[:254],
        subject=subject[:255],
        created_at=now,
        kind=kind,
        verdict=verdict or {},
    )
    log.warning("quarantined a message from %s (%s): %s", sender or "?", source, reason)
    return Result("quarantined", quarantine=row.pk, reason=reason)


def ingest(
    raw: bytes,
    source: str,
    *,
    mailbox: Mailbox | None = None,
    envelope_from: str | None = None,
    recipients: Sequence[str] = (),
    check_rate: bool = True,
    retry_of: Quarantine | None = None,
    trust_sender: bool = False,
) -> Result:
    """One message, in its own transaction: stored, a duplicate, or quarantined (held,
    when its sender fails the checks of authenticity.py, unless `trust_sender`: staff
    confirmed it)."""
    parsed = _parse(raw, envelope_from)
    known = _lookups([(dedupe_key(parsed), parsed)]) if isinstance(parsed, ParsedMail) else None
    return _ingest_parsed(
        raw,
        parsed,
        source,
        known,
        mailbox=mailbox,
        recipients=recipients,
        check_rate=check_rate,
        retry_of=retry_of,
        trust_sender=trust_sender,
    )


def _parse(raw: bytes, envelope_from: str | None = None) -> ParsedMail | Exception:
    try:
        return parse(raw, envelope_from=envelope_from)
    except Exception as exc:
        return exc


def _ingest_parsed(
    raw: bytes,
    parsed: ParsedMail | Exception,
    source: str,
    known: matching.Lookups | None,
    *,
    mailbox: Mailbox | None = None,
    recipients: Sequence[str] = (),
    check_rate: bool = True,
    retry_of: Quarantine | None = None,
    trust_sender: bool = False,
    pending: _Pending | None = None,
) -> Result:
    """With `pending` the message is stored optimistically, inside a batch's transaction
    with no savepoint of its own, its Message row kept in `pending` for one insert with
    its group, and any error raised to the caller (which rolls the group back and stores
    it again with a savepoint per message, the other way): see `ingest_many`."""
    if not isinstance(parsed, ParsedMail) or known is None:
        reason = f"Could not parse the message: {type(parsed).__name__}: {parsed}"
        return quarantine(raw, source, reason, existing=retry_of)
    key = dedupe_key(parsed)
    if key in known.stored:
        if pending is not None and known.stored[key][0] is None:
            pending.write(known)  # a copy of a message of this group: the duplicate names its id
        return _duplicate_result(*known.stored[key])
    sender = parsed.from_addr

    def hold(reason: str) -> Result:
        return quarantine(raw, source, reason, key=key, sender=sender, subject=parsed.subject, existing=retry_of)

    if check_rate and sender and known.recent[sender] >= rate_limit()[0]:
        return hold(_rate_limit_reason(sender))
    if not trust_sender:
        checked = authenticity.verdict(parsed.auth_results, sender)
        if authenticity.should_hold(checked):
            # A forged From: must not put words on a customer's case: staff confirm first.
            return quarantine(
                raw,
                source,
                f"Held until staff confirm the sender: {checked.reason}.",
                key=key,
                sender=sender,
                subject=parsed.subject,
                existing=retry_of,
                kind=Quarantine.Kind.HELD,
                verdict=checked.as_dict(),
            )
    if pending is not None:
        result, message, contact = _store(raw, parsed, key, source, known, mailbox=mailbox, recipients=recipients)
        known.remember(key, parsed, message, contact)
        pending.add(message, result, key)
        return result
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                result, message, contact = _store(
                    raw, parsed, key, source, known, mailbox=mailbox, recipients=recipients
                )
                message.save(force_insert=True)
                result.message = message.pk
            known.remember(key, parsed, message, contact)
            return result
        except IntegrityError as exc:
            # Another worker stored it first (same Message-ID), or another change of the
            # same rows won a race: look again, then try once more with fresh look-ups.
            duplicate = _duplicate(key)
            if duplicate is not None:
                return duplicate
            if attempt == 2:
                return hold(f"Database conflict: {exc}")
            known = _lookups([(key, parsed)])
        except Exception as exc:
            log.exception("processing a message from %s failed", sender)
            return hold(f"{type(exc).__name__}: {exc}")
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass
class _Pending:
    """The inbound Message rows of an optimistic group, inserted together (one statement
    where there were one per message); their ids go into the group's results then."""

    rows: list[tuple[Message, Result, str]] = field(default_factory=list)

    def add(self, message: Message, result: Result, key: str) -> None:
        self.rows.append((message, result, key))

    def write(self, known: matching.Lookups) -> None:
        if not self.rows:
            return
        Message.objects.bulk_create([message for message, _, _ in self.rows])
        for message, result, key in self.rows:
            result.message = message.pk
            known.stored[key] = (message.pk, message.case_id)
        self.rows.clear()


# A batch shares one commit; it is closed early after this long so that the write
# lock is not kept from the web workers for more than a moment.
BATCH_SECONDS = 0.1


def ingest_many(
    raws: Sequence[bytes], source: str, *, mailbox: Mailbox | None = None, batch_seconds: float = BATCH_SECONDS
) -> Iterator[list[Result | None]]:
    """`ingest` for a batch (one IMAP fetch), committing several messages at once.

    Yields the results of each committed group, in order, right after its commit: the
    caller tells the source (flags the messages \\Seen) only then, as with `ingest`.
    The batch is parsed first and what it needs to know (stored keys, senders' recent
    counts, contacts, the cases its headers and subjects point at) is read with a few
    queries for all of it (`matching.Lookups`). A commit costs about as much as storing a
    message (bench/email_ingest.py); sharing it is what makes a busy mailbox cheap.

    A group is first stored optimistically: one transaction, no savepoint per message,
    its Message rows inserted with one statement (`_Pending`) and the roll-up marks of
    all its cases with another. Nearly every group goes through so. If any message in it
    raises, the group is rolled back whole and stored again the careful way: each message
    in its own savepoint, so the one that fails is quarantined without undoing its
    neighbours (`_ingest_parsed`).

    If a group cannot be committed even so, its first message is tried alone, with its
    own commit and fresh look-ups, and batching resumes after it. A message that fails
    even alone (not even its quarantine row could be written) yields None: the caller
    leaves it at the source to be delivered again, and the messages after it still go in.
    """
    parsed = [_parse(raw) for raw in raws]
    readable = [(dedupe_key(p), p) for p in parsed if isinstance(p, ParsedMail)]
    known: matching.Lookups | None = None
    start = 0
    careful = False
    while start < len(raws):
        group: list[Result | None] = []
        try:
            known = known or _lookups(readable)
            pending = None if careful else _Pending()
            with (
                transaction.atomic(),
                nullcontext() if careful else rollups.marks_per_batch(),
                nullcontext() if careful else jobs_per_batch(),
                nullcontext() if careful else outbound.mails_per_batch(),
            ):
                began = time.monotonic()
                while start + len(group) < len(raws):
                    i = start + len(group)
                    group.append(_ingest_parsed(raws[i], parsed[i], source, known, mailbox=mailbox, pending=pending))
                    if time.monotonic() - began > batch_seconds:
                        break
                if pending is not None:
                    pending.write(known)
        except Exception:
            known = None  # what the rolled-back group remembered is gone
            if not careful:
                # One message of the group failed: the same messages again, one savepoint each.
                log.info("a batch of messages from %s failed; storing it again message by message", source)
                careful = True
                continue
            log.exception("a batch of messages from %s could not be committed; trying them one by one", source)
            try:
                group = [ingest(raws[start], source, mailbox=mailbox)]
            except Exception:
                log.exception("a message from %s could not be stored nor quarantined; left for redelivery", source)
                group = [None]
        careful = False
        start += len(group)
        yield group


def _rate_limit_reason(sender: str) -> str:
    """The exact count, for the quarantine reason (only when the limit was reached)."""
    limit, seconds = rate_limit()
    since = clock.now() - timedelta(seconds=seconds)
    recent = Message.objects.filter(sender=sender, direction=Message.Direction.IN, created_at__gte=since).count()
    return f"Rate limit: {recent} messages from {sender} in the last {seconds} s (limit {limit})."


def _uploads(parts: list[Part]) -> tuple[list[Upload], list[dict[str, Any]], dict[str, str]]:
    allowed = set(settings.ALLOWED_ATTACHMENT_TYPES) | EXTRA_ATTACHMENT_TYPES
    uploads: list[Upload] = []
    skipped: list[dict[str, Any]] = []
    inline: dict[str, str] = {}
    for part in parts:
        info = {"filename": part.filename, "content_type": part.content_type, "size": len(part.content)}
        if len(part.content) > settings.MAX_ATTACHMENT_BYTES:
            skipped.append({**info, "reason": f"larger than {settings.MAX_ATTACHMENT_BYTES} bytes"})
        elif part.content_type not in allowed:
            skipped.append({**info, "reason": "type not accepted"})
        elif not part.content:
            skipped.append({**info, "reason": "empty"})
        elif len(uploads) >= settings.MAX_ATTACHMENTS_PER_ENTRY:
            skipped.append({**info, "reason": f"more than {settings.MAX_ATTACHMENTS_PER_ENTRY} attachments"})
        else:
            uploads.append(Upload(part.filename, part.content_type, part.content))
            if part.content_id:
                inline[part.content_id] = hashlib.sha256(part.content).hexdigest()
    return uploads, skipped, inline


def _entry_data(
    parsed: ParsedMail,
    source: str,
    thread: matching.Match,
    body: str,
    skipped: list[dict[str, Any]],
    inline: dict[str, str],
    noise: str,
) -> dict[str, Any]:
    html, remote = sanitize_html(parsed.html) if parsed.html else ("", [])
    data: dict[str, Any] = {
        "email": {
            "message_id": parsed.message_id,
            "from": parsed.from_addr,
            "to": parsed.to,
            "cc": parsed.cc,
            "subject": parsed.subject[:300],
            "date": parsed.date,
            "source": source,
        },
        "thread": thread.how,
    }
    if parsed.text.strip() != body.strip():
        data["full_text"] = parsed.text[:MAX_FULL_TEXT]
    if html:
        data["html"] = html[:MAX_FULL_TEXT]
    if remote:
        data["remote_images"] = remote[:50]
    if inline:
        data["inline"] = inline  # Content-ID -> attachment sha256
    if skipped:
        data["skipped_attachments"] = skipped
    if thread.refused:
        data["thread_refused"] = thread.refused
    if noise:
        data["auto"] = noise
    if parsed.defects:
        data["defects"] = parsed.defects[:10]
    return data


def _store(
    raw: bytes,
    parsed: ParsedMail,
    key: str,
    source: str,
    known: matching.Lookups,
    *,
    mailbox: Mailbox | None,
    recipients: Sequence[str],
) -> tuple[Result, Message, Contact | None]:
    sender = parsed.from_addr
    noise = parsed.auto_reason or ("sent from one of our own addresses" if sender in matching.own_addresses() else "")
    contact = known.contacts.get(sender)
    thread = matching.find_case(parsed, contact, known, record_only=bool(noise))
    case = thread.case
    # A reply only adds its new part (the history is already on the case); a new case
    # keeps everything, since a forward's quoted text is the story we do not have yet.
    body = latest_reply(parsed.text) if case is not None else parsed.text.strip()
    uploads, skipped, inline = _uploads(parsed.attachments)
    data = _entry_data(parsed, source, thread, body, skipped, inline, noise)
    if not noise:
        # Read once, here: routing a new case needs what the message is about.
        data = analysed(body, data)
    entry = None
    if noise and case is not None:
        inbound = Inbound(
            subject=parsed.subject,
            body=body,
            channel=Channel.EMAIL,
            contact=contact,
            author_name=parsed.from_name or sender,
            data=data,
            uploads=uploads,
        )
        entry = do_record_automatic_message(inbound, case=case)
    elif not noise:
        if contact is None:
            contact = matching.contact_for_sender(sender, parsed.from_name)
        request_type = None
        if case is None:
            recipients_all = [*parsed.to, *parsed.cc, *recipients]
            request_type = matching.request_type_for(mailbox, recipients_all, data["analysis"].get("category", ""))
        # A reply: the case's own request type and account are used (loaded only if the
        # case turns out to be closed and a linked case is opened).
        inbound = Inbound(
            subject=parsed.subject, body=body, channel=Channel.EMAIL, contact=contact, data=data, uploads=uploads
        )
        entry = do_receive_message(inbound, case=case, request_type=request_type)
    all_recipients = dict.fromkeys([*parsed.to, *parsed.cc, *(r.lower() for r in recipients)])
    message = Message(  # saved by the caller, alone or with its group (`_Pending`)
        direction=Message.Direction.IN,
        state=Message.State.NOISE if noise else Message.State.STORED,
        dedupe_key=key,
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to[0] if parsed.in_reply_to else "",
        references=" ".join(parsed.references),
        sender=sender,
        recipients=" ".join(all_recipients)[:10_000],
        subject=parsed.subject[:255],
        auto_reason=noise[:60],
        source=source[:80],
        case=entry.case if entry else None,
        entry=entry,
        raw=raw,
        size=len(raw),
        created_at=clock.now(),
    )
    ref = ref_of(entry.case_id) if entry else None
    return Result("stored", case=ref, noise=noise), message, contact


def release_held(row: Quarantine, *, acting_user: User) -> Result:
    """Staff confirmed a held message's sender: it goes through the pipeline as if it
    had passed (joining its case), and the decision is on the audit log."""
    result = ingest(bytes(row.raw), row.source or "held", check_rate=False, retry_of=row, trust_sender=True)
    if result.status in ("stored", "duplicate"):
        Quarantine.objects.filter(pk=row.pk).update(
            resolved=True, released=True, decided_by=acting_user, decided_at=clock.now(), message=result.message
        )
        audit.record(
            audit.Action.MAIL_RELEASED,
            actor=acting_user,
            target=f"mail from {row.sender} to {result.case or 'a new case'}",
            data={"quarantine": row.pk, "subject": row.subject},
        )
    return result


def reject_held(row: Quarantine, *, acting_user: User) -> None:
    """Staff judged a held message not to be from its sender: it stays out of every case."""
    Quarantine.objects.filter(pk=row.pk).update(
        resolved=True, released=False, decided_by=acting_user, decided_at=clock.now()
    )
    audit.record(
        audit.Action.MAIL_REJECTED,
        actor=acting_user,
        target=f"mail from {row.sender}",
        data={"quarantine": row.pk, "subject": row.subject},
    )


def retry_quarantined(row: Quarantine) -> Result:
    """Run a quarantined message through the pipeline again (rate limit not applied)."""
    result = ingest(bytes(row.raw), row.source or "quarantine", check_rate=False, retry_of=row)
    if result.status in ("stored", "duplicate"):
        Quarantine.objects.filter(pk=row.pk).update(
            resolved=True, retried_at=clock.now(), retries=row.retries + 1, message=result.message
        )
    return result
