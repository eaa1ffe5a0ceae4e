"""Every written reply staff send is scored by the listening coach (automatic).

The cases hook sees each outbound entry written by staff and queues a job (the coach's
models take a moment; the rep's reply is not kept waiting on them). The job is
idempotent: a reply already scored is skipped, so a retried or duplicated job stores one
verdict. Replayed history (the demo, inside `registry.quiet`) queues nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from honeydesk.cases.models import Case, TimelineEntry
from honeydesk.channels.registry import is_quiet
from honeydesk.jobs.runner import enqueue
from honeydesk.quality.models import ReplyScore

Kind = TimelineEntry.Kind


def replies_sent(case: Case, entries: Sequence[TimelineEntry]) -> None:
    if is_quiet():
        return
    for entry in entries:
        if entry.kind == Kind.OUTBOUND and entry.author_id is not None:
            enqueue(score_reply, {"entry_id": entry.pk})


def score_reply(entry_id: int) -> ReplyScore | None:
    """The job: the coach's verdict on one sent reply, stored once."""
    existing = ReplyScore.objects.filter(entry_id=entry_id).first()
    if existing is not None:
        return existing
    entry = (
        TimelineEntry.objects.select_related("case__contact")
        .filter(pk=entry_id, kind=Kind.OUTBOUND, author__isnull=False)
        .first()
    )
    if entry is None or entry.author_id is None:
        return None
    rep_id: int = entry.author_id
    customer = (
        TimelineEntry.objects.filter(case_id=entry.case_id, kind=Kind.INBOUND, created_at__lte=entry.created_at)
        .exclude(pk=entry.pk)
        .order_by("-created_at", "-id")
        .values_list("body", flat=True)
        .first()
    )
    # Imported here: the coach's models are heavy, and only the worker's job needs them
    # (a web process that never scores a reply does not pay for them at start).
    from honeydesk.intelligence.analyze import analyze_draft

    contact = entry.case.contact
    out = analyze_draft(entry.body, customer or "", contact.name if contact else None)
    flags: dict[str, Any] = out["flags"]
    alternatives = flags.get("offers_alternatives", {})
    try:
        with transaction.atomic():
            return ReplyScore.objects.create(
                entry=entry,
                case_id=entry.case_id,
                rep_id=rep_id,
                sent_at=entry.created_at,
                grade=str(out["grade"])[:16],
                acknowledges=bool(flags["acknowledges_problem"]["value"]),
                owns=bool(flags["takes_ownership"]["value"]),
                timed_next_step=bool(flags["next_step_has_time"]["value"]),
                greeting=bool(flags.get("greeting", {}).get("value")),
                offers_alternatives=bool(alternatives["value"]) if alternatives.get("applies") else None,
                verdict={"grade": out["grade"], "flags": {k: v.get("value") for k, v in flags.items()}},
            )
    except IntegrityError:  # another worker stored it first
        return ReplyScore.objects.filter(entry_id=entry_id).first()


def shares(since: datetime, rep_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Per rep, over every reply scored since `since`: how many, and the percentage that
    acknowledge, own, give a timed next step (and all three), greet, and offer an
    alternative when saying no (of the replies that say no)."""
    rows = ReplyScore.objects.filter(sent_at__gte=since)
    if rep_ids is not None:
        rows = rows.filter(rep_id__in=rep_ids)
    totals = (
        rows.values("rep_id", "rep__first_name", "rep__username")
        .annotate(
            n=Count("id"),
            ack=Count("id", filter=Q(acknowledges=True)),
            own=Count("id", filter=Q(owns=True)),
            timed=Count("id", filter=Q(timed_next_step=True)),
            listens=Count("id", filter=Q(acknowledges=True, owns=True, timed_next_step=True)),
            greet=Count("id", filter=Q(greeting=True)),
            refusals=Count("id", filter=Q(offers_alternatives__isnull=False)),
            alternatives=Count("id", filter=Q(offers_alternatives=True)),
        )
        .order_by("rep__first_name", "rep_id")
    )

    def pct(part: int, whole: int) -> int | None:
        return round(100 * part / whole) if whole else None

    return [
        {
            "rep_id": t["rep_id"],
            "rep": t["rep__first_name"] or t["rep__username"],
            "replies": t["n"],
            "acknowledges": pct(t["ack"], t["n"]),
            "owns": pct(t["own"], t["n"]),
            "timed_next_step": pct(t["timed"], t["n"]),
            "all_three": pct(t["listens"], t["n"]),
            "greeting": pct(t["greet"], t["n"]),
            "offers_alternatives": pct(t["alternatives"], t["refusals"]),
        }
        for t in totals
    ]
