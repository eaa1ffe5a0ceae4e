"""The credits' door, built on honeydesk.cases.access.

- A credit request is seen by whoever sees its case (customers: their own accounts'
  cases); what a customer reads of it is filtered by `honeydesk.credits.present`.
- The approvals queue is for supervisors and admins; the ledger, its export and billing
  error flags are for staff. Anyone else gets the same NotFound as for anything missing.
"""

from __future__ import annotations

from django.db.models import QuerySet

from honeydesk.accounts.models import CustomerAccount, Role, User
from honeydesk.cases import access
from honeydesk.cases.models import Case
from honeydesk.credits.models import Approval, BillingErrorFlag, CreditRequest
from honeydesk.lib.errors import NotFound


def requests_visible_to(user: User) -> QuerySet[CreditRequest]:
    return CreditRequest.objects.filter(case__in=access.cases_visible_to(user).values("id"))


def request_on(case: Case, request_id: int) -> CreditRequest:
    """A request on a case the caller already got through `access.case_for`."""
    found = CreditRequest.objects.filter(case=case, pk=request_id).select_related("case").first()
    if found is None:
        raise NotFound("No such credit request.")
    found.case = case
    return found


def require_supervisor(user: User) -> None:
    if not (user.is_authenticated and user.is_active and user.role in (Role.SUPERVISOR, Role.ADMIN)):
        raise NotFound("Not found.")


def approvals_visible_to(user: User) -> QuerySet[Approval]:
    require_supervisor(user)
    return Approval.objects.all()


def approval_for(user: User, approval_id: int) -> Approval:
    found = approvals_visible_to(user).filter(pk=approval_id).select_related("request__case").first()
    if found is None:
        raise NotFound("No such approval.")
    return found


def ledger_account_for(user: User, number: str) -> CustomerAccount:
    access.require_staff(user)
    return access.account_for(user, number)


def billing_flag_for(user: User, flag_id: int) -> BillingErrorFlag:
    access.require_staff(user)
    flag = BillingErrorFlag.objects.filter(pk=flag_id).select_related("account").first()
    if flag is None:
        raise NotFound("No such billing error.")
    return flag
