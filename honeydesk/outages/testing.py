"""Test helpers for outages, shared by the outages, credits and web tests: accounts in
a service area and outage reports opened the way customers open them."""

from __future__ import annotations

from itertools import count

from honeydesk.accounts.actions import ContactData, do_create_account
from honeydesk.accounts.models import CustomerAccount, User
from honeydesk.cases import actions
from honeydesk.cases.models import Case, RequestType
from honeydesk.outages.reports import detection_settings, outage_type_ids

_numbers = count(5000001)


def mark_outage_types(*types: RequestType, reports_needed: int = 3, window_minutes: int = 60) -> None:
    row = detection_settings()
    row.reports_needed, row.window_minutes = reports_needed, window_minutes
    row.services = ["Internet", "TV", "Home Phone"]
    row.save()
    row.request_types.set(types)
    outage_type_ids.forget()


def account_in(area: str, services: list[str] | None = None, name: str = "") -> CustomerAccount:
    number = str(next(_numbers))
    return do_create_account(
        number=number,
        name=name or f"Customer {number}",
        service_area=area,
        services=services if services is not None else ["Internet 300"],
        contacts=[ContactData(f"Contact {number}", [f"c{number}@example.test"], [])],
        acting_user=None,
    )


def report(
    account: CustomerAccount, request_type: RequestType, *, by: User, body: str = "My internet is down."
) -> Case:
    return actions.do_open_case(
        actions.Opening(
            account=account,
            contact=account.contacts.first(),
            request_type=request_type,
            subject="Service down",
            body=body,
            channel="phone",
            author_name="Caller",
        ),
        acting_user=by,
    )
