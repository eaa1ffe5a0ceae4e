"""Demo data for what happens around the cases (issues 18 and 19), so a newcomer sees
every screen with something on it:

- a held e-mail: a forged message in a customer's name (DMARC failed), waiting in
  Held mail (/desk/held-mail/) for a supervisor to release or reject;
- a poison message: one that could not even be parsed, in the quarantine (Admin, E-mail
  quarantine), where an admin can retry it;
- a webhook endpoint with a delivery log: registered at a 127.0.0.1 address nothing
  listens on (never a real host: payloads name customers), its test event tried and
  retried until it was given up, so the log shows the failures; in `make run` the
  worker's deliveries of live events fail too, until the endpoint is disabled and the
  admins are told;
- the audit log: this morning's sign-ins, a mistyped one, and an API token created;
- a rep set away, so the assignment lists show who takes no new work.

Everything goes through the code the live system runs (the inbound pipeline, the
webhook sender, `audit.record`, `do_issue_token`, `do_set_availability`). Nothing is
mailed or queued for the worker. Run twice it adds nothing.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime
from typing import Any

from django.conf import settings

from honeydesk.accounts import audit
from honeydesk.accounts.actions import do_issue_token
from honeydesk.accounts.models import ApiToken, User
from honeydesk.cases.models import ACTIVE_STATUSES, Case
from honeydesk.channels.email import inbound
from honeydesk.channels.email.models import Quarantine
from honeydesk.lib import clock
from honeydesk.rules.actions import do_set_availability
from honeydesk.webhooks import events, send
from honeydesk.webhooks.models import Delivery, Endpoint

MAIL_SERVER = "mx.brightwave.example"
HELD_BODY = (
    "Hello,\n\nWe have changed banks. Please move the direct debit on my account to the new details "
    "below today, before the next bill is taken, and confirm by return:\n\n"
    "Account holder: see above\nSort code: 04-00-75\nAccount number: 19283746\n\nThanks"
)
# What a scanner at a shop front posted to the mail receiver: a PDF with its headers lost.
POISON = (
    b"\r\n\r\nJVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVyIC9GbGF0ZURlY29kZT4+CnN0cmVhbQp4"
    b"nCvkMlAwUDC1NNUzMVGwMDHUszRSKErlCtfiyuMK5AIAXQ8GCgplbmRzdHJlYW0K\r\n"
)
# Port 9 (discard) on this machine: nothing listens there, so every attempt is refused at once.
WEBHOOK_URL = "http://127.0.0.1:9/brightwave-crm/hooks"
WEBHOOK_NAME = "Brightwave CRM (demo: nothing listens here)"
WEBHOOK_EVENTS = ["case.opened", "customer.replied", "case.resolved"]
TOKEN_NAME = "Nightly report export"
SIGN_INS = ["admin", "diane", "maria", "priya", "marcus"]  # this morning, in this order
MISTYPED = "mraia"
AWAY = "tom"


def build(builder: Any) -> None:
    held_mail(builder)
    poison_message(builder)
    webhook(builder)
    audit_log(builder)
    with clock.at(builder.now - timedelta(minutes=25)):
        do_set_availability(builder.staff[AWAY], away=True)  # gone to a training course


def held_mail(builder: Any) -> Quarantine | None:
    """A message claiming to come from a Billing customer, asking to change their bank
    details: the receiving server found DMARC failed, so it is held, not on the case."""
    case = (
        Case.objects.filter(
            status__in=ACTIVE_STATUSES, contact__isnull=False, department__slug="billing", merged_into__isnull=True
        )
        .select_related("contact")
        .order_by("id")
        .first()
    )
    if case is None or case.contact is None or not case.contact.primary_email:
        return None
    sender = case.contact.primary_email
    domain = sender.rpartition("@")[2]
    # Only our own server's header counts (authenticity.py): write it as that server would.
    server = next(iter(settings.HONEYDESK_EMAIL_AUTHSERV_IDS), MAIL_SERVER)
    with clock.at(builder.now - timedelta(minutes=50)):
        raw = (
            f"Authentication-Results: {server}; spf=fail smtp.mailfrom={sender}; dkim=none;"
            f" dmarc=fail header.from={domain}\r\n"
            f"From: {case.contact.name} <{sender}>\r\n"
            f"To: billing@brightwave.example\r\n"
            f"Subject: Re: [{case.ref}] {case.subject}\r\n"
            f"Message-ID: <held-{case.ref.lower()}-{builder.seed}@mail.invalid>\r\n"
            f"Date: {format_datetime(clock.now())}\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{HELD_BODY.replace(chr(10), chr(13) + chr(10))}\r\n"
        ).encode()
        result = inbound.ingest(raw, "imap:billing")
    return Quarantine.objects.filter(pk=result.quarantine).first() if result.quarantine else None


def poison_message(builder: Any) -> Quarantine | None:
    with clock.at(builder.now - timedelta(hours=3)):
        result = inbound.ingest(POISON, "smtp")
    return Quarantine.objects.filter(pk=result.quarantine).first() if result.quarantine else None


def webhook(builder: Any) -> Delivery | None:
    """The endpoint, registered by the admin (validated as the admin form validates it),
    and its test event: sent and retried as the worker would, without the waits in
    between, until it is given up. No job is left behind."""
    if Endpoint.objects.filter(name=WEBHOOK_NAME).exists():
        return None
    endpoint = Endpoint(name=WEBHOOK_NAME, url=WEBHOOK_URL, events=WEBHOOK_EVENTS, owner=builder.staff["admin"])
    endpoint.full_clean()
    endpoint.save()
    delivery = events.new_ping(endpoint)
    for _ in range(events.ATTEMPTS):
        try:
            send.deliver(delivery.pk)
        except send.DeliveryFailed:
            continue  # the job runner would try again after a pause
        break
    delivery.refresh_from_db()
    return delivery


def audit_log(builder: Any) -> None:
    """This morning's sign-ins as the sign-in receiver records them, a mistyped username,
    and an API token the admin made for a reporting script."""
    admin: User = builder.staff["admin"]
    if ApiToken.objects.filter(user=admin, name=TOKEN_NAME).exists():
        return
    start = builder.now - timedelta(hours=2)
    for i, username in enumerate(SIGN_INS):
        user = builder.staff[username]
        with clock.at(start + timedelta(minutes=4 * i)):
            if username == "maria":  # a typo first
                audit.record(audit.Action.SIGN_IN_FAILED, actor_name=MISTYPED, target=MISTYPED)
            audit.record(audit.Action.SIGNED_IN, actor=user, data={"role": user.role})
    with clock.at(start + timedelta(minutes=40)):
        do_issue_token(admin, TOKEN_NAME, acting_user=admin)
