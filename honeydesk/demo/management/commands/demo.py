"""`honeydesk demo`: fill an empty database with a believable demo company."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from honeydesk.cases.models import Case, Status
from honeydesk.demo import company as demo
from honeydesk.demo import mail as demo_mail


class Command(BaseCommand):
    help = (
        "Create a demo company (departments, staff, request types, customer accounts and cases with 90 days of "
        "history) when the database has no cases yet, and print the demo logins. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2024, help="Random seed; the same seed gives the same data.")
        parser.add_argument("--cases", type=int, default=300, help="How many cases to create (default 300).")

    def handle(self, *args: Any, seed: int, cases: int, **options: Any) -> None:
        minimum = len(Status.values)
        if cases < minimum:
            raise CommandError(f"--cases must be at least {minimum}, so that every status has a case.")
        if Case.objects.exists():
            self.stdout.write("Demo data already present (the database has cases); nothing changed.")
            self._logins(demo.demo_logins())
            return
        started = time.monotonic()
        # The demo writes through the real actions, which send mail on commit: keep it in memory.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            result = demo.build(seed=seed, cases=cases)
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Demo data created in {elapsed:.1f} s (seed {seed}):"))
        for label, count in result.counts.items():
            self.stdout.write(f"  {label:<28} {count:>6}")
        # With the outbox as the mail backend (DEBUG), a first acknowledgement and reply to look at.
        if sent := demo_mail.send_samples():
            self.stdout.write(f"{len(sent)} sample mails are in the outbox at /desk/outbox/ (sign in as staff).")
        self._logins(result.logins)

    def _logins(self, logins: list[tuple[str, str, str, str]]) -> None:
        if not logins:
            self.stdout.write("No demo logins found.")
            return
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {demo.PASSWORD})")
        self.stdout.write("Customers can also ask the portal for a one-time link at their e-mail address (DEBUG: see")
        self.stdout.write("the terminal or the outbox at /desk/outbox/).")
        width = max(len(u) for u, *_ in logins)
        named = max(len(n) for _, _, n, _ in logins)
        self.stdout.write(f"  {'username':<{width}}  {'role':<10}  {'name':<{named}}  e-mail")
        for username, role, name, email in logins:
            self.stdout.write(f"  {username:<{width}}  {role:<10}  {name:<{named}}  {email}")
