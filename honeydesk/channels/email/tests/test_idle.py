"""IMAP IDLE against a real Dovecot on 127.0.0.1: the listener on its own, and a real
`honeydesk worker` that fetches new mail as soon as the server reports it.

Waits are generous (a loaded 2-core machine) but the assertions compare against poll
intervals far longer than any wait, so a pass means IDLE did the work, not the poll.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from honeydesk.channels.email.imap import IdleListener, IdleListeners, poll_all
from honeydesk.channels.email.models import Mailbox
from honeydesk.channels.email.tests.servers import NO_IDLE_HOST, PASSWORD, ROOT

pytestmark = pytest.mark.email

WAIT = 20.0


def wait_until(condition: Callable[[], object], timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def message(tag: str) -> bytes:
    return (
        f"From: Idle Tester <tester@example.test>\r\nTo: support@example.test\r\n"
        f"Subject: Pushed mail {tag}\r\nMessage-ID: <{tag}@example.test>\r\n\r\nSent while the worker idled.\r\n"
    ).encode()


class Recorder:
    """A listener's `wake` callback that the test can wait on."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, pk: int) -> None:
        self.calls.append(pk)


def listener_for(dovecot, user: str, wake: Recorder, **options) -> IdleListener:
    dovecot.reset(user)
    mailbox = Mailbox(pk=7, name=user.split("@")[0], host="127.0.0.1", port=dovecot.port, use_ssl=False)
    mailbox.username, mailbox.password = user, PASSWORD
    return IdleListener(mailbox, wake, **options)


@pytest.fixture
def stopping() -> Iterator[list[IdleListener]]:
    started: list[IdleListener] = []
    yield started
    for listener in started:
        listener.stop()
        listener.join(5)


def test_the_listener_renews_idle_and_still_reports_new_mail(dovecot, stopping):
    wake = Recorder()
    listener = listener_for(dovecot, "renew@example.test", wake, renewal=0.5, check=0.1)
    stopping.append(listener)
    listener.start()
    assert listener.listening.wait(WAIT)
    assert wait_until(lambda: wake.calls == [7])  # the one look on connecting
    assert wait_until(lambda: listener.renewals >= 3), "IDLE was not re-issued"
    assert wake.calls == [7] and listener.error == ""  # renewing alone reports nothing

    dovecot.append("renew@example.test", [message("renewed")])
    assert wait_until(lambda: len(wake.calls) == 2), "new mail after a renewal was not reported"
    listener.stop()
    listener.join(5)
    assert not listener.is_alive()


def test_the_listener_reconnects_when_the_server_drops_it(dovecot, stopping):
    wake = Recorder()
    listener = listener_for(dovecot, "renew@example.test", wake, check=0.1, backoff=(0.2, 1.0))
    stopping.append(listener)
    listener.start()
    assert listener.listening.wait(WAIT)
    assert wait_until(lambda: len(wake.calls) == 1)

    conf = str(dovecot.directory / "dovecot.conf")
    subprocess.run(["doveadm", "-c", conf, "kick", "renew@example.test"], check=True, capture_output=True)
    # Back in IDLE on a new connection, which looks once for mail missed in between.
    assert wait_until(lambda: len(wake.calls) == 2), "the listener did not come back"
    assert wait_until(listener.listening.is_set) and listener.error == ""
    dovecot.append("renew@example.test", [message("after-kick")])
    assert wait_until(lambda: len(wake.calls) == 3)


def test_a_server_without_idle_gets_no_listener_connection(dovecot, stopping):
    wake = Recorder()
    listener = listener_for(dovecot, "noidle@example.test", wake)
    listener.mailbox.host = NO_IDLE_HOST
    stopping.append(listener)
    listener.start()
    listener.join(WAIT)
    assert not listener.is_alive() and listener.unsupported
    assert wake.calls == [] and listener.error == ""


@pytest.mark.django_db
def test_a_listener_failure_is_recorded_on_the_mailbox_until_it_recovers(dovecot):
    dovecot.reset("poll@example.test")
    broken = Mailbox.objects.create(
        name="idle-broken", host="127.0.0.1", port=dovecot.port, use_ssl=False, username="poll@example.test"
    )  # no password
    listeners = IdleListeners(lambda pk: None)
    try:
        listeners.sync()
        assert wait_until(lambda: broken.pk in listeners.errors())
        listeners.record_errors()
        broken.refresh_from_db()
        assert broken.last_error.startswith("IDLE: LoginError")

        # A successful poll does not hide a listener failure that still stands.
        Mailbox.objects.filter(pk=broken.pk).update(password=PASSWORD, last_error="")
        poll_all(idle_errors={broken.pk: "IDLE: it broke"})
        broken.refresh_from_db()
        assert broken.last_error == "IDLE: it broke" and broken.last_polled_at

        # The changed password means a new connection, which works.
        listeners.sync()
        assert wait_until(lambda: listeners.listeners[broken.pk].listening.is_set())
        assert listeners.errors() == {}
    finally:
        listeners.stop()
    assert listeners.listeners == {}


# --- a real worker -------------------------------------------------------------------


class Worker:
    """`honeydesk worker` in a subprocess, its output collected line by line."""

    def __init__(self, live, *args: str) -> None:
        env = {**live.env, "LOG_LEVEL": "INFO"}
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "worker", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout
        for line in self.process.stdout:
            self.lines.append(line)

    def said(self, text: str) -> int:
        return sum(text in line for line in self.lines)

    def wait_for(self, text: str) -> None:
        if not wait_until(lambda: self.said(text) or self.process.poll() is not None):
            raise AssertionError(f"the worker never said {text!r}:\n{self.output}")
        assert self.said(text), f"the worker exited:\n{self.output}"

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> float:
        """SIGTERM; returns how long the worker took to exit."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)
        return time.monotonic() - started

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


@pytest.fixture
def worker(live) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(*args: str) -> Worker:
        started.append(Worker(live, *args))
        return started[-1]

    yield start
    for w in started:
        w.kill()


@pytest.fixture
def live_mailbox(live, dovecot) -> Iterator[Callable[..., None]]:
    names: list[str] = []

    def create(name: str, user: str, host: str = "127.0.0.1") -> None:
        dovecot.reset(user)
        live.shell(
            "from honeydesk.channels.email.models import Mailbox; "
            f"Mailbox.objects.create(name={name!r}, host={host!r}, port={dovecot.port}, use_ssl=False, "
            f"username={user!r}, password={PASSWORD!r})"
        )
        names.append(name)

    yield create
    for name in names:  # the live database is shared with later tests
        live.query("delete from email_channel_mailbox where name = ?", name)


def stored(live, tag: str) -> bool:
    rows = live.query(
        "select case_id from email_channel_message where direction = 'in' and message_id = ?", f"{tag}@example.test"
    )
    return bool(rows and rows[0][0])


def test_the_worker_fetches_new_mail_as_soon_as_the_server_reports_it(dovecot, live, live_mailbox, worker):
    live_mailbox("idle-push", "idle@example.test")
    w = worker("--poll-interval", "300")
    w.wait_for("mailbox idle-push: waiting for new mail (IDLE)")
    time.sleep(1)  # let the one look the listener asks for on connecting pass
    appended = time.monotonic()
    dovecot.append("idle@example.test", [message("pushed")])
    assert wait_until(lambda: stored(live, "pushed")), f"not fetched:\n{w.output}"
    took = time.monotonic() - appended
    assert took < WAIT < 300  # the next poll was five minutes away
    assert wait_until(lambda: all(b"\\Seen" in f for f in dovecot.flags("idle@example.test").values()))
    assert w.stop() < 5 and w.process.returncode == 0


def test_the_worker_stops_promptly_while_idling(dovecot, live, live_mailbox, worker):
    live_mailbox("idle-stop", "idle@example.test")
    w = worker("--poll-interval", "300")
    w.wait_for("mailbox idle-stop: waiting for new mail (IDLE)")
    took = w.stop()
    assert took < 5, f"stopping took {took:.1f} s"
    assert w.process.returncode == 0


def test_a_server_without_idle_is_polled_instead(dovecot, live, live_mailbox, worker):
    live_mailbox("idle-none", "noidle@example.test", host=NO_IDLE_HOST)
    w = worker("--poll-interval", "1")
    w.wait_for("mailbox idle-none: the server does not offer IDLE")
    dovecot.append("noidle@example.test", [message("polled")])
    assert wait_until(lambda: stored(live, "polled")), f"not fetched:\n{w.output}"
    time.sleep(2)  # a few more polls: the listener must not come back or retry
    assert w.said("mailbox idle-none: the server does not offer IDLE") == 1
    assert not w.said("idle-none: waiting for new mail") and not w.said("IDLE connection failed")
    assert w.stop() < 5


def test_no_idle_leaves_mail_to_the_poll(dovecot, live, live_mailbox, worker):
    live_mailbox("idle-off", "idle@example.test")
    w = worker("--poll-interval", "1", "--no-idle")
    dovecot.append("idle@example.test", [message("no-idle")])
    assert wait_until(lambda: stored(live, "no-idle")), f"not fetched:\n{w.output}"
    assert not w.said("IDLE")
    assert w.stop() < 5
