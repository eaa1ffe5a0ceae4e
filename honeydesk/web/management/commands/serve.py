"""`honeydesk serve`: collect static files, then run the app under granian.

Granian serves /static/ itself, so no separate web server is needed for a small
deployment; put a TLS-terminating proxy in front for a real one (see README).
`--pages-only` leaves the API out: smaller workers, for a pool of page servers behind a
proxy that sends /api/ to the others. `--with-worker` also runs `honeydesk worker` beside
it (mail, reminders, housekeeping) and stops both together, for one-command demos
(`make run`); production runs workers as their own processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = "Serve honeydesk with granian (WSGI) on HOST:PORT."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("WEB_THREADS", "0")) or None,
            help="Blocking threads per worker (requests handled at once by each worker). "
            "Default: 1 on SQLite, 4 on PostgreSQL.",
        )
        parser.add_argument(
            "--pages-only",
            action="store_true",
            help="Serve every page but not the API (/api/ answers 404), so that the workers "
            "never load it; for a proxy that sends /api/ to servers started without this flag.",
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="Also run `honeydesk worker`; Ctrl-C (or SIGTERM) stops both.",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        if not opts["threads"]:
            # Python runs one thread at a time per process, so extra threads only help
            # while a request waits on the network (a PostgreSQL server). On SQLite they
            # do not wait; they fight over the one write lock and the interpreter, and
            # throughput drops (bench/run.py: API create 120/s with 4 threads per worker,
            # 155/s with 1). Scale SQLite deployments with --workers instead.
            opts["threads"] = 1 if connection.vendor == "sqlite" else 4
        argv = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            opts["host"],
            "--port",
            str(opts["port"]),
            "--workers",
            str(opts["workers"]),
            "--blocking-threads",
            str(opts["threads"]),
            "--static-path-route",
            "/" + settings.STATIC_URL.strip("/"),
            "--static-path-mount",
            str(settings.STATIC_ROOT),
            "--no-ws",
            "config.wsgi:application",
        ]
        if opts["pages_only"]:
            # Read by config.settings in each of granian's workers, which inherit it.
            os.environ["HONEYDESK_PAGES_ONLY"] = "1"
        self.stdout.write(f"honeydesk on http://{opts['host']}:{opts['port']}/ ({opts['workers']} workers)")
        self.stdout.flush()
        if opts["with_worker"]:
            raise SystemExit(run_together([argv, [sys.executable, "-m", "honeydesk.cli", "worker"]]))
        os.execv(sys.executable, argv)  # noqa: S606 -- replace this process with the server, fixed argv


def run_together(commands: list[list[str]]) -> int:
    """Start every command; when one ends or we are asked to stop, stop the others.
    Returns the first exit status.

    Each child runs in its own process group, so Ctrl-C reaches this process only and
    every child is told once. Granian took Ctrl-C plus our SIGTERM as "quit now" and left
    its worker process running, orphaned, still holding the port; told once, it stops
    its workers before it exits. A child still running 10 s later is killed."""
    children = [subprocess.Popen(command, process_group=0) for command in commands]
    received: list[int] = []

    def stop(signum: int, _frame: Any) -> None:
        received.append(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        status = None
        while status is None and not received:
            status = next((c.returncode for c in children if c.poll() is not None), None)
            time.sleep(0.2)
    finally:
        ask = received[0] if received else signal.SIGTERM
        for child in children:
            if child.poll() is None:
                child.send_signal(ask)
        deadline = time.monotonic() + 10
        for child in children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)  # its own workers too
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status or 0
