"""Real servers on 127.0.0.1 for the tests: a throw-away Dovecot, a honeydesk install on
a file SQLite database for subprocesses (worker, smtpd), free ports."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
USERS = [
    "support@example.test",
    "poll@example.test",
    "kill@example.test",
    "move@example.test",
    "idle@example.test",
    "renew@example.test",
    "noidle@example.test",
]
PASSWORD = "secret"
# The same Dovecot on this address advertises no IDLE: a real server that must be polled.
NO_IDLE_HOST = "127.0.0.2"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@dataclass
class Dovecot:
    directory: Path
    port: int

    def client(self, user: str):
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(user, PASSWORD)
        return client

    def reset(self, user: str) -> None:
        with self.client(user) as client:
            for folder in [f[2] for f in client.list_folders()]:
                client.select_folder(folder)
                uids = client.search(["ALL"])
                if uids:
                    client.delete_messages(uids)
                    client.expunge()
                if folder != "INBOX":
                    client.close_folder()
                    client.delete_folder(folder)

    def append(self, user: str, messages: list[bytes], folder: str = "INBOX") -> None:
        with self.client(user) as client:
            for raw in messages:
                client.append(folder, raw)

    def flags(self, user: str, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        with self.client(user) as client:
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            return {uid: data[b"FLAGS"] for uid, data in client.fetch(uids, ["FLAGS"]).items()} if uids else {}


def start_dovecot() -> Dovecot:
    """The recipe of stack.md section 6.2, on a free port, in a temp directory."""
    if not shutil.which("dovecot"):
        raise FileNotFoundError("dovecot is not installed (apt-get install -y --no-install-recommends dovecot-imapd)")
    if os.geteuid() != 0:
        raise PermissionError("the throw-away Dovecot runs as root")
    if subprocess.run(["id", "vmail"], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "vmail"], check=True)
    directory = Path(tempfile.mkdtemp(prefix="hd-imap-"))
    directory.chmod(0o755)
    (directory / "mail").mkdir()
    shutil.chown(directory / "mail", "vmail", "vmail")
    (directory / "users").write_text("".join(f"{u}:{{PLAIN}}{PASSWORD}::::::\n" for u in USERS))
    port = free_port()
    (directory / "dovecot.conf").write_text(f"""
base_dir = {directory}/run
state_dir = {directory}/state
log_path = {directory}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{directory}/mail/%u
mail_uid = vmail
mail_gid = vmail
first_valid_uid = 100
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {directory}/users
}}
userdb {{
  driver = static
  args = home={directory}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imap_no_idle {{
    address = {NO_IDLE_HOST}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
namespace inbox {{
  inbox = yes
}}
# IDLE notifications: inotify tells Dovecot at once; without it (some file systems), it
# would look only every 30 s by default, too slow for the IDLE tests.
mailbox_idle_check_interval = 1 secs
local {NO_IDLE_HOST} {{
  protocol imap {{
    imap_capability = IMAP4rev1 LITERAL+ UIDPLUS MOVE
  }}
}}
""")
    subprocess.run(["dovecot", "-c", str(directory / "dovecot.conf")], check=True)
    wait_for_port(port)
    return Dovecot(directory, port)


def stop_dovecot(server: Dovecot) -> None:
    subprocess.run(["doveadm", "-c", str(server.directory / "dovecot.conf"), "stop"], capture_output=True)
    shutil.rmtree(server.directory, ignore_errors=True)


@dataclass
class Live:
    """honeydesk installed on a file SQLite database, for real subprocesses."""

    var_dir: Path
    env: dict[str, str]

    @property
    def db(self) -> Path:
        return self.var_dir / "honeydesk.sqlite3"

    def manage(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            **kwargs,
        )

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", code).stdout

    def query(self, sql: str, *params) -> list[tuple]:
        with sqlite3.connect(self.db, timeout=20) as conn:
            return conn.execute(sql, params).fetchall()


SEED = """
from honeydesk.accounts.models import Department
from honeydesk.cases.models import RequestType
d = Department.objects.create(name="Support", slug="support", email_from="support@example.test")
RequestType.objects.create(name="General", slug="general", department=d)
"""


def start_live() -> Live:
    var_dir = Path(tempfile.mkdtemp(prefix="hd-live-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MEDIA_ROOT")}
    env.update(
        SECRET_KEY="test",
        HONEYDESK_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="config.settings",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    live = Live(var_dir, env)
    live.manage("migrate", "-v", "0")
    live.shell(SEED)
    return live
