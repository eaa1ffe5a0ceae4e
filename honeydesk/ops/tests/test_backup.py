"""`honeydesk backup` and `honeydesk restore`: a backup restored into an empty database,
by a separate honeydesk process as on a new machine, holds every case, entry and
attachment as they were."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from honeydesk.cases import actions
from honeydesk.cases.models import Attachment
from honeydesk.testing import make_cast

ROOT = Path(__file__).resolve().parents[3]
HONEYDESK = str(Path(sys.executable).parent / "honeydesk")
APPS = ["accounts", "cases", "email_channel", "phone_channel", "jobs", "intelligence"]
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 40


def _target(tmp_path: Path) -> tuple[dict[str, str], object]:
    """An empty database of the same engine, and how to drop it afterwards."""
    env = {**os.environ, "SECRET_KEY": "test-only", "DEBUG": "0", "MEDIA_ROOT": str(tmp_path / "restored-media")}
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return env, lambda: None
    name = f"{db['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db.get("PASSWORD") else f"{db['USER']}@"
    env["DATABASE_URL"] = f"postgres://{auth}{db['HOST']}:{db['PORT']}/{name}"

    def drop() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return env, drop


def _honeydesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HONEYDESK, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.django_db(transaction=True)
def test_it_restores_a_backup_into_an_empty_database_with_every_case_entry_and_attachment(tmp_path):
    cast = make_cast()
    actions.do_add_note(
        cast.alice_case,
        body="Scan of the bill attached",
        acting_user=cast.billing_agent,
        uploads=[actions.Upload("bill.pdf", "application/pdf", b"%PDF-1.4\n" + os.urandom(3000))],
    )
    actions.do_add_reply(
        cast.bob_case,
        body="Photo of the modem lights",
        acting_user=cast.bob,
        uploads=[actions.Upload("modem.png", "image/png", PNG)],
    )
    path = tmp_path / "backup.tar"
    call_command("backup", str(path), stdout=io.StringIO())
    original = io.StringIO()
    call_command("dumpdata", *APPS, stdout=original)
    files = {a.file.name: default_storage.open(a.file.name, "rb").read() for a in Attachment.objects.all()}
    assert len(files) == 2

    env, drop = _target(tmp_path)
    try:
        restored = _honeydesk(env, "restore", str(path))
        assert restored.returncode == 0, restored.stderr
        assert "2 attachments" in restored.stdout
        dumped = _honeydesk(env, "dumpdata", *APPS)
        assert dumped.returncode == 0, dumped.stderr
        assert json.loads(dumped.stdout) == json.loads(original.getvalue())
        for name, content in files.items():
            assert (tmp_path / "restored-media" / name).read_bytes() == content
        # The search index came along: the restored desk finds the note's words.
        found = _honeydesk(
            env,
            "shell",
            "-c",
            "from honeydesk.accounts.models import User; from honeydesk.cases.queries import search_cases; "
            "print([h.case.ref for h in search_cases(User.objects.get(username='sam'), 'scan bill').hits])",
        )
        assert found.stdout.strip().splitlines()[-1] == f"['{cast.alice_case.ref}']", found.stderr
        # A restore never mixes a backup into a database that holds data.
        again = _honeydesk(env, "restore", str(path))
        assert again.returncode != 0 and "not empty" in again.stderr
    finally:
        drop()


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_overwrite_a_file_or_to_restore_what_is_not_a_backup(tmp_path):
    make_cast()
    path = tmp_path / "backup.tar"
    path.write_text("not a backup")
    with pytest.raises(Exception, match="exists"):
        call_command("backup", str(path), stdout=io.StringIO())
    env, drop = _target(tmp_path)
    try:
        result = _honeydesk(env, "restore", str(path))
        assert result.returncode != 0 and "not a honeydesk backup" in result.stderr
    finally:
        drop()
