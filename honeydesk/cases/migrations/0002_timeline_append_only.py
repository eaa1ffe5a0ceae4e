"""Database-level guard: timeline entries are never updated (both databases) and never
deleted (PostgreSQL).

SQLite gets no DELETE trigger because Django's test flush empties tables with DELETE in
no fixed order; there the model and queryset refuse deletes, and cases PROTECT their
entries. PostgreSQL's flush uses TRUNCATE, which row triggers do not see.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER IF NOT EXISTS timelineentry_no_update BEFORE UPDATE ON cases_timelineentry "
            "BEGIN SELECT RAISE(ABORT, 'timeline entries are append-only'); END;"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            """
            CREATE OR REPLACE FUNCTION honeydesk_timeline_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'timeline entries are append-only';
            END;
            $$ LANGUAGE plpgsql;
            """
        )
        schema_editor.execute(
            "CREATE TRIGGER timelineentry_append_only BEFORE UPDATE OR DELETE ON cases_timelineentry "
            "FOR EACH ROW EXECUTE FUNCTION honeydesk_timeline_append_only();"
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS timelineentry_no_update;")
    elif vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS timelineentry_append_only ON cases_timelineentry;")
        schema_editor.execute("DROP FUNCTION IF EXISTS honeydesk_timeline_append_only();")


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
