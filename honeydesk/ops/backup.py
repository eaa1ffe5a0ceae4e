"""Backups that restore: the database and every attachment in one file.

A backup is a tar file holding

* ``manifest.json``: the format, the database engine, when, and what the database held
  at that instant (cases, timeline entries, attachments), read in the same snapshot as
  the dump, so a restore can prove it is complete;
* the database, dumped by its own tool: PostgreSQL's ``pg_dump`` (custom format) inside
  an exported snapshot, SQLite's online backup API (one step: a consistent copy while
  writers go on). Both carry what Django's ``dumpdata`` would leave behind: the search
  index's documents, triggers and functions, the fold table, the append-only triggers,
  sequences; and both are fast at a million cases, where ``dumpdata`` serialises every row
  through the ORM into one JSON document;
* ``media/``: every attachment file the database refers to, read through Django's file
  storage (a local volume or an S3-compatible store alike), each checked against the
  SHA-256 its row records.

``restore`` puts a backup into an *empty* database of the same engine and the configured
file storage, then checks the counts and every attachment's digest. Attachment files are
content-addressed and never change, so a file that is already in the storage with the
right digest is kept.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

FORMAT = 1
ATTACHMENTS_SQL = "SELECT file, sha256, size FROM cases_attachment ORDER BY id"
COUNT_TABLES = {
    "cases": "cases_case",
    "entries": "cases_timelineentry",
    "attachments": "cases_attachment",
    "accounts": "accounts_customeraccount",
    "messages": "email_channel_message",
}


class BackupError(Exception):
    pass


@dataclass
class Summary:
    counts: dict[str, int]
    attachment_bytes: int

    def __str__(self) -> str:
        counts = ", ".join(f"{n:,} {name}" for name, n in self.counts.items())
        return f"{counts}; {self.attachment_bytes:,} bytes of attachments"


# --- backup --------------------------------------------------------------------------------


def backup(path: Path) -> Summary:
    """Write a backup of the database and its attachments to `path` (a new file)."""
    if path.exists():
        raise BackupError(f"{path} exists; a backup never overwrites a file.")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".honeydesk-backup-") as tmp:
        work = Path(tmp)
        if connection.vendor == "postgresql":
            counts, attachments = _dump_postgresql(work / "database.pgdump")
            dump_name = "database.pgdump"
        elif connection.vendor == "sqlite":
            counts, attachments = _dump_sqlite(work / "database.sqlite3")
            dump_name = "database.sqlite3"
        else:
            raise BackupError(f"No backup for {connection.vendor} databases.")
        manifest = {
            "format": FORMAT,
            "engine": connection.vendor,
            "created_at": timezone.now().isoformat(),
            "database": dump_name,
            "counts": counts,
        }
        partial = path.with_name(path.name + ".partial")
        total = 0
        with tarfile.open(partial, "w") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
            tar.add(work / dump_name, arcname=dump_name)
            for name, digest, size in attachments:
                total += _add_attachment(tar, name, digest, size)
        partial.rename(path)  # a backup file that exists is a whole one
    return Summary(counts, total)


def _dump_postgresql(target: Path) -> tuple[dict[str, int], list[tuple[str, str, int]]]:
    """pg_dump inside a snapshot exported by this transaction, so the counts and the list
    of attachments describe exactly what the dump holds."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--snapshot={snapshot}", f"--file={target}"])
        counts = {}
        for name, table in COUNT_TABLES.items():
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 -- fixed table names
            counts[name] = cursor.fetchone()[0]
        cursor.execute(ATTACHMENTS_SQL)
        attachments = [(str(f), str(d), int(s)) for f, d, s in cursor.fetchall()]
    return counts, attachments


def _dump_sqlite(target: Path) -> tuple[dict[str, int], list[tuple[str, str, int]]]:
    """SQLite's online backup in one step (a consistent copy; writers are not stopped in
    WAL mode), then the counts and attachments read from the copy itself."""
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy, pages=-1)
        counts = {
            name: copy.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 -- fixed table names
            for name, table in COUNT_TABLES.items()
        }
        attachments = [(str(f), str(d), int(s)) for f, d, s in copy.execute(ATTACHMENTS_SQL)]
    finally:
        copy.close()
    return counts, attachments


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def _add_attachment(tar: tarfile.TarFile, name: str, digest: str, size: int) -> int:
    if not default_storage.exists(name):
        raise BackupError(f"Attachment file {name} is missing from the file storage.")
    with default_storage.open(name, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != digest or len(data) != size:
        raise BackupError(f"Attachment file {name} does not match its recorded SHA-256 and size.")
    _add_bytes(tar, f"media/{name}", data)
    return len(data)


# --- restore ---------------------------------------------------------------------------------


def restore(path: Path) -> Summary:
    """Restore a backup into the configured, empty database and file storage; check it."""
    with _opened(path) as (tar, manifest):
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
        if manifest["engine"] != connection.vendor:
            raise BackupError(
                f"This backup is of a {manifest['engine']} database; the configured one is {connection.vendor}."
            )
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
        if tables:
            raise BackupError(f"The database is not empty ({len(tables)} tables). Restore into a new, empty database.")
        with tempfile.TemporaryDirectory(prefix=".honeydesk-restore-") as tmp:
            dump = Path(tmp) / manifest["database"]
            dumped = tar.extractfile(manifest["database"])
            if dumped is None:
                raise BackupError("The backup holds no database dump.")
            with open(dump, "wb") as out:
                shutil.copyfileobj(dumped, out)
            if connection.vendor == "postgresql":
                connection.close()
                _run([_pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction", "--dbname",
                      _pg_dbname(), str(dump)])  # fmt: skip
            else:
                source = sqlite3.connect(dump)
                try:
                    connection.ensure_connection()
                    source.backup(connection.connection, pages=-1)
                finally:
                    source.close()
                connection.close()
        for member in tar:
            if member.isfile() and member.name.startswith("media/"):
                _restore_file(tar, member)
    return check(manifest["counts"])


def _restore_file(tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
    name = member.name.removeprefix("media/")
    if ".." in Path(name).parts or Path(name).is_absolute():
        raise BackupError(f"Refusing the file name {member.name!r} in the backup.")
    source = tar.extractfile(member)
    assert source is not None
    data = source.read()
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as handle:
            if handle.read() == data:
                return
        raise BackupError(f"{name} already exists in the file storage with other content.")
    saved = default_storage.save(name, File(io.BytesIO(data), name=name))
    if saved != name:
        raise BackupError(f"The file storage saved {name} as {saved}.")


def check(expected: dict[str, int]) -> Summary:
    """The database holds what the manifest says, and every attachment file its digest."""
    counts = {}
    with connection.cursor() as cursor:
        for name, table in COUNT_TABLES.items():
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 -- fixed table names
            counts[name] = cursor.fetchone()[0]
        cursor.execute(ATTACHMENTS_SQL)
        attachments = cursor.fetchall()
    if counts != expected:
        raise BackupError(f"The restored database holds {counts}, the backup said {expected}.")
    total = 0
    for name, digest, size in attachments:
        if not default_storage.exists(name):
            raise BackupError(f"Attachment file {name} was not restored.")
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
        if hashlib.sha256(data).hexdigest() != digest or len(data) != size:
            raise BackupError(f"Attachment file {name} does not match its recorded SHA-256.")
        total += len(data)
    return Summary(counts, total)


@contextmanager
def _opened(path: Path) -> Iterator[tuple[tarfile.TarFile, dict[str, Any]]]:
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    try:
        with tarfile.open(path, "r") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise BackupError(f"{path} holds no manifest.json.")
            yield tar, json.loads(member.read())
    except (tarfile.TarError, KeyError, json.JSONDecodeError) as exc:
        raise BackupError(f"{path} is not a honeydesk backup: {exc}") from None


# --- PostgreSQL's tools ----------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """pg_dump/pg_restore of the server's major version (Debian keeps them per version)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    versioned = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    found = str(versioned) if versioned.exists() else shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (PostgreSQL client tools, version {major}).")
    return found


def _pg_dbname() -> str:
    db = settings.DATABASES["default"]
    parts = {
        "dbname": db.get("NAME"),
        "host": db.get("HOST"),
        "port": db.get("PORT"),
        "user": db.get("USER"),
    }
    quoted = {k: str(v).replace("\\", "\\\\").replace("'", "\\'") for k, v in parts.items() if v}
    return " ".join(f"{k}='{v}'" for k, v in quoted.items())


def _run(argv: list[str]) -> None:
    db = settings.DATABASES["default"]
    env = {**os.environ}
    if argv[0].endswith("pg_dump"):
        argv = [*argv, "--dbname", _pg_dbname()]
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed: {done.stderr.strip()[-2000:]}")
