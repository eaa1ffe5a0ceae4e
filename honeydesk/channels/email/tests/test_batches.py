"""ingest_many: one commit for several messages, without giving up what ingest
promises one by one (order, dedupe, quarantine, a poison never blocking the rest)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError

from honeydesk.channels.email import inbound as ingest_module
from honeydesk.channels.email.inbound import ingest_many
from honeydesk.channels.email.models import Message, Quarantine
from honeydesk.channels.email.tests.conftest import eml

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
