"""Creating customer accounts and contacts, with their e-mail addresses and phones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from honeydesk.accounts import audit
from honeydesk.accounts.models import ApiToken, Contact, ContactPoint, CustomerAccount, Role, User
from honeydesk.lib.errors import InvalidInput
from honeydesk.lib.phones import to_e164

# ContactPoint.value holds at most 254 characters (RFC 5321's path limit).
EMAIL_MAX_CHARS = 254
# An account holds a handful of services; the limits keep one request from storing a
# megabyte of names (issue 19: 100,000 services were accepted).
MAX_SERVICES = 100
SERVICE_MAX_CHARS = 80


@dataclass
class ContactData:
    name: str
    emails: Sequence[str] = field(default_factory=list)
    phones: Sequence[str] = field(default_factory=list)


def _normalise_points(prefix: str, data: ContactData) -> list[tuple[str, str]]:
    errors: dict[str, list[str]] = {}
    points: list[tuple[str, str]] = []
    if not data.name.strip():
        errors[f"{prefix}name"] = ["Name is required."]
    elif "\x00" in data.name:
        errors[f"{prefix}name"] = ["Name contains a NUL character."]
    for raw in data.emails:
        address = raw.strip().lower()
        try:
            validate_email(address)
            if len(address) > EMAIL_MAX_CHARS:
                raise ValidationError("too long")
        except ValidationError:
            errors.setdefault(f"{prefix}emails", []).append(f"{raw!r} is not a valid e-mail address.")
            continue
        points.append((ContactPoint.Kind.EMAIL, address))
    for raw in data.phones:
        number = to_e164(raw) if "\x00" not in raw else None
        if number is None:
            errors.setdefault(f"{prefix}phones", []).append(f"{raw!r} is not a valid phone number.")
            continue
        points.append((ContactPoint.Kind.PHONE, number))
    # The same address typed twice ("A@x.com", "a@x.com") or one number in two formats
    # is one contact point, not a unique-constraint failure.
    points = list(dict.fromkeys(points))
    if errors:
        raise InvalidInput("The contact details are not valid.", fields=errors)
    return points


def do_add_contact(
    account: CustomerAccount, data: ContactData, *, acting_user: User | None, prefix: str = ""
) -> Contact:
    """A new contact on `account` with its addresses and numbers. An address or number
    is one contact's only; the unique constraint checks that (no look-up first: this
    runs for every stranger who writes in), and the refusal names what was taken."""
    points = _normalise_points(prefix, data)
    try:
        with transaction.atomic():
            contact = Contact.objects.create(account=account, name=data.name.strip()[:200])
            ContactPoint.objects.bulk_create([ContactPoint(contact=contact, kind=k, value=v) for k, v in points])
    except IntegrityError:
        taken = ContactPoint.objects.filter(value__in=[v for _, v in points]).values_list("value", flat=True)
        raise InvalidInput(
            "These details already belong to another contact.",
            fields={f"{prefix}contact": [f"{v} is already on file for another contact." for v in taken]},
        ) from None
    return contact


def do_create_account(
    *,
    number: str,
    name: str,
    service_area: str = "",
    services: Sequence[str] = (),
    contacts: Sequence[ContactData] = (),
    acting_user: User | None,
) -> CustomerAccount:
    number = number.strip()
    errors: dict[str, list[str]] = {}
    if not number:
        errors["number"] = ["Account number is required."]
    elif len(number) > 32:
        errors["number"] = ["Account number is at most 32 characters."]
    elif "\x00" in number:
        errors["number"] = ["Account number contains a NUL character."]
    if not name.strip():
        errors["name"] = ["Name is required."]
    elif "\x00" in name + service_area or any("\x00" in s for s in services):
        errors["name"] = ["The account details contain a NUL character."]
    if len(services) > MAX_SERVICES:
        errors["services"] = [f"At most {MAX_SERVICES} services per account."]
    elif any(len(s.strip()) > SERVICE_MAX_CHARS for s in services):
        errors["services"] = [f"A service name is at most {SERVICE_MAX_CHARS} characters."]
    if errors:
        raise InvalidInput("The account is not valid.", fields=errors)
    # The unique number is checked by its constraint, not looked up first.
    taken = InvalidInput.field("number", f"Account {number} already exists.")
    try:
        with transaction.atomic():
            account = CustomerAccount.objects.create(
                number=number,
                name=name.strip()[:200],
                service_area=service_area.strip()[:80],
                services=[s.strip() for s in services if s.strip()],
            )
            for i, contact in enumerate(contacts):
                do_add_contact(account, contact, acting_user=acting_user, prefix=f"contacts.{i}.")
    except IntegrityError:
        # The same number created by someone else a moment ago.
        raise taken from None
    return account


def find_contact_by_point(kind: str, raw: str) -> Contact | None:
    if "\x00" in raw:
        return None
    value = raw.strip().lower() if kind == ContactPoint.Kind.EMAIL else to_e164(raw)
    if not value:
        return None
    point = ContactPoint.objects.select_related("contact__account").filter(kind=kind, value=value).first()
    return point.contact if point else None


def do_add_phone(contact: Contact, raw: str, *, acting_user: User | None) -> ContactPoint:
    """File a phone number under a contact (a caller identified during a call), so the
    next call from it is matched. A number is one contact's only: another's is refused."""
    e164 = to_e164(raw) if "\x00" not in raw else None
    if not e164:
        raise InvalidInput.field("phone", f"{raw!r} is not a phone number.")
    existing = ContactPoint.objects.select_related("contact").filter(kind=ContactPoint.Kind.PHONE, value=e164).first()
    if existing is not None:
        if existing.contact_id == contact.pk:
            return existing
        raise InvalidInput.field("phone", f"{e164} already belongs to {existing.contact.name}.")
    try:
        with transaction.atomic():
            return ContactPoint.objects.create(contact=contact, kind=ContactPoint.Kind.PHONE, value=e164)
    except IntegrityError:
        raise InvalidInput.field("phone", f"{e164} was just filed under another contact.") from None


def do_give_portal_login(address: str) -> User | None:
    """The portal login of the customer behind an e-mail address on file, made on first
    use (a customer role, no password: they sign in with one-time links). None when
    nobody has the address, or when it belongs to a member of staff."""
    point = (
        ContactPoint.objects.select_related("contact__user")
        .filter(kind=ContactPoint.Kind.EMAIL, value=address.strip().lower())
        .first()
    )
    if point is None:
        return None
    contact = point.contact
    if contact.user is not None:
        # A deactivated customer gets no link (nor does staff: they sign in with a password).
        return contact.user if contact.user.role == Role.CUSTOMER and contact.user.is_active else None
    with transaction.atomic():
        user = User.objects.filter(username=point.value).first()
        if user is None:
            user = User.objects.create_user(
                username=point.value,
                email=point.value,
                role=Role.CUSTOMER,
                first_name=contact.name.split(" ")[0][:150],
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if user.role != Role.CUSTOMER:
            return None
        contact.user = user
        contact.save(update_fields=["user"])
    return user


def do_issue_token(user: User, name: str = "", *, acting_user: User | None, via: str = "") -> tuple[ApiToken, str]:
    """A new API token for `user` (the raw token is returned once), on the audit log."""
    token, raw = ApiToken.issue(user, name)
    audit.record(
        audit.Action.TOKEN_CREATED,
        actor=acting_user,
        actor_name="" if acting_user else via,
        target=f"token {token.prefix}… of {user.username}",
        data={"name": name},
    )
    return token, raw
