"""Every written reply staff send is scored by the listening coach (automatic).

A periodic task (`periodic_scan`, the worker) scores the replies sent since the last one
it scored: the coach's models take a moment, so neither the rep's reply nor its mail
waits on them. Idempotent: a reply has one score (unique), a reply already scored is
skipped, two workers racing store one. The scan starts a little before the highest
scored entry id (`OVERLAP`), so a reply whose transaction committed after a later one
(ids are not commit order on PostgreSQL) is still picked up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q

from honeydesk.cases.models import TimelineEntry
from honeydesk.jobs.schedule import Stop
from honeydesk.lib import clock
from honeydesk.quality.models import ReplyScore

Kind = TimelineEntry.Kind


OVERLAP = 1000
BATCH = 100
# The longest view that reads the scores is the monitoring trend's 8 weeks. A reply older
# than this is never shown, so a worker that starts on an imported desk (or after a long
# stop) scores what a page can show, not years of history: on the benchmark's generated
# 100,000-case desk, 100,687 replies took one core for the whole run before this.
WINDOW = timedelta(weeks=9)


def unscored(limit: int = BATCH) -> list[int]:
    """Ids of sent replies by staff not scored yet, oldest first, within `WINDOW`."""
    top = ReplyScore.objects.aggregate(top=Max("entry_id"))["top"] or 0
    return list(
        TimelineEntry.objects.filter(kind=Kind.OUTBOUND, author__isnull=False, pk__gt=max(0, top - OVERLAP))
        .filter(created_at__gte=clock.now() - WINDOW)
        .exclude(pk__in=ReplyScore.objects.filter(entry_id__gt=max(0, top - OVERLAP)).values("entry_id"))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def scan(limit: int = BATCH) -> int:
    """Score the replies not scored yet; how many were scored."""
    todo = unscored(limit)
    for entry_id in todo:
        score_reply(entry_id)
    return len(todo)


def periodic_scan(stop: Stop) -> bool:
    while not stop():
        if scan() < BATCH:
            return True
    return False


def score_reply(entry_id: int) -> ReplyScore | None:
    """The coach's verdict on one sent reply, stored once."""
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
