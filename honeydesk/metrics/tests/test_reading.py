"""Reading the roll-ups: every period covered exactly once by months, weeks and days, and
the dashboard's queries constant in number whatever the data and the period."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from honeydesk.metrics import queries, rollups
from honeydesk.metrics.definitions import metric
from honeydesk.metrics.models import Rollup

pytestmark = pytest.mark.django_db

FIRST = date(2025, 1, 1)
DAYS = 480


def _seed(desk: Any, *, reps: list[int], days: int = DAYS, hours: tuple[int, ...] = (9,)) -> None:
    """One row per day, rep and hour: `first_response` counted once with the day's number
    as its total (so any sum says which days were read), and a contact at each hour."""
    rows = []
    for n in range(days):
        day = FIRST + timedelta(days=n)
        for rep in reps:
            rows.append(
                Rollup(
                    day=day,
                    hour=0,
                    rep_id=rep,
                    department_id=desk.billing.pk,
                    request_type_id=desk.billing_type.pk,
                    channel="email",
                    measure="first_response",
                    count=1,
                    total=n,
                )
            )
        for hour in hours:
            rows.append(
                Rollup(
                    day=day,
                    hour=hour,
                    rep_id=0,
                    department_id=desk.billing.pk,
                    request_type_id=desk.billing_type.pk,
                    channel="phone",
                    measure="contacts",
                    count=1,
                )
            )
    Rollup.objects.bulk_create(rows, batch_size=2000)
    rollups.derive()


def test_it_covers_any_period_with_each_day_read_exactly_once(desk: Any) -> None:
    _seed(desk, reps=[desk.billing_agent.pk])
    m = metric("first_response")
    rnd = random.Random(7)
    spans = [
        (0, DAYS - 1),
        (31, 31),
        (59, 59 + 364),
        (3, 9),
        *[tuple(sorted(rnd.sample(range(DAYS), 2))) for _ in range(25)],
    ]
    for a, b in spans:
        f = queries.Filters(start=FIRST + timedelta(days=a), end=FIRST + timedelta(days=b))
        found = queries.tables(f, [m], ["total", "day", "week", "month"])
        # Days a..b: b - a + 1 responses, totals a + ... + b.
        assert [c[1:] for c in found["total"][0].cells] == [
            (sum(range(a, b + 1)) / (b - a + 1), m.shown(b - a + 1, sum(range(a, b + 1))))
        ]
        for step in ("day", "week", "month"):
            expected: dict[date, list[int]] = {}
            for n in range(a, b + 1):
                key = queries.bucket_of(FIRST + timedelta(days=n), step)
                expected.setdefault(key, []).append(n)
            got = {row.key: row.cells[0][1] for row in found[step]}
            assert got == {k: sum(v) / len(v) for k, v in expected.items()}, (a, b, step)
        heat = queries.heatmap(f)
        assert sum(map(sum, heat)) == b - a + 1 and sum(heat[d][9] for d in range(7)) == b - a + 1


def test_it_reads_the_dashboard_in_the_same_queries_whatever_the_data_and_period(desk: Any, clock: Any) -> None:
    clock.move_to("2026-04-24 12:00:00+00:00")  # the seeded days end on 2026-04-25
    client = desk.client(desk.supervisor)
    client.get("/desk/metrics/?period=week")  # the session's one-off bookkeeping

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    _seed(desk, reps=[desk.billing_agent.pk])
    small = {period: count(f"/desk/metrics/?period={period}") for period in queries.PERIODS}
    Rollup.objects.all().delete()
    _seed(desk, reps=[desk.billing_agent.pk, desk.repair_agent.pk, desk.supervisor.pk], hours=(8, 9, 10, 14))
    large = {period: count(f"/desk/metrics/?period={period}") for period in queries.PERIODS}
    assert small == large
    assert len(set(large.values())) == 1, large  # a year costs what a week costs
    assert large["year"] <= 14, large
