"""ingest_many: one commit for several messages, without giving up what ingest
promises one by one (order, dedupe, quarantine, a poison never blocking the rest)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError

from honeydesk.channels.email import inbound as ingest_module
from honeydesk.channels.email.inbound import ingest_many
from honeydesk.channels.email.models import Message, Quarantine
from honeydesk.channels.email.tests.conftest import eml
from honeydesk.jobs.models import Job

pytestmark = pytest.mark.django_db(transaction=True)


def numbered(n: int) -> bytes:
    return eml("plain_qp.eml", **{"qp-1@mail": f"batch-{n}@mail", "Carol@Example.test": f"sender{n}@example.test"})


def test_a_batch_is_stored_in_order_and_shares_commits(cast):
    raws = [numbered(n) for n in range(6)]
    raws.insert(3, eml("poison_garbage.eml"))
    raws.append(numbered(2))  # the same message again, within the batch
    groups = list(ingest_many(raws, "imap:test"))
    results = [r for g in groups for r in g]
    assert [r.status for r in results] == ["stored"] * 3 + ["quarantined"] + ["stored"] * 3 + ["duplicate"]
    assert len(groups) < len(raws)  # fewer commits than messages
    stored = Message.objects.filter(direction=Message.Direction.IN).order_by("id")
    assert [m.message_id for m in stored] == [f"batch-{n}@mail.example.test" for n in range(6)]
    assert results[-1].message == stored[2].pk
    assert Quarantine.objects.get(pk=results[3].quarantine).reason


def test_groups_close_after_their_time_budget(cast):
    groups = list(ingest_many([numbered(n) for n in range(3)], "imap:test", batch_seconds=0))
    assert [len(g) for g in groups] == [1, 1, 1]


def test_a_message_that_cannot_even_be_quarantined_does_not_hold_back_the_others(cast, monkeypatch):
    poison = numbered(99)
    real_store, real_quarantine = ingest_module._store, ingest_module.quarantine

    def store(raw, *args, **kwargs):
        if raw == poison:
            raise RuntimeError("this message breaks the pipeline")
        return real_store(raw, *args, **kwargs)

    def quarantine(raw, *args, **kwargs):
        if raw == poison:
            raise DatabaseError("and its quarantine row cannot be written either")
        return real_quarantine(raw, *args, **kwargs)

    monkeypatch.setattr(ingest_module, "_store", store)
    monkeypatch.setattr(ingest_module, "quarantine", quarantine)
    raws = [numbered(1), numbered(2), poison, numbered(3), numbered(4)]
    results = [r for g in ingest_many(raws, "imap:test") for r in g]
    assert [r.status if r else None for r in results] == ["stored", "stored", None, "stored", "stored"]
    # Each stored once, although the first group was rolled back and done again.
    assert sorted(Message.objects.filter(direction="in").values_list("message_id", flat=True)) == [
        f"batch-{n}@mail.example.test" for n in (1, 2, 3, 4)
    ]


def from_alice(n: int) -> bytes:
    return eml("plain_qp.eml", **{"qp-1@mail": f"alice-{n}@mail", "Carol@Example.test": "alice@example.test"})


def test_a_clean_group_takes_no_savepoints_and_marks_its_cases_in_one_statement(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from honeydesk.metrics.models import StaleCase

    StaleCase.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        groups = list(ingest_many([from_alice(n) for n in range(4)], "imap:test", batch_seconds=60))
    assert [len(g) for g in groups] == [4] and {r.status for r in groups[0]} == {"stored"}
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in sql if "SAVEPOINT" in s.upper()]
    assert len([s for s in sql if "metrics_stalecase" in s]) == 1
    cases = set(Message.objects.filter(direction="in").values_list("case_id", flat=True))
    assert len(cases) == 4 and set(StaleCase.objects.values_list("case_id", flat=True)) == cases
    # The four acknowledgements and their jobs: one INSERT each for the group (and one for
    # the four inbound mails), one job per mail.
    assert len([s for s in sql if s.startswith('INSERT INTO "jobs_job"')]) == 1
    assert len([s for s in sql if s.startswith('INSERT INTO "email_channel_message"')]) == 2
    acks = set(Message.objects.filter(direction="out", case__in=cases).values_list("pk", flat=True))
    jobs = Job.objects.filter(func__endswith="send_message").values_list("payload__message_id", flat=True)
    assert len(acks) == 4 and sorted(j for j in jobs if j in acks) == sorted(acks)


def test_a_message_that_fails_in_a_group_sends_the_group_the_careful_way(cast, monkeypatch):
    """The optimistic group is rolled back whole; stored again a savepoint per message,
    only the failing message is quarantined, and each neighbour is stored once, with its
    roll-up mark."""
    from honeydesk.metrics.models import StaleCase

    poison = from_alice(99)
    real_store = ingest_module._store
    calls: list[bytes] = []

    def store(raw, *args, **kwargs):
        calls.append(raw)
        if raw == poison:
            raise RuntimeError("this message breaks the pipeline")
        return real_store(raw, *args, **kwargs)

    monkeypatch.setattr(ingest_module, "_store", store)
    StaleCase.objects.all().delete()
    raws = [from_alice(1), from_alice(2), poison, from_alice(3)]
    groups = list(ingest_many(raws, "imap:test", batch_seconds=60))
    assert [[r.status for r in g] for g in groups] == [["stored", "stored", "quarantined", "stored"]]
    assert calls.count(from_alice(1)) == 2  # once in the rolled-back group, once the careful way
    assert "breaks the pipeline" in Quarantine.objects.get(pk=groups[0][2].quarantine).reason
    stored = Message.objects.filter(direction="in")
    assert sorted(stored.values_list("message_id", flat=True)) == [f"alice-{n}@mail.example.test" for n in (1, 2, 3)]
    assert set(StaleCase.objects.values_list("case_id", flat=True)) == set(stored.values_list("case_id", flat=True))
    # The rolled-back group's jobs were never written: one acknowledgement job per stored
    # case, each naming a mail that exists.
    acks = set(Message.objects.filter(direction="out", case__in=stored.values("case_id")).values_list("pk", flat=True))
    jobs = list(Job.objects.filter(func__endswith="send_message").values_list("payload__message_id", flat=True))
    assert len(acks) == 3 and acks <= set(jobs) and len(jobs) == len(set(jobs))
    assert set(jobs) <= set(Message.objects.values_list("pk", flat=True))
