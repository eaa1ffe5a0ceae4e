"""Two real `honeydesk worker` processes on one database: every reminder and every
overdue notice is told once and mailed once (PostgreSQL: SKIP LOCKED job claims and
conditional-update claims; SQLite: one writer at a time)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from honeydesk.channels.phone.models import CallbackTask
from honeydesk.notifications.models import Notification, Preference

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[4]
TASKS = 15


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def run_two_workers(tmp_path: Path) -> Path:
    """Two `honeydesk worker --once` processes started together on the test database
    (real time, mail to files); returns the mail folder. Shared by every two-worker test."""
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "SECRET_KEY": "test-only",
        "DEBUG": "0",
        "DATABASE_URL": database_url(),
        "HONEYDESK_VAR_DIR": str(tmp_path / "var"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "TIME_ZONE": "UTC",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, "manage.py", "worker", "--once", "--no-mail"]
    workers = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err.decode()[-3000:]
    return mail_dir


def subjects(mail_dir: Path) -> list[str]:
    """The subject line of every message the workers mailed."""
    if not mail_dir.exists():
        return []
    return [
        line
        for f in mail_dir.iterdir()
        for line in f.read_text().splitlines()
        if line.startswith("Subject: [honeydesk]")
    ]


def test_it_reminds_and_reports_overdue_call_backs_once_with_two_workers(cast, tmp_path):
    now = timezone.now()
    Preference.objects.create(user=cast.billing_agent, kind="callback_due", email=True)
    for i in range(TASKS):
        for due in (now + timedelta(minutes=5), now - timedelta(minutes=1)):
            CallbackTask.objects.create(
                department=cast.billing, case=cast.alice_case, phone=f"+1415555{i:04d}", reason="missed",
                due_at=due, created_at=now - timedelta(hours=1), owner=cast.billing_agent,
            )  # fmt: skip
    mail_dir = run_two_workers(tmp_path)
    assert Notification.objects.filter(kind="callback_due").count() == TASKS
    assert Notification.objects.filter(kind="callback_overdue").count() == TASKS
    assert CallbackTask.objects.filter(reminded_at__isnull=False).count() == TASKS
    assert CallbackTask.objects.filter(promise_state="broken").count() == TASKS
    assert cast.alice_case.entries.filter(event="callback_broken").count() == TASKS
    sent = subjects(mail_dir)
    assert len(sent) == 2 * TASKS, sent
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2 * TASKS
