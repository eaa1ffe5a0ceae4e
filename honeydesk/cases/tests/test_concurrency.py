"""Two people acting on the same case at the same moment never lose an update (issue 2,
point 3): the slower one is told (409 stale_version, or the transition no longer
applies) and nothing is overwritten.

The threaded tests run on both databases: on SQLite the test database is a file in WAL
mode (see conftest.py), where IMMEDIATE transactions queue writers on the busy timeout;
on PostgreSQL the case row is locked with SELECT ... FOR UPDATE.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from honeydesk.cases import actions
from honeydesk.cases.models import Case, Status, TimelineEntry
from honeydesk.lib.errors import InvalidTransition, StaleVersion
from honeydesk.testing import make_cast

STALE_CALLS = [
    ("replies", {"body": "late reply"}),
    ("assign", {"owner": "bianca"}),
    ("transfer", {"department": "sales", "summary": "late hand-off"}),
    ("escalate", {"reason": "late escalation"}),
    ("resolve", {"note": "late resolution"}),
]


@pytest.mark.parametrize(("action", "payload"), STALE_CALLS, ids=[a for a, _ in STALE_CALLS])
def test_it_tells_the_slower_person_their_view_is_stale(cast, action, payload):
    ref = cast.alice_case.ref
    seen = cast.api(cast.supervisor).get(f"/cases/{ref}").json()["version"]
    # bianca acts first, on the version both of them saw.
    first = cast.api(cast.billing_agent).post(f"/cases/{ref}/assign", {"owner": "bianca", "version": seen})
    assert first.status_code == 200 and first.json()["version"] > seen
    entries = list(TimelineEntry.objects.filter(case=cast.alice_case).values_list("id", flat=True))

    late = cast.api(cast.supervisor).post(f"/cases/{ref}/{action}", {**payload, "version": seen})
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "stale_version"
    assert late.json()["error"]["message"]
    case = cast.fresh(cast.alice_case)
    assert (case.owner, case.status, case.department) == (cast.billing_agent, Status.OPEN, cast.billing)
    assert case.version == first.json()["version"], "nothing was written"
    assert list(TimelineEntry.objects.filter(case=case).values_list("id", flat=True)) == entries


def test_it_accepts_the_current_version(cast):
    ref = cast.alice_case.ref
    seen = cast.api(cast.billing_agent).get(f"/cases/{ref}").json()["version"]
    response = cast.api(cast.billing_agent).post(f"/cases/{ref}/resolve", {"note": "Refunded", "version": seen})
    assert response.status_code == 200 and response.json()["version"] == seen + 1


def race(*moves: Callable[[], Any]) -> list[Any]:
    """Run the moves at the same moment in threads; return each result or exception."""
    barrier = threading.Barrier(len(moves))
    results: list[Any] = [None] * len(moves)

    def run(i: int, move: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = move()
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, m)) for i, m in enumerate(moves)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results


def winners_and_losers(results: list[Any]) -> tuple[list[Any], list[Exception]]:
    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    return won, lost


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_two_simultaneous_actions_win():
    cast = make_cast()
    for round_ in range(3):
        case = actions.do_open_case(
            actions.Opening(
                contact=cast.alice_contact,
                request_type=cast.billing_type,
                subject=f"Race {round_}",
                body="Twice billed",
                account=cast.alice_account,
                channel="portal",
            ),
            acting_user=cast.alice,
        )
        seen = case.version
        results = race(
            lambda c=case, v=seen: actions.do_assign(
                c, cast.billing_agent, acting_user=cast.billing_agent, expected_version=v
            ),
            lambda c=case, v=seen: actions.do_resolve(
                c, note="Refunded", acting_user=cast.supervisor, expected_version=v
            ),
        )
        won, lost = winners_and_losers(results)
        assert len(won) == 1 and len(lost) == 1, results
        assert isinstance(lost[0], StaleVersion), repr(lost[0])
        after = Case.objects.get(pk=case.pk)
        assert after.version == seen + 1
        new_events = set(
            TimelineEntry.objects.filter(case=case, created_at__gte=case.updated_at)
            .exclude(event="")
            .values_list("event", flat=True)
        )
        if isinstance(won[0], Case) and won[0].status == Status.RESOLVED:
            assert after.status == Status.RESOLVED and "resolved" in new_events
        else:
            assert after.owner == cast.billing_agent and "resolved" not in new_events


@pytest.mark.django_db(transaction=True)
def test_it_resolves_a_case_once_when_two_people_resolve_it_at_once():
    cast = make_cast()
    case = Case.objects.get(pk=cast.bob_case.pk)
    results = race(
        lambda: actions.do_resolve(case, note="Replaced the modem", acting_user=cast.repair_agent),
        lambda: actions.do_resolve(case, note="Reset the line", acting_user=cast.supervisor),
    )
    won, lost = winners_and_losers(results)
    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], InvalidTransition), repr(lost[0])
    resolutions = list(TimelineEntry.objects.filter(case=case, event="resolved").values_list("body", "author"))
    assert len(resolutions) == 1
    after = Case.objects.get(pk=case.pk)
    assert after.owner_id == resolutions[0][1], "the owner and the record agree on who resolved it"


@pytest.mark.django_db(transaction=True)
def test_it_records_every_update_when_two_people_act_without_versions():
    cast = make_cast()
    case = Case.objects.get(pk=cast.alice_case.pk)
    results = race(
        lambda: actions.do_add_reply(case, body="We are on it.", acting_user=cast.billing_agent),
        lambda: actions.do_add_note(case, body="Checked the payment run.", acting_user=cast.supervisor),
        lambda: actions.do_add_reply(case, body="Any news?", acting_user=cast.alice),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    bodies = set(TimelineEntry.objects.filter(case=case).values_list("body", flat=True))
    assert {"We are on it.", "Checked the payment run.", "Any news?"} <= bodies
    after = Case.objects.get(pk=case.pk)
    assert after.version == case.version + 3, "each action bumped the version exactly once"
    assert after.owner == cast.billing_agent


@pytest.mark.django_db(transaction=True)
def test_it_gives_an_escalation_to_one_supervisor_only():
    cast = make_cast()
    from honeydesk.testing import make_staff

    second = make_staff("sofia", "supervisor", cast.billing)
    case = actions.do_escalate(cast.alice_case, reason="Wants a manager", acting_user=cast.alice)
    results = race(
        lambda: actions.do_take_escalation(case, acting_user=cast.supervisor),
        lambda: actions.do_take_escalation(case, acting_user=second),
    )
    won, lost = winners_and_losers(results)
    assert len(won) == 1 and len(lost) == 1 and isinstance(lost[0], InvalidTransition), results
    assert TimelineEntry.objects.filter(case=case, event="escalation_taken").count() == 1
    assert Case.objects.get(pk=case.pk).owner == won[0].owner
