"""The e-mail channel's work in `honeydesk worker` (see honeydesk.jobs.schedule): the
mailboxes as a feed, polled every --poll-interval seconds and, for mailboxes whose
server offers IMAP IDLE, fetched as soon as a listener reports new mail."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from honeydesk.jobs import schedule

if TYPE_CHECKING:
    from honeydesk.channels.email.imap import IdleListeners


class Mailboxes:
    name = "mail"

    def __init__(self) -> None:
        self.listeners: IdleListeners | None = None

    def start(self, wake: Callable[[int], None], *, listen: bool, renewal: float) -> None:
        # The IMAP client (imapclient, imaplib) loads here, in `honeydesk worker`, not when
        # Django starts: a server worker never polls (about 3 MB at Django's set-up).
        from honeydesk.channels.email.imap import IdleListeners

        self.listeners = IdleListeners(wake, renewal=renewal) if listen else None

    def poll(self, stop: schedule.Stop, *, woken: set[int], everything: bool) -> None:
        """Poll every mailbox (`everything`), or those a listener reported new mail in
        (`woken`; if that poll fails, the next full poll is the safety net)."""
        from honeydesk.channels.email.imap import poll_all

        listeners = self.listeners
        idle_errors = listeners.errors() if listeners is not None else None
        if everything:
            poll_all(stop=stop, idle_errors=idle_errors)
            if listeners is not None:
                listeners.sync()  # mailboxes added, removed or changed since the last time
        elif woken:
            poll_all(stop=stop, only=woken, idle_errors=idle_errors)
        if listeners is not None:
            listeners.record_errors()

    def stop(self) -> None:
        if self.listeners is not None:
            self.listeners.stop()
            self.listeners = None


def register() -> None:
    schedule.add_feed(Mailboxes())
