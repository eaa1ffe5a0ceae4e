"""Collect-then-write blocks: the ids a batch's rows get, with or without multi-row ids."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from honeydesk.jobs.models import Job
from honeydesk.lib.batches import Batch, insert_all

pytestmark = pytest.mark.django_db


def _jobs(n: int) -> list[Job]:
    now = timezone.now()
    return [Job(func="x.y", payload={"n": i}, run_after=now, created_at=now) for i in range(n)]


def test_collected_rows_get_their_ids_in_one_insert(django_assert_num_queries):
    rows = _jobs(3)
    with django_assert_num_queries(1):
        insert_all(rows)
    assert all(r.pk for r in rows) and sorted(Job.objects.values_list("payload__n", flat=True)) == [0, 1, 2]


def test_without_multi_row_ids_each_row_is_inserted_alone(monkeypatch, django_assert_num_queries):
    """SQLite before 3.35 returns no ids from a multi-row INSERT: the rows still get theirs."""
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    rows = _jobs(3)
    with django_assert_num_queries(3):
        insert_all(rows)
    assert all(r.pk for r in rows)


def test_blocks_nest_and_the_innermost_collects():
    batch: Batch[int] = Batch("test_batch")
    assert batch.current() is None
    with batch.collect() as outer:
        batch.current().append(1)  # type: ignore[union-attr]
        with batch.collect() as inner:
            batch.current().append(2)  # type: ignore[union-attr]
        batch.current().append(3)  # type: ignore[union-attr]
    assert outer == [1, 3] and inner == [2] and batch.current() is None
