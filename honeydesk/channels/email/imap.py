"""Polling IMAP mailboxes (IMAPClient), run by `honeydesk worker`, and IDLE listeners that
tell the worker when new mail arrives.

For each unseen message: fetch it without marking it (BODY.PEEK[]), run it through
`ingest` (which commits), and only then tell the server — flag it \\Seen, or move it to
the mailbox's processed folder. A worker killed between the commit and the flag finds
the message unseen next time; dedupe answers "duplicate" and it is flagged then. A
message that cannot be processed is quarantined (committed) and flagged too, so a poison
message never blocks the mailbox. Only when even the quarantine cannot be written is a
message left unseen, to be tried again on the next poll.

IDLE (RFC 2177): for each mailbox whose server offers it, an `IdleListener` thread keeps
a second connection idling on the folder and, when the server reports new mail, calls
`wake(mailbox.pk)`. Listeners never ingest and never touch the database: the worker's
main loop polls the woken mailbox with `poll()`, so one thread does all the ingesting
and a mailbox is never processed twice at once. The periodic poll stays as the safety
net for anything a listener misses (a dropped connection, a server that loses a
notification).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from imapclient import IMAPClient
from imapclient.imapclient import SEEN

from honeydesk.channels.email.inbound import ingest_many
from honeydesk.channels.email.models import Mailbox

log = logging.getLogger(__name__)

BATCH = 20


@dataclass
class PollStats:
    seen: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    errors: int = 0


def connect(mailbox: Mailbox, timeout: float = 30) -> IMAPClient:
    client = IMAPClient(mailbox.host, port=mailbox.port, ssl=mailbox.use_ssl, timeout=timeout)
    client.login(mailbox.username, mailbox.get_password())
    return client


def _acknowledge(client: IMAPClient, mailbox: Mailbox, uids: list[int]) -> None:
    if not uids:
        return
    client.add_flags(uids, [SEEN])
    if mailbox.processed_folder:
        client.move(uids, mailbox.processed_folder)


def poll(mailbox: Mailbox, *, stop: Callable[[], bool] = lambda: False, batch: int = BATCH) -> PollStats:
    stats = PollStats()
    client = connect(mailbox)
    try:
        if mailbox.processed_folder and not client.folder_exists(mailbox.processed_folder):
            client.create_folder(mailbox.processed_folder)
        client.select_folder(mailbox.folder)
        uids = sorted(client.search(["UNSEEN"]))
        for start in range(0, len(uids), batch):
            if stop():
                return stats
            chunk = uids[start : start + batch]
            fetched = client.fetch(chunk, ["BODY.PEEK[]"])
            pending = [(uid, fetched[uid][b"BODY[]"]) for uid in chunk if b"BODY[]" in fetched.get(uid, {})]
            stats.seen += len(pending)
            done = 0
            try:
                # Messages are committed in groups (ingest_many); each group is flagged
                # right after its commit, never before.
                for group in ingest_many([raw for _uid, raw in pending], f"imap:{mailbox.name}", mailbox=mailbox):
                    taken = []
                    for (uid, _raw), result in zip(pending[done : done + len(group)], group, strict=True):
                        if result is None:  # not even quarantined: leave it unseen, retried next poll
                            stats.errors += 1
                            continue
                        stats.outcomes[result.status] = stats.outcomes.get(result.status, 0) + 1
                        taken.append(uid)
                    _acknowledge(client, mailbox, taken)
                    done += len(group)
                    if stop():
                        return stats
            except Exception:  # the database is away: leave the rest unseen for the next poll
                log.exception("mailbox %s: %s messages not stored; will retry", mailbox, len(pending) - done)
                stats.errors += len(pending) - done
        if mailbox.processed_folder:
            client.expunge()
    finally:
        try:
            client.logout()
        except Exception:
            log.debug("logout from %s failed", mailbox, exc_info=True)
    return stats


def poll_all(
    *,
    stop: Callable[[], bool] = lambda: False,
    only: Collection[int] | None = None,
    idle_errors: Mapping[int, str] | None = None,
) -> dict[str, PollStats]:
    """Poll every active mailbox (or those with a pk in `only`) once; a broken mailbox is
    logged and skipped. A successful poll clears `last_error`, except for a failure of
    the mailbox's IDLE listener that still stands (`idle_errors`)."""
    results = {}
    mailboxes = Mailbox.objects.filter(active=True).select_related("department", "request_type")
    if only is not None:
        mailboxes = mailboxes.filter(pk__in=only)
    for mailbox in mailboxes:
        if stop():
            break
        try:
            results[mailbox.name] = poll(mailbox, stop=stop)
            Mailbox.objects.filter(pk=mailbox.pk).update(
                last_polled_at=timezone.now(), last_error=(idle_errors or {}).get(mailbox.pk, "")
            )
        except Exception as exc:
            log.warning("polling mailbox %s failed: %s", mailbox, exc)
            Mailbox.objects.filter(pk=mailbox.pk).update(
                last_polled_at=timezone.now(), last_error=f"{type(exc).__name__}: {exc}"[:2000]
            )
    return results


# --- IDLE ----------------------------------------------------------------------------

# RFC 2177: a server may end an IDLE after 29 minutes without a word; re-issue it well
# before. Renewing is also how a silently dead connection (a NAT that forgot us) is
# noticed: DONE gets no answer and the socket's read timeout raises.
IDLE_RENEWAL = 25 * 60.0
# How long one idle_check() blocks: the bound on noticing a stop request.
IDLE_CHECK = 1.0
# Reconnect delays after a failure: doubled each time, up to the maximum.
IDLE_BACKOFF = (2.0, 300.0)
NEW_MAIL = (b"EXISTS", b"RECENT")


def supports_idle(client: IMAPClient) -> bool:
    return bool(client.has_capability("IDLE"))


def _reports_new_mail(responses: list[Any]) -> bool:
    # "* 3 EXISTS" parses as (3, b"EXISTS"); flag changes (our own \\Seen) and
    # expunges (our own moves) come as FETCH / EXPUNGE and wake nobody.
    return any(len(r) >= 2 and r[1] in NEW_MAIL for r in responses)


def _endpoint(mailbox: Mailbox) -> tuple[Any, ...]:
    """What a listener's connection depends on: a change means reconnecting."""
    return (
        mailbox.host,
        mailbox.port,
        mailbox.use_ssl,
        mailbox.username,
        mailbox.password,
        mailbox.password_env,
        mailbox.folder,
    )


class IdleListener(threading.Thread):
    """One mailbox's IDLE connection, in a daemon thread, calling `wake(pk)` on new mail.

    `error` holds the last connection failure ("" while listening); `unsupported` is
    set, and the thread ends, when the server does not offer IDLE (the mailbox is then
    only polled, until its settings change or the worker restarts). `listening` is set
    while the connection is in IDLE.
    """

    def __init__(
        self,
        mailbox: Mailbox,
        wake: Callable[[int], None],
        *,
        renewal: float = IDLE_RENEWAL,
        check: float = IDLE_CHECK,
        backoff: tuple[float, float] = IDLE_BACKOFF,
    ) -> None:
        super().__init__(name=f"idle:{mailbox.name}", daemon=True)
        self.mailbox = mailbox
        self.wake = wake
        self.renewal = renewal
        self.check = check
        self.backoff = backoff
        self.error = ""
        self.unsupported = False
        self.renewals = 0
        self.listening = threading.Event()
        self._stopping = threading.Event()
        self._delay = backoff[0]

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._listen()
                return  # stopped, or the server has no IDLE
            except Exception as exc:
                if self._stopping.is_set():
                    return
                delay = self._delay
                self.error = f"IDLE: {type(exc).__name__}: {exc}"[:2000]
                log.warning("mailbox %s: IDLE connection failed (%s); retrying in %.0f s", self.mailbox, exc, delay)
                self._stopping.wait(delay)
                self._delay = min(delay * 2, self.backoff[1])

    def _listen(self) -> None:
        pk = self.mailbox.pk
        client = connect(self.mailbox)
        try:
            if not supports_idle(client):
                self.unsupported = True
                log.info("mailbox %s: the server does not offer IDLE; it is polled only", self.mailbox)
                client.logout()
                return
            # Read-only (EXAMINE): the listener must not take \\Recent from the poller.
            client.select_folder(self.mailbox.folder, readonly=True)
            client.idle()
            self.error = ""
            self._delay = self.backoff[0]  # it works again: the next failure is retried soon
            self.listening.set()
            log.info("mailbox %s: waiting for new mail (IDLE)", self.mailbox)
            # Mail may have arrived while nobody listened (start-up, a reconnect).
            self.wake(pk)
            started = time.monotonic()
            while not self._stopping.is_set():
                if time.monotonic() - started >= self.renewal:
                    _, responses = client.idle_done()
                    client.idle()
                    started = time.monotonic()
                    self.renewals += 1
                    log.debug("mailbox %s: IDLE renewed", self.mailbox)
                    if _reports_new_mail(responses):
                        self.wake(pk)
                asked = time.monotonic()
                responses = client.idle_check(timeout=self.check)
                if any(r and r[0] == b"BYE" for r in responses):
                    raise ConnectionError(f"the server ended the session: {responses}")
                if not responses and time.monotonic() - asked < self.check / 2:
                    # idle_check() swallows end-of-file and returns nothing at once: a
                    # socket that is readable yet yields no line is a closed connection.
                    raise ConnectionError("the server closed the connection")
                if _reports_new_mail(responses):
                    self.wake(pk)
            client.idle_done()
            client.logout()
        finally:
            self.listening.clear()
            with contextlib.suppress(Exception):  # after a failure; harmless after logout
                client.shutdown()


class IdleListeners:
    """The worker's listeners, kept in step with the active mailboxes by `sync()`."""

    def __init__(self, wake: Callable[[int], None], *, renewal: float = IDLE_RENEWAL) -> None:
        self.wake = wake
        self.renewal = renewal
        self.listeners: dict[int, IdleListener] = {}
        self._recorded: dict[int, str] = {}

    def sync(self) -> None:
        """Start a listener for each active mailbox that has none; stop the listeners of
        mailboxes deleted, deactivated or pointed elsewhere."""
        wanted = {m.pk: m for m in Mailbox.objects.filter(active=True)}
        for pk, listener in list(self.listeners.items()):
            mailbox = wanted.get(pk)
            if mailbox is None or _endpoint(mailbox) != _endpoint(listener.mailbox):
                listener.stop()
                del self.listeners[pk]
        for pk, mailbox in wanted.items():
            if pk not in self.listeners:
                listener = IdleListener(mailbox, self.wake, renewal=self.renewal)
                listener.start()
                self.listeners[pk] = listener

    def errors(self) -> dict[int, str]:
        return {pk: listener.error for pk, listener in self.listeners.items() if listener.error}

    def record_errors(self) -> None:
        """Write each new listener failure to `Mailbox.last_error`. The main loop does
        it, so listener threads never need a database connection."""
        errors = self.errors()
        for pk, error in errors.items():
            if self._recorded.get(pk) != error:
                Mailbox.objects.filter(pk=pk).update(last_error=error)
        self._recorded = errors

    def stop(self, timeout: float = 3.0) -> None:
        """Ask every listener to leave IDLE and log out; wait at most `timeout` seconds
        in all (they are daemon threads: one stuck on a dead server does not hold the
        process)."""
        for listener in self.listeners.values():
            listener.stop()
        deadline = time.monotonic() + timeout
        for listener in self.listeners.values():
            listener.join(max(0.0, deadline - time.monotonic()))
        self.listeners.clear()
