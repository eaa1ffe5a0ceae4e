"""The quality loop's figures on the metrics dashboards: satisfaction, survey response
and recovery completion, plugged into `honeydesk.metrics` through its registration point
(`register_source`, `register_metric`), so they are defined once like every other metric
and kept in the same roll-ups.

The common rules of `honeydesk.metrics.definitions` hold: department and request type
are the case's now, the channel is the one the case came in on. Every change these
figures depend on (a survey asked on resolution, withdrawn on reopening, answered; a
recovery opened by an unhappy answer, closed by a contact) happens in an action that puts
an entry on the case, so the entries hook marks the case for the roll-ups; an expiring
survey changes nothing here (an unanswered survey counts as unanswered until answered).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from django.utils import timezone

from honeydesk.cases.models import Case
from honeydesk.metrics.definitions import Context, Fact, Metric, register_metric, register_source
from honeydesk.quality.models import SATISFIED, Recovery, Survey

METRICS = [
    Metric(
        "satisfaction",
        "Satisfaction (mean rating)",
        "satisfaction",
        "score",
        "The mean of survey ratings (1 to 5), on the day each answer came in. Counts for the rep who"
        " owned the case when it was resolved (the resolution the survey asked about).",
    ),
    Metric(
        "satisfied",
        "Satisfied customers (4-5)",
        "satisfied",
        "ratio",
        "Of the surveys answered, the share rated 4 or 5, on the day each answer came in. Counts for"
        " the rep who owned the case when it was resolved.",
    ),
    Metric(
        "survey_response",
        "Survey response rate",
        "survey_response",
        "ratio",
        "Of the surveys asked (one per resolution, on the day of the resolution), the share answered."
        " A survey withdrawn unanswered because the customer reopened the case is not counted; one"
        " not answered yet counts as unanswered, so the last days rise as answers come in. Counts"
        " for the rep who owned the case when it was resolved.",
    ),
    Metric(
        "recovery_closed",
        "Recoveries completed",
        "recovery_closed",
        "ratio",
        "Of the recoveries opened (an answer below 4 or 'not solved', on the day it came in), the share"
        " a supervisor closed with an outcome ('no answer - try again' keeps one open). Supervisors'"
        " work, so nobody's as a rep and shown to supervisors only.",
        supervisors_only=True,
    ),
    Metric(
        "recovery_on_time",
        "Recoveries completed in time",
        "recovery_on_time",
        "ratio",
        "Of the recoveries opened, the share closed by their due time (one business day of the"
        " department's calendar after the answer). On the day each was opened; shown to supervisors"
        " only.",
        supervisors_only=True,
    ),
]


def _fact(case: Case, moment: datetime, rep: int, measure: str, count: int, total: int) -> Fact:
    day = timezone.localtime(moment).date()
    return Fact(day, 0, rep, case.department_id, case.request_type_id, case.channel, measure, count, total)


def survey_facts(cases: Sequence[Case], ctx: Context) -> Iterator[tuple[int, Fact]]:
    """The facts of these cases' surveys and recoveries (see `METRICS` for the rules)."""
    by_id = {c.pk: c for c in cases}
    surveys = Survey.objects.filter(case_id__in=by_id).values_list(
        "case_id", "owner_id", "created_at", "superseded_at", "answered_at", "rating"
    )
    for case_id, owner_id, created_at, superseded_at, answered_at, rating in surveys:
        case, rep = by_id[case_id], owner_id or 0
        if answered_at is not None and rating is not None:
            yield case_id, _fact(case, answered_at, rep, "satisfaction", 1, rating)
            yield case_id, _fact(case, answered_at, rep, "satisfied", 1, 1 if rating >= SATISFIED else 0)
        if answered_at is not None or superseded_at is None:
            yield case_id, _fact(case, created_at, rep, "survey_response", 1, 1 if answered_at is not None else 0)
    recoveries = Recovery.objects.filter(case_id__in=by_id).values_list("case_id", "opened_at", "due_at", "closed_at")
    for case_id, opened_at, due_at, closed_at in recoveries:
        case = by_id[case_id]
        yield case_id, _fact(case, opened_at, 0, "recovery_closed", 1, 1 if closed_at is not None else 0)
        on_time = closed_at is not None and closed_at <= due_at
        yield case_id, _fact(case, opened_at, 0, "recovery_on_time", 1, 1 if on_time else 0)


def register() -> None:
    register_source("quality.surveys")(survey_facts)
    for metric in METRICS:
        register_metric(metric)
