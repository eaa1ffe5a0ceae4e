"""What the schema promises below the models: the search index follows every new case
and entry, and the lookups that lost their single-column index (migration 0008) are
still served by an index. A table rebuild by a future migration on SQLite would drop
the triggers silently; these tests are the alarm."""

from __future__ import annotations

import pytest
from django.db import connection

from honeydesk.cases import actions
from honeydesk.cases.models import Channel
from honeydesk.cases.search import matching_case_ids


def test_the_search_and_append_only_machinery_survives_all_migrations(db):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
            assert {
                "case_search_case": "cases_case",
                "case_search_entry": "cases_timelineentry",
                "timelineentry_no_update": "cases_timelineentry",
            }.items() <= dict(cursor.fetchall()).items()
        else:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname IN ('case_subject_fts', 'entry_body_fts')")
            assert {row[0] for row in cursor.fetchall()} == {"case_subject_fts", "entry_body_fts"}
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'cases_timelineentry'::regclass")
            assert len(cursor.fetchall()) >= 2  # no update, no delete (migration 0002)


def test_a_case_is_found_by_a_word_of_its_subject_and_of_its_message(cast):
    case = actions.do_open_case(
        actions.Opening(
            request_type=cast.billing_type,
            subject="Quintessential invoice muddle",
            body="The amount on the paper bill does not match the portal.",
            channel=Channel.PORTAL,
            account=cast.alice_account,
        ),
        acting_user=cast.alice,
    )
    assert case.pk in matching_case_ids("quintessential")
    assert case.pk in matching_case_ids("paper bill")
    assert case.pk in matching_case_ids("quintess")  # the last word also as a prefix


@pytest.mark.parametrize(
    ("table", "column", "index"),
    [
        ("cases_case", "account_id", "case_account"),
        ("cases_case", "department_id", "case_q_"),
        ("cases_case", "owner_id", "case_q_"),
        ("cases_timelineentry", "case_id", "entry_case_time"),
        ("email_channel_message", "case_id", "emailmsg_case"),
        ("email_channel_message", "sender", "emailmsg_sender_rate"),
    ],
)
def test_foreign_key_lookups_are_served_by_a_composite_index(db, table, column, index):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN SELECT id FROM {table} WHERE {column} = %s", [1])
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "USING" in plan and index in plan, plan
        else:
            # PostgreSQL's planner may scan a tiny table instead; that an index leads
            # with the column is what matters.
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
            leading = [name for name, sql in cursor.fetchall() if f"({column}," in sql.replace('"', "")]
            assert any(name.startswith(index) for name in leading), leading


@pytest.mark.parametrize("table", ["cases_case", "cases_timelineentry", "email_channel_message", "jobs_job"])
def test_no_index_on_a_hot_table_is_the_start_of_another(db, table):
    """Every index is written on every insert: one whose columns open another index only
    costs (the wider one serves its lookups)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    plain = {
        name: tuple(c["columns"])
        for name, c in constraints.items()
        if c["index"] and not c["unique"] and not c["primary_key"] and any(c["columns"])
    }  # (an index on an expression, such as PostgreSQL's full-text ones, has no plain columns)
    every = [tuple(c["columns"]) for c in constraints.values() if c["index"] or c["unique"]]
    redundant = {
        name: columns
        for name, columns in plain.items()
        if any(other != columns and other[: len(columns)] == columns for other in every)
    }
    assert redundant == {}
