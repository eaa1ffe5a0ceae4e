"""Full-text search over case subjects and timeline text, one interface, two engines.

SQLite: an FTS5 table filled by triggers as cases and entries are inserted (entries are
append-only, so inserts are all there is to follow). PostgreSQL: expression GIN indexes
on to_tsvector('simple', ...) that the planner uses for @@ queries. The 'simple'
configuration (no stemming) keeps account words, names and product codes intact.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in [
            "CREATE VIRTUAL TABLE IF NOT EXISTS case_search USING fts5("
            "body, case_id UNINDEXED, tokenize='unicode61 remove_diacritics 2')",
            "CREATE TRIGGER IF NOT EXISTS case_search_case AFTER INSERT ON cases_case BEGIN "
            "INSERT INTO case_search(body, case_id) VALUES (new.subject, new.id); END;",
            "CREATE TRIGGER IF NOT EXISTS case_search_entry AFTER INSERT ON cases_timelineentry "
            "WHEN new.body != '' BEGIN "
            "INSERT INTO case_search(body, case_id) VALUES (new.body, new.case_id); END;",
            "INSERT INTO case_search(body, case_id) SELECT subject, id FROM cases_case",
            "INSERT INTO case_search(body, case_id) SELECT body, case_id FROM cases_timelineentry WHERE body != ''",
        ]:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS case_subject_fts ON cases_case USING gin (to_tsvector('simple', subject))"
        )
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS entry_body_fts ON cases_timelineentry "
            "USING gin (to_tsvector('simple', body))"
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in ["DROP TRIGGER IF EXISTS case_search_case", "DROP TRIGGER IF EXISTS case_search_entry",
                    "DROP TABLE IF EXISTS case_search"]:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS case_subject_fts")
        schema_editor.execute("DROP INDEX IF EXISTS entry_body_fts")


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_tone_and_intake")]
    operations = [migrations.RunPython(forwards, backwards)]
