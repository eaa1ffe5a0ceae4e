"""Rows asked for one by one inside a block, written together when the block ends.

A batch of work done in one transaction without savepoints (a group of inbound mails in
`channels.email.inbound.ingest_many`, one case opening) asks for the same kind of row many
times: a roll-up mark per case, a job per mail, an acknowledgement per new case. Written as
they are asked for, each is a statement; collected and written when the block ends (still
inside the caller's transaction, with one `bulk_create`), they are one.

The owner of the table keeps a `Batch` and offers a context manager that writes what it
collected:

    _marks: Batch[int] = Batch("stale_marks")

    def mark(case_id):
        pending = _marks.current()
        if pending is None:
            ...write it now...
        else:
            pending.append(case_id)

    @contextmanager
    def marks_per_batch():
        with _marks.collect() as pending:
            yield
        ...write `pending`...

A block that ends with an error writes nothing (its transaction is rolled back whole
anyway). Never around code that rolls back a savepoint and carries on: what the undone part
asked for would still be written. Blocks nest; the innermost one collects.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Generic, TypeVar

from django.db import connection
from django.db.models import Model

T = TypeVar("T")
M = TypeVar("M", bound=Model)


class Batch(Generic[T]):
    def __init__(self, name: str) -> None:
        self._pending: ContextVar[list[T] | None] = ContextVar(name, default=None)

    def current(self) -> list[T] | None:
        """The list collecting inside the innermost open block, or None outside any."""
        return self._pending.get()

    @contextmanager
    def collect(self) -> Iterator[list[T]]:
        pending: list[T] = []
        token = self._pending.set(pending)
        try:
            yield pending
        finally:
            self._pending.reset(token)


def insert_all(rows: list[M]) -> None:
    """Insert `rows` (all of one model) leaving each with its id, which whoever collected
    them needs next (a job's payload names its mail; a job is run by id after the commit):
    one `bulk_create` where the database returns the ids of a multi-row INSERT (PostgreSQL,
    SQLite 3.35 and later), otherwise a statement per row."""
    if not rows:
        return
    if connection.features.can_return_rows_from_bulk_insert:
        type(rows[0])._default_manager.bulk_create(rows)
    else:
        for row in rows:
            row.save(force_insert=True)
