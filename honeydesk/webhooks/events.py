"""Which webhook events a change to a case makes, and the deliveries they queue.

Every change to a case passes through `cases.hooks.entries_added` (inside the action's
transaction), so deliveries are written in the same transaction as the change: an event
is queued if and only if the change is stored. Each delivery is a job for the worker
(`send.deliver`), never sent from the web request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from honeydesk.cases import access
from honeydesk.cases.models import Case, TimelineEntry
from honeydesk.jobs.runner import enqueue
from honeydesk.lib.cache import Recent
from honeydesk.webhooks.models import Delivery, Endpoint

Kind, Event, Visibility = TimelineEntry.Kind, TimelineEntry.Event, TimelineEntry.Visibility
CREDIT_DECISIONS = {"granted", "partly_granted", "declined", "offered"}
ATTEMPTS = 6  # the first try and five retries (15 s, 30 s, 1 min, 2 min, 4 min later)


def _load() -> list[Endpoint]:
    return list(Endpoint.objects.filter(active=True).select_related("owner"))


# Every write reads this; endpoints change rarely (forgotten on save, see apps.py).
active_endpoints: Recent[list[Endpoint]] = Recent(_load)


def events_of(entries: Sequence[TimelineEntry]) -> list[str]:
    """The events a batch of entries on one case makes, in a fixed order."""
    names: list[str] = []
    opened = any(e.kind == Kind.EVENT and e.event == Event.OPENED for e in entries)
    names.append("case.opened" if opened else "case.updated")
    if not opened and any(e.kind == Kind.INBOUND and e.visibility == Visibility.PUBLIC for e in entries):
        names.append("customer.replied")
    if any(e.kind == Kind.EVENT and e.event == Event.RESOLVED for e in entries):
        names.append("case.resolved")
    if any(e.kind == Kind.EVENT and e.event == Event.SURVEY_ANSWERED for e in entries):
        names.append("survey.answered")
    if any((e.data or {}).get("credit", {}).get("step") in CREDIT_DECISIONS for e in entries if e.kind == Kind.EVENT):
        names.append("credit.decided")
    return names


def payload(event: str, case: Case, entries: Sequence[TimelineEntry], event_id: str) -> dict[str, Any]:
    """What a receiver gets: the event, the case's state, and which entries were added
    (ids, kinds and visibility, not their text: a receiver reads that through the API
    with its own token and permissions)."""
    return {
        "id": event_id,
        "event": event,
        "created_at": timezone.now().isoformat(),
        "case": {
            "ref": case.ref,
            "subject": case.subject,
            "status": case.status,
            "priority": case.priority,
            "version": case.version,
            "account": case.account.number,
            "department": case.department.name,
            "request_type": case.request_type.slug,
            "owner": case.owner.username if case.owner_id and case.owner else None,
            "api_url": f"/api/v1/cases/{case.ref}",
        },
        "entries": [
            {"id": e.pk, "kind": e.kind, "event": e.event, "visibility": e.visibility, "channel": e.channel}
            for e in entries
        ],
    }


def new_ping(endpoint: Endpoint) -> Delivery:
    """A test event for `endpoint`, stored in its delivery log (the caller has it sent:
    the admin's "Send a test event" queues it for the worker)."""
    delivery = Delivery(endpoint=endpoint, event="ping", payload={}, created_at=timezone.now())
    delivery.payload = {"id": str(delivery.event_id), "event": "ping", "created_at": timezone.now().isoformat()}
    delivery.save()
    return delivery


def entries_added(case: Case, entries: Sequence[TimelineEntry]) -> None:
    endpoints = active_endpoints.get()
    if not endpoints or not entries:
        return
    names = events_of(entries)
    # The batch that holds "opened" is the case's first (its row was written just before,
    # in this transaction): no delivery about the case can exist yet to take it in.
    first_batch = names[0] == "case.opened"
    now = timezone.now()
    for endpoint in endpoints:
        wanted = [n for n in names if n in endpoint.events]
        # Never a delivery about a case the endpoint's owner may not see. Decided on the case
        # in hand (no query per write); the owner is the one loaded with the endpoints, so a
        # change of their role or departments reaches webhooks within that cache's 30 s.
        if not wanted or not access.can_see(endpoint.owner, case):
            continue
        for name in wanted:
            # One action may add entries in steps (listeners add their own); a delivery not
            # yet tried takes the later entries in, so a receiver gets one event per change.
            waiting = (
                None
                if first_batch
                else Delivery.objects.filter(
                    endpoint=endpoint, case=case, event=name, status=Delivery.Status.PENDING, attempts=0
                ).first()
            )
            if waiting is not None:
                earlier = waiting.payload.get("entries", [])
                waiting.payload = payload(name, case, entries, str(waiting.event_id))
                waiting.payload["entries"] = earlier + waiting.payload["entries"]
                waiting.save(update_fields=["payload"])
                continue
            delivery = Delivery(endpoint=endpoint, event=name, case=case, payload={}, created_at=now)
            delivery.payload = payload(name, case, entries, str(delivery.event_id))
            delivery.save()
            enqueue(
                "honeydesk.webhooks.send.deliver",
                {"delivery_id": delivery.pk},
                max_attempts=ATTEMPTS + 2,
                run_after_commit=False,  # the worker sends; a web request never waits on a receiver
            )
