"""Writing and reading single rows on the hot paths with statements built once.

`Model.save()`, `QuerySet.create()` and `Manager.raw()` build their SQL through the ORM
for every row. On the paths that run for every message and every new case (e-mail
ingest, API create) that cost more than the database's own work: bench/email_ingest.py
measured about 4.4 inserts per message. Here the statement is built once per model (or
field list), and values still go through each field's own conversion: `pre_save` and
`get_db_prep_save` on the way in, the ORM's converters on the way out. Tests compare the
rows with what `save()` writes and what the ORM reads, on SQLite and PostgreSQL.

- `insert` / `insert_many`: new rows (INSERT ... RETURNING the ids).
- `update`: `save(update_fields=...)`.
- `columns` + `fetch` / `build`: a hand-written SELECT read back into instances.

What `save()` does and these do not: they send no signals (a model that has save
receivers is refused, so nothing can silently miss one), call no overridden `save()` and
run no validation. Use them for plain rows whose values the caller has checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX
from django.db.models import Field, ForeignKey, Model, fields
from django.db.models.expressions import Col
from django.db.models.signals import post_save, pre_save

M = TypeVar("M", bound=Model)

# How each field's value is read and converted. A value whose type is in `passthrough`
# is what `get_db_prep_save` would return anyway (a str for a CharField, an int for an
# integer or a foreign key to an integer id, a bool for a BooleanField); anything else,
# None included where a field maps it, takes the field's own conversion.
_PLAIN = {fields.CharField, fields.TextField, fields.EmailField, fields.SlugField}
_INTEGERS = {
    fields.IntegerField,
    fields.BigIntegerField,
    fields.PositiveIntegerField,
    fields.PositiveSmallIntegerField,
    fields.SmallIntegerField,
    fields.AutoField,
    fields.BigAutoField,
}


@dataclass(frozen=True)
class _Column:
    field: Field[Any, Any]
    attname: str
    pre_save: bool  # the field computes its value on save (auto_now, files)
    passthrough: tuple[type, ...]


def _column(field: Field[Any, Any]) -> _Column:
    kind = type(field)
    target = kind
    if isinstance(field, ForeignKey):
        target = type(field.target_field)
    passthrough: tuple[type, ...] = ()
    if kind in _PLAIN:
        passthrough = (str,)
    elif target in _INTEGERS:
        passthrough = (int,)
    elif kind is fields.BooleanField:
        passthrough = (bool,)
    return _Column(field, field.attname, kind.pre_save is not Field.pre_save, passthrough)


# model -> (INSERT ... VALUES prefix, "(%s, ...)" for one row, columns)
_plans: dict[type[Model], tuple[str, str, list[_Column]]] = {}


def _plan(model: type[Model]) -> tuple[str, str, list[_Column]]:
    plan = _plans.get(model)
    if plan is not None:
        return plan
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        raise TypeError(f"{model.__name__} has save signal receivers; use save() for it.")
    meta = model._meta
    columns = [
        _column(f)
        for f in meta.local_concrete_fields
        if not (f.primary_key and f.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField"))
        and not getattr(f, "generated", False)
    ]
    quote = connection.ops.quote_name
    names = ", ".join(quote(c.field.column) for c in columns)
    prefix = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES "  # noqa: S608 -- names from the model
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    plan = _plans[model] = (prefix, row, columns)
    return plan


def _values(obj: Model, columns: list[_Column], conn: BaseDatabaseWrapper, add: bool) -> list[Any]:
    values = []
    for c in columns:
        value = c.field.pre_save(obj, add) if c.pre_save else getattr(obj, c.attname)
        if type(value) not in c.passthrough:
            value = c.field.get_db_prep_save(value, conn)
        values.append(value)
    return values


# Statement -> its SQLite form ("?" placeholders), converted once.
_qmark: dict[str, str] = {}


def _run(conn: BaseDatabaseWrapper, sql: str, params: Sequence[Any]) -> tuple[list[tuple[Any, ...]], int]:
    """Execute one statement; its rows and row count.

    On SQLite the statement goes to the sqlite3 cursor itself, with its placeholders
    converted once: Django's cursor wrapper rewrites them with a regular expression on
    every call, which cost as much as a small query (bench/email_ingest.py). Errors are
    translated as Django's cursor translates them. While queries are being logged or
    wrapped (DEBUG, the tests' query counters) the ordinary cursor is used, so every
    statement is still seen.
    """
    if conn.vendor == "sqlite" and not conn.execute_wrappers and not conn.queries_logged:
        qmark = _qmark.get(sql)
        if qmark is None:
            qmark = _qmark[sql] = FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")
        conn.ensure_connection()
        conn.validate_no_broken_transaction()
        with conn.wrap_database_errors:
            cursor = conn.connection.cursor()
            try:
                cursor.execute(qmark, params)
                return cursor.fetchall(), cursor.rowcount
            finally:
                cursor.close()
    with conn.cursor() as wrapped:
        wrapped.execute(sql, params)
        return (wrapped.fetchall() if wrapped.description else []), wrapped.rowcount


def insert(obj: M) -> M:
    """Insert the unsaved `obj` (one INSERT ... RETURNING its id) and mark it saved."""
    return insert_many([obj])[0]


def insert_many(objs: Sequence[M]) -> Sequence[M]:
    """Insert unsaved instances of one model with one statement; each gets its id.

    The ids come back through RETURNING (SQLite 3.35+, PostgreSQL); they are handed out
    in the order the rows are written, so the sorted ids follow the order of `objs`.
    """
    if not objs:
        return objs
    model = type(objs[0])
    prefix, row, columns = _plan(model)
    # The connection itself, not the `connection` proxy: every attribute read through
    # the proxy is a lookup of the thread's connection, and the fields read it often.
    conn = connections[DEFAULT_DB_ALIAS]
    params: list[Any] = []
    for obj in objs:
        if type(obj) is not model or not obj._state.adding:
            raise TypeError("insert_many takes new instances of one model")
        params += _values(obj, columns, conn, True)
    pk = model._meta.pk
    assert pk is not None
    sql = prefix + ", ".join([row] * len(objs)) + f" RETURNING {conn.ops.quote_name(pk.column)}"
    found, _ = _run(conn, sql, params)
    ids = sorted(r[0] for r in found)
    for obj, pk_value in zip(objs, ids, strict=True):
        obj.pk = pk_value
        obj._state.adding = False
        obj._state.db = conn.alias
    return objs


_updates: dict[tuple[type[Model], tuple[str, ...]], tuple[str, list[_Column]]] = {}


def update(obj: Model, field_names: Sequence[str]) -> None:
    """`obj.save(update_fields=field_names)` with an UPDATE built once per field list."""
    model = type(obj)
    key = (model, tuple(field_names))
    plan = _updates.get(key)
    if plan is None:
        if pre_save.has_listeners(model) or post_save.has_listeners(model):
            raise TypeError(f"{model.__name__} has save signal receivers; use save() for it.")
        meta = model._meta
        columns = [_column(meta.get_field(name)) for name in dict.fromkeys(field_names)]  # type: ignore[arg-type]
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(c.field.column)} = %s" for c in columns)
        pk = meta.pk
        assert pk is not None
        sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(pk.column)} = %s"  # noqa: S608
        plan = _updates[key] = (sql, columns)
    sql, columns = plan
    conn = connections[DEFAULT_DB_ALIAS]
    params = _values(obj, columns, conn, False)
    _, count = _run(conn, sql, [*params, obj.pk])
    if count != 1:
        raise DatabaseError(f"{model.__name__} {obj.pk}: the update affected no row (as save(update_fields=...)).")


# --- reading rows back ------------------------------------------------------------------

# model -> the model's concrete fields and, per field, the converters a query through the
# ORM would apply (SQLite returns datetimes as text, booleans as integers, JSON as text).
_readers: dict[type[Model], tuple[list[Field[Any, Any]], list[tuple[int, list[Any], Col]]]] = {}
_attnames: dict[type[Model], list[str]] = {}  # the same fields' attribute names, for from_db


def _reader(model: type[Model]) -> tuple[list[Field[Any, Any]], list[tuple[int, list[Any], Col]]]:
    reader = _readers.get(model)
    if reader is None:
        conn = connections[DEFAULT_DB_ALIAS]
        concrete = list(model._meta.concrete_fields)
        converters = []
        for i, f in enumerate(concrete):
            col = Col(model._meta.db_table, f)
            found = conn.ops.get_db_converters(col) + col.get_db_converters(conn)
            if found:
                converters.append((i, found, col))
        reader = _readers[model] = (concrete, converters)
        _attnames[model] = [f.attname for f in concrete]
    return reader


def columns(model: type[Model], alias: str) -> str:
    """The model's columns, in field order, for a hand-written SELECT read by `fetch`."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in _reader(model)[0])


def fetch(model: type[M], sql: str, params: Sequence[Any], *, extra: int = 0) -> list[tuple[M, tuple[Any, ...]]]:
    """Run a SELECT whose first columns are `columns(model, ...)`, followed by `extra`
    more; return each row as an instance (values converted as the ORM converts them)
    and the extra values as they came. For the hot paths, where a RawQuerySet's set-up
    cost more than the query."""
    conn = connections[DEFAULT_DB_ALIAS]
    found, _ = _run(conn, sql, params)
    width = len(_reader(model)[0])
    return [(build(model, row[:width]), tuple(row[width : width + extra])) for row in found]


def build(model: type[M], row: Sequence[Any]) -> M:
    """An instance from the values of `columns(model, ...)`, converted as the ORM would."""
    converters = _reader(model)[1]
    conn = connections[DEFAULT_DB_ALIAS]
    values = list(row)
    for i, funcs, col in converters:
        for func in funcs:
            values[i] = func(values[i], col, conn)
    return model.from_db(conn.alias, _attnames[model], values)
