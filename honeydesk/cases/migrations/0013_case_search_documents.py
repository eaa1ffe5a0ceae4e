"""Search: one document per case (subject, customer, timeline) instead of one FTS row per
entry, so that a query's words are found across a case, visibility and filters go into
the same query, and look-alike letters are folded (honeydesk/cases/search_index.py).

Replaces migration 0004's per-entry index (SQLite FTS5 table `case_search` and its
triggers; PostgreSQL's expression GIN indexes on subjects and entry bodies), which also
made every timeline insert pay for a GIN index over five million bodies.
"""

from importlib import import_module

from django.db import migrations

from honeydesk.cases import search_index


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS case_search_case")
            cursor.execute("DROP TRIGGER IF EXISTS case_search_entry")
            cursor.execute("DROP TABLE IF EXISTS case_search")
        else:
            cursor.execute("DROP INDEX IF EXISTS case_subject_fts")
            cursor.execute("DROP INDEX IF EXISTS entry_body_fts")
    search_index.install(connection)
    search_index.rebuild(connection)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    search_index.drop_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {search_index.TABLE}")
        cursor.execute("DROP TABLE IF EXISTS case_search_head")
        if connection.vendor == "postgresql":
            for function in ("hd_search_case_inserted()", "hd_search_case_changed()", "hd_search_case_deleted()",
                             "hd_search_entry_inserted()", "hd_search_account_changed()",
                             "hd_search_refresh_heads(bigint)", "hd_search_set_head(bigint, tsvector)",
                             "hd_search_head(text, text)",
                             "hd_search_text(text, text)", "hd_search_identity(bigint)", "hd_fold(text)"):
                cursor.execute(f"DROP FUNCTION IF EXISTS {function}")
            cursor.execute("DROP TABLE IF EXISTS search_fold")
    # Migration 0004's index, filled again.
    import_module("honeydesk.cases.migrations.0004_full_text_search").forwards(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_superuser_role"),
        ("cases", "0012_drop_request_type_hours"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
