"""`honeydesk serve`: collect static files, then run the app under granian.

Granian serves /static/ itself, so no separate web server is needed for a small
deployment; put a TLS-terminating proxy in front for a real one (see README).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve honeydesk with granian (WSGI) on HOST:PORT."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("WEB_THREADS", "4")),
            help="Blocking threads per worker (requests handled at once by each worker).",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
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
        self.stdout.write(f"honeydesk on http://{opts['host']}:{opts['port']}/ ({opts['workers']} workers)")
        self.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606 -- replace this process with the server, fixed argv
