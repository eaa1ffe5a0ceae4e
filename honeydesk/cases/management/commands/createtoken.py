"""`honeydesk createtoken USERNAME`: issue an API token and print it (only it) to stdout."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from honeydesk.accounts.actions import do_issue_token
from honeydesk.accounts.models import User


class Command(BaseCommand):
    help = (
        "Issue a new API token for USERNAME and print it. The token is shown once; only its hash is stored. "
        "Use it as 'Authorization: Bearer <token>'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="A label for the token, e.g. the script that uses it.")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}. Check the spelling, or create the user first.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is deactivated; a token for them would not work.")
        if len(name) > 80:
            raise CommandError("--name is at most 80 characters.")
        _, raw = do_issue_token(user, name, acting_user=None, via="honeydesk createtoken")
        self.stdout.write(raw)
