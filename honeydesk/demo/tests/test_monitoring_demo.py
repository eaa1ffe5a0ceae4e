"""The demo's monitoring: last week's samples, partly reviewed, some reviews answered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import transaction

from honeydesk.demo import company as demo
from honeydesk.lib import clock
from honeydesk.quality import monitoring
from honeydesk.quality.models import Review, Sample


def _built(seed: int) -> list[tuple]:
    with transaction.atomic():
        demo.build(seed=seed, cases=40, now=NOW)
        rows = [
            ("sample", s.rep.username, s.week_start, s.seed, len(s.population), s.items.count())
            for s in Sample.objects.select_related("rep").order_by("rep__username")
        ]
        rows += [
            ("review", r.rep.username, r.item.entry.body[:20], r.total, r.state, r.response)
            for r in Review.objects.select_related("rep", "item__entry").order_by("id")
        ]
        transaction.set_rollback(True)
    return rows


# A fixed moment: what the demo's reps did "last week" depends on the day and the hour it is
# built (on a Sunday evening only one rep had replies in it), and the test must not.
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # a Wednesday afternoon


@pytest.mark.django_db
def test_it_draws_last_week_and_reviews_part_of_it_deterministically():
    first = _built(2024)
    assert _built(2024) == first
    samples = [r for r in first if r[0] == "sample"]
    reviews = [r for r in first if r[0] == "review"]
    with clock.at(NOW):
        last = monitoring.last_week()
    assert samples and all(r[2] == last for r in samples)
    assert sum(r[5] for r in samples) > len(reviews) > 2  # partly reviewed
    states = [r[4] for r in reviews]
    assert states.count("disputed") == 1 and "acknowledged" in states and "open" in states
