"""Customer accounts and contacts: create, get, look up by number, e-mail or phone."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from honeydesk.accounts.actions import ContactData, do_add_contact, do_create_account, find_contact_by_point
from honeydesk.accounts.models import ContactPoint, CustomerAccount, User
from honeydesk.api import schemas as s
from honeydesk.api.serialize import account_dict, contact_dict
from honeydesk.cases import access
from honeydesk.lib.errors import InvalidInput, NotFound

router = Router(tags=["accounts"])


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined, no-any-return]


def _account(user: User, number: str) -> CustomerAccount:
    account = access.accounts_visible_to(user).prefetch_related("contacts__points").filter(number=number).first()
    if account is None:
        raise NotFound("No such account.")
    return account


@router.post(
    "/accounts", response={201: s.AccountOut, **s.errors(*s.WRITE)}, summary="Create a customer account (staff)"
)
def create_account(request: HttpRequest, payload: s.AccountIn) -> Status[dict[str, Any]]:
    user = _user(request)
    access.require_staff(user)
    account = do_create_account(
        number=payload.number,
        name=payload.name,
        service_area=payload.service_area,
        services=payload.services,
        contacts=[ContactData(c.name, c.emails, c.phones) for c in payload.contacts],
        acting_user=user,
    )
    return Status(201, account_dict(_account(user, account.number)))


@router.get(
    "/accounts",
    response={200: list[s.AccountOut], **s.errors(*s.READ)},
    summary="Look up accounts by number, e-mail or phone (exactly one)",
)
def lookup(request: HttpRequest, query: Query[s.AccountLookup]) -> list[dict[str, Any]]:
    user = _user(request)
    given = [(k, v) for k, v in (("number", query.number), ("email", query.email), ("phone", query.phone)) if v]
    if len(given) != 1:
        raise InvalidInput.field("query", "Give exactly one of number, email or phone.")
    kind, value = given[0]
    if kind == "number":
        accounts = access.accounts_visible_to(user).filter(number=value)
    else:
        contact = find_contact_by_point(ContactPoint.Kind.EMAIL if kind == "email" else ContactPoint.Kind.PHONE, value)
        if contact is None:
            return []
        accounts = access.accounts_visible_to(user).filter(pk=contact.account_id)
    return [account_dict(a) for a in accounts.prefetch_related("contacts__points")]


@router.get("/accounts/{number}", response={200: s.AccountOut, **s.errors(*s.READ)}, summary="Get an account")
def get_account(request: HttpRequest, number: str) -> dict[str, Any]:
    return account_dict(_account(_user(request), number))


@router.post(
    "/accounts/{number}/contacts", response={201: s.ContactOut, **s.errors(*s.WRITE)}, summary="Add a contact (staff)"
)
def add_contact(request: HttpRequest, number: str, payload: s.ContactIn) -> Status[dict[str, Any]]:
    user = _user(request)
    access.require_staff(user)
    account = _account(user, number)
    contact = do_add_contact(account, ContactData(payload.name, payload.emails, payload.phones), acting_user=user)
    contact = access.contacts_visible_to(user).prefetch_related("points").get(pk=contact.pk)
    return Status(201, contact_dict(contact, account))


@router.get("/contacts/{contact_id}", response={200: s.ContactOut, **s.errors(*s.READ)}, summary="Get a contact")
def get_contact(request: HttpRequest, contact_id: Annotated[int, Field(ge=1, le=s.MAX_ID)]) -> dict[str, Any]:
    user = _user(request)
    contact = (
        access.contacts_visible_to(user)
        .select_related("account")
        .prefetch_related("points")
        .filter(pk=contact_id)
        .first()
    )
    if contact is None:
        raise NotFound("No such contact.")
    return contact_dict(contact, contact.account)
