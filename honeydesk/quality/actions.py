"""Every change the quality loop makes is an action here (`do_*`, one transaction).

Entries on a case go through `honeydesk.cases.timeline` (lock, add_event, touch) and
the case actions, never straight into the table. Callers fetch what they act on through
`honeydesk.quality.access` (or a survey link, `links.open_link`) first.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from honeydesk.accounts.models import Contact, User
from honeydesk.cases import actions as case_actions
from honeydesk.cases import timeline
from honeydesk.cases.models import Channel, Status, TimelineEntry
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput, InvalidTransition, NotFound, StaleVersion
from honeydesk.quality import recovery as recovery_rules
from honeydesk.quality.models import (
    CLOSING_OUTCOMES,
    Recovery,
    RecoveryContact,
    RecoveryOutcome,
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
