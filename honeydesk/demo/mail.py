"""The demo's first mails (issue 18): right after `honeydesk demo`, the outbox at
/desk/outbox/ shows what customers are sent, not an empty page.

The demo replays 90 days of history without telling anybody (`registry.quiet`), so it
queues no mail. Afterwards, and only while the outbox is the mail backend (DEBUG, as
`make run` has it; never a real mail server, whose recipients would be the demo's made-up
addresses), the acknowledgement of a recent case and its newest reply are queued once
more through the e-mail channel and sent at once, as the worker would send them.
"""

from __future__ import annotations

from django.db import transaction

from honeydesk.cases import notify
from honeydesk.cases.models import TimelineEntry
from honeydesk.channels.email import outbox
from honeydesk.channels.email.models import Message
from honeydesk.jobs.runner import run_pending

Kind = TimelineEntry.Kind


def send_samples() -> list[Message]:
    """Send the samples into the outbox; the mails sent (none when the outbox is not
    the mail backend)."""
    if not outbox.enabled():
        return []
    first = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # The newest reply to a customer who wrote in, and the acknowledgement of what they
    # wrote first: the reply threads onto the acknowledgement (In-Reply-To, References).
    reply = (
        TimelineEntry.objects.filter(kind=Kind.OUTBOUND, case__contact__isnull=False, case__merged_into__isnull=True)
        .filter(case__entries__kind=Kind.INBOUND)
        .select_related("case")
        .order_by("-created_at", "-id")
        .first()
    )
    opening = reply.case.entries.filter(kind=Kind.INBOUND).order_by("created_at", "id").first() if reply else None
    if reply is None or opening is None:
        return []
    with transaction.atomic():
        notify.case_opened(reply.case, opening)
    with transaction.atomic():
        notify.reply_sent(reply.case, reply)
    run_pending()
    return list(Message.objects.filter(pk__gt=first, state=Message.State.SENT).order_by("pk"))
