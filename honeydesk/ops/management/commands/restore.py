"""`honeydesk restore PATH`: put a backup into an empty database and the file storage,
then check every count and attachment digest (see honeydesk/ops/backup.py). Run
`honeydesk migrate` afterwards when the backup comes from an older honeydesk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from honeydesk.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup made by `honeydesk backup` into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The backup file.")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        try:
            summary = restore(Path(path))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Restored {path} and checked it: {summary}.")
