"""Credit pages and forms: the thread on the workspace's case page and the portal's,
the supervisors' approvals queue, the ledger's CSV export and billing error flags.

Thin: parse -> access -> action -> redirect. A refused form re-renders the case page
with the error on the credit panel (status 422/409), what was typed kept.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from honeydesk.accounts import audit
from honeydesk.cases import access as case_access
from honeydesk.cases.models import Case
from honeydesk.credits import access, actions, ledger
from honeydesk.credits.models import Approval
from honeydesk.credits.policy import recommend_all
from honeydesk.lib.errors import DomainError
from honeydesk.web.views import desk, portal
from honeydesk.web.views.common import customer_required, parse_version, staff_required, user_of


def _ask(request: HttpRequest) -> actions.Ask:
    post = request.POST
    return actions.Ask(
        amount=post.get("amount", ""),
        reason=post.get("reason", ""),
        period_start=post.get("period_start", ""),
        period_end=post.get("period_end", ""),
        relies_on=[int(v) for v in post.getlist("relies_on") if v.isdigit()],
    )


def _form(request: HttpRequest) -> dict[str, object]:
    """What was typed, to show again with the error (the entries ticked too)."""
    form: dict[str, object] = {k: str(v) for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    form["relies_on"] = [int(v) for v in request.POST.getlist("relies_on") if v.isdigit()]
    return form


def _desk_refused(request: HttpRequest, case: Case, exc: DomainError) -> HttpResponse:
    context = desk._case_context(request, case, credit_error=exc, credit_form=_form(request))
    return render(request, "desk/case.html", context, status=exc.status)


def _portal_refused(request: HttpRequest, case: Case, exc: DomainError) -> HttpResponse:
    context = portal._portal_case_context(request, case, credit_error=exc, credit_form=_form(request))
    return render(request, "portal/case.html", context, status=exc.status)


def _to_desk_case(case: Case) -> HttpResponse:
    return redirect(reverse("web:case", args=[case.ref]) + "#credits")


def _to_portal_case(case: Case) -> HttpResponse:
    return redirect(reverse("web:portal_case", args=[case.ref]) + "#credits")


# --- workspace ------------------------------------------------------------------------


@require_POST
@staff_required
def desk_credit_request(request: HttpRequest, ref: str) -> HttpResponse:
    user = user_of(request)
    case = case_access.case_for(user, ref)
    try:
        actions.do_request_credit(case, _ask(request), acting_user=user, channel="workspace")
    except DomainError as exc:
        return _desk_refused(request, case, exc)
    return _to_desk_case(case)


@require_POST
@staff_required
def desk_credit_decide(request: HttpRequest, ref: str, request_id: int) -> HttpResponse:
    user = user_of(request)
    case = case_access.case_for(user, ref)
    found = access.request_on(case, request_id)
    post = request.POST
    try:
        actions.do_decide_credit(
            found,
            action=post.get("action", ""),
            amount=post.get("amount", ""),
            note=post.get("note", ""),
            departure_reason=post.get("departure_reason", ""),
            acting_user=user,
            expected_version=parse_version(request),
        )
    except DomainError as exc:
        return _desk_refused(request, case, exc)
    return _to_desk_case(case)


@require_POST
@staff_required
def desk_credit_answer(request: HttpRequest, ref: str, request_id: int) -> HttpResponse:
    """The customer answered the offer on a call; the rep records it."""
    user = user_of(request)
    case = case_access.case_for(user, ref)
    found = access.request_on(case, request_id)
    try:
        actions.do_answer_offer(
            found,
            answer=request.POST.get("answer", ""),
            amount=request.POST.get("amount", ""),
            note=request.POST.get("note", ""),
            acting_user=user,
            channel="phone",
            expected_version=parse_version(request),
        )
    except DomainError as exc:
        return _desk_refused(request, case, exc)
    return _to_desk_case(case)


@require_POST
@staff_required
def desk_credit_withdraw(request: HttpRequest, ref: str, request_id: int) -> HttpResponse:
    user = user_of(request)
    case = case_access.case_for(user, ref)
    try:
        actions.do_withdraw_credit(access.request_on(case, request_id), acting_user=user, channel="workspace")
    except DomainError as exc:
        return _desk_refused(request, case, exc)
    return _to_desk_case(case)


@require_GET
@staff_required
def approvals_queue(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    pending = list(
        access.approvals_visible_to(user)
        .filter(status=Approval.Status.PENDING)
        .select_related("request__case__account", "request__case__contact", "requested_by", "decision")
        .order_by("requested_at", "id")
    )
    recs = recommend_all([a.request for a in pending], for_user=user)
    rows = [{"approval": a, "rec": rec} for a, rec in zip(pending, recs, strict=True)]
    recent = (
        access.approvals_visible_to(user)
        .exclude(status=Approval.Status.PENDING)
        .select_related("request__case", "decided_by")
        .order_by("-decided_at", "-id")[:20]
    )
    return render(request, "credits/approvals.html", {"rows": rows, "recent": recent})


@require_POST
@staff_required
def approval_decide(request: HttpRequest, approval_id: int) -> HttpResponse:
    user = user_of(request)
    approval = access.approval_for(user, approval_id)
    approve = request.POST.get("decision") == "approve"
    try:
        actions.do_decide_approval(
            approval,
            approve=approve,
            amount=request.POST.get("amount", ""),
            note=request.POST.get("note", ""),
            message=request.POST.get("message", ""),
            acting_user=user,
        )
    except DomainError as exc:
        messages.error(request, f"Approval #{approval.pk}: {exc.message}")
    else:
        verb = "approved" if approve else "declined"
        messages.success(request, f"{approval.request.case.ref}: credit {verb}; the customer is told.")
    return redirect("web:credit_approvals")


@require_GET
@staff_required
def ledger_csv(request: HttpRequest, number: str) -> HttpResponse:
    user = user_of(request)
    account = access.ledger_account_for(user, number)
    entries = list(ledger.export_entries_of(account))
    target = f"credit ledger of account {account.number}"
    audit.record_export(request, actor=user, what="credit ledger", target=target, rows=len(entries))
    response = HttpResponse(ledger.as_csv(account, entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="credits-{account.number}.csv"'
    return response


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("web:queue")
    return redirect(target)


@require_POST
@staff_required
def billing_error_flag(request: HttpRequest, number: str) -> HttpResponse:
    user = user_of(request)
    account = access.ledger_account_for(user, number)
    try:
        actions.do_flag_billing_error(account, description=request.POST.get("description", ""), acting_user=user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Billing error flagged on account {account.number}.")
    return _back(request)


@require_POST
@staff_required
def billing_error_clear(request: HttpRequest, flag_id: int) -> HttpResponse:
    user = user_of(request)
    try:
        actions.do_clear_billing_error(access.billing_flag_for(user, flag_id), acting_user=user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(request)


# --- portal ---------------------------------------------------------------------------


@require_POST
@customer_required
def portal_credit_request(request: HttpRequest, ref: str) -> HttpResponse:
    user = user_of(request)
    case = case_access.case_for(user, ref)
    try:
        actions.do_request_credit(case, _ask(request), acting_user=user, channel="portal")
    except DomainError as exc:
        return _portal_refused(request, case, exc)
    return _to_portal_case(case)


@require_POST
@customer_required
def portal_credit_answer(request: HttpRequest, ref: str, request_id: int) -> HttpResponse:
    user = user_of(request)
    case = case_access.case_for(user, ref)
    found = access.request_on(case, request_id)
    try:
        actions.do_answer_offer(
            found,
            answer=request.POST.get("answer", ""),
            amount=request.POST.get("amount", ""),
            note=request.POST.get("note", ""),
            acting_user=user,
            channel="portal",
            expected_version=parse_version(request),
        )
    except DomainError as exc:
        return _portal_refused(request, case, exc)
    return _to_portal_case(case)


@require_POST
@customer_required
def portal_credit_withdraw(request: HttpRequest, ref: str, request_id: int) -> HttpResponse:
    user = user_of(request)
    case = case_access.case_for(user, ref)
    try:
        actions.do_withdraw_credit(access.request_on(case, request_id), acting_user=user, channel="portal")
    except DomainError as exc:
        return _portal_refused(request, case, exc)
    return _to_portal_case(case)
