"""What a person reads of a credit request, for the API and the pages alike.

Staff read everything: approvals with their reasons and notes, departures and their
reasons, every citation. A customer reads the thread (every step is public on their
case anyway) and the decisions with the rule, what would change it and the record they
may see; never an approval's reason or note, a departure reason, or a citation of
something staff wrote about them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet

from honeydesk.accounts.models import User
from honeydesk.cases.models import ref_of
from honeydesk.credits.models import Approval, CreditRequest, CreditStep, Decision


def with_thread(requests: QuerySet[CreditRequest]) -> QuerySet[CreditRequest]:
    """The relations `request_dict` reads, in a fixed number of queries."""
    return requests.select_related("raised_by").prefetch_related(
        Prefetch("steps", queryset=CreditStep.objects.select_related("by").order_by("created_at", "id")),
        Prefetch(
            "decisions", queryset=Decision.objects.select_related("version", "decided_by").order_by("decided_at", "id")
        ),
        Prefetch("approvals", queryset=Approval.objects.select_related("requested_by", "decided_by").order_by("id")),
        "relies_on",
    )


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def step_dict(step: CreditStep, viewer: User) -> dict[str, Any]:
    return {
        "kind": step.kind,
        "label": step.get_kind_display(),
        "amount": _money(step.amount),
        "note": step.note,
        "by": "You" if step.by_id == viewer.pk else step.by.display_name,
        "by_customer": step.by_customer,
        "at": step.created_at,
        "entry_id": step.entry_id,
    }


def citations_for(citations: Iterable[dict[str, Any]], *, staff: bool) -> list[dict[str, Any]]:
    if staff:
        return [dict(c) for c in citations]
    return [
        {**{k: c.get(k) for k in ("kind", "case_ref", "entry_id", "incident_id")}, "label": c["public_label"]}
        for c in citations
        if c.get("public_label")
    ]


def decision_dict(decision: Decision, *, staff: bool) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": decision.pk,
        "action": decision.action,
        "amount": _money(decision.amount),
        "policy_version": decision.version.number,
        "rule": decision.rule_text,
        "what_would_change": decision.what_would_change,
        "recommendation": decision.recommendation,
        "citations": citations_for(decision.citations, staff=staff),
        "decided_by": decision.decided_by.display_name,
        "decided_at": decision.decided_at,
    }
    if staff:
        shown |= {
            "recommended_amount": _money(decision.recommended_amount),
            "departed": decision.departed,
            "departure_reason": decision.departure_reason,
        }
    return shown


def approval_dict(approval: Approval) -> dict[str, Any]:
    return {
        "id": approval.pk,
        "request": approval.request_id,
        "status": approval.status,
        "action": approval.action,
        "amount": _money(approval.amount),
        "reason": approval.reason,
        "requested_by": approval.requested_by.display_name,
        "requested_at": approval.requested_at,
        "decided_by": approval.decided_by.display_name if approval.decided_by else None,
        "decided_at": approval.decided_at,
        "decided_amount": _money(approval.decided_amount),
        "note": approval.note,
    }


def request_dict(request: CreditRequest, viewer: User) -> dict[str, Any]:
    staff = viewer.is_staff_member
    return {
        "id": request.pk,
        "case": ref_of(request.case_id),
        "amount": _money(request.amount),
        "currency": request.currency,
        "reason": request.reason,
        "period_start": request.period_start,
        "period_end": request.period_end,
        "service": request.service,
        "relies_on": [e.pk for e in request.relies_on.all() if staff or e.visibility == e.Visibility.PUBLIC],
        "status": request.status,
        "status_label": request.get_status_display(),
        "offered_amount": _money(request.offered_amount),
        "countered_amount": _money(request.countered_amount),
        "granted_amount": _money(request.granted_amount),
        "raised_by": "You" if request.raised_by_id == viewer.pk else request.raised_by.display_name,
        "channel": request.channel,
        "created_at": request.created_at,
        "closed_at": request.closed_at,
        "version": request.version,
        "steps": [step_dict(s, viewer) for s in request.steps.all()],
        "decisions": [decision_dict(d, staff=staff) for d in request.decisions.all()],
        "approvals": [approval_dict(a) for a in request.approvals.all()] if staff else [],
    }


def recommendation_dict(rec: Any) -> dict[str, Any]:
    return {
        "outcome": rec.outcome,
        "headline": rec.headline,
        "amount": _money(rec.amount),
        "rule": rec.rule.plain_words,
        "condition": rec.rule.condition,
        "what_would_change": rec.rule.what_would_change,
        "policy_version": rec.policy.number,
        "citations": [c.as_dict() for c in rec.citations],
        "approval_reason": rec.approval_reason,
        "authority_available": _money(rec.authority.available),
        "account_month_total": _money(rec.authority.month_total),
    }
