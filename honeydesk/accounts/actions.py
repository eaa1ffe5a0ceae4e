"""Creating customer accounts and contacts, with their e-mail addresses and phones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from honeydesk.accounts.models import Contact, ContactPoint, CustomerAccount, User
from honeydesk.lib.errors import InvalidInput
from honeydesk.lib.phones import to_e164


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
    for raw in data.emails:
        address = raw.strip().lower()
        try:
            validate_email(address)
        except ValidationError:
            errors.setdefault(f"{prefix}emails", []).append(f"{raw!r} is not a valid e-mail address.")
            continue
        points.append((ContactPoint.Kind.EMAIL, address))
    for raw in data.phones:
        number = to_e164(raw)
        if number is None:
            errors.setdefault(f"{prefix}phones", []).append(f"{raw!r} is not a valid phone number.")
            continue
        points.append((ContactPoint.Kind.PHONE, number))
    if errors:
        raise InvalidInput("The contact details are not valid.", fields=errors)
    taken = ContactPoint.objects.filter(value__in=[v for _, v in points]).values_list("value", flat=True)
    if taken:
        raise InvalidInput(
            "These details already belong to another contact.",
            fields={f"{prefix}contact": [f"{v} is already on file for another contact." for v in taken]},
        )
    return points


def do_add_contact(account: CustomerAccount, data: ContactData, *, acting_user: User | None,
                   prefix: str = "") -> Contact:
    points = _normalise_points(prefix, data)
    with transaction.atomic():
        contact = Contact.objects.create(account=account, name=data.name.strip()[:200])
        ContactPoint.objects.bulk_create([ContactPoint(contact=contact, kind=k, value=v) for k, v in points])
    return contact


def do_create_account(*, number: str, name: str, service_area: str = "", services: Sequence[str] = (),
                      contacts: Sequence[ContactData] = (), acting_user: User | None) -> CustomerAccount:
    number = number.strip()
    errors: dict[str, list[str]] = {}
    if not number:
        errors["number"] = ["Account number is required."]
    elif len(number) > 32:
        errors["number"] = ["Account number is at most 32 characters."]
    if not name.strip():
        errors["name"] = ["Name is required."]
    if errors:
        raise InvalidInput("The account is not valid.", fields=errors)
    if CustomerAccount.objects.filter(number=number).exists():
        raise InvalidInput.field("number", f"Account {number} already exists.")
    with transaction.atomic():
        account = CustomerAccount.objects.create(
            number=number, name=name.strip()[:200], service_area=service_area.strip()[:80],
            services=[s.strip() for s in services if s.strip()],
        )
        for i, contact in enumerate(contacts):
            do_add_contact(account, contact, acting_user=acting_user, prefix=f"contacts.{i}.")
    return account


def find_contact_by_point(kind: str, raw: str) -> Contact | None:
    value = raw.strip().lower() if kind == ContactPoint.Kind.EMAIL else to_e164(raw)
    if not value:
        return None
    point = ContactPoint.objects.select_related("contact__account").filter(kind=kind, value=value).first()
    return point.contact if point else None
