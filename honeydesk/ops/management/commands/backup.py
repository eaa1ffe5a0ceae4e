"""`honeydesk backup PATH`: the database and every attachment, in one file (see
honeydesk/ops/backup.py). Safe while honeydesk runs: the dump is one consistent snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from honeydesk.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the attachments into one file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The backup file to write (it must not exist), e.g. backup-2026-12-05.tar")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        try:
            summary = backup(Path(path))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Backed up to {path}: {summary}.")
