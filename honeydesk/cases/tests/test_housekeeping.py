"""The worker's housekeeping: resolved cases close once the reopen window has passed;
SQLite's planner statistics are refreshed."""

from __future__ import annotations

import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from honeydesk.cases import actions, housekeeping
from honeydesk.cases.models import Case, Status, TimelineEntry
from honeydesk.lib import clock

Event = TimelineEntry.Event


@pytest.fixture(autouse=True)
def _window(settings):
    settings.REOPEN_WINDOW_DAYS = 14


def new_case(cast, subject: str) -> Case:
    return actions.do_open_case(
        actions.Opening(
            contact=cast.alice_contact,
            request_type=cast.billing_type,
            subject=subject,
            body="Please look into it.",
            account=cast.alice_account,
            channel="portal",
        ),
        acting_user=cast.alice,
    )


def resolve(cast, case: Case, days_ago: float) -> Case:
    with clock.at(clock.now() - timedelta(days=days_ago)):
        return actions.do_resolve(case, note="Sorted", acting_user=cast.billing_agent)


def test_it_closes_resolved_cases_past_the_window_and_leaves_the_rest(cast):
    old = resolve(cast, cast.alice_case, days_ago=15)
    recent = resolve(cast, cast.bob_case, days_ago=13)
    untouched = new_case(cast, "Still new")
    pending = new_case(cast, "Waiting on the customer")
    actions.do_assign(pending, cast.billing_agent, acting_user=cast.billing_agent)
    actions.do_set_pending(pending, acting_user=cast.billing_agent)

    assert housekeeping.close_resolved_past_window() == 1

    old = cast.fresh(old)
    assert old.status == Status.CLOSED and old.closed_at is not None
    entry = old.entries.filter(event=Event.CLOSED).get()
    assert (entry.author, entry.channel, entry.visibility) == (None, "system", "public")
    assert "14-day window" in entry.body
    assert cast.fresh(recent).status == Status.RESOLVED
    assert cast.fresh(untouched).status == Status.NEW
    assert cast.fresh(pending).status == Status.PENDING
    assert housekeeping.close_resolved_past_window() == 0  # nothing twice


def test_it_closes_as_of_the_time_it_is_given(cast):
    case = resolve(cast, cast.alice_case, days_ago=13)
    later = clock.now() + timedelta(days=2)
    assert housekeeping.close_resolved_past_window(now=later) == 1
    assert cast.fresh(case).closed_at == later


def test_it_reads_in_batches_and_skips_a_case_that_fails(cast, monkeypatch, caplog):
    cases = [resolve(cast, new_case(cast, f"Old {i}"), days_ago=30) for i in range(3)]
    bad = cases[1]
    real_close = actions.do_close

    def flaky_close(case: Case, *, acting_user):
        if case.pk == bad.pk:
            raise RuntimeError("disk full")
        return real_close(case, acting_user=acting_user)

    monkeypatch.setattr(actions, "do_close", flaky_close)
    with caplog.at_level(logging.ERROR, logger="honeydesk.cases.housekeeping"):
        assert housekeeping.close_resolved_past_window(batch=1) == 2
    assert [cast.fresh(c).status for c in cases] == [Status.CLOSED, Status.RESOLVED, Status.CLOSED]
    assert f"closing case {bad.pk} failed" in caplog.text
    assert not cast.fresh(bad).entries.filter(event=Event.CLOSED).exists()  # its transaction rolled back

    monkeypatch.setattr(actions, "do_close", real_close)
    assert housekeeping.close_resolved_past_window() == 1  # the next run tries it again


def test_it_stops_when_asked(cast):
    resolve(cast, cast.alice_case, days_ago=30)
    assert housekeeping.close_resolved_past_window(stop=lambda: True) == 0
    assert cast.fresh(cast.alice_case).status == Status.RESOLVED


@pytest.mark.django_db
def test_it_refreshes_the_planner_statistics_on_sqlite_only():
    with CaptureQueriesContext(connection) as queries:
        housekeeping.refresh_planner_statistics()
    sql = [q["sql"] for q in queries.captured_queries]
    assert sql == (["PRAGMA optimize"] if connection.vendor == "sqlite" else [])


def test_the_worker_does_the_housekeeping(cast):
    resolve(cast, cast.alice_case, days_ago=20)
    call_command("worker", "--once", "--no-mail", stdout=StringIO())
    assert cast.fresh(cast.alice_case).status == Status.CLOSED


def test_a_round_stops_when_its_time_is_up_and_says_so(cast, monkeypatch):
    """A backlog of cases to close must not keep the worker from the mail: a round
    ends after its time and reports that cases are left for the next one."""
    cases = [cast.alice_case, cast.bob_case, new_case(cast, "third")]
    for case in cases:
        resolve(cast, case, days_ago=30)
    ticks = iter(range(0, 10_000, 5))  # every look at the clock is 5 s later
    monkeypatch.setattr(housekeeping.time, "monotonic", lambda: next(ticks))
    first = housekeeping.run(seconds=12)
    assert 0 < first.closed < len(cases) and not first.finished
    rest = housekeeping.run(seconds=10_000)
    assert rest.finished and first.closed + rest.closed == len(cases)
    assert all(cast.fresh(c).status == Status.CLOSED for c in cases)


def test_the_worker_comes_back_for_unfinished_housekeeping_before_the_interval(cast, monkeypatch):
    from honeydesk.jobs.management.commands import worker

    class Enough(BaseException):
        pass

    rounds: list[bool] = []
    loops = [0]

    def housekeeping_round(*, stop):
        rounds.append(len(rounds) > 0)  # the first round leaves work, the second finishes
        return housekeeping.Round(0, rounds[-1])

    def one_loop(name):
        loops[0] += 1
        if loops[0] == 3:
            raise Enough

    monkeypatch.setattr(housekeeping, "run", housekeeping_round)
    monkeypatch.setattr(worker, "run_pending", one_loop)
    with pytest.raises(Enough):
        call_command("worker", "--no-mail", "--interval", "0.01", "--housekeeping-interval", "3600", stdout=StringIO())
    # Loop 1: a round that left work; loop 2: again at once; loop 3: the interval applies.
    assert rounds == [False, True]
