"""Outbound mail: queued in the action's transaction, sent by a job after the commit.

`queue_mail` writes a `Message` row (direction out, with its Message-ID already fixed,
so a customer's answer threads even before the mail has left) and a job. The job builds
the message — text and HTML parts, In-Reply-To/References to the customer's last
message (or to the first mail of the case), the case reference in the subject, From
per department — and sends it with Django's mail backend. An SMTP outage makes the job
fail and retry with backoff; the action that queued it is never undone. Delivery is at
least once: a worker killed between the SMTP answer and the database update sends again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formataddr, make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from honeydesk.cases.models import Case, Channel, TimelineEntry
from honeydesk.channels.email.models import Message
from honeydesk.channels.registry import Notice
from honeydesk.jobs.runner import enqueue
from honeydesk.lib import clock
from honeydesk.lib.batches import Batch, insert_all

_REF_TOKEN = re.compile(r"\[?\bHD-?\d{1,12}\b\]?", re.IGNORECASE)
_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|vs|tr|antw)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
MAX_REFERENCES = 20
DEFAULT_EMAIL_TIMEOUT = 30  # seconds; a hung SMTP server must not hold a worker forever


def email_timeout() -> float:
    """settings.EMAIL_TIMEOUT when set (Django's default is None: no timeout), else 30 s."""
    return getattr(settings, "EMAIL_TIMEOUT", None) or DEFAULT_EMAIL_TIMEOUT


def clean_subject(subject: str) -> str:
    """'Re: [HD-000007] Re: Modem' -> 'Modem': no growing chains of prefixes and refs
    (django-helpdesk #756)."""
    previous = None
    while previous != subject:
        previous = subject
        subject = _PREFIX.sub("", _REF_TOKEN.sub("", subject)).strip()
    return " ".join(subject.split()) or "(no subject)"


def case_subject(case: Case, label: str = "") -> str:
    return f"[{case.ref}] {label}{clean_subject(case.subject)}"


def from_address(case: Case) -> str:
    address = case.department.email_from or settings.DEFAULT_FROM_EMAIL
    return formataddr((case.department.name, address))


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip(">").strip() or "honeydesk.invalid"


def customer_address(case: Case, entry: TimelineEntry | None = None) -> str:
    """Where a mail to the case's customer goes: the address they last wrote to us from on
    this case while it is still one of theirs, otherwise their first address on file. A
    customer who writes from work is answered at work, as Zammad and Freshdesk answer the
    sender; an address no longer on the contact (or a stranger's) is never used. `entry`:
    the entry the mail is about; when it is the customer's mail (an acknowledgement) its
    sender is used directly. Beyond their addresses (prefetched by ingest's look-ups), only
    a contact with several addresses costs a query."""
    contact = case.contact
    if contact is None:
        return ""
    inbound, email = TimelineEntry.Kind.INBOUND, Channel.EMAIL
    this_mail = entry is not None and entry.kind == inbound and entry.channel == email
    if this_mail and entry is not None and entry.data.get("contact_id") == contact.pk:
        # The mail being acknowledged, in the transaction that stored it: its sender's
        # address is how ingest found (or made) this contact, so it is theirs without
        # reading their addresses (a query for each new sender's acknowledgement).
        sender = (entry.data.get("email") or {}).get("from", "")
        if isinstance(sender, str) and sender:
            return sender.lower()
    theirs = [address.lower() for address in contact.emails]
    if len(theirs) > 1:
        if this_mail and entry is not None:
            last = (entry.data.get("email") or {}).get("from", "")
        else:
            mails = TimelineEntry.objects.filter(case=case, kind=inbound, channel=email).order_by("-id")
            last = mails.values_list("data__email__from", flat=True).first() or ""
        if isinstance(last, str) and last.lower() in theirs:
            return last.lower()
    return theirs[0] if theirs else ""


class EmailOutbound:
    """The e-mail channel's side of `honeydesk.channels.registry`: a notice becomes a
    queued mail to the case's contact (at `customer_address`) or to the members of staff
    it names."""

    name = "email"

    def send(self, notice: Notice) -> bool:
        if notice.to_customer:
            address = customer_address(notice.case, notice.entry)
            to = [address] if address else []
        else:
            to = [user.email for user in notice.staff if user.email]
        message = queue_mail(
            case=notice.case,
            to=to,
            subject=case_subject(notice.case, notice.label),
            template=notice.template,
            entry=notice.entry,
            context=dict(notice.context),
            auto_submitted=notice.automatic,
        )
        return message is not None


def queue_mail(
    *,
    case: Case,
    to: list[str],
    subject: str,
    template: str,
    entry: TimelineEntry | None = None,
    context: dict[str, Any] | None = None,
    auto_submitted: str = "",
) -> Message | None:
    """Record an outbound mail and a job to send it. Call inside the action's transaction."""
    to = [a.strip().lower() for a in to if a and a.strip()]
    if not to:
        return None
    sender = case.department.email_from or settings.DEFAULT_FROM_EMAIL
    message_id = make_msgid(idstring=f"hd{case.pk}", domain=_domain(sender)).strip("<>")
    message = Message(
        direction=Message.Direction.OUT,
        state=Message.State.QUEUED,
        dedupe_key=f"mid:{message_id}",
        message_id=message_id,
        sender=sender.lower(),
        recipients=" ".join(to),
        subject=subject[:255],
        case=case,
        entry=entry,
        created_at=clock.now(),
        data={"template": template, "context": context or {}, "auto_submitted": auto_submitted},
    )
    pending = _mails.current()
    if pending is not None:
        pending.append(message)  # written with its job when the batch ends (`mails_per_batch`)
        return message
    # Both rows or neither; inside the action's transaction no savepoint is needed.
    with transaction.atomic(savepoint=False):
        message.save(force_insert=True)
        enqueue(send_message, {"message_id": message.pk})
    return message


# Inside `mails_per_batch`: the mails queued so far, written when the block ends.
_mails: Batch[Message] = Batch("pending_mails")


@contextmanager
def mails_per_batch() -> Iterator[None]:
    """Collect the mails queued inside the block; when it ends without an error, write
    them with one INSERT and queue their jobs (which a surrounding `jobs_per_batch` writes
    with one more). For a group of inbound mails stored without savepoints
    (`inbound.ingest_many`): their acknowledgements cost two statements, not two each.
    See `honeydesk.lib.batches` for what must not run inside."""
    with _mails.collect() as pending:
        yield
    insert_all(pending)
    for message in pending:
        enqueue(send_message, {"message_id": message.pk})


def _thread_headers(message: Message) -> dict[str, str]:
    """In-Reply-To the customer's last message before this one; otherwise the first mail
    we sent on the case, so every mail of a case sits in one thread in the client."""
    if message.case_id is None:
        return {}
    inbound = Message.objects.filter(
        case_id=message.case_id, direction=Message.Direction.IN, state=Message.State.STORED
    ).exclude(message_id="")
    inbound = inbound.exclude(message_id__startswith="sha256:")
    # An acknowledgement answers the very message it acknowledges (written just after it).
    parent = inbound.filter(entry_id=message.entry_id).first() if message.entry_id else None
    parent = parent or inbound.filter(id__lt=message.pk).order_by("-id").first()
    earlier = Message.objects.filter(case_id=message.case_id, id__lt=message.pk).exclude(message_id="")
    if parent is None:
        parent = earlier.filter(direction=Message.Direction.OUT).order_by("id").first()
    if parent is None:
        return {}
    chain = [r for r in parent.references.split() if not r.startswith("sha256:")]
    chain = [*chain[-(MAX_REFERENCES - 1) :], parent.message_id]
    return {"In-Reply-To": f"<{parent.message_id}>", "References": " ".join(f"<{r}>" for r in chain)}


def build(message: Message) -> EmailMultiAlternatives:
    assert message.case_id is not None, "outbound mail always belongs to a case"
    case = Case.objects.select_related("department", "contact", "request_type").get(pk=message.case_id)
    entry = TimelineEntry.objects.filter(pk=message.entry_id).first() if message.entry_id else None
    template = message.data.get("template", "")
    context = {"case": case, "entry": entry, "base_url": settings.BASE_URL, **message.data.get("context", {})}
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    headers = {
        "Message-ID": f"<{message.message_id}>",
        "X-Honeydesk-Case": case.ref,
        "Reply-To": from_address(case),
        **_thread_headers(message),
    }
    auto = message.data.get("auto_submitted", "")
    if auto:
        # RFC 3834: other robots must not answer; Exchange: no out-of-office replies.
        headers["Auto-Submitted"] = auto
        headers["X-Auto-Response-Suppress"] = "All"
    mail = EmailMultiAlternatives(
        subject=message.subject,
        body=text,
        from_email=from_address(case),
        to=message.recipients.split(),
        headers=headers,
    )
    mail.attach_alternative(html, "text/html")
    if entry is not None:
        for attachment in entry.attachments.all():
            with attachment.file.open("rb") as f:
                mail.attach(attachment.filename, f.read(), attachment.content_type)
    return mail


def send_message(message_id: int) -> None:
    """The job: send one queued message. Idempotent: a sent message is not sent again."""
    message = Message.objects.filter(pk=message_id).first()
    if message is None or message.state == Message.State.SENT:
        return
    mail = build(message)
    mail.connection = get_connection(timeout=email_timeout())
    try:
        mail.send()
    except Exception as exc:
        Message.objects.filter(pk=message.pk).update(attempts=message.attempts + 1, error=str(exc)[:2000])
        raise
    raw = mail.message().as_bytes()
    Message.objects.filter(pk=message.pk).update(
        state=Message.State.SENT,
        sent_at=timezone.now(),
        attempts=message.attempts + 1,
        error="",
        raw=raw,
        size=len(raw),
        in_reply_to=(mail.extra_headers.get("In-Reply-To") or "").strip("<>"),
        references=" ".join(r.strip("<>") for r in (mail.extra_headers.get("References") or "").split()),
    )
