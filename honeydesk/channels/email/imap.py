"""Polling IMAP mailboxes (IMAPClient), run by `honeydesk worker`.

For each unseen message: fetch it without marking it (BODY.PEEK[]), run it through
`ingest` (which commits), and only then tell the server — flag it \\Seen, or move it to
the mailbox's processed folder. A worker killed between the commit and the flag finds
the message unseen next time; dedupe answers "duplicate" and it is flagged then. A
message that cannot be processed is quarantined (committed) and flagged too, so a poison
message never blocks the mailbox. Only when even the quarantine cannot be written is a
message left unseen, to be tried again on the next poll.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from imapclient import IMAPClient
from imapclient.imapclient import SEEN

from honeydesk.channels.email.ingest import ingest
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


def _acknowledge(client: IMAPClient, mailbox: Mailbox, uid: int) -> None:
    if mailbox.processed_folder:
        client.add_flags([uid], [SEEN])
        client.move([uid], mailbox.processed_folder)
    else:
        client.add_flags([uid], [SEEN])


def poll(mailbox: Mailbox, *, stop: Callable[[], bool] = lambda: False, batch: int = BATCH) -> PollStats:
    stats = PollStats()
    client = connect(mailbox)
    try:
        if mailbox.processed_folder and not client.folder_exists(mailbox.processed_folder):
            client.create_folder(mailbox.processed_folder)
        client.select_folder(mailbox.folder)
        uids = sorted(client.search(["UNSEEN"]))
        for start in range(0, len(uids), batch):
            chunk = uids[start : start + batch]
            fetched = client.fetch(chunk, ["BODY.PEEK[]"])
            for uid in chunk:
                if stop():
                    return stats
                raw = fetched.get(uid, {}).get(b"BODY[]")
                if raw is None:
                    continue
                stats.seen += 1
                try:
                    result = ingest(raw, f"imap:{mailbox.name}", mailbox=mailbox)
                except Exception:  # not even quarantined (database down): leave it unseen
                    log.exception("mailbox %s: message uid %s not stored; will retry", mailbox, uid)
                    stats.errors += 1
                    continue
                stats.outcomes[result.status] = stats.outcomes.get(result.status, 0) + 1
                _acknowledge(client, mailbox, uid)
        if mailbox.processed_folder:
            client.expunge()
    finally:
        try:
            client.logout()
        except Exception:
            log.debug("logout from %s failed", mailbox, exc_info=True)
    return stats


def poll_all(*, stop: Callable[[], bool] = lambda: False) -> dict[str, PollStats]:
    """Poll every active mailbox once; a broken mailbox is logged and skipped."""
    results = {}
    for mailbox in Mailbox.objects.filter(active=True).select_related("department", "request_type"):
        if stop():
            break
        try:
            results[mailbox.name] = poll(mailbox, stop=stop)
            Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now(), last_error="")
        except Exception as exc:
            log.warning("polling mailbox %s failed: %s", mailbox, exc)
            Mailbox.objects.filter(pk=mailbox.pk).update(
                last_polled_at=timezone.now(), last_error=f"{type(exc).__name__}: {exc}"[:2000]
            )
    return results
