"""Demo monitoring: the week just ended drawn for every rep (as the weekly task would, on
Monday), part of it reviewed by the reps' supervisors, some reviews acknowledged, one
disputed and one dispute settled by its reviewer, all through the real actions.
Deterministic for a seed: the samples' seeds come from it, and reps and items are taken
in order.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from django.utils import timezone

from honeydesk.accounts.models import User
from honeydesk.lib import clock
from honeydesk.quality import actions, monitoring
from honeydesk.quality.models import Review, SampleItem

NOTES = [
    "Warm greeting and a clear next step with a time. Keep it up.",
    "Good fix, but the customer had to repeat the account number: read the history first.",
    "Explained the process well; say when you will call back, not just that you will.",
    "",
]
ANSWERS = ["Thanks, noted.", "", "Fair - I will read the case history first."]
DISPUTE = "The customer asked me not to call back; the promise was in the e-mail that followed."
SETTLED_DISPUTE = "I did give a time: 'by Friday' is in my second reply."
SETTLEMENT = "Upheld: 'by Friday' came two replies after the promise; the first reply had no time. Say it at once."


# Acknowledged, disputed, disputed and settled, and still open: the states a review shows.
ANSWER_KINDS = 4


def _moments(now: datetime) -> tuple[datetime, datetime]:
    """This week's start (local midnight on Monday) and now: the draw and the reviews
    happen between them, in order, however early in the week the demo is built."""
    start, _ = monitoring.week_bounds(monitoring.monday_of(timezone.localdate(now)))
    return start, now


def build(builder: Any) -> None:
    rng = random.Random(f"{builder.seed}:monitoring")
    start, now = _moments(builder.now)
    span = now - start

    def at(fraction: float) -> datetime:
        return start + span * fraction

    with clock.at(at(0.05)):
        monday = monitoring.last_week()
        samples = [
            actions.do_draw_sample(rep, monday, acting_user=None, seed=f"demo-{builder.seed}-{rep.username}")
            for rep in monitoring.reps()
        ]
    supervisors: list[User] = sorted(
        {u for group in builder.supervisors.values() for u in group}, key=lambda u: u.username
    )
    if not supervisors:
        return
    criteria = monitoring.current_criteria()
    if not criteria:
        return
    reviewed: list[Review] = []
    items = (
        SampleItem.objects.filter(sample__in=samples)
        .select_related("sample")
        .order_by("sample__rep__username", "position")
    )
    by_sample: dict[int, list[SampleItem]] = {}
    for item in items:
        by_sample.setdefault(item.sample_id, []).append(item)
    # The first reps' samples are reviewed in part (about half their items); the last rep's
    # waits untouched, as a Monday morning's would. A quiet last week (few reps with work in
    # it) still gets enough reviews to show every answer a rep can give (see below).
    ordered = [s for s in sorted(samples, key=lambda s: s.rep.username) if by_sample.get(s.pk)]
    to_review = ordered[:-1] if len(ordered) > 1 else ordered
    quota = {s.pk: max(1, (len(by_sample[s.pk]) + 1) // 2) for s in to_review}
    for sample in to_review:
        while sum(quota.values()) < ANSWER_KINDS and quota[sample.pk] < len(by_sample[sample.pk]) - 1:
            quota[sample.pk] += 1
    for n, sample in enumerate(to_review):
        for item in by_sample[sample.pk][: quota[sample.pk]]:
            scores = {int(c["id"]): rng.choice([3, 4, 4, 5, 5]) for c in criteria}
            if n % 3 == 1:
                scores[int(criteria[-1]["id"])] = 2  # a promise without a time
            with clock.at(at(0.2 + 0.3 * len(reviewed) / 100)):
                reviewed.append(
                    actions.do_submit_review(
                        item,
                        actions.Scoring(scores, NOTES[len(reviewed) % len(NOTES)]),
                        acting_user=supervisors[n % len(supervisors)],
                    )
                )
    # The reps answer: every other review acknowledged, one disputed and waiting for a
    # supervisor, one disputed and settled (upheld, with the reason), the rest still open.
    for n, review in enumerate(reviewed):
        with clock.at(at(0.6 + 0.3 * n / max(1, len(reviewed)))):
            if n == 1:
                actions.do_dispute_review(review, reason=DISPUTE, acting_user=review.rep)
            elif n == 2:
                actions.do_dispute_review(review, reason=SETTLED_DISPUTE, acting_user=review.rep)
            elif n % 2 == 0:
                actions.do_acknowledge_review(review, comment=ANSWERS[n % len(ANSWERS)], acting_user=review.rep)
        if n == 2:
            with clock.at(at(0.95)):  # the reviewer reads the dispute and keeps the scores
                actions.do_settle_dispute(review, amend=False, comment=SETTLEMENT, acting_user=review.reviewer)
