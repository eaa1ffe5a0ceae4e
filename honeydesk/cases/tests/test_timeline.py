"""The timeline is append-only (issue 2, point 2): no update or delete gets through the
model, the queryset or — where the database can enforce it — raw SQL. A correction is a
new entry pointing at the one it corrects."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from honeydesk.cases import actions
from honeydesk.cases.models import AppendOnlyError, Case, TimelineEntry
from honeydesk.lib.errors import InvalidInput


def note_of(case: Case) -> TimelineEntry:
    return TimelineEntry.objects.get(case=case, kind=TimelineEntry.Kind.NOTE)


def test_it_refuses_to_save_an_existing_entry(cast):
    entry = note_of(cast.alice_case)
    entry.body = "rewritten history"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.save(update_fields=["body"])
    assert note_of(cast.alice_case).body == "INTERNAL: likely duplicate payment run"


def test_it_refuses_to_delete_an_entry(cast):
    entry = note_of(cast.alice_case)
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert TimelineEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    "change",
    [
        lambda c: TimelineEntry.objects.filter(case=c).update(body="x"),
        lambda c: TimelineEntry.objects.all().update(visibility="public"),
        lambda c: c.entries.update(body="x"),
        lambda c: TimelineEntry.objects.bulk_update(list(c.entries.all()), ["body"]),
        lambda c: TimelineEntry.objects.filter(case=c).delete(),
        lambda c: c.entries.all().delete(),
    ],
    ids=["filter-update", "all-update", "related-update", "bulk-update", "filter-delete", "related-delete"],
)
def test_it_refuses_queryset_updates_and_deletes(cast, change):
    before = list(TimelineEntry.objects.values_list("id", "body", "visibility"))
    # atomic(): bulk_update runs in a savepoint-less atomic block, which marks the
    # surrounding transaction for rollback when it raises.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        change(cast.alice_case)
    assert list(TimelineEntry.objects.values_list("id", "body", "visibility")) == before


def test_it_refuses_a_raw_sql_update_at_the_database(cast):
    entry = note_of(cast.alice_case)
    table = TimelineEntry._meta.db_table
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET body = %s WHERE id = %s", ["forged", entry.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET visibility = 'public'")
    assert note_of(cast.alice_case).body == "INTERNAL: likely duplicate payment run"
    assert note_of(cast.alice_case).visibility == "internal"


def test_it_refuses_deletes_below_the_views_on_every_database(cast):
    entry = note_of(cast.alice_case)
    # The model and queryset refuse on every database, and a case keeps its entries.
    with pytest.raises(AppendOnlyError):
        TimelineEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        Case.objects.get(pk=cast.alice_case.pk).delete()
    if connection.vendor == "postgresql":
        # PostgreSQL also refuses raw SQL (SQLite has no DELETE trigger: Django's test
        # flush empties tables with DELETE there; see migration cases 0002).
        table = TimelineEntry._meta.db_table
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"DELETE FROM {table} WHERE id = %s", [entry.pk])
    assert TimelineEntry.objects.filter(pk=entry.pk).exists()


def test_it_records_a_correction_as_a_new_entry_pointing_at_the_old_one(cast):
    original = cast.alice_case.entries.get(kind=TimelineEntry.Kind.INBOUND)
    count = TimelineEntry.objects.count()
    correction = actions.do_correct_entry(
        original, body="The amount was $98.99, not $89.99.", acting_user=cast.billing_agent
    )
    assert TimelineEntry.objects.count() == count + 1
    assert correction.corrects == original and correction.event == TimelineEntry.Event.CORRECTION
    assert (correction.author, correction.visibility) == (cast.billing_agent, "public")
    original.refresh_from_db()
    assert original.body == "I was billed $89.99 twice."
    # Correcting a correction still points at the original record.
    second = actions.do_correct_entry(correction, body="It was $98.90.", acting_user=cast.billing_agent)
    assert second.corrects == original
    shown = cast.api(cast.alice).get(f"/cases/{cast.alice_case.ref}/timeline").json()
    assert [e["corrects"] for e in shown if e["event"] == "correction"] == [original.pk, original.pk]


def test_it_keeps_corrections_of_internal_notes_internal(cast):
    correction = actions.do_correct_entry(
        note_of(cast.alice_case), body="INTERNAL: not a duplicate", acting_user=cast.billing_agent
    )
    assert correction.visibility == "internal"
    shown = cast.api(cast.alice).get(f"/cases/{cast.alice_case.ref}/timeline").json()
    assert correction.pk not in [e["id"] for e in shown]
    with pytest.raises(InvalidInput):
        actions.do_correct_entry(note_of(cast.alice_case), body="mine", acting_user=cast.alice)
