"""Kill a real `honeydesk worker` in the middle of a batch: nothing lost, nothing twice."""

from __future__ import annotations

import base64
import os
import signal
import time

import pytest

from honeydesk.channels.email.tests.servers import PASSWORD

pytestmark = pytest.mark.email

USER = "kill@example.test"
COUNT = 50


def message(i: int) -> bytes:
    # A sizeable attachment makes each message take a moment, so the kill lands mid-batch.
    pdf = base64.encodebytes(b"%PDF-1.4\n" + os.urandom(150_000)).decode()
    return (
        f"From: Sender {i} <sender{i}@example.test>\r\nTo: support@example.test\r\n"
        f"Subject: Batch message {i}\r\nMessage-ID: <batch-{i}@example.test>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
        f"Message number {i}.\r\n--b\r\nContent-Type: application/pdf\r\n"
        f'Content-Disposition: attachment; filename="doc{i}.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        f"{pdf}\r\n--b--\r\n"
    ).encode()


def stored(live) -> int:
    return live.query("select count(*) from email_channel_message where direction='in' and source='imap:kill'")[0][0]


def test_killing_the_worker_mid_batch_loses_nothing_and_duplicates_nothing(dovecot, live):
    dovecot.reset(USER)
    dovecot.append(USER, [message(i) for i in range(COUNT)])
    live.shell(
        "from honeydesk.channels.email.models import Mailbox; "
        f"Mailbox.objects.create(name='kill', host='127.0.0.1', port={dovecot.port}, use_ssl=False, "
        f"username='{USER}', password='{PASSWORD}')"
    )
    worker = live.popen("worker", "--interval", "0.1", "--poll-interval", "0.2")
    try:
        deadline = time.monotonic() + 60
        while stored(live) < 5 and time.monotonic() < deadline:
            time.sleep(0.002)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    at_kill = stored(live)
    assert 0 < at_kill < COUNT, f"the kill did not land mid-batch ({at_kill} stored)"

    worker = live.popen("worker", "--interval", "0.1", "--poll-interval", "0.2")
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            flags = dovecot.flags(USER)
            if stored(live) == COUNT and all(b"\\Seen" in f for f in flags.values()):
                break
            time.sleep(0.2)
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()

    rows = live.query(
        "select message_id, case_id, entry_id from email_channel_message where direction='in' and source='imap:kill'"
    )
    assert sorted(r[0] for r in rows) == sorted(f"batch-{i}@example.test" for i in range(COUNT))
    assert all(case and entry for _, case, entry in rows)
    assert len({r[1] for r in rows}) == COUNT  # one case each, none twice
    entries = live.query(
        "select count(*) from cases_timelineentry e join cases_case c on c.id = e.case_id "
        "where e.kind='inbound' and c.subject like 'Batch message %'"
    )[0][0]
    assert entries == COUNT
    assert live.query("select count(*) from email_channel_quarantine")[0][0] == 0
    flags = dovecot.flags(USER)
    assert len(flags) == COUNT and all(b"\\Seen" in f for f in flags.values())
