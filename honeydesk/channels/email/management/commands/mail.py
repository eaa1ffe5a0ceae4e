"""`honeydesk mail retry-quarantine [--id N ...]` and `honeydesk mail quarantine` (list)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from honeydesk.channels.email.inbound import retry_quarantined
from honeydesk.channels.email.models import Quarantine


class Command(BaseCommand):
    help = "E-mail channel chores: list or retry quarantined messages."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["quarantine", "retry-quarantine"])
        parser.add_argument("--id", type=int, action="append", dest="ids", help="Only these quarantine rows.")

    def handle(self, *args: Any, action: str, ids: list[int] | None, **options: Any) -> None:
        rows = Quarantine.objects.filter(resolved=False).order_by("id")
        if ids:
            rows = rows.filter(pk__in=ids)
        if action == "quarantine":
            for row in rows:
                self.stdout.write(f"{row.pk}\t{row.created_at:%Y-%m-%d %H:%M}\t{row.sender}\t{row.reason[:100]}")
            return
        for row in rows:
            result = retry_quarantined(row)
            self.stdout.write(f"{row.pk}\t{result.status}\t{result.case or ''}\t{result.reason[:100]}")
