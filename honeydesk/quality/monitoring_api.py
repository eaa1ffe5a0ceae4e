"""API endpoints for random monitoring (mounted on the quality router, /api/v1/monitoring/).

- `GET /monitoring/criteria`: the current scorecard (staff).
- `GET /monitoring/samples`, `POST /monitoring/samples` (draw a week), `GET
  /monitoring/samples/{id}`: supervisors and admins.
- `POST /monitoring/items/{id}/review`: a supervisor scores a sampled item.
- `GET /monitoring/reviews`: supervisors, every review (filters); `GET
  /monitoring/my-reviews`: anyone on staff, their own; `GET /monitoring/reviews/{id}`:
  supervisors and the rep reviewed.
- `POST /monitoring/reviews/{id}/acknowledge|dispute`: the rep reviewed, with the
  review's `version` (409 when it changed).
- `POST /monitoring/reviews/{id}/settle`: a supervisor upholds or amends a disputed
  review, with a comment.
Anyone else gets the 404 of something missing; customers never see a scorecard.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja import Status as Reply

from honeydesk.accounts.models import User
from honeydesk.cases import access as case_access
from honeydesk.lib.apischema import READ_ERRORS, WRITE_ERRORS, In, StrictInt
from honeydesk.lib.errors import InvalidInput, NotFound
from honeydesk.quality import access, actions, monitoring
from honeydesk.quality.models import Review, Sample, SampleItem

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Week = Annotated[str, Field(pattern=r"^\d{4}-W\d{2}$", description="An ISO week, e.g. 2026-W07.")]

router = Router(tags=["monitoring"])


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined, no-any-return]


def _supervisor(user: User) -> None:
    if not user.sees_everything:
        raise NotFound("Not found.")


class CriterionOut(Schema):
    id: int
    name: str
    description: str
    weight: int


class AutoScoreOut(Schema):
    grade: str
    acknowledges: bool
    owns: bool
    timed_next_step: bool
    greeting: bool
    offers_alternatives: bool | None


class ItemOut(Schema):
    id: int
    sample_id: int
    position: int
    entry_id: int
    kind: str = Field(..., description="reply or call")
    case: str
    at: datetime
    text: str = Field(..., description="The reply, or the call's notes.")
    recording_url: str = Field(..., description="The call's recording ('' when there is none).")
    auto_score: AutoScoreOut | None = Field(..., description="Automatic: the listening coach's verdict on a reply.")
    review_id: int | None


class SampleOut(Schema):
    id: int
    rep: str
    week: str
    seed: str
    population: list[int]
    size: int
    drawn_at: datetime
    drawn_by: str | None
    reviewer: str | None = Field(..., description="The supervisor assigned to review it (None: anyone).")
    items: list[ItemOut]


class ScoreOut(Schema):
    id: int
    name: str
    weight: int
    score: int | None


class ReviewEventOut(Schema):
    kind: str
    by: str
    at: datetime
    text: str


class ReviewOut(Schema):
    id: int
    rep: str
    week: str
    item: ItemOut
    reviewer: str
    scorecard_version: int
    scores: list[ScoreOut]
    total: int = Field(..., description="Weighted, 0-100.")
    notes: str
    created_at: datetime
    state: str
    response: str
    responded_at: datetime | None
    version: int
    events: list[ReviewEventOut]


def _auto(score: Any) -> dict[str, Any] | None:
    if score is None:
        return None
    return {
        "grade": score.grade,
        "acknowledges": score.acknowledges,
        "owns": score.owns,
        "timed_next_step": score.timed_next_step,
        "greeting": score.greeting,
        "offers_alternatives": score.offers_alternatives,
    }


def item_dict(item: SampleItem, autos: dict[int, Any], review_id: int | None) -> dict[str, Any]:
    entry = item.entry
    return {
        "id": item.pk,
        "sample_id": item.sample_id,
        "position": item.position,
        "entry_id": entry.pk,
        "kind": "call" if entry.kind == "call" else "reply",
        "case": entry.case.ref,
        "at": entry.created_at,
        "text": entry.body,
        "recording_url": monitoring.recording_of(entry),
        "auto_score": _auto(autos.get(entry.pk)),
        "review_id": review_id,
    }


def _items(sample: Sample) -> list[dict[str, Any]]:
    items = list(sample.items.select_related("entry__case").prefetch_related("entry__attachments").order_by("position"))
    autos = monitoring.auto_scores([i.entry_id for i in items])
    reviewed = dict(Review.objects.filter(item__in=items).values_list("item_id", "pk"))
    return [item_dict(i, autos, reviewed.get(i.pk)) for i in items]


def sample_dict(sample: Sample) -> dict[str, Any]:
    return {
        "id": sample.pk,
        "rep": sample.rep.display_name,
        "week": sample.week,
        "seed": sample.seed,
        "population": sample.population,
        "size": sample.size,
        "drawn_at": sample.drawn_at,
        "drawn_by": sample.drawn_by.display_name if sample.drawn_by else None,
        "reviewer": sample.reviewer.display_name if sample.reviewer else None,
        "items": _items(sample),
    }


def review_dict(review: Review) -> dict[str, Any]:
    autos = monitoring.auto_scores([review.item.entry_id])
    return {
        "id": review.pk,
        "rep": review.rep.display_name,
        "week": monitoring.week_label(review.week_start),
        "item": item_dict(review.item, autos, review.pk),
        "reviewer": review.reviewer.display_name,
        "scorecard_version": review.scorecard.number,
        "scores": monitoring.score_lines(review),
        "total": review.total,
        "notes": review.notes,
        "created_at": review.created_at,
        "state": review.state,
        "response": review.response,
        "responded_at": review.responded_at,
        "version": review.version,
        "events": [
            {"kind": e.kind, "by": e.by.display_name, "at": e.at, "text": e.text}
            for e in review.events.select_related("by")
        ],
    }


def _reviews(rows: QuerySet[Review]) -> QuerySet[Review]:
    return rows.select_related("rep", "reviewer", "scorecard", "item__entry__case")


@router.get("/monitoring/criteria", response={200: list[CriterionOut], **READ_ERRORS}, summary="The scorecard (staff)")
def criteria(request: HttpRequest) -> list[dict[str, Any]]:
    case_access.require_staff(_user(request))
    return monitoring.current_criteria()


class SampleFilters(In):
    week: Week | None = None
    rep: str = Field("", max_length=150, description="A rep's username.")
    assigned_to_me: bool = Field(False, description="Only the samples assigned to me to review.")
    limit: int = Field(50, ge=1, le=200)


@router.get(
    "/monitoring/samples", response={200: list[SampleOut], **READ_ERRORS}, summary="Drawn samples (supervisors)"
)
def list_samples(request: HttpRequest, filters: Query[SampleFilters]) -> list[dict[str, Any]]:
    user = _user(request)
    _supervisor(user)
    rows = access.samples_visible_to(user).select_related("rep", "drawn_by", "reviewer")
    if filters.assigned_to_me:
        rows = rows.filter(reviewer=user)
    if filters.week:
        rows = rows.filter(week_start=monitoring.parse_week(filters.week))
    if filters.rep:
        rows = rows.filter(rep__username=filters.rep)
    return [sample_dict(s) for s in rows.order_by("-week_start", "rep__first_name", "id")[: filters.limit]]


class DrawIn(In):
    week: Week
    rep: str = Field("", max_length=150, description="Only this rep (username); every rep when empty.")


@router.post(
    "/monitoring/samples",
    response={201: list[SampleOut], **WRITE_ERRORS},
    summary="Draw a week's samples now (supervisors); a week drawn already keeps its sample",
)
def draw_samples(request: HttpRequest, payload: DrawIn) -> Reply[list[dict[str, Any]]]:
    user = _user(request)
    _supervisor(user)
    monday = monitoring.parse_week(payload.week)
    if payload.rep:
        rep = monitoring.reps().filter(username=payload.rep).first()
        if rep is None:
            raise InvalidInput.field("rep", "No rep with that username.")
        samples = [actions.do_draw_sample(rep, monday, acting_user=user)]
    else:
        samples = actions.do_draw_week(monday, acting_user=user)
    rows = Sample.objects.filter(pk__in=[s.pk for s in samples]).select_related("rep", "drawn_by", "reviewer")
    return Reply(201, [sample_dict(s) for s in rows.order_by("rep__first_name", "id")])


@router.get("/monitoring/samples/{sample_id}", response={200: SampleOut, **READ_ERRORS}, summary="One sample")
def get_sample(request: HttpRequest, sample_id: Id) -> dict[str, Any]:
    sample = access.sample_for(_user(request), sample_id)
    return sample_dict(Sample.objects.select_related("rep", "drawn_by", "reviewer").get(pk=sample.pk))


class ScoreIn(In):
    criterion: StrictInt = Field(..., ge=1, le=2**63 - 1)
    score: StrictInt = Field(..., ge=1, le=5)


class ReviewIn(In):
    scores: list[ScoreIn] = Field(..., min_length=1, max_length=50, description="Every active criterion, once.")
    notes: str = Field("", max_length=actions.MAX_NOTES, description="Internal to staff.")


@router.post(
    "/monitoring/items/{item_id}/review",
    response={201: ReviewOut, **WRITE_ERRORS},
    summary="Score a sampled item on the current scorecard (supervisors)",
)
def submit_review(request: HttpRequest, item_id: Id, payload: ReviewIn) -> Reply[dict[str, Any]]:
    user = _user(request)
    item = access.sample_item_for(user, item_id)
    scores: dict[int, int] = {}
    for line in payload.scores:
        if line.criterion in scores:
            raise InvalidInput.field(f"scores.{line.criterion}", "Score each criterion once.")
        scores[line.criterion] = line.score
    review = actions.do_submit_review(item, actions.Scoring(scores, payload.notes), acting_user=user)
    return Reply(201, review_dict(_reviews(Review.objects.all()).get(pk=review.pk)))


class ReviewFilters(In):
    state: Literal["", "open", "acknowledged", "disputed", "upheld", "amended"] = ""
    week: Week | None = None
    rep: str = Field("", max_length=150, description="A rep's username.")
    assigned_to_me: bool = Field(False, description="Only the reviews of samples assigned to me.")
    limit: int = Field(50, ge=1, le=200)


@router.get(
    "/monitoring/reviews", response={200: list[ReviewOut], **READ_ERRORS}, summary="Reviews, newest first (supervisors)"
)
def list_reviews(request: HttpRequest, filters: Query[ReviewFilters]) -> list[dict[str, Any]]:
    user = _user(request)
    _supervisor(user)
    rows = _reviews(access.reviews_visible_to(user))
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.week:
        rows = rows.filter(week_start=monitoring.parse_week(filters.week))
    if filters.rep:
        rows = rows.filter(rep__username=filters.rep)
    if filters.assigned_to_me:
        rows = rows.filter(item__sample__reviewer=user)
    return [review_dict(r) for r in rows.order_by("-created_at", "-id")[: filters.limit]]


class MineFilters(In):
    limit: int = Field(50, ge=1, le=200)


@router.get(
    "/monitoring/my-reviews", response={200: list[ReviewOut], **READ_ERRORS}, summary="Reviews of my own work (staff)"
)
def my_reviews(request: HttpRequest, filters: Query[MineFilters]) -> list[dict[str, Any]]:
    user = _user(request)
    case_access.require_staff(user)
    rows = _reviews(access.own_reviews(user))
    return [review_dict(r) for r in rows.order_by("-created_at", "-id")[: filters.limit]]


@router.get("/monitoring/reviews/{review_id}", response={200: ReviewOut, **READ_ERRORS}, summary="One review")
def get_review(request: HttpRequest, review_id: Id) -> dict[str, Any]:
    review = access.review_for(_user(request), review_id)
    return review_dict(review)


class AcknowledgeIn(In):
    version: StrictInt = Field(..., ge=1, le=2**31 - 1, description="The review's version you saw.")
    comment: str = Field("", max_length=actions.MAX_COMMENT)


class DisputeIn(In):
    version: StrictInt = Field(..., ge=1, le=2**31 - 1, description="The review's version you saw.")
    reason: str = Field(..., min_length=1, max_length=actions.MAX_COMMENT, pattern=r"\S")


@router.post(
    "/monitoring/reviews/{review_id}/acknowledge",
    response={200: ReviewOut, **WRITE_ERRORS},
    summary="The rep acknowledges their review",
)
def acknowledge(request: HttpRequest, review_id: Id, payload: AcknowledgeIn) -> dict[str, Any]:
    user = _user(request)
    review = access.review_for(user, review_id)
    actions.do_acknowledge_review(review, comment=payload.comment, acting_user=user, expected_version=payload.version)
    return review_dict(access.review_for(user, review_id))


@router.post(
    "/monitoring/reviews/{review_id}/dispute",
    response={200: ReviewOut, **WRITE_ERRORS},
    summary="The rep disputes their review, saying why",
)
def dispute(request: HttpRequest, review_id: Id, payload: DisputeIn) -> dict[str, Any]:
    user = _user(request)
    review = access.review_for(user, review_id)
    actions.do_dispute_review(review, reason=payload.reason, acting_user=user, expected_version=payload.version)
    return review_dict(access.review_for(user, review_id))


class SettleIn(In):
    version: StrictInt = Field(..., ge=1, le=2**31 - 1, description="The review's version you saw.")
    decision: Literal["uphold", "amend"]
    comment: str = Field(..., min_length=1, max_length=actions.MAX_COMMENT, pattern=r"\S", description="For the rep.")
    scores: list[ScoreIn] = Field(
        default_factory=list, max_length=50, description="amend: every criterion of the review's scorecard, once."
    )


@router.post(
    "/monitoring/reviews/{review_id}/settle",
    response={200: ReviewOut, **WRITE_ERRORS},
    summary="A supervisor settles a disputed review: uphold it, or amend its scores",
)
def settle(request: HttpRequest, review_id: Id, payload: SettleIn) -> dict[str, Any]:
    user = _user(request)
    _supervisor(user)
    review = access.review_for(user, review_id)
    scores: dict[int, int] = {}
    for line in payload.scores:
        if line.criterion in scores:
            raise InvalidInput.field(f"scores.{line.criterion}", "Score each criterion once.")
        scores[line.criterion] = line.score
    actions.do_settle_dispute(
        review,
        amend=payload.decision == "amend",
        comment=payload.comment,
        scores=scores,
        acting_user=user,
        expected_version=payload.version,
    )
    return review_dict(access.review_for(user, review_id))
