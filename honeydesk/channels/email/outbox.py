"""A local outbox for demos: every mail honeydesk sends is kept as a file and shown to
staff at /desk/outbox/, as the customer would see it, with its threading headers.

`make run` uses it (it is the mail backend when DEBUG is on, unless EMAIL_BACKEND says
otherwise): nothing leaves the machine, and a newcomer sees what customers are sent —
acknowledgements, replies, status changes, one-time sign-in links. Each message is one
`.eml` file under HONEYDESK_VAR_DIR/outbox/; a line per message also goes to the
terminal. Never configure it in production: the page exists only while it is the backend.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage as StdMessage
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

BACKEND = "honeydesk.channels.email.outbox.OutboxBackend"


def enabled() -> bool:
    return bool(settings.EMAIL_BACKEND == BACKEND)


def folder() -> Path:
    return Path(settings.VAR_DIR) / "outbox"


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        target = folder()
        target.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            raw = message.message().as_bytes()
            # Nanoseconds first: the names sort in the order the mails were sent.
            name = f"{time.time_ns()}-{sent}.eml"
            (target / name).write_bytes(raw)
            sys.stdout.write(f"[outbox] to {', '.join(message.to)}: {message.subject} ({name})\n")
            # A customer of the demo signs in with the link in their mail: show it here too.
            for line in str(message.body).splitlines():
                if "/portal/login/" in line:
                    sys.stdout.write(f"[outbox]   {line.strip()}\n")
            sys.stdout.flush()
            sent += 1
        return sent


@dataclass(frozen=True)
class Mail:
    name: str
    headers: dict[str, str]
    text: str
    html: str

    @property
    def subject(self) -> str:
        return self.headers.get("Subject", "")


def _read(path: Path) -> Mail:
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(parsed, StdMessage)
    shown = ("Date", "From", "To", "Reply-To", "Subject", "Message-ID", "In-Reply-To", "References", "Auto-Submitted")
    headers = {name: str(parsed[name]) for name in shown if parsed[name] is not None}
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    text: Any = text_part.get_content() if text_part is not None else ""
    html: Any = html_part.get_content() if html_part is not None else ""
    return Mail(path.name, headers, str(text), str(html))


def recent(limit: int = 100) -> list[Mail]:
    """The newest mails first."""
    if not folder().is_dir():
        return []
    paths = sorted(folder().glob("*.eml"), reverse=True)[:limit]
    return [_read(p) for p in paths]


def one(name: str) -> Mail | None:
    path = folder() / name
    if "/" in name or not name.endswith(".eml") or not path.is_file():
        return None
    return _read(path)
