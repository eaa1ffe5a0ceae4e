"""Demo surveys and recoveries, written through the real actions after the cases' stories.

The stories' resolutions already asked their customers (`quality.listeners`); here some
of those customers answer, a few of them unhappily, so the Recovery queue shows open
items (one overdue) and completed ones (a supervisor's call and its outcome on record).
Deterministic for a seed.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from honeydesk.cases.models import Status
from honeydesk.lib import clock
from honeydesk.quality import actions
from honeydesk.quality.models import Recovery, Survey

H = timedelta(hours=1)

HAPPY = ["Quick and friendly, thank you.", "Sorted in one go.", "", "Clear explanation, much appreciated."]
UNHAPPY = [
    "It took three calls to get anyone to listen.",
    "Still not working, and nobody told me what happens next.",
    "The answer did not match my question.",
]
CALLS = [
    "Called the customer, apologised for the wait and walked through the fix together; it works now.",
    "Called back: explained the charge line by line and offered a goodwill credit, which they accepted.",
]


def build(builder: Any) -> None:
    rng = random.Random(f"{builder.seed}:quality")
    now = builder.now
    asked = list(
        Survey.objects.filter(answered_at__isnull=True, superseded_at__isnull=True, created_at__lt=now - 6 * H)
        .select_related("case")
        .order_by("id")
    )
    answered: list[Survey] = []
    for n, survey in enumerate(asked):
        if rng.random() > 0.7:
            continue
        unhappy = n % 4 == 1
        rating = rng.choice([1, 2, 3]) if unhappy else rng.choice([4, 5, 5])
        solved = not unhappy or rng.random() < 0.5
        at = min(survey.created_at + timedelta(hours=rng.randint(1, 30)), now - 5 * H, survey.expires_at - H)
        if at <= survey.created_at:
            continue
        comment = rng.choice(UNHAPPY if unhappy else HAPPY)
        with clock.at(at):
            answered.append(
                actions.do_answer_survey(survey, actions.Answer(rating, solved, comment), via=Survey.Via.LINK)
            )
    # Supervisors call back half the unhappy customers whose cases are still resolved.
    recoveries = Recovery.objects.filter(closed_at__isnull=True).select_related("case", "survey").order_by("id")
    for n, recovery in enumerate(recoveries):
        if n % 2 or recovery.case.status != Status.RESOLVED:
            continue
        supervisors = builder.supervisors.get(recovery.department.slug) or [
            u for group in builder.supervisors.values() for u in group
        ]
        if not supervisors:
            return
        outcome = "resolved" if n % 4 == 0 else "credit_offered"
        with clock.at(min(recovery.opened_at + 2 * H, now - H)):
            actions.do_record_contact(
                recovery,
                actions.Contacted(outcome=outcome, write="call", text=CALLS[(n // 2) % 2], note="Customer calmer."),
                acting_user=rng.choice(supervisors),
            )
