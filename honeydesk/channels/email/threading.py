"""Which case does a message belong to, and who sent it.

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
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, models

from honeydesk.accounts.actions import EMAIL_MAX_CHARS, ContactData, do_add_contact, do_create_account
from honeydesk.accounts.models import Contact, ContactPoint, CustomerAccount, Department
from honeydesk.cases.models import Case, RequestType
from honeydesk.channels.email.models import Mailbox, Message
from honeydesk.lib.errors import InvalidInput
from honeydesk.lib.rows import insert

if TYPE_CHECKING:
    from honeydesk.channels.email.parse import ParsedMail

M = TypeVar("M", bound=models.Model)
_SUBJECT_REF = re.compile(r"\bHD-?0*(\d{1,12})\b", re.IGNORECASE)
UNMATCHED_PREFIX = "MAIL-"


@dataclass
class Thread:
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


def find_thread(parsed: ParsedMail, contact: Contact | None, *, record_only: bool = False) -> Thread:
    """`record_only` (auto-replies, bounces: kept as internal entries that change
    nothing) may also join through any message we sent, whoever answers it: a bounce
    comes from a mailer-daemon, never from the customer."""
    refused = ""
    ids = parsed.thread_ids
    if ids:
        matches: dict[str, tuple[Message, Case]] = {}
        for msg, case in _messages_with_cases(ids):
            matches.setdefault(msg.message_id, (msg, case))
        for mid in ids:
            if mid in matches:
                msg, case = matches[mid]
                if _may_join(contact, parsed.from_addr, case, msg, lenient=record_only):
                    return Thread(case, "headers")
                refused = f"headers point at {case.ref}, but the sender is not on its account"
    for number in _SUBJECT_REF.findall(parsed.subject)[:5]:
        found = Case.objects.filter(pk=int(number)).values_list("id", "account_id").first()
        if found is None:
            continue
        case = _case_stub(*found)
        if _may_join(contact, parsed.from_addr, case):
            return Thread(case, "subject")
        refused = refused or f"subject names {case.ref}, but the sender is not on its account"
    return Thread(None, "new", refused)


def _case_stub(pk: int, account_id: int) -> Case:
    """A case with only its id and account loaded (the rest deferred): enough to decide
    the thread; do_receive_message re-reads it under the row lock."""
    return _loaded(Case, id=pk, account_id=account_id)


def _loaded(model: type[M], **values: object) -> M:
    """A model instance from a row we read ourselves, the other fields deferred (read
    from the database if anyone asks). from_db takes values in field order."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[n] for n in names])


def _messages_with_cases(ids: list[str]) -> list[tuple[Message, Case]]:
    """Messages with these Message-IDs that are on a case, newest first: only the fields
    the decision needs (not the raw bytes), in one query without the ORM's overhead."""
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        "SELECT m.id, m.message_id, m.direction, m.recipients, m.case_id, c.account_id "  # noqa: S608
        'FROM "email_channel_message" m JOIN "cases_case" c ON c.id = m.case_id '
        f"WHERE m.message_id IN ({placeholders}) ORDER BY m.id DESC"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        rows = cursor.fetchall()
    return [
        (
            _loaded(Message, id=pk, message_id=mid, direction=direction, recipients=recipients, case_id=case_id),
            _case_stub(case_id, account_id),
        )
        for pk, mid, direction, recipients, case_id, account_id in rows
    ]


# The contact with an address and all the contact's points (ContactPoint's ordering):
# one query per message, where the ORM costs more than the query itself.
_CONTACT_SQL = (
    "SELECT c.id, c.account_id, c.name, c.user_id, p2.id, p2.kind, p2.value "
    'FROM "accounts_contactpoint" p JOIN "accounts_contact" c ON c.id = p.contact_id '
    'JOIN "accounts_contactpoint" p2 ON p2.contact_id = c.id '
    "WHERE p.kind = %s AND p.value = %s ORDER BY p2.kind, p2.id"
)


def _with_points(contact: Contact, points: list[ContactPoint]) -> Contact:
    """Hand the contact its points as prefetch_related would, so that
    `contact.primary_email` (the acknowledgement's address) costs no query."""
    for point in points:
        point.contact = contact
    # none(), not filter(contact=...): building the filter cost more than the query this
    # saves (bench/email_ingest.py). Iterating gives the points; a further .filter() on
    # it would give nothing rather than other contacts' points.
    queryset = ContactPoint.objects.none()
    queryset._result_cache = points
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    contact._prefetched_objects_cache = {"points": queryset}  # type: ignore[attr-defined]
    return contact


def find_contact(address: str) -> Contact | None:
    """The contact with this e-mail address, its points loaded; the account is not."""
    value = address.strip().lower() if address and "\x00" not in address else ""
    if not value:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_CONTACT_SQL, [ContactPoint.Kind.EMAIL, value])
        rows = cursor.fetchall()
    if not rows:
        return None
    contact_id, account_id, name, user_id = rows[0][:4]
    contact = _loaded(Contact, id=contact_id, account_id=account_id, name=name, user_id=user_id)
    points = [
        _loaded(ContactPoint, id=pk, contact_id=contact_id, kind=kind, value=value) for *_, pk, kind, value in rows
    ]
    return _with_points(contact, points)


def contact_for_sender(address: str, name: str, *, known_missing: bool = False, careful: bool = True) -> Contact:
    """The contact with this address, or a new one.

    An unknown sender gets a contact on an account of their own, numbered MAIL-<hash of
    the address>, rather than on one shared "unmatched" account: customers see cases by
    account, so a shared account would show strangers each other's cases, and anyone on
    it could use another's reference. Staff move the contact to the right account later.

    With `careful=False` (the caller has just looked the address up in this transaction
    and will retry the whole transaction with `careful=True` on an IntegrityError) the
    three rows are inserted without existence checks or savepoints: the unique
    constraints on the account number and the address are the check.
    """
    found = None if known_missing else find_contact(address)
    if found is not None:
        return found
    address = address.strip().lower()
    display = (name.strip() or address.split("@", 1)[0].strip() or address)[:200]
    number = UNMATCHED_PREFIX + hashlib.sha256(address.encode()).hexdigest()[:16].upper()
    if careful:
        try:
            account = do_create_account(number=number, name=display, acting_user=None)
        except InvalidInput:  # the account outlived its contact
            account = CustomerAccount.objects.get(number=number)
        return do_add_contact(account, ContactData(display, [address]), acting_user=None)
    try:
        validate_email(address)
        if len(address) > EMAIL_MAX_CHARS:
            raise ValidationError("too long")
    except ValidationError:
        raise InvalidInput(
            "The contact details are not valid.", fields={"emails": [f"{address!r} is not a valid e-mail address."]}
        ) from None
    account = insert(CustomerAccount(number=number, name=display))
    contact = insert(Contact(account=account, name=display))
    point = insert(ContactPoint(contact=contact, kind=ContactPoint.Kind.EMAIL, value=address))
    return _with_points(contact, [point])


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
