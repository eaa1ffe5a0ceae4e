"""Several workers running rules at once (issue 17 part 4): the round-robin turn stays
fair and a rule fires once per occasion. Threads on a real database: SQLite in WAL mode
queues the writers, PostgreSQL locks the turn and case rows (SELECT ... FOR UPDATE)."""

from __future__ import annotations

from collections import Counter

import pytest

from honeydesk.accounts.models import Role
from honeydesk.cases import actions
from honeydesk.cases.models import Case
from honeydesk.cases.tests.test_concurrency import race
from honeydesk.rules import engine
from honeydesk.rules.models import Firing, RoundRobin, Rule, Trigger
from honeydesk.testing import make_cast, make_staff


@pytest.mark.django_db(transaction=True)
def test_workers_at_once_share_the_turn_fairly_and_fire_once():
    cast = make_cast()
    reps = [cast.billing_agent, make_staff("bo", Role.AGENT, cast.billing), make_staff("cy", Role.AGENT, cast.billing)]
    cases = [
        actions.do_open_case(
            actions.Opening(
                account=cast.alice_account,
                contact=cast.alice_contact,
                request_type=cast.billing_type,
                subject=f"Bill {n}",
                body="I was billed twice.",
                channel="portal",
            ),
            acting_user=cast.alice,
        )
        for n in range(3)
    ]
    Rule.objects.create(name="Round-robin", trigger=Trigger.OPENED, assign="round_robin")
    # Three cases at once, and the first one's job twice (a retried job, a second worker).
    moves = [lambda c=c: engine.run(c.pk, Trigger.OPENED, "opened") for c in [*cases, cases[0]]]
    results = race(*moves)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results) == [0, 1, 1, 1]
    owners = Counter(Case.objects.get(pk=c.pk).owner_id for c in cases)
    assert owners == Counter(r.pk for r in reps), "each rep one case: nobody skipped, nobody twice"
    assert Firing.objects.count() == 3
    assert RoundRobin.objects.get(department=cast.billing).last_user_id == reps[-1].pk
