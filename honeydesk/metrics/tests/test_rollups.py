"""The roll-ups kept by the worker equal a rebuild and a computation from scratch."""

from __future__ import annotations

import random
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from honeydesk.cases import actions
from honeydesk.cases.models import Case, Status
from honeydesk.lib.errors import DomainError
from honeydesk.metrics import rollups
from honeydesk.metrics.models import CaseFact, HourRollup, PeriodRollup, Rollup, StaleCase

pytestmark = pytest.mark.django_db


def _random_actions(desk: Any, clock: Any, rnd: random.Random, steps: int) -> None:
    staff = [desk.billing_agent, desk.repair_agent, desk.supervisor]
    customers = [
        (desk.alice, desk.alice_account, desk.alice_contact),
        (desk.bob, desk.bob_account, desk.bob_contact),
    ]
    types = [desk.billing_type, desk.repair_type]
    for step in range(steps):
        clock.shift(timedelta(minutes=rnd.randint(5, 60 * 30)))
        cases = list(Case.objects.all())
        case = rnd.choice(cases)
        rep = rnd.choice(staff)
        what = rnd.choice(["open", "reply", "note", "call", "resolve", "reopen", "transfer", "customer", "assign"])
        try:
            if what == "open":
                user, account, contact = rnd.choice(customers)
                actions.do_open_case(
                    actions.Opening(
                        account=account,
                        contact=contact,
                        request_type=rnd.choice(types),
                        subject=f"step {step}",
                        body="Help",
                        channel=rnd.choice(["portal", "email", "phone"]),
                        linked_case=case if rnd.random() < 0.2 else None,
                    ),
                    acting_user=user,
                )
            elif what == "reply":
                actions.do_add_reply(case, body="Answer", acting_user=rep, compose_seconds=rnd.randint(0, 900))
            elif what == "note":
                actions.do_add_note(case, body="Note", acting_user=rep, compose_seconds=rnd.randint(0, 300))
            elif what == "call":
                actions.do_log_call(case, body="Talked", acting_user=rep, duration_seconds=rnd.randint(30, 1200))
            elif what == "resolve":
                actions.do_resolve(case, note="Done", acting_user=desk.supervisor)
            elif what == "reopen":
                actions.do_reopen(case, acting_user=rep, reason="Not done")
            elif what == "transfer":
                actions.do_transfer(case, rnd.choice([desk.billing, desk.repair]), summary="Over", acting_user=rep)
            elif what == "customer":
                user = desk.alice if case.account_id == desk.alice_account.pk else desk.bob
                actions.do_add_reply(case, body="Any news?", acting_user=user)
            elif what == "assign" and case.status != Status.CLOSED:
                actions.do_assign(case, desk.supervisor, acting_user=desk.supervisor)
        except DomainError:
            pass  # a move the case's state does not allow: the record is unchanged
        if rnd.random() < 0.3:
            rollups.refresh()  # the worker comes by now and then


def test_it_keeps_roll_ups_equal_to_a_rebuild_after_random_actions(desk: Any, clock: Any) -> None:
    rnd = random.Random(13)
    _random_actions(desk, clock, rnd, 60)
    rollups.refresh()
    incremental = rollups.stored()
    assert incremental == rollups.from_scratch()
    assert rollups.derived_match()  # the dashboards' tables moved with every change
    derived = (rollups.stored(PeriodRollup, rollups.PERIOD_FIELDS), rollups.stored(HourRollup, rollups.HOUR_FIELDS))
    assert {k[0] for k in derived[0]} == {"d", "w", "m"} and derived[1]
    assert sum(c for c, _ in incremental.values()) > 50  # the sequence did real work
    out = StringIO()
    call_command("rollups", "--rebuild", stdout=out)
    assert "Rebuilt the roll-ups" in out.getvalue()
    assert rollups.stored() == incremental
    assert (
        rollups.stored(PeriodRollup, rollups.PERIOD_FIELDS),
        rollups.stored(HourRollup, rollups.HOUR_FIELDS),
    ) == derived
    assert CaseFact.objects.count() > 0


def test_it_marks_changed_cases_and_refreshes_them_once(desk: Any, clock: Any) -> None:
    rollups.refresh()
    assert not StaleCase.objects.exists()
    actions.do_add_reply(desk.alice_case, body="Hi", acting_user=desk.billing_agent, compose_seconds=30)
    assert list(StaleCase.objects.values_list("case_id", flat=True)) == [desk.alice_case.pk]
    assert rollups.refresh() == 1
    assert rollups.refresh() == 0
    assert Rollup.objects.filter(measure="handle_written").get().total == 30


def test_it_takes_facts_and_metrics_from_another_app(desk: Any, clock: Any) -> None:
    """The registration point the quality app will use for satisfaction and surveys."""
    from honeydesk.metrics import definitions
    from honeydesk.metrics.definitions import Fact, Metric

    def surveys(cases: Any, ctx: Any) -> Any:
        for case in cases:
            if case.pk == desk.alice_case.pk:
                yield case.pk, Fact(case.created_at.date(), 0, 0, case.department_id, case.request_type_id,
                                    case.channel, "satisfaction", 1, 4)  # fmt: skip

    definitions.register_source("test.surveys")(surveys)
    definitions.register_metric(Metric("csat", "Satisfaction", "satisfaction", "count", "A test metric " * 4))
    try:
        rollups.mark_stale([desk.alice_case.pk])
        rollups.refresh()
        assert Rollup.objects.get(measure="satisfaction").total == 4
        assert rollups.stored() == rollups.from_scratch()
    finally:
        definitions._sources.pop("test.surveys")
        definitions.METRICS[:] = [m for m in definitions.METRICS if m.key != "csat"]


def _fcr(case: Case) -> int:
    return sum(CaseFact.objects.filter(case_id=case.pk, measure="fcr").values_list("total", flat=True))


def _open(desk: Any, request_type: Any, linked: Case | None = None) -> Case:
    return actions.do_open_case(
        actions.Opening(
            account=desk.alice_account,
            contact=desk.alice_contact,
            request_type=request_type,
            subject="Again",
            body="Still wrong.",
            channel="email",
            linked_case=linked,
        ),
        acting_user=desk.alice,
    )


def test_it_leaves_finding_the_cases_a_new_contact_changes_to_the_worker(desk: Any, clock: Any) -> None:
    actions.do_resolve(desk.alice_case, note="Done", acting_user=desk.billing_agent)
    rollups.refresh()
    assert _fcr(desk.alice_case) == 1  # resolved first time, so far
    clock.shift(timedelta(days=2))
    again = _open(desk, desk.billing_type)  # same account and type, within 7 days: a repeat
    # The write path marked only the new case; the worker finds alice's first case.
    assert list(StaleCase.objects.values_list("case_id", flat=True)) == [again.pk]
    assert rollups.refresh() == 2
    assert _fcr(desk.alice_case) == 0
    assert rollups.stored() == rollups.from_scratch()


def test_it_counts_a_follow_up_of_another_type_and_a_change_of_type_in_the_worker(desk: Any, clock: Any) -> None:
    actions.do_resolve(desk.alice_case, note="Done", acting_user=desk.billing_agent)
    clock.shift(timedelta(days=1))
    other = _open(desk, desk.repair_type)  # another type, not a follow-up: no repeat
    rollups.refresh()
    assert _fcr(desk.alice_case) == 1
    # An admin moves the new case to billing: now it is a repeat of alice's first case.
    Case.objects.filter(pk=other.pk).update(request_type=desk.billing_type)
    rollups.mark_stale([other.pk])
    assert rollups.refresh() == 2
    assert _fcr(desk.alice_case) == 0
    assert rollups.stored() == rollups.from_scratch()
    # A linked follow-up of another type is a repeat contact too.
    actions.do_resolve(desk.fresh(other), note="Done", acting_user=desk.billing_agent)
    rollups.refresh()
    assert _fcr(other) == 1
    clock.shift(timedelta(days=1))
    _open(desk, desk.repair_type, linked=desk.fresh(other))
    rollups.refresh()
    assert _fcr(other) == 0
    assert rollups.stored() == rollups.from_scratch()
    assert rollups.derived_match()


@pytest.mark.django_db(transaction=True)
def test_it_folds_correctly_with_two_workers_and_actions_at_the_same_time() -> None:
    """Two workers claim small batches while a rep keeps working: no case is counted twice,
    no change is lost (on PostgreSQL: SKIP LOCKED claims, upserted marks; on SQLite the
    writers queue)."""
    import threading

    from django.db import connections

    from honeydesk.testing import make_cast

    desk = make_cast()
    rnd = random.Random(7)
    cases = [desk.alice_case, desk.bob_case]
    for n in range(6):
        cases.append(_open(desk, rnd.choice([desk.billing_type, desk.repair_type])))
        actions.do_add_reply(cases[-1], body=f"Answer {n}", acting_user=desk.supervisor, compose_seconds=n)
    errors: list[Exception] = []
    barrier = threading.Barrier(3)

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(5):
                rollups.refresh(batch=2)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def rep() -> None:
        try:
            barrier.wait(timeout=10)
            for n, case in enumerate(cases):
                actions.do_add_reply(case, body=f"More {n}", acting_user=desk.supervisor, compose_seconds=10 + n)
                if n % 3 == 0:
                    _open(desk, desk.billing_type, linked=case)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=f) for f in (worker, worker, rep)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert errors == []
    rollups.refresh()
    assert rollups.stored() == rollups.from_scratch()
    assert rollups.derived_match()
    # Every reply counted once: one before the race on each new case, one during it on each.
    assert sum(Rollup.objects.filter(measure="handle_written").values_list("count", flat=True)) == 6 + len(cases)
