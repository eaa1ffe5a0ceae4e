"""Random monitoring: which of a rep's interactions are drawn for review, and how a
review adds up.

A sample is a rep's work of one ISO week (Monday to Sunday in the site's time zone):
the replies they sent and the calls they logged. Its `population` is the sorted list of
those timeline entry ids and its `seed` a random string, both recorded; `pick(seed,
population, size)` is a pure function of them, so anyone can redraw a recorded sample
and get the same items, and the rep has no say in which. The weekly task draws the
week just ended for every rep; a supervisor may draw any week on demand. A week is
drawn once per rep (a unique row): drawing it again returns the sample on record.
Each sample is assigned a reviewer when drawn (`reviewers`), recorded on the sample.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Avg, Count, QuerySet
from django.urls import reverse
from django.utils import timezone

from honeydesk.accounts.models import Role, User
from honeydesk.cases.models import TimelineEntry
from honeydesk.jobs.schedule import Stop
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput
from honeydesk.quality.models import Criterion, ReplyScore, Review, Sample, ScorecardVersion

# What counts as a rep's interaction: a reply sent to the customer, a call logged.
KINDS = (TimelineEntry.Kind.OUTBOUND, TimelineEntry.Kind.CALL)

_WEEK = re.compile(r"(\d{4})-W(\d{2})")


# --- weeks ----------------------------------------------------------------------------


def parse_week(text: str) -> date:
    """The Monday of an ISO week written `2026-W07`; InvalidInput otherwise."""
    match = _WEEK.fullmatch((text or "").strip())
    if match is None:
        raise InvalidInput.field("week", "Give an ISO week such as 2026-W07.")
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise InvalidInput.field("week", "That year has no such week.") from None


def week_label(monday: date) -> str:
    year, number, _ = monday.isocalendar()
    return f"{year}-W{number:02d}"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def this_week() -> date:
    return monday_of(timezone.localdate(clock.now()))


def last_week() -> date:
    return this_week() - timedelta(days=7)


def week_bounds(monday: date) -> tuple[datetime, datetime]:
    """[start, end) of the ISO week in the site's time zone (DST-safe: each end is a
    local midnight made aware on its own)."""
    zone = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.combine(monday, time.min), zone)
    end = timezone.make_aware(datetime.combine(monday + timedelta(days=7), time.min), zone)
    return start, end


# --- drawing --------------------------------------------------------------------------


def reps() -> QuerySet[User]:
    """Who is monitored: active agents."""
    return User.objects.filter(role=Role.AGENT, is_active=True).order_by("first_name", "username", "id")


def population(rep: User, monday: date) -> list[int]:
    """The ids of the replies and calls `rep` wrote in the week, sorted."""
    start, end = week_bounds(monday)
    return sorted(
        TimelineEntry.objects.filter(author=rep, kind__in=KINDS, created_at__gte=start, created_at__lt=end).values_list(
            "pk", flat=True
        )
    )


def reviewers(monday: date, extra: Sequence[User] = ()) -> dict[int, User | None]:
    """Who reviews each rep's sample of the week, by rep id: each department's reps
    (sorted by id) are dealt round the department's active supervisors (sorted by id),
    starting one further along each week, so the samples are spread evenly and nobody
    reviews the same rep every week. A rep counts in their first department (lowest
    id) only, so one in two departments is not dealt twice; a department without
    supervisors of its own (or a rep without a department) uses all supervisors. None:
    there is no supervisor. Deterministic: the same people and week give the same
    answer. `extra` adds reps no longer monitored (a sample drawn for them on demand)."""
    agents = {rep.pk: rep for rep in [*reps().prefetch_related("departments"), *extra]}
    supervisors = list(
        User.objects.filter(role=Role.SUPERVISOR, is_active=True).prefetch_related("departments").order_by("id")
    )
    pools: dict[int | None, list[User]] = {}
    for supervisor in supervisors:
        for department in supervisor.departments.all():
            pools.setdefault(department.pk, []).append(supervisor)
    groups: dict[int | None, list[User]] = {}
    for rep_id in sorted(agents):
        rep = agents[rep_id]
        home = min((d.pk for d in rep.departments.all()), default=None)
        groups.setdefault(home, []).append(rep)
    turn = monday.toordinal() // 7
    assigned: dict[int, User | None] = {}
    for home, members in groups.items():
        pool = (pools.get(home) if home is not None else None) or supervisors
        for n, rep in enumerate(members):
            assigned[rep.pk] = pool[(n + turn) % len(pool)] if pool else None
    return assigned


def pick(seed: str, ids: Sequence[int], size: int) -> list[int]:
    """`size` ids drawn from `ids` with a generator seeded by `seed`, in draw order: the
    same arguments always give the same answer (Python's `random.Random` with a string
    seed is stable across runs and versions of Python 3)."""
    ordered = sorted(ids)
    return random.Random(f"honeydesk-monitoring:{seed}").sample(ordered, min(size, len(ordered)))


def redraw(sample: Sample) -> list[int]:
    """The items of a recorded sample, drawn again from its seed and population."""
    return pick(sample.seed, [int(i) for i in sample.population], sample.size)


def periodic_draw(stop: Stop) -> bool:
    """The weekly draw: last week's sample for every rep who has none yet (idempotent,
    cheap when done: one query for the reps still to draw)."""
    from honeydesk.quality import actions  # actions build on this module

    monday = last_week()
    drawn = Sample.objects.filter(week_start=monday).values("rep_id")
    for rep in reps().exclude(pk__in=drawn):
        if stop():
            return False
        actions.do_draw_sample(rep, monday, acting_user=None)
    return True


# --- scorecards -----------------------------------------------------------------------


def current_criteria() -> list[dict[str, Any]]:
    return [
        {"id": c.pk, "name": c.name, "description": c.description, "weight": c.weight}
        for c in Criterion.objects.filter(active=True).order_by("position", "id")
    ]


def scorecard_digest(criteria: list[dict[str, Any]]) -> str:
    """What identifies a scorecard's content: a form carries it, so a review is refused
    (409) when the criteria changed after the reviewer opened the form."""
    return hashlib.sha256(json.dumps(criteria, sort_keys=True).encode()).hexdigest()


def stored_version_number(digest: str) -> int | None:
    """The number of the stored version with this content; None when no review has used
    it yet (it is written with the first review, never by showing a form)."""
    return ScorecardVersion.objects.filter(digest=digest).values_list("number", flat=True).first()


def scorecard_version(criteria: list[dict[str, Any]], at: datetime) -> ScorecardVersion:
    """The stored version holding exactly these criteria, written the first time they are
    used. Callers hold a transaction (the review's)."""
    digest = scorecard_digest(criteria)
    found = ScorecardVersion.objects.filter(digest=digest).first()
    if found is not None:
        return found
    top = ScorecardVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0
    return ScorecardVersion.objects.create(number=top + 1, digest=digest, criteria=criteria, created_at=at)


def weighted_total(criteria: list[dict[str, Any]], scores: dict[str, int]) -> int:
    """0-100: each criterion's score (1-5) scaled to 0-1, weighted."""
    weights = sum(int(c["weight"]) for c in criteria)
    if not weights:
        return 0
    points = sum(int(c["weight"]) * (scores[str(c["id"])] - 1) / 4 for c in criteria)
    return round(100 * points / weights)


def score_lines(review: Review) -> list[dict[str, Any]]:
    """The review's criteria as they were when it was written, each with its score."""
    scores: dict[str, int] = review.scores
    return [{**c, "score": scores.get(str(c["id"]))} for c in review.scorecard.criteria]


# --- trends ---------------------------------------------------------------------------


def trends(reviews: QuerySet[Review], weeks: int = 8) -> dict[str, Any]:
    """Average total per rep per week over the last `weeks` ISO weeks (and the team's)."""
    mondays = [this_week() - timedelta(days=7 * n) for n in range(weeks - 1, -1, -1)]
    rows = (
        reviews.filter(week_start__gte=mondays[0])
        .values("rep_id", "rep__first_name", "rep__username", "week_start")
        .annotate(avg=Avg("total"), n=Count("id"))
        .order_by("rep__first_name", "rep_id")
    )
    per_rep: dict[int, dict[str, Any]] = {}
    for row in rows:
        rep = per_rep.setdefault(
            row["rep_id"], {"rep_id": row["rep_id"], "rep": row["rep__first_name"] or row["rep__username"], "weeks": {}}
        )
        rep["weeks"][row["week_start"]] = {"average": round(row["avg"]), "reviews": row["n"]}
    team = {
        row["week_start"]: {"average": round(row["avg"]), "reviews": row["n"]}
        for row in reviews.filter(week_start__gte=mondays[0])
        .values("week_start")
        .annotate(avg=Avg("total"), n=Count("id"))
    }
    return {
        "weeks": [{"start": m, "label": week_label(m)} for m in mondays],
        "reps": [{**rep, "cells": [rep["weeks"].get(m) for m in mondays]} for rep in per_rep.values()],
        "team": [team.get(m) for m in mondays],
    }


def department_trends(reviews: QuerySet[Review], weeks: int = 8) -> list[dict[str, Any]]:
    """Average total per department per week over the last `weeks` ISO weeks: the reviews
    of the reps in each department (a rep in two departments counts in both)."""
    mondays = [this_week() - timedelta(days=7 * n) for n in range(weeks - 1, -1, -1)]
    rows = (
        reviews.filter(week_start__gte=mondays[0], rep__departments__isnull=False)
        .values("rep__departments", "rep__departments__name", "week_start")
        .annotate(avg=Avg("total"), n=Count("id"))
        .order_by("rep__departments__name", "rep__departments")
    )
    per_dept: dict[int, dict[str, Any]] = {}
    for row in rows:
        dept = per_dept.setdefault(row["rep__departments"], {"department": row["rep__departments__name"], "weeks": {}})
        dept["weeks"][row["week_start"]] = {"average": round(row["avg"]), "reviews": row["n"]}
    return [{**d, "cells": [d["weeks"].get(m) for m in mondays]} for d in per_dept.values()]


# --- what a reviewer sees of an item --------------------------------------------------


def recording_of(entry: TimelineEntry) -> str:
    """Where to play a call's recording: the URL the phone system sent, or an audio file
    attached to the call log; '' when there is none."""
    if entry.kind != TimelineEntry.Kind.CALL:
        return ""
    url = entry.data.get("recording_url") if isinstance(entry.data, dict) else None
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return url
    audio = entry.attachments.filter(content_type__startswith="audio/").order_by("id").first()
    if audio is not None:
        return reverse("web:attachment", args=[entry.case.ref, audio.pk])
    return ""


def playable(url: str) -> bool:
    """Whether the page may play this recording in an <audio> player: one served here (an
    attachment), or one from an origin the deployment allows (HONEYDESK_RECORDING_ORIGINS,
    also in the Content-Security-Policy's media-src). Any other is shown as a link."""
    if url.startswith("/") and not url.startswith("//"):
        return True
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}" in settings.HONEYDESK_RECORDING_ORIGINS


def auto_scores(entry_ids: Sequence[int]) -> dict[int, ReplyScore]:
    """The listening coach's automatic verdicts on these replies (part 4), by entry id."""
    return {s.entry_id: s for s in ReplyScore.objects.filter(entry_id__in=list(entry_ids))}
