"""The SQLite backend's writers' turn (honeydesk/lib/sqlite/base.py): a second writer
gets in as soon as the first commits or rolls back, never waits past the timeout, and
an in-memory database is left alone. Each test builds its own connections to a
throw-away file, so this runs the same whatever database the suite itself uses."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler


def connections_to(path: str, timeout: float = 5) -> ConnectionHandler:
    return ConnectionHandler(
        {
            "default": {
                "ENGINE": "honeydesk.lib.sqlite",
                "NAME": path,
                "OPTIONS": {
                    "transaction_mode": "IMMEDIATE",
                    "timeout": timeout,
                    "init_command": "PRAGMA journal_mode=WAL;",
                },
            }
        }
    )


def begin(conn: Any) -> None:
    # What transaction.atomic() does on entry, for a connection outside `connections`.
    conn.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def end(conn: Any, commit: bool = True) -> None:
    conn.commit() if commit else conn.rollback()
    conn.set_autocommit(True)


@pytest.fixture(autouse=True)
def _own_connections_allowed(django_db_blocker: Any) -> Any:
    # These connections are the test's own, not the test database.
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def db_file(tmp_path: Path) -> str:
    path = str(tmp_path / "turns.sqlite3")
    handler = connections_to(path)
    conn = handler["default"]
    with conn.cursor() as cursor:
        cursor.execute("CREATE TABLE t (who TEXT, at REAL)")
    conn.close()
    return path


def write_in_thread(path: str, who: str, hold: float, log: list[tuple[str, str, float]], commit: bool = True) -> None:
    conn = connections_to(path)["default"]
    try:
        begin(conn)
        log.append((who, "in", time.monotonic()))
        with conn.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (%s, %s)", [who, time.monotonic()])
        time.sleep(hold)
        log.append((who, "out", time.monotonic()))
        end(conn, commit)
    finally:
        conn.close()


@pytest.mark.parametrize("commit", [True, False], ids=["after a commit", "after a rollback"])
def test_the_next_writer_gets_in_as_soon_as_the_first_is_done(db_file, commit):
    log: list[tuple[str, str, float]] = []
    first = threading.Thread(target=write_in_thread, args=(db_file, "first", 0.4, log, commit))
    first.start()
    while not log:
        time.sleep(0.005)
    second = threading.Thread(target=write_in_thread, args=(db_file, "second", 0.0, log))
    second.start()
    first.join(10)
    second.join(10)
    events = {(who, what): at for who, what, at in log}
    assert [(who, what) for who, what, _ in log] == [
        ("first", "in"),
        ("first", "out"),
        ("second", "in"),
        ("second", "out"),
    ]
    # SQLite's own busy handler would sleep in steps of up to 100 ms; the turn is handed
    # over within a few polls of 0.2 ms (generous bound for a loaded machine).
    assert events[("second", "in")] - events[("first", "out")] < 0.08
    conn = connections_to(db_file)["default"]
    with conn.cursor() as cursor:
        cursor.execute("SELECT who FROM t ORDER BY rowid")
        assert [row[0] for row in cursor.fetchall()] == (["first", "second"] if commit else ["second"])
    conn.close()


def test_a_writer_waits_no_longer_than_the_timeout(db_file):
    holder = connections_to(db_file)["default"]
    begin(holder)
    waiter = connections_to(db_file, timeout=0.3)["default"]
    outcome: dict[str, Any] = {}

    def try_to_write() -> None:
        started = time.monotonic()
        try:
            begin(waiter)
        except OperationalError as exc:
            outcome["error"] = str(exc)
        outcome["waited"] = time.monotonic() - started

    t = threading.Thread(target=try_to_write)
    t.start()
    t.join(10)
    assert "database is locked" in outcome["error"]
    assert 0.25 < outcome["waited"] < 3
    end(holder)
    holder.close()
    # The refused writer holds nothing: the next transaction starts at once.
    again = connections_to(db_file, timeout=0.3)["default"]
    begin(again)
    end(again)
    again.close()


def test_an_in_memory_database_takes_no_turn(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    conn = connections_to(":memory:")["default"]
    begin(conn)
    end(conn)
    conn.close()
    assert list(tmp_path.iterdir()) == []
