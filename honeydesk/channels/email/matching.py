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
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, prefetch_related_objects

from honeydesk.accounts.actions import ContactData, do_add_contact, do_create_account
from honeydesk.accounts.models import Contact, ContactPoint, CustomerAccount, Department
from honeydesk.cases.models import Case, IntakeCategory, RequestType
from honeydesk.cases.queries import active_request_types
from honeydesk.channels.email.models import Mailbox, Message
from honeydesk.lib.cache import Recent
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


@dataclass
class Lookups:
    """What a batch of messages needs to know from the database, read with a few queries
    for the whole batch (one IMAP fetch) instead of a few for every message, and kept up
    to date while the batch is stored: a second message from a new sender finds the
    contact the first one created, a reply within the batch finds the case its original
    opened, a message delivered twice in one batch is a duplicate.

    Another worker may store or create the same things meanwhile; the unique constraints
    catch that, and the caller then looks again with fresh look-ups."""

    stored: dict[str, tuple[int | None, int | None]]  # dedupe key -> (message id, None while pending; case id)
    recent: Counter[str]  # sender -> inbound messages within the rate-limit window
    contacts: dict[str, Contact]  # e-mail address -> contact (absent: nobody has it)
    by_message_id: dict[str, Message]  # Message-ID -> a stored message on a case
    by_ref: dict[int, Case]  # case number named in a subject -> the case

    @classmethod
    def read(cls, batch: Sequence[tuple[str, ParsedMail]], *, since: datetime) -> Lookups:
        """`batch`: (dedupe key, parsed message) pairs. Six queries whatever its size.
        The cases come with only their id and account loaded: enough to decide, and the
        case layer re-reads a case under its row lock before anything is written."""
        keys = [key for key, _ in batch]
        senders = sorted({p.from_addr for _, p in batch if p.from_addr})
        ids = sorted({mid for _, p in batch for mid in p.thread_ids})
        refs = sorted({int(n) for _, p in batch for n in _SUBJECT_REF.findall(p.subject)[:5]})
        found_keys = Message.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", "pk", "case_id")
        stored: dict[str, tuple[int | None, int | None]] = {k: (pk, case_id) for k, pk, case_id in found_keys}
        recent: Counter[str] = Counter()
        if senders:
            counts = (
                Message.objects.filter(sender__in=senders, direction=Message.Direction.IN, created_at__gte=since)
                .values("sender")
                .annotate(n=Count("id"))
                .values_list("sender", "n")
            )
            recent.update(dict(counts))
        contacts = {
            point.value: point.contact
            for point in ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL, value__in=senders).select_related(
                "contact__account"
            )
        }
        # Their addresses too: an acknowledgement goes to a contact's first address.
        prefetch_related_objects(list(contacts.values()), "points")
        by_message_id: dict[str, Message] = {}
        if ids:
            found = (
                Message.objects.filter(message_id__in=ids, case__isnull=False)
                .select_related("case")
                .only("message_id", "direction", "recipients", "case__id", "case__account_id")
                .order_by("-id")
            )
            for msg in found:
                by_message_id.setdefault(msg.message_id, msg)
        by_ref = Case.objects.only("id", "account_id").in_bulk(refs) if refs else {}
        return cls(stored, recent, contacts, by_message_id, by_ref)

    def remember(self, key: str, parsed: ParsedMail, message: Message, contact: Contact | None) -> None:
        """A message of the batch was stored (its savepoint released), or is stored with its
        group (`inbound._Pending`: its id is filled in then)."""
        self.stored[key] = (message.pk, message.case_id)
        if message.direction == Message.Direction.IN and parsed.from_addr:
            self.recent[parsed.from_addr] += 1
        if contact is not None and parsed.from_addr:
            self.contacts.setdefault(parsed.from_addr, contact)
        if parsed.message_id and message.case_id is not None:
            self.by_message_id.setdefault(parsed.message_id, message)


def find_case(parsed: ParsedMail, contact: Contact | None, known: Lookups, *, record_only: bool = False) -> Match:
    """`record_only` (auto-replies, bounces: kept as internal entries that change
    nothing) may also join through any message we sent, whoever answers it: a bounce
    comes from a mailer-daemon, never from the customer."""
    refused = ""
    for mid in parsed.thread_ids:
        msg = known.by_message_id.get(mid)
        if msg is None:
            continue
        case = msg.case
        assert case is not None
        if _may_join(contact, parsed.from_addr, case, msg, lenient=record_only):
            return Match(case, "headers")
        refused = f"headers point at {case.ref}, but the sender is not on its account"
    for number in _SUBJECT_REF.findall(parsed.subject)[:5]:
        named = known.by_ref.get(int(number))
        if named is None:
            continue
        if _may_join(contact, parsed.from_addr, named):
            return Match(named, "subject")
        refused = refused or f"subject names {named.ref}, but the sender is not on its account"
    return Match(None, "new", refused)


def find_contact(address: str) -> Contact | None:
    """The contact with this e-mail address (its account not loaded)."""
    value = address.strip().lower() if address and "\x00" not in address else ""
    if not value:
        return None
    point = ContactPoint.objects.select_related("contact").filter(kind=ContactPoint.Kind.EMAIL, value=value).first()
    return point.contact if point is not None else None


def contact_for_sender(address: str, name: str) -> Contact:
    """A new contact for a sender nobody has on file.

    An unknown sender gets a contact on an account of their own, numbered MAIL-<hash of
    the address>, rather than on one shared "unmatched" account: customers see cases by
    account, so a shared account would show strangers each other's cases, and anyone on
    it could use another's reference. Staff move the contact to the right account later.
    The caller has looked for the address already. Two workers meeting the same new
    sender at once: the second finds the first's.
    """
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


def _load_own_addresses() -> set[str]:
    found = {a.lower() for a in Department.objects.exclude(email_from="").values_list("email_from", flat=True)}
    return found | {u.lower() for u in Mailbox.objects.values_list("username", flat=True) if "@" in u}


def _load_department_addresses() -> dict[str, int]:
    addresses: dict[str, int] = {}
    for pk, address in Department.objects.exclude(email_from="").order_by("id").values_list("id", "email_from"):
        addresses.setdefault(address.lower(), pk)
    return addresses


# Dropped at once when this process saves a department or mailbox (apps.py).
_own_addresses = Recent(_load_own_addresses)
_department_addresses = Recent(_load_department_addresses)


def own_addresses() -> set[str]:
    """Addresses we send from: mail from these is never answered."""
    return _own_addresses.get() | {settings.DEFAULT_FROM_EMAIL.lower()}


def forget_cached_addresses() -> None:
    _own_addresses.forget()
    _department_addresses.forget()


def request_type_for(mailbox: Mailbox | None, recipients: list[str], category: str = "") -> RequestType:
    """The request type of a new case from a mail, read by the intake classifier as
    `category` (an IntakeCategory value):

    1. the mailbox's own request type, when it has one (a dedicated address);
    2. else, within the department the mail was sent to (the mailbox's department, or the
       department whose address is among the recipients), the type for `category`, or
       that department's first type;
    3. else the type for `category` anywhere;
    4. else the general type (settings.HONEYDESK_EMAIL_REQUEST_TYPE, a slug; or the type
       for general questions): staff triage it from there, and a mail never lands in an
       arbitrary department;
    5. else, on a desk with no general type, the first active request type.
    """
    active = active_request_types()
    if mailbox is not None and mailbox.request_type_id:
        found = next((rt for rt in active if rt.pk == mailbox.request_type_id), None)
        if found:
            return found
    departments: set[int] = set()
    if mailbox is not None and mailbox.department_id:
        departments = {mailbox.department_id}
    elif recipients:
        by_address = _department_addresses.get()
        departments = {by_address[r.lower()] for r in recipients if r.lower() in by_address}
    if departments:
        in_department = [rt for rt in active if rt.department_id in departments]
        found = next((rt for rt in in_department if category and rt.intake_category == category), None)
        if found or in_department:
            return found or in_department[0]
    found = next((rt for rt in active if category and rt.intake_category == category), None)
    if found:
        return found
    found = general_request_type(active)
    if found is None:
        raise LookupError("No active request type is configured for new e-mail cases.")
    return found


def general_request_type(active: list[RequestType]) -> RequestType | None:
    slug = getattr(settings, "HONEYDESK_EMAIL_REQUEST_TYPE", "")
    return (
        (next((rt for rt in active if rt.slug == slug), None) if slug else None)
        or next((rt for rt in active if rt.intake_category == IntakeCategory.GENERAL), None)
        or (active[0] if active else None)
    )
