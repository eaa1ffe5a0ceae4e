"""Put back the trigger that indexes case subjects for search on SQLite.

Migration 0006 added a generated column to cases_case; on SQLite Django does that by
rebuilding the table, and a rebuild drops the table's triggers, so case_search_case
(0004) was gone. Search kept finding subjects only because every case's "opened" entry
repeats its subject. No backfill: every existing subject is already indexed that way.
honeydesk/cases/tests/test_search.py checks that the triggers exist after migrating.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER IF NOT EXISTS case_search_case AFTER INSERT ON cases_case BEGIN "
            "INSERT INTO case_search(body, case_id) VALUES (new.subject, new.id); END;"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS case_search_case")


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_fewer_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
