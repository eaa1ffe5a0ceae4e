"""Database-level guard: audit events are never updated (both databases) and never
deleted (PostgreSQL), as for timeline entries (cases migration 0002, which explains why
SQLite gets no DELETE trigger)."""

from django.db import migrations


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER IF NOT EXISTS auditevent_no_update BEFORE UPDATE ON accounts_auditevent "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            """
            CREATE OR REPLACE FUNCTION honeydesk_audit_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'the audit log is append-only';
            END;
            $$ LANGUAGE plpgsql;
            """
        )
        schema_editor.execute(
            "CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE ON accounts_auditevent "
            "FOR EACH ROW EXECUTE FUNCTION honeydesk_audit_append_only();"
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS auditevent_no_update;")
    elif vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS auditevent_append_only ON accounts_auditevent;")
        schema_editor.execute("DROP FUNCTION IF EXISTS honeydesk_audit_append_only();")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_security")]
    operations = [migrations.RunPython(forwards, backwards)]
