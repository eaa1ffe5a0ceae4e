"""API endpoints for credits (wired into /api/v1/ by honeydesk.api.urls).

Through the access door: a credit request is reached through its case (`case_for`),
approvals by supervisors and admins only, the ledger and billing errors by staff only;
anyone else gets the 404 of something missing. Amounts are decimal strings ("25.00");
a JSON number with a fraction is refused (it may already have lost a cent in transit).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja import Status as Reply

from honeydesk.accounts import audit
from honeydesk.accounts.models import User
from honeydesk.cases import access as case_access
from honeydesk.credits import access, actions, ledger, present
from honeydesk.credits.models import Approval, BillingErrorFlag, CreditRequest
from honeydesk.credits.policy import current_policy, recommend
from honeydesk.lib.apischema import READ_ERRORS, WRITE_ERRORS, In

# A path id the database can hold; anything else names nothing (404/422, never a 500).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]

router = Router(tags=["credits"])

Amount = str | int | float | None
AMOUNT_HELP = 'A decimal string, e.g. "25.00". Numbers with a fraction are refused: amounts are exact.'


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined, no-any-return]


def _request(user: User, ref: str, request_id: Id) -> CreditRequest:
    case = case_access.case_for(user, ref)
    return access.request_on(case, request_id)


def _out(user: User, request_id: Id) -> dict[str, Any]:
    return present.request_dict(present.with_thread(CreditRequest.objects.filter(pk=request_id)).get(), user)


class CreditIn(In):
    amount: Amount = Field(..., description=AMOUNT_HELP)
    currency: str = Field("", max_length=3, description="Optional; must be the policy's currency.")
    reason: str = Field(..., max_length=2000)
    period_start: date
    period_end: date
    relies_on: list[int] = Field([], description="Ids of the case's timeline entries the request relies on.")
    service: str = Field("", max_length=80)


class StepOut(Schema):
    kind: str
    label: str
    amount: str | None
    note: str
    by: str
    by_customer: bool
    at: datetime
    entry_id: int


class CitationOut(Schema):
    kind: str
    label: str
    public_label: str | None = None
    case_ref: str | None = None
    entry_id: int | None = None
    incident_id: int | None = None


class DecisionOut(Schema):
    id: int
    action: str
    amount: str | None
    policy_version: int
    rule: str
    what_would_change: str
    recommendation: str
    citations: list[CitationOut]
    decided_by: str
    decided_at: datetime
    recommended_amount: str | None = Field(None, description="Staff only.")
    departed: bool | None = Field(None, description="Staff only.")
    departure_reason: str | None = Field(None, description="Staff only.")


class ApprovalOut(Schema):
    id: int
    request: int
    status: str
    action: str
    amount: str | None
    reason: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decided_amount: str | None
    note: str


class CreditOut(Schema):
    id: int
    case: str
    amount: str | None
    currency: str
    reason: str
    period_start: date
    period_end: date
    service: str
    relies_on: list[int]
    status: str
    status_label: str
    offered_amount: str | None
    countered_amount: str | None
    granted_amount: str | None
    raised_by: str
    channel: str
    created_at: datetime
    closed_at: datetime | None
    version: int
    steps: list[StepOut]
    decisions: list[DecisionOut]
    approvals: list[ApprovalOut] = Field(..., description="Staff only (empty for customers).")


class RecommendationOut(Schema):
    outcome: Literal["grant", "decline", "needs_approval"]
    headline: str
    amount: str | None
    rule: str
    condition: str
    what_would_change: str
    policy_version: int
    citations: list[CitationOut]
    approval_reason: str
    authority_available: str | None = Field(..., description="What you may still grant this account; null: no limit.")
    account_month_total: str | None


class DecideIn(In):
    action: Literal["grant", "offer", "decline"]
    amount: Amount = Field(None, description=AMOUNT_HELP + " Grant without an amount: the amount on the table.")
    note: str = Field("", max_length=2000, description="What the customer reads with the decision.")
    departure_reason: str = Field("", max_length=2000, description="Required to depart from the recommendation.")
    version: int | None = Field(None, description="The request's version you saw; 409 if it changed since.")


class AnswerIn(In):
    answer: Literal["accept", "decline", "counter"]
    amount: Amount = Field(None, description=AMOUNT_HELP + " For a counter-offer.")
    note: str = Field("", max_length=2000)
    version: int | None = None


class WithdrawIn(In):
    note: str = Field("", max_length=2000)


class ApproveIn(In):
    amount: Amount = Field(None, description=AMOUNT_HELP + " Another amount than proposed: approved as changed.")
    note: str = Field("", max_length=2000, description="Internal.")
    message: str = Field("", max_length=2000, description="What the customer reads.")


class DeclineApprovalIn(In):
    note: str = Field(..., max_length=2000, description="Internal; required.")
    message: str = Field("", max_length=2000, description="What the customer reads.")


class LedgerEntryOut(Schema):
    granted_at: datetime
    case: str
    request: int
    amount: str
    currency: str
    outcome: str
    decision: int
    policy_version: int
    rule: str
    approver: str


class MonthOut(Schema):
    month: date
    count: int
    total: str
    currency: str


class LedgerOut(Schema):
    account: str
    entries: list[LedgerEntryOut]
    months: list[MonthOut]


class BillingErrorIn(In):
    description: str = Field(..., max_length=2000)


class BillingErrorOut(Schema):
    id: int
    account: str
    description: str
    flagged_by: str
    flagged_at: datetime
    cleared_at: datetime | None


@router.get("/cases/{ref}/credits", response={200: list[CreditOut], **READ_ERRORS}, summary="Credit requests on a case")
def list_credits(request: HttpRequest, ref: str) -> list[dict[str, Any]]:
    user = _user(request)
    case = case_access.case_for(user, ref)
    requests = present.with_thread(CreditRequest.objects.filter(case=case).order_by("created_at", "id"))
    return [present.request_dict(r, user) for r in requests]


@router.post("/cases/{ref}/credits", response={201: CreditOut, **WRITE_ERRORS}, summary="Ask for a credit on a case")
def create_credit(request: HttpRequest, ref: str, payload: CreditIn) -> Reply[dict[str, Any]]:
    user = _user(request)
    case = case_access.case_for(user, ref)
    ask = actions.Ask(
        amount=payload.amount,
        currency=payload.currency,
        reason=payload.reason,
        period_start=payload.period_start,
        period_end=payload.period_end,
        relies_on=payload.relies_on,
        service=payload.service,
    )
    created = actions.do_request_credit(case, ask, acting_user=user, channel="api")
    return Reply(201, _out(user, created.pk))


@router.get(
    "/cases/{ref}/credits/{request_id}",
    response={200: CreditOut, **READ_ERRORS},
    summary="A credit request and its thread",
)
def get_credit(request: HttpRequest, ref: str, request_id: Id) -> dict[str, Any]:
    user = _user(request)
    return _out(user, _request(user, ref, request_id).pk)


@router.get(
    "/cases/{ref}/credits/{request_id}/recommendation",
    response={200: RecommendationOut, **READ_ERRORS},
    summary="What the written policy recommends, for you to decide (staff)",
)
def get_recommendation(request: HttpRequest, ref: str, request_id: Id) -> dict[str, Any]:
    user = _user(request)
    case_access.require_staff(user)
    found = _request(user, ref, request_id)
    return present.recommendation_dict(recommend(found, for_user=user))


@router.post(
    "/cases/{ref}/credits/{request_id}/decide",
    response={200: CreditOut, **WRITE_ERRORS},
    summary="Grant, offer or decline (staff)",
)
def decide(request: HttpRequest, ref: str, request_id: Id, payload: DecideIn) -> dict[str, Any]:
    user = _user(request)
    case_access.require_staff(user)
    found = _request(user, ref, request_id)
    actions.do_decide_credit(
        found,
        action=payload.action,
        amount=payload.amount,
        note=payload.note,
        departure_reason=payload.departure_reason,
        acting_user=user,
        channel="api",
        expected_version=payload.version,
    )
    return _out(user, found.pk)


@router.post(
    "/cases/{ref}/credits/{request_id}/answer", response={200: CreditOut, **WRITE_ERRORS}, summary="Answer an offer"
)
def answer(request: HttpRequest, ref: str, request_id: Id, payload: AnswerIn) -> dict[str, Any]:
    user = _user(request)
    found = _request(user, ref, request_id)
    actions.do_answer_offer(
        found,
        answer=payload.answer,
        amount=payload.amount,
        note=payload.note,
        acting_user=user,
        channel="api",
        expected_version=payload.version,
    )
    return _out(user, found.pk)


@router.post(
    "/cases/{ref}/credits/{request_id}/withdraw",
    response={200: CreditOut, **WRITE_ERRORS},
    summary="Withdraw a credit request",
)
def withdraw(request: HttpRequest, ref: str, request_id: Id, payload: WithdrawIn) -> dict[str, Any]:
    user = _user(request)
    found = _request(user, ref, request_id)
    actions.do_withdraw_credit(found, note=payload.note, acting_user=user, channel="api")
    return _out(user, found.pk)


@router.get(
    "/credits/approvals",
    response={200: list[ApprovalOut], **READ_ERRORS},
    summary="Credits waiting for approval (supervisors)",
)
def approvals(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    pending = access.approvals_visible_to(user).filter(status=Approval.Status.PENDING)
    return [
        present.approval_dict(a)
        for a in pending.select_related("requested_by", "decided_by").order_by("requested_at", "id")
    ]


def _approval_out(user: User, approval: Approval) -> dict[str, Any]:
    return present.approval_dict(access.approval_for(user, approval.pk))


@router.post(
    "/credits/approvals/{approval_id}/approve",
    response={200: ApprovalOut, **WRITE_ERRORS},
    summary="Approve, or approve another amount",
)
def approve(request: HttpRequest, approval_id: Id, payload: ApproveIn) -> dict[str, Any]:
    user = _user(request)
    found = access.approval_for(user, approval_id)
    actions.do_decide_approval(
        found, approve=True, amount=payload.amount, note=payload.note, message=payload.message, acting_user=user
    )
    return _approval_out(user, found)


@router.post(
    "/credits/approvals/{approval_id}/decline", response={200: ApprovalOut, **WRITE_ERRORS}, summary="Decline on record"
)
def decline_approval(request: HttpRequest, approval_id: Id, payload: DeclineApprovalIn) -> dict[str, Any]:
    user = _user(request)
    found = access.approval_for(user, approval_id)
    actions.do_decide_approval(found, approve=False, note=payload.note, message=payload.message, acting_user=user)
    return _approval_out(user, found)


def _ledger_rows(number: str, user: User) -> tuple[Any, list[Any]]:
    account = access.ledger_account_for(user, number)
    return account, list(ledger.export_entries_of(account))


@router.get(
    "/accounts/{number}/credits",
    response={200: LedgerOut, **READ_ERRORS},
    summary="The account's credit ledger (staff)",
)
def account_ledger(request: HttpRequest, number: str) -> dict[str, Any]:
    account, entries = _ledger_rows(number, _user(request))
    return {
        "account": account.number,
        "entries": [
            {
                "granted_at": e.granted_at,
                "case": e.case_ref,
                "request": e.request_id,
                "amount": f"{e.amount:.2f}",
                "currency": e.currency,
                "outcome": e.request.status,
                "decision": e.decision_id,
                "policy_version": e.version.number,
                "rule": e.decision.rule_text,
                "approver": e.approver.username,
            }
            for e in entries
        ],
        "months": [
            {"month": m.month, "count": m.count, "total": f"{m.total:.2f}", "currency": m.currency}
            for m in ledger.month_totals(entries)
        ],
    }


@router.get(
    "/accounts/{number}/credits.csv",
    summary="The account's credit ledger as CSV, for finance (staff)",
    response={200: str, **READ_ERRORS},
    openapi_extra={"responses": {200: {"content": {"text/csv": {}}}}},
)
def account_ledger_csv(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    account, entries = _ledger_rows(number, user)
    target = f"credit ledger of account {account.number}"
    audit.record_export(request, actor=user, what="credit ledger", target=target, rows=len(entries))
    response = HttpResponse(ledger.as_csv(account, entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="credits-{account.number}.csv"'
    return response


def _flag_dict(flag: BillingErrorFlag) -> dict[str, Any]:
    return {
        "id": flag.pk,
        "account": flag.account.number,
        "description": flag.description,
        "flagged_by": flag.flagged_by.display_name,
        "flagged_at": flag.flagged_at,
        "cleared_at": flag.cleared_at,
    }


@router.get(
    "/accounts/{number}/billing-errors",
    response={200: list[BillingErrorOut], **READ_ERRORS},
    summary="Billing errors (staff)",
)
def billing_errors(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    account = access.ledger_account_for(_user(request), number)
    flags = BillingErrorFlag.objects.filter(account=account).select_related("account", "flagged_by")
    return [_flag_dict(f) for f in flags]


@router.post(
    "/accounts/{number}/billing-errors",
    response={201: BillingErrorOut, **WRITE_ERRORS},
    summary="Flag a billing error (staff)",
)
def flag_billing_error(request: HttpRequest, number: str, payload: BillingErrorIn) -> Reply[dict[str, Any]]:
    user = _user(request)
    account = access.ledger_account_for(user, number)
    flag = actions.do_flag_billing_error(account, description=payload.description, acting_user=user)
    return Reply(201, _flag_dict(access.billing_flag_for(user, flag.pk)))


@router.post(
    "/billing-errors/{flag_id}/clear",
    response={200: BillingErrorOut, **WRITE_ERRORS},
    summary="Clear a billing error (staff)",
)
def clear_billing_error(request: HttpRequest, flag_id: Id) -> dict[str, Any]:
    user = _user(request)
    flag = actions.do_clear_billing_error(access.billing_flag_for(user, flag_id), acting_user=user)
    return _flag_dict(access.billing_flag_for(user, flag.pk))


@router.get(
    "/credits/policy", response={200: dict[str, Any], **READ_ERRORS}, summary="The credit policy in force (staff)"
)
def policy(request: HttpRequest) -> dict[str, Any]:
    case_access.require_staff(_user(request))
    in_force = current_policy()
    return {"version": in_force.number, **in_force.version.content}
