"""`honeydesk smtpd --host 127.0.0.1 --port 2525`: receive mail by direct SMTP delivery."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from honeydesk.channels.email.inbound import max_message_bytes
from honeydesk.channels.email.smtpd import controller


class Command(BaseCommand):
    help = "Run the SMTP receiver that feeds inbound mail into cases."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        server = controller(host, port, max_bytes=max_message_bytes())
        server.start()
        self.stdout.write(f"honeydesk smtpd listening on {host}:{port}", ending="\n")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            server.stop()
