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
        account=cast.alice_account,
        contact=cast.alice_contact,
        request_type=cast.billing_type,
        subject=subject,
        body="Please look into it.",
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
