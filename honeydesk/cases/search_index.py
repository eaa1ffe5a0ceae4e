# ruff: noqa: S608 - DDL and set-based statements of fixed text; no value in them comes from a user
"""The search index: one document per case, kept by the database itself.

A case's document holds, as search keys (``honeydesk.lib.searchkey``), three parts:

* head: the subject and who the customer is (account name and number, every contact's
  name, e-mail address and phone number on the account);
* public: the text of every public timeline entry;
* internal: the text of internal entries (notes, hand-off summaries).

Staff search all three, customers head and public; a match in the head ranks first. One
document per case is what lets the words of a query be found across a case (the customer's
name in the head, a word in a reply), and lets visibility and filters go into the same
query as the words (``honeydesk.cases.search``).

Triggers keep the documents: a new case writes its head, a new entry with text appends to
its case's document (entries are append-only), and a change of subject, of account, or of
the account's names, numbers or contact points rewrites the heads of the cases concerned.
So every writer (actions, e-mail ingest, bulk loads, the admin) is followed without the
Python write path knowing about search.

Two engines behind that one shape (ARCHITECTURE.md):

* SQLite: an FTS5 table ``case_search_doc(head, public, internal)`` with rowid = case id.
  The search key is computed by ``searchkey.fold``, registered on every connection as the
  SQL function ``hd_fold`` (``register_sqlite_functions``).
* PostgreSQL: a table ``case_search_doc(case_id, department_id, doc tsvector)`` with a
  GIN index; head, public and internal text carry the weights A, B and C. The head also
  has a table of its own, ``case_search_head``, with its own GIN index. ``hd_fold`` is an
  SQL function that applies the table ``search_fold`` (filled from
  ``searchkey.fold_table()``) with ``translate()`` to text that is not plain ASCII.

``install`` creates or replaces all of it (idempotent); ``rebuild`` refills every document
with set-based statements (after a bulk load, a restore, or a new fold table).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from honeydesk.lib import searchkey

TABLE = "case_search_doc"

# --- SQLite ------------------------------------------------------------------------------


def _sqlite_identity(account: str) -> str:
    """SQL text of who the customer of account `account` (an SQL expression) is."""
    return (
        f"coalesce((SELECT a.name || ' ' || a.number FROM accounts_customeraccount a WHERE a.id = {account}), '')"
        f" || ' ' || coalesce((SELECT group_concat(ct.name, ' ') FROM accounts_contact ct"
        f" WHERE ct.account_id = {account}), '')"
        f" || ' ' || coalesce((SELECT group_concat(p.value, ' ') FROM accounts_contactpoint p"
        f" JOIN accounts_contact ct ON ct.id = p.contact_id WHERE ct.account_id = {account}), '')"
    )


def _sqlite_refresh_heads(account: str) -> str:
    return (
        f"UPDATE {TABLE} SET head = (SELECT hd_fold(c.subject || ' ' || {_sqlite_identity('c.account_id')})"
        f" FROM cases_case c WHERE c.id = {TABLE}.rowid)"
        f" WHERE rowid IN (SELECT id FROM cases_case WHERE account_id = {account});"
    )


SQLITE_TRIGGERS = {
    "case_search_case_insert": (
        "AFTER INSERT ON cases_case BEGIN "
        f"INSERT OR REPLACE INTO {TABLE}(rowid, head, public, internal) VALUES "
        f"(NEW.id, hd_fold(NEW.subject || ' ' || {_sqlite_identity('NEW.account_id')}), '', ''); END"
    ),
    "case_search_case_update": (
        "AFTER UPDATE OF subject, account_id ON cases_case "
        "WHEN OLD.subject IS NOT NEW.subject OR OLD.account_id IS NOT NEW.account_id BEGIN "
        f"UPDATE {TABLE} SET head = hd_fold(NEW.subject || ' ' || {_sqlite_identity('NEW.account_id')})"
        " WHERE rowid = NEW.id; END"
    ),
    "case_search_case_delete": f"AFTER DELETE ON cases_case BEGIN DELETE FROM {TABLE} WHERE rowid = OLD.id; END",
    "case_search_entry_public": (
        "AFTER INSERT ON cases_timelineentry WHEN NEW.body != '' AND NEW.visibility = 'public' BEGIN "
        f"UPDATE {TABLE} SET public = public || ' ' || hd_fold(NEW.body) WHERE rowid = NEW.case_id; END"
    ),
    "case_search_entry_internal": (
        "AFTER INSERT ON cases_timelineentry WHEN NEW.body != '' AND NEW.visibility != 'public' BEGIN "
        f"UPDATE {TABLE} SET internal = internal || ' ' || hd_fold(NEW.body) WHERE rowid = NEW.case_id; END"
    ),
    "case_search_account_update": (
        "AFTER UPDATE OF name, number ON accounts_customeraccount "
        "WHEN OLD.name IS NOT NEW.name OR OLD.number IS NOT NEW.number BEGIN "
        f"{_sqlite_refresh_heads('NEW.id')} END"
    ),
    "case_search_contact_insert": (
        f"AFTER INSERT ON accounts_contact BEGIN {_sqlite_refresh_heads('NEW.account_id')} END"
    ),
    "case_search_contact_update": (
        "AFTER UPDATE OF name, account_id ON accounts_contact "
        "WHEN OLD.name IS NOT NEW.name OR OLD.account_id IS NOT NEW.account_id BEGIN "
        f"{_sqlite_refresh_heads('OLD.account_id')} {_sqlite_refresh_heads('NEW.account_id')} END"
    ),
    "case_search_contact_delete": (
        f"AFTER DELETE ON accounts_contact BEGIN {_sqlite_refresh_heads('OLD.account_id')} END"
    ),
    "case_search_point_insert": (
        "AFTER INSERT ON accounts_contactpoint BEGIN "
        f"{_sqlite_refresh_heads('(SELECT account_id FROM accounts_contact WHERE id = NEW.contact_id)')} END"
    ),
    "case_search_point_update": (
        "AFTER UPDATE OF value, contact_id ON accounts_contactpoint "
        "WHEN OLD.value IS NOT NEW.value OR OLD.contact_id IS NOT NEW.contact_id BEGIN "
        f"{_sqlite_refresh_heads('(SELECT account_id FROM accounts_contact WHERE id = OLD.contact_id)')} "
        f"{_sqlite_refresh_heads('(SELECT account_id FROM accounts_contact WHERE id = NEW.contact_id)')} END"
    ),
    "case_search_point_delete": (
        "AFTER DELETE ON accounts_contactpoint BEGIN "
        f"{_sqlite_refresh_heads('(SELECT account_id FROM accounts_contact WHERE id = OLD.contact_id)')} END"
    ),
}

_SQLITE_IDENTITIES = (
    "SELECT a.id AS account_id, a.name || ' ' || a.number || ' ' || coalesce(cn.names, '') || ' ' "
    "|| coalesce(cp.points, '') AS who FROM accounts_customeraccount a "
    "LEFT JOIN (SELECT account_id, group_concat(name, ' ') AS names FROM accounts_contact GROUP BY account_id) cn "
    "ON cn.account_id = a.id "
    "LEFT JOIN (SELECT ct.account_id, group_concat(p.value, ' ') AS points FROM accounts_contactpoint p "
    "JOIN accounts_contact ct ON ct.id = p.contact_id GROUP BY ct.account_id) cp ON cp.account_id = a.id"
)

SQLITE_REBUILD = [
    f"DELETE FROM {TABLE}",
    f"INSERT INTO {TABLE}(rowid, head, public, internal) "
    "SELECT c.id, hd_fold(c.subject || ' ' || coalesce(i.who, '')), "
    "coalesce(hd_fold(e.public), ''), coalesce(hd_fold(e.internal), '') "
    f"FROM cases_case c LEFT JOIN ({_SQLITE_IDENTITIES}) i ON i.account_id = c.account_id "
    "LEFT JOIN (SELECT case_id, "
    "group_concat(CASE WHEN visibility = 'public' THEN body END, ' ') AS public, "
    "group_concat(CASE WHEN visibility != 'public' THEN body END, ' ') AS internal "
    "FROM cases_timelineentry WHERE body != '' GROUP BY case_id) e ON e.case_id = c.id",
    f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')",
]


def register_sqlite_functions(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """`connection_created` receiver: the triggers fold text with `hd_fold`."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("hd_fold", 1, _sqlite_fold, deterministic=True)


def _sqlite_fold(text: str | None) -> str | None:
    return None if text is None else searchkey.fold(text)


# --- PostgreSQL --------------------------------------------------------------------------

# The fold for text that is not plain ASCII: only the distinct non-ASCII characters of
# the text are looked up, so translate() scans a few dozen pairs, not eight thousand
# (0.16 ms for 560 characters of Cyrillic; a translate() over the whole table took 9 ms).
# Deletions (an empty replacement) go last: translate() drops characters of its second
# argument that have no counterpart in the third.
HEAD = "case_search_head"
PG_FUNCTIONS = [
    "CREATE TABLE IF NOT EXISTS search_fold (src text PRIMARY KEY, dst text NOT NULL)",
    r"""CREATE OR REPLACE FUNCTION hd_fold(t text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT CASE WHEN t IS NULL OR t !~ '[^\x01-\x7f]' THEN t ELSE (
  SELECT translate(t, coalesce(string_agg(f.src, '' ORDER BY f.dst = '', f.src), ''),
                      coalesce(string_agg(f.dst, '' ORDER BY f.dst = '', f.src), ''))
  FROM search_fold f
  WHERE f.src = ANY (regexp_split_to_array(regexp_replace(t, '[\x01-\x7f]+', '', 'g'), ''))
) END $$""",
    """CREATE OR REPLACE FUNCTION hd_search_identity(account bigint) RETURNS text LANGUAGE sql STABLE AS $$
SELECT concat_ws(' ', a.name, a.number,
  (SELECT string_agg(ct.name, ' ') FROM accounts_contact ct WHERE ct.account_id = a.id),
  (SELECT string_agg(p.value, ' ') FROM accounts_contactpoint p
     JOIN accounts_contact ct ON ct.id = p.contact_id WHERE ct.account_id = a.id))
FROM accounts_customeraccount a WHERE a.id = account $$""",
    """CREATE OR REPLACE FUNCTION hd_search_head(subject text, who text) RETURNS tsvector
LANGUAGE sql STABLE AS $$
SELECT setweight(to_tsvector('simple', hd_fold(concat_ws(' ', subject, who))), 'A') $$""",
    """CREATE OR REPLACE FUNCTION hd_search_text(body text, visibility text) RETURNS tsvector
LANGUAGE sql STABLE AS $$
SELECT setweight(to_tsvector('simple', hd_fold(coalesce(body, ''))),
                 CASE WHEN visibility = 'public' THEN 'B' ELSE 'C' END::"char") $$""",
    # A new head for one case: in its head row and as the A part of its document.
    f"""CREATE OR REPLACE FUNCTION hd_search_set_head(c bigint, head tsvector) RETURNS void LANGUAGE sql AS $$
UPDATE {HEAD} SET head = hd_search_set_head.head WHERE case_id = c;
UPDATE {TABLE} SET doc = hd_search_set_head.head || ts_filter(doc, '{{b,c}}') WHERE case_id = c $$""",
    """CREATE OR REPLACE FUNCTION hd_search_refresh_heads(account bigint) RETURNS void LANGUAGE sql AS $$
SELECT hd_search_set_head(c.id, hd_search_head(c.subject, w.who))
FROM cases_case c, (SELECT hd_search_identity(account) AS who) w WHERE c.account_id = account $$""",
    f"""CREATE OR REPLACE FUNCTION hd_search_case_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE head tsvector := hd_search_head(NEW.subject, hd_search_identity(NEW.account_id));
BEGIN
  INSERT INTO {TABLE}(case_id, department_id, doc) VALUES (NEW.id, NEW.department_id, head)
  ON CONFLICT (case_id) DO UPDATE SET department_id = EXCLUDED.department_id, doc = EXCLUDED.doc;
  INSERT INTO {HEAD}(case_id, department_id, head) VALUES (NEW.id, NEW.department_id, head)
  ON CONFLICT (case_id) DO UPDATE SET department_id = EXCLUDED.department_id, head = EXCLUDED.head;
  RETURN NULL;
END $$""",
    f"""CREATE OR REPLACE FUNCTION hd_search_case_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.subject IS DISTINCT FROM OLD.subject OR NEW.account_id IS DISTINCT FROM OLD.account_id THEN
    PERFORM hd_search_set_head(NEW.id, hd_search_head(NEW.subject, hd_search_identity(NEW.account_id)));
  END IF;
  IF NEW.department_id IS DISTINCT FROM OLD.department_id THEN
    UPDATE {TABLE} SET department_id = NEW.department_id WHERE case_id = NEW.id;
    UPDATE {HEAD} SET department_id = NEW.department_id WHERE case_id = NEW.id;
  END IF;
  RETURN NULL;
END $$""",
    f"""CREATE OR REPLACE FUNCTION hd_search_case_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM {TABLE} WHERE case_id = OLD.id;
  DELETE FROM {HEAD} WHERE case_id = OLD.id;
  RETURN NULL;
END $$""",
    f"""CREATE OR REPLACE FUNCTION hd_search_entry_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE {TABLE} SET doc = doc || hd_search_text(NEW.body, NEW.visibility) WHERE case_id = NEW.case_id;
  RETURN NULL;
END $$""",
    """CREATE OR REPLACE FUNCTION hd_search_account_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'accounts_customeraccount' THEN
    PERFORM hd_search_refresh_heads(NEW.id);
  ELSIF TG_TABLE_NAME = 'accounts_contact' THEN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM hd_search_refresh_heads(OLD.account_id); END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.account_id <> OLD.account_id) THEN
      PERFORM hd_search_refresh_heads(NEW.account_id);
    END IF;
  ELSE
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      PERFORM hd_search_refresh_heads(account_id) FROM accounts_contact WHERE id = OLD.contact_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.contact_id <> OLD.contact_id) THEN
      PERFORM hd_search_refresh_heads(account_id) FROM accounts_contact WHERE id = NEW.contact_id;
    END IF;
  END IF;
  RETURN NULL;
END $$""",
]

PG_TRIGGERS = {
    "case_search_case_insert": "AFTER INSERT ON cases_case FOR EACH ROW EXECUTE FUNCTION hd_search_case_inserted()",
    "case_search_case_update": (
        "AFTER UPDATE OF subject, account_id, department_id ON cases_case FOR EACH ROW "
        "WHEN (OLD.subject IS DISTINCT FROM NEW.subject OR OLD.account_id IS DISTINCT FROM NEW.account_id "
        "OR OLD.department_id IS DISTINCT FROM NEW.department_id) "
        "EXECUTE FUNCTION hd_search_case_changed()"
    ),
    "case_search_case_delete": "AFTER DELETE ON cases_case FOR EACH ROW EXECUTE FUNCTION hd_search_case_deleted()",
    "case_search_entry_insert": (
        "AFTER INSERT ON cases_timelineentry FOR EACH ROW WHEN (NEW.body <> '') "
        "EXECUTE FUNCTION hd_search_entry_inserted()"
    ),
    "case_search_account_update": (
        "AFTER UPDATE OF name, number ON accounts_customeraccount FOR EACH ROW "
        "WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.number IS DISTINCT FROM NEW.number) "
        "EXECUTE FUNCTION hd_search_account_changed()"
    ),
    "case_search_contact_insert": (
        "AFTER INSERT OR DELETE ON accounts_contact FOR EACH ROW EXECUTE FUNCTION hd_search_account_changed()"
    ),
    "case_search_contact_update": (
        "AFTER UPDATE OF name, account_id ON accounts_contact FOR EACH ROW "
        "WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.account_id IS DISTINCT FROM NEW.account_id) "
        "EXECUTE FUNCTION hd_search_account_changed()"
    ),
    "case_search_point_insert": (
        "AFTER INSERT OR DELETE ON accounts_contactpoint FOR EACH ROW EXECUTE FUNCTION hd_search_account_changed()"
    ),
    "case_search_point_update": (
        "AFTER UPDATE OF value, contact_id ON accounts_contactpoint FOR EACH ROW "
        "WHEN (OLD.value IS DISTINCT FROM NEW.value OR OLD.contact_id IS DISTINCT FROM NEW.contact_id) "
        "EXECUTE FUNCTION hd_search_account_changed()"
    ),
}

PG_TRIGGER_TABLES = {
    "case_search_case_insert": "cases_case",
    "case_search_case_update": "cases_case",
    "case_search_case_delete": "cases_case",
    "case_search_entry_insert": "cases_timelineentry",
    "case_search_account_update": "accounts_customeraccount",
    "case_search_contact_insert": "accounts_contact",
    "case_search_contact_update": "accounts_contact",
    "case_search_point_insert": "accounts_contactpoint",
    "case_search_point_update": "accounts_contactpoint",
}

# Searches read a GIN index's pending list (entries not yet merged into the tree) one by
# one; a smaller list than the 4 MB default keeps a search under a stream of writes from
# reading megabytes of it. department_id is copied from the case (a transfer updates it)
# so that a search can count the matches in an agent's departments from these tables
# alone (search.py). The head (subject and customer) has a table of its own: matches
# there rank first, and finding them must not mean rechecking every document with the word.
PG_TABLES = [
    f"CREATE TABLE IF NOT EXISTS {TABLE} (case_id bigint PRIMARY KEY, department_id bigint, doc tsvector NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {HEAD} (case_id bigint PRIMARY KEY, department_id bigint, head tsvector NOT NULL)",
]
PG_INDEXES = [
    f"CREATE INDEX IF NOT EXISTS case_search_doc_gin ON {TABLE} USING gin (doc) WITH (gin_pending_list_limit = 1024)",
    f"CREATE INDEX IF NOT EXISTS case_search_doc_department ON {TABLE} (department_id)",
    f"CREATE INDEX IF NOT EXISTS case_search_head_gin ON {HEAD} USING gin (head) WITH (gin_pending_list_limit = 256)",
    f"CREATE INDEX IF NOT EXISTS case_search_head_department ON {HEAD} (department_id)",
]

PG_REBUILD = [
    f"TRUNCATE {TABLE}, {HEAD}",
    "DROP INDEX IF EXISTS case_search_doc_gin, case_search_doc_department, case_search_head_gin, "
    "case_search_head_department",
    f"INSERT INTO {HEAD}(case_id, department_id, head) "
    "SELECT c.id, c.department_id, hd_search_head(c.subject, i.who) FROM cases_case c "
    "LEFT JOIN (SELECT a.id, concat_ws(' ', a.name, a.number, cn.names, cp.points) AS who "
    "  FROM accounts_customeraccount a "
    "  LEFT JOIN (SELECT account_id, string_agg(name, ' ') AS names FROM accounts_contact GROUP BY account_id) cn "
    "    ON cn.account_id = a.id "
    "  LEFT JOIN (SELECT ct.account_id, string_agg(p.value, ' ') AS points FROM accounts_contactpoint p "
    "    JOIN accounts_contact ct ON ct.id = p.contact_id GROUP BY ct.account_id) cp ON cp.account_id = a.id"
    ") i ON i.id = c.account_id",
    f"INSERT INTO {TABLE}(case_id, department_id, doc) "
    "SELECT h.case_id, h.department_id, h.head || coalesce(e.doc, ''::tsvector) "
    f"FROM {HEAD} h LEFT JOIN (SELECT case_id, "
    "  hd_search_text(string_agg(body, ' ') FILTER (WHERE visibility = 'public'), 'public') "
    "  || hd_search_text(string_agg(body, ' ') FILTER (WHERE visibility <> 'public'), 'internal') AS doc "
    "  FROM cases_timelineentry WHERE body <> '' GROUP BY case_id) e ON e.case_id = h.case_id",
    *PG_INDEXES,
    # More statistics on the documents' words than the default: the planner then knows a
    # rare word from a common one (a word outside the list is thought to be in 0.5 % of them).
    f"ALTER TABLE {TABLE} ALTER COLUMN doc SET STATISTICS 1000",
    f"ALTER TABLE {HEAD} ALTER COLUMN head SET STATISTICS 1000",
    f"ANALYZE {TABLE}",
    f"ANALYZE {HEAD}",
]


def _fill_fold_table(cursor: Any) -> None:
    cursor.execute("DELETE FROM search_fold")
    rows = sorted((chr(cp), to) for cp, to in searchkey.fold_table().items())
    for start in range(0, len(rows), 2000):
        chunk = rows[start : start + 2000]
        cursor.execute(
            "INSERT INTO search_fold(src, dst) VALUES " + ", ".join(["(%s, %s)"] * len(chunk)),
            [value for row in chunk for value in row],
        )


# --- both ----------------------------------------------------------------------------------


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the table, functions and triggers, replacing what is there (idempotent).
    Documents are not touched: call rebuild() after a first install."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
                "head, public, internal, tokenize='unicode61 remove_diacritics 2')"
            )
        elif connection.vendor == "postgresql":
            for sql in [*PG_TABLES, *PG_INDEXES]:
                cursor.execute(sql)
            for sql in PG_FUNCTIONS:
                cursor.execute(sql)
            _fill_fold_table(cursor)
        else:
            raise NotImplementedError(f"search index for {connection.vendor}")
    create_triggers(connection)


def create_triggers(connection: BaseDatabaseWrapper) -> None:
    drop_triggers(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name, body in SQLITE_TRIGGERS.items():
                cursor.execute(f"CREATE TRIGGER {name} {body}")
        else:
            for name, body in PG_TRIGGERS.items():
                cursor.execute(f"CREATE TRIGGER {name} {body}")


def drop_triggers(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            for name, table in PG_TRIGGER_TABLES.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")


def rebuild(connection: BaseDatabaseWrapper) -> None:
    """Refill every case's document from the cases, entries and accounts, set-based, in
    one transaction (searches see the old documents until it commits): a million cases
    take minutes this way, against hours of per-row triggers."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One sort of the entries by case and one GIN build, in memory where possible.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for sql in PG_REBUILD:
                cursor.execute(sql)
        else:
            for sql in SQLITE_REBUILD:
                cursor.execute(sql)


@contextmanager
def bulk_load(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Load many cases and entries without the per-row triggers, then rebuild the
    documents in one pass (bench/generate.py, imports)."""
    drop_triggers(connection)
    try:
        yield
    finally:
        create_triggers(connection)
    rebuild(connection)
