"""Credit and outage panels that sit inside pages other parts of honeydesk own (the case
page, the customer panel, the portal's case page and layout): each tag reads what it
shows through the credits' and outages' doors for the signed-in person, so the shared
views need no change. A fixed number of queries each, however long the thread."""

from __future__ import annotations

from typing import Any

from django import template

from honeydesk.accounts.models import CustomerAccount, User
from honeydesk.cases import access
from honeydesk.cases.models import Case, TimelineEntry
from honeydesk.credits import ledger, present
from honeydesk.credits.models import BillingErrorFlag, CreditRequest
from honeydesk.credits.policy import current_policy, recommend
from honeydesk.outages.access import banners_for

register = template.Library()

# What a credit request may rely on: messages, replies, calls and (staff) notes.
Kind = TimelineEntry.Kind
RELIABLE_KINDS = [Kind.INBOUND, Kind.OUTBOUND, Kind.CALL, Kind.NOTE]


def _user(context: template.Context) -> User:
    return context["request"].user  # type: ignore[no-any-return]


def _requests(case: Case) -> list[CreditRequest]:
    requests = list(present.with_thread(CreditRequest.objects.filter(case=case).order_by("-created_at", "-id")))
    for request in requests:
        request.case = case  # the page's case: the recommendation reads it, not read again
    return requests


def _threads(case: Case, user: User) -> list[dict[str, Any]]:
    return [present.request_dict(r, user) for r in _requests(case)]


def _reliable_entries(context: template.Context, user: User, case: Case) -> list[TimelineEntry]:
    """The entries a request may cite. The case page has already read its timeline (the
    same door, the same order): it is filtered here rather than read a second time."""
    timeline = context.get("entries")
    if isinstance(timeline, list) and context.get("case") is case:
        return [e for e in timeline if e.kind in RELIABLE_KINDS]
    entries = access.entries_visible_to(user, case).filter(kind__in=RELIABLE_KINDS).order_by("created_at", "id")
    return list(entries.select_related("author"))


@register.inclusion_tag("credits/desk_case.html", takes_context=True)
def desk_credits(context: template.Context, case: Case) -> dict[str, Any]:
    """The credit thread on the workspace's case page, with the policy's recommendation
    for the signed-in rep before they decide."""
    user = _user(context)
    policy = current_policy()
    requests = _requests(case)
    # At most one request is active on a case (a constraint); the oldest wins if not.
    active = min((r for r in requests if r.status in CreditRequest.ACTIVE), key=lambda r: r.pk, default=None)
    rec = None
    if active is not None and active.status in (CreditRequest.Status.OPEN, CreditRequest.Status.COUNTERED):
        rec = recommend(active, for_user=user, policy=policy)
    return {
        "request": context["request"],
        "case": case,
        "threads": [present.request_dict(r, user) for r in requests],
        "active": active,
        "rec": rec,
        "policy": policy,
        "entries": _reliable_entries(context, user, case),
        "credit_error": context.get("credit_error"),
        "credit_form": context.get("credit_form") or {},
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("credits/desk_ledger.html", takes_context=True)
def desk_ledger(context: template.Context, account: CustomerAccount) -> dict[str, Any]:
    """The account's credits and billing errors on the workspace's customer panel."""
    entries = list(ledger.entries_of(account)[:200])
    return {
        "request": context["request"],
        "account": account,
        "entries": entries[:10],
        "months": ledger.month_totals(entries)[:6],
        "flags": list(
            BillingErrorFlag.objects.filter(account=account, cleared_at__isnull=True).select_related("flagged_by")
        ),
        "case": context.get("case"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("credits/portal_case.html", takes_context=True)
def portal_credits(context: template.Context, case: Case) -> dict[str, Any]:
    """The customer's credit requests on their case, the decisions with their reasons,
    the form to ask, and the answer to an offer."""
    user = _user(context)
    threads = _threads(case, user)
    public = access.entries_visible_to(user, case).filter(kind__in=RELIABLE_KINDS)
    return {
        "request": context["request"],
        "case": case,
        "threads": threads,
        "active": next((t for t in threads if t["status"] in CreditRequest.ACTIVE), None),
        "policy": current_policy(),
        "entries": list(public.select_related("author").order_by("created_at", "id")),
        "credit_error": context.get("credit_error"),
        "credit_form": context.get("credit_form") or {},
        "csrf_token": context.get("csrf_token"),
        "user": user,
    }


@register.inclusion_tag("outages/banner.html", takes_context=True)
def outage_banner(context: template.Context) -> dict[str, Any]:
    """Known outages in the signed-in customer's area and services."""
    return {"banners": banners_for(_user(context))}
