"""Which case a message belongs to, and who sent it.

Order (issue 4, point 3), with the lessons of other help desks built in:

1. In-Reply-To, then References (nearest first), then the Message-IDs of an original
   embedded in a bounce, against every Message-ID we sent *and* received — not only
   In-Reply-To (django-helpdesk #756, Chatwoot #10028) and not only mail that reached us
   first (Zammad #5716).
2. The case reference in the subject ("[HD-000123]" or "HD-123"), but only when the
   sender is a contact on that case's account: typing someone's reference never puts
   mail on their case (Zammad #5064).
3. Otherwise a new case.

A header match is also checked: it counts when the sender is a contact on the case's
account, or when the matched message is one we sent to this very address (a customer
answering from an address we do not have on file yet). A reply by a third party to a
message of another customer's case (a newsletter-style fan-out, Chatwoot PR #13502)
starts a new case instead of joining — the refusal is noted in the entry data.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

from honeydesk.accounts.actions import ContactData, do_add_contact, do_create_account
from honeydesk.accounts.models import Contact, ContactPoint, CustomerAccount, Department
from honeydesk.cases.models import Case, RequestType
from honeydesk.channels.email.models import Mailbox, Message
from honeydesk.lib.errors import InvalidInput

if TYPE_CHECKING:
    from honeydesk.channels.email.parse import ParsedMail
_SUBJECT_REF = re.compile(r"\bHD-?0*(\d{1,12})\b", re.IGNORECASE)
UNMATCHED_PREFIX = "MAIL-"


@dataclass
class Match:
    """The case a message belongs to (None: a new case), how it was found, and why a
    match was refused, if one was."""

    case: Case | None
    how: str  # "headers" | "subject" | "new"
    refused: str = ""


def _may_join(
    contact: Contact | None, sender: str, case: Case, matched: Message | None = None, *, lenient: bool = False
) -> bool:
    if contact is not None and contact.account_id == case.account_id:
        return True
    if lenient and matched is not None and matched.direction == Message.Direction.OUT:
        return True
    return bool(
        matched is not None
        and matched.direction == Message.Direction.OUT
        and sender
        and sender in matched.recipients.split()
    )


def find_case(parsed: ParsedMail, contact: Contact | None, *, record_only: bool = False) -> Match:
    """`record_only` (auto-replies, bounces: kept as internal entries that change
    nothing) may also join through any message we sent, whoever answers it: a bounce
    comes from a mailer-daemon, never from the customer.

    The case comes with only its id and account loaded: enough to decide, and
    `do_receive_message` re-reads it under the row lock before anything is written."""
    refused = ""
    ids = parsed.thread_ids
    if ids:
        matches: dict[str, Message] = {}
        found = (
            Message.objects.filter(message_id__in=ids, case__isnull=False)
            .select_related("case")
            .only("message_id", "direction", "recipients", "case__id", "case__account_id")
            .order_by("-id")
        )
        for msg in found:
            matches.setdefault(msg.message_id, msg)
        for mid in ids:
            if mid in matches:
                msg = matches[mid]
                case = msg.case
                assert case is not None
                if _may_join(contact, parsed.from_addr, case, msg, lenient=record_only):
                    return Match(case, "headers")
                refused = f"headers point at {case.ref}, but the sender is not on its account"
    for number in _SUBJECT_REF.findall(parsed.subject)[:5]:
        named = Case.objects.only("id", "account_id").filter(pk=int(number)).first()
        if named is None:
            continue
        if _may_join(contact, parsed.from_addr, named):
            return Match(named, "subject")
        refused = refused or f"subject names {named.ref}, but the sender is not on its account"
    return Match(None, "new", refused)


def find_contact(address: str) -> Contact | None:
    """The contact with this e-mail address, with its addresses and numbers loaded (the
    acknowledgement goes to its first address); the account is not loaded."""
    value = address.strip().lower() if address and "\x00" not in address else ""
    if not value:
        return None
    return (
        Contact.objects.filter(points__kind=ContactPoint.Kind.EMAIL, points__value=value)
        .prefetch_related("points")
        .first()
    )


def contact_for_sender(address: str, name: str) -> Contact:
    """The contact with this address, or a new one.

    An unknown sender gets a contact on an account of their own, numbered MAIL-<hash of
    the address>, rather than on one shared "unmatched" account: customers see cases by
    account, so a shared account would show strangers each other's cases, and anyone on
    it could use another's reference. Staff move the contact to the right account later.
    Two workers meeting the same new sender at once: the second finds the first's.
    """
    found = find_contact(address)
    if found is not None:
        return found
    address = address.strip().lower()
    display = (name.strip() or address.split("@", 1)[0].strip() or address)[:200]
    number = UNMATCHED_PREFIX + hashlib.sha256(address.encode()).hexdigest()[:16].upper()
    try:
        account = do_create_account(number=number, name=display, acting_user=None)
    except InvalidInput as exc:
        if "number" not in exc.fields:
            raise
        # The account outlived its contact (staff moved the contact elsewhere), or
        # another worker created it a moment ago.
        account = CustomerAccount.objects.get(number=number)
    try:
        return do_add_contact(account, ContactData(display, [address]), acting_user=None)
    except InvalidInput:
        found = find_contact(address)  # filed by another worker a moment ago
        if found is None:
            raise
        return found


_own_cache: tuple[float, set[str]] = (0.0, set())
OWN_CACHE_SECONDS = 30.0


def own_addresses() -> set[str]:
    """Addresses we send from: mail from these is never answered. Cached for 30 s."""
    global _own_cache
    now = time.monotonic()
    if now - _own_cache[0] > OWN_CACHE_SECONDS:
        found = {a.lower() for a in Department.objects.exclude(email_from="").values_list("email_from", flat=True)}
        found |= {u.lower() for u in Mailbox.objects.values_list("username", flat=True) if "@" in u}
        _own_cache = (now, found)
    return _own_cache[1] | {settings.DEFAULT_FROM_EMAIL.lower()}


def forget_cached_addresses() -> None:
    global _own_cache, _routing_cache
    _own_cache = (0.0, set())
    _routing_cache = None


@dataclass
class _Routing:
    at: float
    active: list[RequestType]  # active request types (department loaded), by id
    by_department_address: dict[str, int]  # department e-mail (lower-case) -> department id


_routing_cache: _Routing | None = None
ROUTING_CACHE_SECONDS = 30.0


def _routing() -> _Routing:
    """Active request types and department addresses, cached per process for 30 s and
    dropped at once when this process saves a request type, department or mailbox
    (see apps.py): routing a new case costs no query."""
    global _routing_cache
    now = time.monotonic()
    cached = _routing_cache
    if cached is None or now - cached.at > ROUTING_CACHE_SECONDS:
        active = list(RequestType.objects.filter(active=True).select_related("department").order_by("id"))
        addresses: dict[str, int] = {}
        for pk, address in Department.objects.exclude(email_from="").order_by("id").values_list("id", "email_from"):
            addresses.setdefault(address, pk)
            addresses.setdefault(address.lower(), pk)
        cached = _routing_cache = _Routing(now, active, addresses)
    return cached


def request_type_for(mailbox: Mailbox | None, recipients: list[str]) -> RequestType:
    """New cases: the mailbox's request type or department, else the department whose
    address the mail was sent to, else settings.HONEYDESK_EMAIL_REQUEST_TYPE (a slug),
    else the first active request type."""
    routing = _routing()
    active = routing.active
    if mailbox is not None:
        if mailbox.request_type_id:
            found = next((rt for rt in active if rt.pk == mailbox.request_type_id), None)
            if found:
                return found
        if mailbox.department_id:
            found = next((rt for rt in active if rt.department_id == mailbox.department_id), None)
            if found:
                return found
    if recipients:
        departments = {routing.by_department_address[r] for r in recipients if r in routing.by_department_address}
        found = next((rt for rt in active if rt.department_id in departments), None) if departments else None
        if found:
            return found
    slug = getattr(settings, "HONEYDESK_EMAIL_REQUEST_TYPE", "")
    found = (next((rt for rt in active if rt.slug == slug), None) if slug else None) or (active[0] if active else None)
    if found is None:
        raise LookupError("No active request type is configured for new e-mail cases.")
    return found
