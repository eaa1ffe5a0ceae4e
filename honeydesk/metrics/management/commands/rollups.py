from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from honeydesk.metrics import rollups


class Command(BaseCommand):
    help = "Bring the metrics roll-ups up to date; --rebuild recomputes them all from the timeline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="Recompute every case from its record.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            n = rollups.rebuild()
            self.stdout.write(f"Rebuilt the roll-ups from {n} cases.")
        else:
            n = rollups.refresh()
            self.stdout.write(f"Refreshed {n} changed cases.")
