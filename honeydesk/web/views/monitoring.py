"""Random monitoring in the workspace (issue 12, parts 3 and 5).

- Monitoring (supervisors and admins): a week's sample per rep (by default the week just
  ended, which the weekly task draws; any week on demand with "draw now"), opening on
  the samples assigned to the supervisor ("all" shows every rep's), each item
  opening a review page with the reply or the call (its notes and recording) and the
  scorecard form. Trends: average totals per week per rep, department and team, and
  beside each rep's the automatic reply scores of the same weeks (labelled as such).
- My reviews (anyone on staff, their own): scores, comments, acknowledge or dispute; a
  supervisor settles a dispute on the review's page (uphold, or amend the scores).
Thin: parse -> access (`quality.access`) -> action (`quality.actions`) -> render. A review
another rep or a customer asks for is the 404 of a missing page.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from honeydesk.accounts.models import Role, User
from honeydesk.lib.errors import DomainError, InvalidInput, VersionRequired
from honeydesk.quality import access, actions, monitoring, scoring
from honeydesk.quality.models import SCORES, Review, ReviewEvent, ReviewState, Sample, SampleItem
from honeydesk.web.views.common import parse_int, parse_version, staff_required, user_of


def _supervisor(request: HttpRequest) -> User:
    user = user_of(request)
    if not user.sees_everything:
        raise Http404("Not found")
    return user


def _week(request: HttpRequest) -> date:
    """The week asked for (`?week=2026-W07`, what <input type=week> sends), else the
    week just ended. A week not yet started is refused like any bad week."""
    raw = request.GET.get("week", "").strip()
    if not raw:
        return monitoring.last_week()
    monday = monitoring.parse_week(raw)
    if monday > monitoring.this_week():
        raise InvalidInput.field("week", "That week has not started yet.")
    return monday


def _monitoring_url(monday: date) -> str:
    return f"{reverse('web:monitoring')}?week={monitoring.week_label(monday)}"


@require_GET
@staff_required
def monitoring_page(request: HttpRequest) -> HttpResponse:
    user = _supervisor(request)
    error = None
    try:
        monday = _week(request)
    except InvalidInput as exc:
        error, monday = exc, monitoring.last_week()
    samples = list(
        access.samples_visible_to(user)
        .filter(week_start=monday)
        .select_related("rep", "drawn_by", "reviewer")
        .order_by("rep__first_name", "rep__username", "id")
    )
    items = list(
        SampleItem.objects.filter(sample__in=samples)
        .select_related("entry__case", "review")
        .order_by("sample_id", "position")
    )
    by_sample: dict[int, list[SampleItem]] = {}
    for item in items:
        by_sample.setdefault(item.sample_id, []).append(item)
    drawn = {s.rep_id: s for s in samples}
    # Every rep monitored now, and anyone sampled that week who has since left the team.
    people = [*monitoring.reps(), *(s.rep for s in samples)]
    # Who will review the samples not drawn yet (drawing records the same choice).
    projected = monitoring.reviewers(monday) if any(p.pk not in drawn for p in people) else {}
    mine = _shows_mine(request, user)
    seen: set[int] = set()
    rows = []
    hidden = 0
    for rep in people:
        if rep.pk in seen:
            continue
        seen.add(rep.pk)
        sample = drawn.get(rep.pk)
        reviewer = sample.reviewer if sample else projected.get(rep.pk)
        # "Assigned to me": mine, and those nobody in particular is assigned to.
        if mine and reviewer is not None and reviewer.pk != user.pk:
            hidden += 1
            continue
        rep_items = by_sample.get(sample.pk, []) if sample else []
        reviewed = sum(1 for i in rep_items if _review_of(i) is not None)
        rows.append({"rep": rep, "sample": sample, "items": rep_items, "reviewed": reviewed, "reviewer": reviewer})
    disputes = access.reviews_visible_to(user).filter(state=ReviewState.DISPUTED)
    if mine:
        disputes = disputes.filter(
            Q(item__sample__reviewer=user) | Q(reviewer=user) | Q(item__sample__reviewer__isnull=True)
        )
    disputed = list(disputes.select_related("rep", "item__entry__case").order_by("-responded_at", "-id")[:20])
    context = {
        "mine": mine,
        "hidden": hidden,
        "week": monitoring.week_label(monday),
        "monday": monday,
        "previous": monitoring.week_label(monday - timedelta(days=7)),
        "next": monitoring.week_label(monday + timedelta(days=7)) if monday < monitoring.this_week() else "",
        "this_week": monitoring.week_label(monitoring.this_week()),
        "rows": rows,
        "undrawn": any(r["sample"] is None for r in rows),
        "disputed": disputed,
        "error": error,
    }
    return render(request, "quality/monitoring.html", context, status=error.status if error else 200)


def _shows_mine(request: HttpRequest, user: User) -> bool:
    """The page opens on the samples assigned to the supervisor (`?show=all` for every
    rep's); an admin, never assigned any, sees all."""
    if user.role != Role.SUPERVISOR:
        return False
    return request.GET.get("show", "") != "all"


def _review_of(item: SampleItem) -> Review | None:
    try:
        return item.review
    except Review.DoesNotExist:
        return None


@require_POST
@staff_required
def monitoring_draw(request: HttpRequest) -> HttpResponse:
    """Draw now: one rep's sample for the week, or every rep's not drawn yet. A week
    drawn already keeps its sample (the action returns the one on record)."""
    user = _supervisor(request)
    monday = monitoring.last_week()
    try:
        monday = monitoring.parse_week(request.POST.get("week", ""))
        rep_id = parse_int(request.POST.get("rep"))
        if request.POST.get("rep"):
            rep = monitoring.reps().filter(pk=rep_id).first() if rep_id else None
            if rep is None:
                raise InvalidInput.field("rep", "No rep with that id.")
            samples = [actions.do_draw_sample(rep, monday, acting_user=user)]
        else:
            samples = actions.do_draw_week(monday, acting_user=user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_monitoring_url(monday))
    items = SampleItem.objects.filter(sample__in=samples).count()
    messages.success(
        request,
        f"{monitoring.week_label(monday)}: {len(samples)} sample{'s' if len(samples) != 1 else ''}, "
        f"{items} item{'s' if items != 1 else ''} to review.",
    )
    return redirect(_monitoring_url(monday))


def _item_context(item: SampleItem, chosen: dict[int, int] | None = None, **extra: Any) -> dict[str, Any]:
    entry = item.entry
    criteria = monitoring.current_criteria()
    digest = monitoring.scorecard_digest(criteria)
    recording = monitoring.recording_of(entry)
    autos = monitoring.auto_scores([entry.pk])
    sample: Sample = item.sample
    return {
        "item": item,
        "sample": sample,
        "entry": entry,
        "case": entry.case,
        "review": _review_of(item),
        "criteria": [{**c, "chosen": (chosen or {}).get(int(c["id"]))} for c in criteria],
        "scale": list(SCORES),
        "digest": digest,
        "scorecard_number": monitoring.stored_version_number(digest),
        "recording": recording,
        "playable": bool(recording) and monitoring.playable(recording),
        "auto": autos.get(entry.pk),
        "week": sample.week,
        # How many items the sample holds: its size, or the whole week when that was smaller.
        "picked": min(sample.size, len(sample.population)),
        "form": {},
        **extra,
    }


def _scoring_from(request: HttpRequest) -> actions.Scoring:
    """Scores from the form's `score-<criterion id>` radio groups (an absent or garbled
    one stays out, so the action names it as missing)."""
    scores: dict[int, int] = {}
    for key in request.POST:
        if key.startswith("score-"):
            criterion, score = parse_int(key.removeprefix("score-")), parse_int(request.POST.get(key))
            if criterion is not None and score is not None:
                scores[criterion] = score
    return actions.Scoring(scores, request.POST.get("notes", ""))


@require_http_methods(["GET", "POST"])
@staff_required
def monitoring_item(request: HttpRequest, item_id: int) -> HttpResponse:
    """One sampled item: what the rep wrote or said, and the scorecard (POST saves it)."""
    user = _supervisor(request)
    item = access.sample_item_for(user, item_id)
    if request.method == "POST":
        scoring = _scoring_from(request)
        try:
            review = actions.do_submit_review(
                item, scoring, acting_user=user, expected_scorecard=request.POST.get("scorecard", "")
            )
        except DomainError as exc:
            context = _item_context(item, scoring.scores, error=exc, form=request.POST)
            return render(request, "quality/monitoring_item.html", context, status=exc.status)
        messages.success(request, f"Review saved: {review.total} of 100 for {item.sample.rep.display_name}.")
        # On to the sample's next item still to review; the week's page when none is left.
        following = (
            SampleItem.objects.filter(sample_id=item.sample_id, position__gt=item.position, review__isnull=True)
            .order_by("position")
            .values_list("pk", flat=True)
            .first()
        )
        if following is not None:
            return redirect(reverse("web:monitoring_item", args=[following]))
        return redirect(_monitoring_url(item.sample.week_start))
    return render(request, "quality/monitoring_item.html", _item_context(item))


@require_GET
@staff_required
def monitoring_trends(request: HttpRequest) -> HttpResponse:
    user = _supervisor(request)
    reviews = access.reviews_visible_to(user)
    trend = monitoring.trends(reviews)
    departments = monitoring.department_trends(reviews)

    def averages(cells: list[dict[str, Any] | None]) -> list[int | None]:
        return [c["average"] if c else None for c in cells]

    # The metrics dashboard's line chart (metrics.js reads `trend` from the json_script).
    chart = {
        "trend": {
            "labels": [w["label"] for w in trend["weeks"]],
            "series": [
                {"label": "Team", "data": averages(trend["team"])},
                *({"label": d["department"], "data": averages(d["cells"])} for d in departments),
            ],
        }
    }
    context = {**trend, "reps": _with_automatic(trend), "departments": departments, "chart_data": chart}
    return render(request, "quality/monitoring_trends.html", context)


def _with_automatic(trend: dict[str, Any]) -> list[dict[str, Any]]:
    """Each rep's human review averages with, beside them, the listening coach's
    automatic shares over every reply they sent in the same weeks (`auto`, None when no
    reply was scored); a monitored rep with scored replies but no review yet gets a row
    too (not a supervisor who replied, say, in a recovery)."""
    since, _ = monitoring.week_bounds(trend["weeks"][0]["start"])
    autos = {row["rep_id"]: row for row in scoring.shares(since)}
    rows = [{**rep, "auto": autos.pop(rep["rep_id"], None)} for rep in trend["reps"]]
    monitored = set(monitoring.reps().filter(pk__in=list(autos)).values_list("pk", flat=True)) if autos else set()
    empty = [None] * len(trend["weeks"])
    rows += [
        {"rep_id": a["rep_id"], "rep": a["rep"], "cells": empty, "auto": a}
        for a in autos.values()
        if a["rep_id"] in monitored
    ]
    return rows


# --- My reviews -------------------------------------------------------------------------


@require_GET
@staff_required
def my_reviews(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    reviews = list(
        access.own_reviews(user)
        .select_related("reviewer", "item__sample", "item__entry__case")
        .order_by("-created_at", "-id")[:100]
    )
    return render(request, "quality/my_reviews.html", {"reviews": reviews})


SETTLED_KINDS = (ReviewEvent.Kind.UPHELD, ReviewEvent.Kind.AMENDED)


def _review_context(
    request: HttpRequest, review: Review, chosen: dict[int, int] | None = None, **extra: Any
) -> dict[str, Any]:
    entry = review.item.entry
    recording = monitoring.recording_of(entry)
    user = user_of(request)
    events = list(review.events.select_related("by"))
    may_settle = user.sees_everything and review.state == ReviewState.DISPUTED and review.rep_id != user.pk
    # The settle form offers the review's own scorecard, each criterion at its score.
    current = {int(k): v for k, v in review.scores.items()}
    criteria = [{**c, "chosen": (chosen or current).get(int(c["id"]))} for c in review.scorecard.criteria]
    return {
        "may_settle": may_settle,
        "settle_criteria": criteria if may_settle else [],
        "scale": list(SCORES),
        "settlement": next((e for e in reversed(events) if e.kind in SETTLED_KINDS), None),
        "review": review,
        "entry": entry,
        "case": entry.case,
        "lines": monitoring.score_lines(review),
        "events": events,
        "week": monitoring.week_label(review.week_start),
        "mine": review.rep_id == user_of(request).pk,
        "recording": recording,
        "playable": bool(recording) and monitoring.playable(recording),
        "auto": monitoring.auto_scores([entry.pk]).get(entry.pk),
        "form": {},
        **extra,
    }


@require_GET
@staff_required
def review_page(request: HttpRequest, review_id: int) -> HttpResponse:
    """A review: for the rep reviewed (who answers it here) and for supervisors."""
    review = access.review_for(user_of(request), review_id)
    return render(request, "quality/review.html", _review_context(request, review))


@require_POST
@staff_required
def review_respond(request: HttpRequest, review_id: int) -> HttpResponse:
    user = user_of(request)
    review = access.review_for(user, review_id)
    action = request.POST.get("action", "")
    comment = request.POST.get("comment", "")
    # The version the rep saw: an answer to a review that changed meanwhile is refused (409).
    version = parse_version(request)
    try:
        if version is None:
            raise VersionRequired("Reload the review and answer again: the form came without its version.")
        if action == "dispute":
            actions.do_dispute_review(review, reason=comment, acting_user=user, expected_version=version)
        elif action == "acknowledge":
            actions.do_acknowledge_review(review, comment=comment, acting_user=user, expected_version=version)
        else:
            raise InvalidInput.field("action", "Acknowledge or dispute the review.")
    except DomainError as exc:
        context = _review_context(request, review, error=exc, form=request.POST)
        return render(request, "quality/review.html", context, status=exc.status)
    done = "Review disputed: supervisors see why." if action == "dispute" else "Review acknowledged."
    messages.success(request, done)
    return redirect(reverse("web:review", args=[review.pk]))


@require_POST
@staff_required
def review_settle(request: HttpRequest, review_id: int) -> HttpResponse:
    """A supervisor settles a disputed review: uphold it, or amend its scores, with a
    comment for the rep."""
    user = _supervisor(request)
    review = access.review_for(user, review_id)
    decision = request.POST.get("decision", "")
    scoring = _scoring_from(request)
    version = parse_version(request)
    try:
        if version is None:
            raise VersionRequired("Reload the review and settle it again: the form came without its version.")
        if decision not in ("uphold", "amend"):
            raise InvalidInput.field("decision", "Uphold the review or amend its scores.")
        actions.do_settle_dispute(
            review,
            amend=decision == "amend",
            comment=request.POST.get("comment", ""),
            scores=scoring.scores,
            acting_user=user,
            expected_version=version,
        )
    except DomainError as exc:
        context = _review_context(request, review, scoring.scores, error=exc, form=request.POST)
        return render(request, "quality/review.html", context, status=exc.status)
    messages.success(request, "Dispute settled: the review was " + ("amended." if decision == "amend" else "upheld."))
    return redirect(reverse("web:review", args=[review.pk]))
