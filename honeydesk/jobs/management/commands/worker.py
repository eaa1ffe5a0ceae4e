"""`honeydesk worker`: runs due jobs, fetches inbound work (the IMAP mailboxes) and runs
the periodic tasks (housekeeping), until stopped. What there is to fetch and to run is
registered by the apps that own it (`honeydesk.jobs.schedule`).

Options: `--once` (run what is due, poll each mailbox once, do the housekeeping, exit),
`--interval` (seconds between looks at the job table, default 1), `--poll-interval`
(seconds between polls of every mailbox, default 30), `--no-mail`, `--no-idle`,
`--idle-renewal` (seconds before an IDLE is re-issued, default 25 minutes),
`--housekeeping-interval` (default 3600). SIGTERM/SIGINT finish the current message or
job, then exit. Several workers may run at once (jobs are claimed atomically; mail is
deduped; closing a case locks it).

Mail: every mailbox is polled at start and then every --poll-interval seconds. For a
mailbox whose server offers IDLE, a listener thread (see `imap.IdleListener`) wakes this
loop when new mail arrives, and the loop polls that mailbox at once. Only this loop
ingests; listeners only signal.

Housekeeping runs at start and then every --housekeeping-interval seconds; a round that
runs out of time (a backlog of cases to close) continues after the next round of jobs
and mail, so the mail is never held up for long.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections, connection

from honeydesk.jobs import schedule
from honeydesk.jobs.runner import expire_stale_failures, run_pending, worker_name

log = logging.getLogger(__name__)


class Wakeups:
    """Mailboxes with new mail, reported by listener threads; the event also cuts the
    main loop's sleep short."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._lock = threading.Lock()
        self._pks: set[int] = set()

    def add(self, pk: int) -> None:
        with self._lock:
            self._pks.add(pk)
            self.event.set()

    def take(self) -> set[int]:
        with self._lock:
            pks, self._pks = self._pks, set()
            self.event.clear()
        return pks

    def wait(self, timeout: float) -> None:
        self.event.wait(timeout)


class Command(BaseCommand):
    help = "Run background jobs, fetch mail from the mailboxes, and do the housekeeping."
    # Django's system checks import the URLconf (every view, the API with django-ninja and
    # pydantic: about 35 MB resident) to check it; the worker serves no URL. `honeydesk
    # migrate` and `serve` run the checks for the deployment.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Do what is due once, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between looks for due jobs.")
        parser.add_argument("--poll-interval", type=float, default=30.0, help="Seconds between polls of every mailbox.")
        parser.add_argument("--no-mail", action="store_true", help="Leave the mailboxes alone.")
        parser.add_argument("--no-idle", action="store_true", help="Only poll, even where the server offers IMAP IDLE.")
        parser.add_argument(
            "--idle-renewal",
            type=float,
            default=25 * 60.0,
            help="Seconds before an IDLE is re-issued (RFC 2177 asks for less than 29 minutes; "
            "lower it if a firewall drops quiet connections sooner).",
        )
        parser.add_argument(
            "--housekeeping-interval",
            type=float,
            default=3600.0,
            help="Seconds between housekeeping runs (closing cases past the reopen window, planner statistics).",
        )

    def handle(
        self,
        *args: Any,
        once: bool,
        interval: float,
        poll_interval: float,
        no_mail: bool,
        no_idle: bool,
        idle_renewal: float,
        housekeeping_interval: float,
        **options: Any,
    ) -> None:
        if idle_renewal <= 0 or housekeeping_interval <= 0:
            raise CommandError("--idle-renewal and --housekeeping-interval must be more than 0 seconds.")
        stop = threading.Event()
        wakeups = Wakeups()

        def on_signal(*_: Any) -> None:
            # No lock here (the handler may interrupt Wakeups.take in this same thread).
            stop.set()
            wakeups.event.set()

        previous = {}
        if threading.current_thread() is threading.main_thread():
            previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}

        feeds = [] if no_mail else schedule.feeds()
        for feed in feeds:
            feed.start(wakeups.add, listen=not (once or no_idle), renewal=idle_renewal)
        name = worker_name()
        self.stdout.write(f"honeydesk worker {name} started")
        self.stdout.flush()
        next_poll = 0.0
        next_periodic = dict.fromkeys((task.name for task in schedule.periodic()), 0.0)
        try:
            while not stop.is_set():
                if not connection.in_atomic_block:  # (tests run the command inside one)
                    close_old_connections()
                # Taken at the top of each round, so a pending wake-up cannot keep the
                # wait below from sleeping while the database is away.
                woken = wakeups.take()
                for task in schedule.periodic():
                    if time.monotonic() >= next_periodic.get(task.name, 0.0):
                        finished = self.run_periodic(task, stop)
                        # Unfinished (a backlog): again after this round's mail and jobs,
                        # not an interval later.
                        wait = task.seconds if task.seconds is not None else housekeeping_interval
                        next_periodic[task.name] = time.monotonic() + (wait if finished else 0)
                try:
                    run_pending(name)
                    expire_stale_failures()
                    everything = time.monotonic() >= next_poll
                    for feed in feeds:
                        feed.poll(stop.is_set, woken=woken, everything=everything)
                    if everything:
                        next_poll = time.monotonic() + poll_interval
                except Exception:  # the database may be away for a moment; keep going
                    log.exception("worker loop failed; retrying")
                if once:
                    break
                wakeups.wait(interval)
        finally:
            for feed in feeds:
                feed.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def run_periodic(self, task: schedule.Periodic, stop: threading.Event) -> bool:
        """One round of a periodic task; False when it has work left (its time ran out)."""
        try:
            return task.run(stop.is_set)
        except Exception:  # next time, then; the loop's other work goes on
            log.exception("%s failed", task.name)
            return True
