"""`honeydesk worker`: runs due jobs and polls the IMAP mailboxes, until stopped.

Options: `--once` (run what is due, poll each mailbox once, exit), `--interval` (seconds
between looks at the job table, default 1), `--poll-interval` (seconds between mailbox
polls, default 30), `--no-mail`. SIGTERM/SIGINT finish the current message or job, then
exit. Several workers may run at once (jobs are claimed atomically; mail is deduped).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection

from honeydesk.jobs.runner import expire_stale_failures, run_pending, worker_name

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run background jobs and poll the mailboxes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--poll-interval", type=float, default=30.0)
        parser.add_argument("--no-mail", action="store_true")

    def handle(
        self, *args: Any, once: bool, interval: float, poll_interval: float, no_mail: bool, **options: Any
    ) -> None:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        name = worker_name()
        self.stdout.write(f"honeydesk worker {name} started")
        self.stdout.flush()
        next_poll = 0.0
        while not stop.is_set():
            if not connection.in_atomic_block:  # (tests run the command inside one)
                close_old_connections()
            try:
                run_pending(name)
                expire_stale_failures()
                if not no_mail and time.monotonic() >= next_poll:
                    from honeydesk.channels.email.imap import poll_all

                    poll_all(stop=stop.is_set)
                    next_poll = time.monotonic() + poll_interval
            except Exception:  # the database may be away for a moment; keep going
                log.exception("worker loop failed; retrying")
            if once:
                break
            stop.wait(interval)
