"""Every change the quality loop makes is an action here (`do_*`, one transaction).

Entries on a case go through `honeydesk.cases.timeline` (lock, add_event, touch) and
the case actions, never straight into the table. Callers fetch what they act on through
`honeydesk.quality.access` (or a survey link, `links.open_link`) first.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from honeydesk.accounts.models import Contact, Role, User
from honeydesk.cases import actions as case_actions
from honeydesk.cases import timeline
from honeydesk.cases.models import Channel, Status, TimelineEntry
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput, InvalidTransition, NotFound, StaleVersion
from honeydesk.lib.storable import bad_text
from honeydesk.quality import config, monitoring
from honeydesk.quality import recovery as recovery_rules
from honeydesk.quality.models import (
    CLOSING_OUTCOMES,
    SCORES,
    Recovery,
    RecoveryContact,
    RecoveryOutcome,
    Review,
    ReviewEvent,
    ReviewState,
    Sample,
    SampleItem,
    Survey,
    SurveyOptOut,
)

MAX_COMMENT = 4000


@dataclass(frozen=True)
class Answer:
    rating: int
    solved: bool
    comment: str = ""


def check_answer(answer: Answer) -> Answer:
    fields: dict[str, list[str]] = {}
    if isinstance(answer.rating, bool) or not isinstance(answer.rating, int) or not 1 <= answer.rating <= 5:
        fields["rating"] = ["Choose a rating from 1 to 5."]
    if not isinstance(answer.solved, bool):
        fields["solved"] = ["Say whether your problem was solved."]
    comment = (answer.comment or "").strip()
    if len(comment) > MAX_COMMENT:
        fields["comment"] = [f"Keep the comment under {MAX_COMMENT} characters."]
    if "\x00" in comment:
        fields["comment"] = ["The comment contains a character we cannot store."]
    if fields:
        raise InvalidInput("Please check the survey.", fields=fields)
    return Answer(answer.rating, answer.solved, comment)


def _answer_text(answer: Answer) -> str:
    text = f"Survey answer: {answer.rating} of 5 · problem solved: {'yes' if answer.solved else 'no'}"
    return f"{text}\n\n{answer.comment}" if answer.comment else text


def do_answer_survey(survey: Survey, answer: Answer, *, via: str, acting_user: User | None = None) -> Survey:
    """Store the answer once, put it on the case's timeline (public: the customer's own
    words) and open a recovery when the customer is unhappy. A second answer, or one on
    a withdrawn or expired survey, is refused (409) with nothing written."""
    answer = check_answer(answer)
    now = clock.now()
    with transaction.atomic():
        case = timeline.lock(survey.case)
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.answered:
            raise InvalidTransition("This survey has been answered already. Thank you!", code="already_answered")
        if survey.superseded_at is not None:
            raise InvalidTransition("The case was reopened, so this survey no longer applies.", code="withdrawn")
        if survey.expires_at <= now:
            raise InvalidTransition("This survey has expired.", code="expired")
        contact_name = survey.contact.name if survey.contact_id and survey.contact else ""
        entry = timeline.add_event(
            case,
            TimelineEntry.Event.SURVEY_ANSWERED,
            acting_user=acting_user,
            author_name="" if acting_user else (contact_name or "The customer"),
            channel=Channel.PORTAL if via == Survey.Via.PORTAL else Channel.EMAIL,
            public=True,
            body=_answer_text(answer),
            data={"survey_id": survey.pk, "rating": answer.rating, "solved": answer.solved},
            at=now,
        )
        survey.answered_at = now
        survey.rating = answer.rating
        survey.solved = answer.solved
        survey.comment = answer.comment
        survey.answered_via = via
        survey.answered_by = acting_user
        survey.answer_entry = entry
        survey.remind_at = None
        survey.save(
            update_fields=[
                "answered_at",
                "rating",
                "solved",
                "comment",
                "answered_via",
                "answered_by",
                "answer_entry",
                "remind_at",
            ]
        )
        if survey.unhappy:
            recovery_rules.open_for(survey)
        timeline.touch(case, [], now)
    return survey


def do_reopen_from_survey(survey: Survey, *, acting_user: User | None = None) -> Survey:
    """The customer said "not solved" and asks us to pick the case up again: reopen it
    (within the reopen window; after it, the customer writes a new request)."""
    with transaction.atomic():
        case = timeline.lock(survey.case)
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.solved is not False or survey.reopen_requested_at is not None:
            raise InvalidTransition("This survey does not ask to reopen the case.")
        if case.status != Status.RESOLVED:
            raise InvalidTransition(f"{case.ref} is {case.get_status_display().lower()}, not resolved.")
        timeline.reopen(
            case,
            acting_user=acting_user,
            channel=Channel.PORTAL if acting_user else Channel.EMAIL,
            why="The customer said in the survey that the problem is not solved.",
            public=True,
        )
        survey.reopen_requested_at = clock.now()
        survey.save(update_fields=["reopen_requested_at"])
        timeline.touch(case, ["status", "resolved_at"])
    return survey


def do_opt_out(contact: Contact, *, via: str) -> SurveyOptOut:
    """No more surveys for this contact; unsent reminders are dropped. Saying it twice
    keeps the first record."""
    with transaction.atomic():
        opt_out, _ = SurveyOptOut.objects.get_or_create(
            contact=contact, defaults={"via": via, "created_at": clock.now()}
        )
        Survey.objects.filter(contact=contact, remind_at__isnull=False).update(remind_at=None)
    return opt_out


# --- recovery -------------------------------------------------------------------------

CONTACT_KINDS = (TimelineEntry.Kind.CALL, TimelineEntry.Kind.OUTBOUND)


@dataclass(frozen=True)
class Contacted:
    """What a supervisor records: the call or reply on the case (an entry already there,
    `entry_id`, or one written now: `call` / `reply` with `text`), the outcome, a note."""

    outcome: str
    entry_id: int | None = None
    write: str = ""  # "call" or "reply": write the entry now
    text: str = ""
    note: str = ""


def _check_contacted(contacted: Contacted) -> None:
    fields: dict[str, list[str]] = {}
    if contacted.outcome not in RecoveryOutcome.values:
        fields["outcome"] = ["Choose an outcome."]
    if contacted.entry_id is None and contacted.write not in ("call", "reply"):
        fields["contact"] = ["Link the call or reply, or write it here."]
    if contacted.entry_id is None and contacted.write and not contacted.text.strip():
        fields["text"] = ["Say what was said (the call summary or the reply)."]
    if len(contacted.note) > MAX_COMMENT or "\x00" in contacted.note:
        fields["note"] = [f"Keep the note under {MAX_COMMENT} characters."]
    if fields:
        raise InvalidInput("Please check the contact you record.", fields=fields)


def do_record_contact(
    recovery: Recovery, contacted: Contacted, *, acting_user: User, expected_version: int | None = None
) -> RecoveryContact:
    """A supervisor contacted the customer (or tried): linked to the call or reply on
    the case. "No answer - try again" keeps the recovery open; any other outcome closes
    it. The outcome and note go on the case as an internal entry."""
    if not acting_user.sees_everything:
        raise NotFound("Not found.")
    _check_contacted(contacted)
    now = clock.now()
    with transaction.atomic():
        recovery = Recovery.objects.select_for_update().select_related("case").get(pk=recovery.pk)
        if expected_version is not None and expected_version != recovery.version:
            raise StaleVersion("Someone recorded a contact on this recovery since you loaded it; reload it.")
        if not recovery.is_open:
            raise InvalidTransition("This recovery is closed already.")
        case = recovery.case
        if contacted.entry_id is not None:
            entry = (
                TimelineEntry.objects.filter(
                    pk=contacted.entry_id, case=case, kind__in=CONTACT_KINDS, author__isnull=False
                )
                .filter(created_at__gte=recovery.opened_at)
                .first()
            )
            if entry is None:
                raise InvalidInput.field("entry_id", "Link a call or reply on this case made since the survey answer.")
        elif contacted.write == "call":
            entry = case_actions.do_log_call(
                case, body=contacted.text, acting_user=acting_user, direction="outbound", channel=Channel.PHONE
            )
        else:
            entry = case_actions.do_add_reply(case, body=contacted.text, acting_user=acting_user)
        outcome = RecoveryOutcome(contacted.outcome)
        row = RecoveryContact.objects.create(
            recovery=recovery, entry=entry, outcome=outcome, note=contacted.note.strip(), by=acting_user, at=now
        )
        closing = outcome in CLOSING_OUTCOMES
        Recovery.objects.filter(pk=recovery.pk).update(
            attempts=recovery.attempts + 1,
            version=recovery.version + 1,
            closed_at=now if closing else None,
            closed_by=acting_user if closing else None,
            outcome=outcome.value if closing else "",
        )
        case = timeline.lock(case)
        body = f"Recovery contact ({'call' if entry.kind == TimelineEntry.Kind.CALL else 'reply'}): {outcome.label}."
        if contacted.note.strip():
            body += f"\n\n{contacted.note.strip()}"
        timeline.add_event(
            case,
            TimelineEntry.Event.RECOVERY_CONTACT,
            acting_user=acting_user,
            channel=Channel.WORKSPACE,
            body=body,
            data={"recovery_id": recovery.pk, "entry_id": entry.pk, "outcome": outcome.value},
            at=now,
        )
        timeline.touch(case, [], now)
    return row


# --- random monitoring ----------------------------------------------------------------

MAX_NOTES = 4000


def do_draw_sample(rep: User, monday: date, *, acting_user: User | None, seed: str | None = None) -> Sample:
    """Draw `rep`'s sample for the ISO week starting `monday`: record the population and a
    fresh random seed (or `seed`, for reproducible demo data), the items they pick, and
    the supervisor who reviews it (`monitoring.reviewers`). A week already drawn for
    this rep keeps its sample: the one on record is returned."""
    return _draw(rep, monday, acting_user=acting_user, seed=seed, reviewers=None)


def _draw(
    rep: User,
    monday: date,
    *,
    acting_user: User | None,
    seed: str | None,
    reviewers: dict[int, User | None] | None,
) -> Sample:
    if rep.role != Role.AGENT:
        raise InvalidInput.field("rep", "Only reps (agents) are monitored.")
    if monday.weekday() != 0:
        raise InvalidInput.field("week", "A week starts on a Monday.")
    if monday > monitoring.this_week():
        raise InvalidInput.field("week", "That week has not started yet.")
    existing = Sample.objects.filter(rep=rep, week_start=monday).first()
    if existing is not None:
        return existing
    ids = monitoring.population(rep, monday)
    size = config.current().monitoring_sample_size
    if reviewers is None or rep.pk not in reviewers:
        reviewers = monitoring.reviewers(monday, extra=[rep])
    chosen_seed = seed or secrets.token_hex(16)
    try:
        with transaction.atomic():
            sample = Sample.objects.create(
                rep=rep,
                week_start=monday,
                seed=chosen_seed,
                population=ids,
                size=size,
                drawn_at=clock.now(),
                drawn_by=acting_user,
                reviewer=reviewers.get(rep.pk),
            )
            SampleItem.objects.bulk_create(
                SampleItem(sample=sample, entry_id=entry_id, position=n)
                for n, entry_id in enumerate(monitoring.pick(chosen_seed, ids, size), start=1)
            )
    except IntegrityError:  # drawn at the same moment by the weekly task or another supervisor
        return Sample.objects.get(rep=rep, week_start=monday)
    return sample


def do_draw_week(monday: date, *, acting_user: User | None) -> list[Sample]:
    """Every rep's sample for the week (drawn now where not drawn yet)."""
    reviewers = monitoring.reviewers(monday)
    return [_draw(rep, monday, acting_user=acting_user, seed=None, reviewers=reviewers) for rep in monitoring.reps()]


@dataclass(frozen=True)
class Scoring:
    """A reviewer's scores: {criterion id: 1-5} for every active criterion, and notes."""

    scores: dict[int, int]
    notes: str = ""


def _check_scoring(scoring: Scoring, criteria: list[dict[str, Any]]) -> dict[str, int]:
    fields: dict[str, list[str]] = {}
    if not criteria:
        raise InvalidInput("The scorecard has no active criteria; an admin must add some first.")
    wanted = {int(c["id"]) for c in criteria}
    given = dict(scoring.scores)
    for key in sorted(set(given) - wanted):
        fields[f"scores.{key}"] = ["Not a criterion of the current scorecard."]
    for c in criteria:
        score = given.get(int(c["id"]))
        if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
            fields[f"scores.{c['id']}"] = [f"Score “{c['name']}” from 1 to 5."]
    if len(scoring.notes) > MAX_NOTES or bad_text(scoring.notes):
        fields["notes"] = [f"Keep the notes under {MAX_NOTES} characters of plain text."]
    if fields:
        raise InvalidInput("Please check the scorecard.", fields=fields)
    return {str(c["id"]): given[int(c["id"])] for c in criteria}


def do_submit_review(
    item: SampleItem, scoring: Scoring, *, acting_user: User, expected_scorecard: str | None = None
) -> Review:
    """A supervisor scores one sampled item on the current scorecard (its version is kept
    on the review). One review per item: a second is refused (409). With
    `expected_scorecard` (the digest of the criteria the form showed), a scorecard that
    changed meanwhile is refused too (409), so nobody's scores land on criteria they did
    not see. Internal: nothing is written on the case's timeline."""
    if not acting_user.sees_everything:
        raise NotFound("Not found.")
    now = clock.now()
    with transaction.atomic():
        item = SampleItem.objects.select_for_update().select_related("sample").get(pk=item.pk)
        criteria = monitoring.current_criteria()
        if expected_scorecard is not None and expected_scorecard != monitoring.scorecard_digest(criteria):
            raise StaleVersion("The scorecard changed since you opened this item; reload it and score again.")
        scores = _check_scoring(scoring, criteria)
        if Review.objects.filter(item=item).exists():
            raise InvalidTransition("This item has been reviewed already.", code="already_reviewed")
        if item.sample.rep_id == acting_user.pk:
            raise InvalidInput("Nobody reviews their own work.")
        review = Review.objects.create(
            item=item,
            rep_id=item.sample.rep_id,
            week_start=item.sample.week_start,
            reviewer=acting_user,
            scorecard=monitoring.scorecard_version(criteria, now),
            scores=scores,
            total=monitoring.weighted_total(criteria, scores),
            notes=scoring.notes.strip(),
            created_at=now,
        )
        ReviewEvent.objects.create(review=review, kind=ReviewEvent.Kind.SUBMITTED, by=acting_user, at=now)
    return review


def _respond(
    review: Review, state: ReviewState, text: str, *, acting_user: User, expected_version: int | None
) -> Review:
    # Only the rep reviewed answers; to anyone else the review is not theirs to answer.
    if review.rep_id != acting_user.pk:
        raise NotFound("Not found.")
    if len(text) > MAX_COMMENT or bad_text(text):
        raise InvalidInput.field(
            "reason" if state == ReviewState.DISPUTED else "comment", "Keep it under 4000 characters of plain text."
        )
    now = clock.now()
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if expected_version is not None and expected_version != review.version:
            raise StaleVersion("This review changed since you loaded it; reload it.")
        if review.state != ReviewState.OPEN:
            raise InvalidTransition(f"You have {review.get_state_display().lower()} this review already.")
        Review.objects.filter(pk=review.pk).update(
            state=state, responded_at=now, response=text, version=review.version + 1
        )
        kind = ReviewEvent.Kind.DISPUTED if state == ReviewState.DISPUTED else ReviewEvent.Kind.ACKNOWLEDGED
        ReviewEvent.objects.create(review=review, kind=kind, by=acting_user, at=now, text=text)
        review.refresh_from_db()
    return review


def do_acknowledge_review(
    review: Review, *, comment: str = "", acting_user: User, expected_version: int | None = None
) -> Review:
    """The rep has read their review (a comment is optional)."""
    return _respond(
        review, ReviewState.ACKNOWLEDGED, comment.strip(), acting_user=acting_user, expected_version=expected_version
    )


def do_dispute_review(review: Review, *, reason: str, acting_user: User, expected_version: int | None = None) -> Review:
    """The rep disagrees with their review and says why; supervisors see the dispute."""
    if not reason.strip():
        raise InvalidInput.field("reason", "Say why you dispute the review.")
    return _respond(
        review, ReviewState.DISPUTED, reason.strip(), acting_user=acting_user, expected_version=expected_version
    )


def do_settle_dispute(
    review: Review,
    *,
    amend: bool,
    comment: str,
    scores: dict[int, int] | None = None,
    acting_user: User,
    expected_version: int | None = None,
) -> Review:
    """A supervisor settles a rep's dispute, with a comment saying why (the rep reads it):
    uphold the review as it stands, or amend its scores on the scorecard it was written
    on (the total is worked out again, so trends follow). Either way a `ReviewEvent`
    records it; an amendment's text starts with what changed, so the old scores stay
    on record. Only a disputed review is settled, once (409 otherwise, or when it
    changed since the form was loaded); nobody settles a dispute about their own work."""
    if not acting_user.sees_everything or review.rep_id == acting_user.pk:
        raise NotFound("Not found.")
    comment = comment.strip()
    if not comment:
        raise InvalidInput.field("comment", "Say why, so the rep knows how their dispute was settled.")
    if len(comment) > MAX_COMMENT or bad_text(comment):
        raise InvalidInput.field("comment", f"Keep it under {MAX_COMMENT} characters of plain text.")
    now = clock.now()
    with transaction.atomic():
        review = Review.objects.select_for_update().select_related("scorecard").get(pk=review.pk)
        if expected_version is not None and expected_version != review.version:
            raise StaleVersion("This review changed since you loaded it; reload it.")
        if review.state != ReviewState.DISPUTED:
            raise InvalidTransition("Only a disputed review can be settled.", code="not_disputed")
        text = comment
        changes: dict[str, Any] = {}
        if amend:
            criteria: list[dict[str, Any]] = review.scorecard.criteria
            new = _check_scoring(Scoring(dict(scores or {})), criteria)
            old: dict[str, int] = review.scores
            changed = [c for c in criteria if old.get(str(c["id"])) != new[str(c["id"])]]
            if not changed:
                raise InvalidInput("Change at least one score to amend the review, or uphold it.")
            total = monitoring.weighted_total(criteria, new)
            lines = "; ".join(f"{c['name']} {old.get(str(c['id']), '—')} → {new[str(c['id'])]}" for c in changed)
            text = f"Total {review.total} → {total} ({lines}).\n\n{comment}"
            changes = {"scores": new, "total": total}
        state = ReviewState.AMENDED if amend else ReviewState.UPHELD
        Review.objects.filter(pk=review.pk).update(state=state, version=review.version + 1, **changes)
        kind = ReviewEvent.Kind.AMENDED if amend else ReviewEvent.Kind.UPHELD
        ReviewEvent.objects.create(review=review, kind=kind, by=acting_user, at=now, text=text)
        review.refresh_from_db()
    return review
