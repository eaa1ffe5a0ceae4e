"""Django's SQLite backend, with writers taking turns through an OS file lock.

SQLite allows one writer at a time. When a second one arrives, SQLite's busy handler
sleeps and retries with growing pauses (1, 2, 5, 10 ... 100 ms), so under steady
concurrent writes (two web workers opening cases) most of the time goes to sleeping
while the lock is already free (bench/run.py, API create). Here every transaction
first takes an exclusive lock on a file beside the database, and only then runs
`BEGIN IMMEDIATE`: the next writer is let in as soon as the previous one commits.

Only transactions (`transaction.atomic`, which honeydesk uses for every write that
matters) take the turn; a lone autocommit statement still relies on SQLite's own
lock and busy timeout. The wait is bounded by the same timeout as SQLite's.
An in-memory database has no file and no other process: nothing changes for it.
"""

from __future__ import annotations

import fcntl
import os
import time
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

# Polling a non-blocking lock, not a blocking one: a blocking flock cannot time out,
# and a stuck writer must not hang every other request forever.
POLL_SECONDS = 0.0002


class DatabaseWrapper(base.DatabaseWrapper):
    _turn_fd: int | None = None

    def _turn_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if self.is_in_memory_db() or not name:
            return None
        return name + ".writers"

    def _take_turn(self) -> None:
        path = self._turn_path()
        if path is None or self._turn_fd is not None:
            return
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise OperationalError("database is locked (waited for another writer)") from None
                time.sleep(POLL_SECONDS)
        self._turn_fd = fd

    def _end_turn(self) -> None:
        fd, self._turn_fd = self._turn_fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the lock

    def _start_transaction_under_autocommit(self) -> None:
        self._take_turn()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # (not in django-stubs)
        except BaseException:
            self._end_turn()
            raise

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]  # (not in django-stubs)
        finally:
            self._end_turn()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]  # (not in django-stubs)
        finally:
            self._end_turn()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]  # (not in django-stubs)
        finally:
            self._end_turn()
