"""Model -> API dict. Callers preload the relations these read (no query per row)."""

from __future__ import annotations

from typing import Any

from honeydesk.accounts.models import Contact, ContactPoint, CustomerAccount
from honeydesk.cases.models import Case, TimelineEntry, ref_of


def case_dict(case: Case, *, staff: bool) -> dict[str, Any]:
    """`staff` False for customers: the hand-off summary is staff's internal note (its
    timeline entry is internal), so customers never get it; nor staff usernames (sign-in
    names are for staff): they get the owner's first name, as the portal shows it."""
    owner = case.owner
    return {
        "ref": case.ref,
        "subject": case.subject,
        "status": case.status,
        "priority": case.priority,
        "request_type": case.request_type.slug,
        "department": case.department.slug,
        "owner": owner.username if owner and staff else None,
        "owner_name": (owner.display_name if staff else (owner.first_name or "A specialist")) if owner else None,
        "account": case.account.number,
        "contact_id": case.contact_id,
        "channel": case.channel,
        "goal": case.goal,
        "facts": case.facts,
        "escalated": case.escalated,
        "handoff_summary": case.handoff_summary if staff else "",
        "linked_case": ref_of(case.linked_case_id) if case.linked_case_id else None,
        "merged_into": ref_of(case.merged_into_id) if case.merged_into_id else None,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "first_response_at": case.first_response_at,
        "resolved_at": case.resolved_at,
        "version": case.version,
        # Staff's labels and record; callers listing cases prefetch "tags".
        "tags": [t.name for t in case.tags.all()] if staff else [],
        "fields": dict(case.custom or {}) if staff else {},
    }


# What a customer may read of an entry's structured data. The rest is for staff: tone
# analysis of their messages, call recordings, mail routing details.
CUSTOMER_DATA_KEYS = frozenset({"direction", "duration_seconds", "linked_case"})


def entry_dict(entry: TimelineEntry, *, staff: bool) -> dict[str, Any]:
    data = entry.data if staff else {k: v for k, v in entry.data.items() if k in CUSTOMER_DATA_KEYS}
    return {
        "id": entry.pk,
        "case": ref_of(entry.case_id),
        "kind": entry.kind,
        "event": entry.event,
        "author": entry.who,
        "channel": entry.channel,
        "visibility": entry.visibility,
        "body": entry.body,
        "data": data,
        "corrects": entry.corrects_id,
        "created_at": entry.created_at,
        "attachments": [
            {"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in entry.attachments.all()
        ],
    }


def contact_dict(contact: Contact, account: CustomerAccount) -> dict[str, Any]:
    points = list(contact.points.all())
    return {
        "id": contact.pk,
        "name": contact.name,
        "account": account.number,
        "emails": [p.value for p in points if p.kind == ContactPoint.Kind.EMAIL],
        "phones": [p.value for p in points if p.kind == ContactPoint.Kind.PHONE],
    }


def account_dict(account: CustomerAccount) -> dict[str, Any]:
    return {
        "number": account.number,
        "name": account.name,
        "service_area": account.service_area,
        "services": account.services,
        "contacts": [contact_dict(c, account) for c in account.contacts.all()],
    }
