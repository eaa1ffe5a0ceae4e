"""SMTP both ways against real servers on 127.0.0.1: smtplib -> `honeydesk smtpd`
(a subprocess on a file database), and our outbound mail -> an aiosmtpd capture server."""

from __future__ import annotations

import smtplib
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from honeydesk.cases import actions
from honeydesk.channels.email.models import Message
from honeydesk.channels.email.tests.conftest import eml
from honeydesk.channels.email.tests.servers import free_port, wait_for_port
from honeydesk.jobs.models import Job
from honeydesk.jobs.runner import run_pending


@pytest.fixture(scope="module")
def smtpd(live):
    port = free_port()
    process = live.popen("smtpd", "--host", "127.0.0.1", "--port", str(port))
    try:
        wait_for_port(port, timeout=30)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def send(port: int, raw: bytes, mail_from: str = "sender@example.test", to=("support@example.test",)):
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.helo("tests.example")
        client.mail(mail_from)
        for rcpt in to:
            client.rcpt(rcpt)
        return client.data(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def stored(live, message_id: str) -> list[tuple]:
    return live.query("select state, case_id, source from email_channel_message where message_id = ?", message_id)


def test_smtpd_answers_250_only_once_the_message_is_committed(live, smtpd):
    code, answer = send(smtpd, eml("reply_gmail.eml", **{"HD-THREAD": "HD-000999"}))
    assert code == 250 and answer.startswith(b"2.0.0 stored HD-")
    # The 250 came after the commit: the row is there the moment the answer is.
    [(state, case_id, source)] = stored(live, "CAGmail-reply-1@mail.gmail.com")
    assert state == "stored" and case_id and source == "smtp"
    code, answer = send(smtpd, eml("reply_gmail.eml", **{"HD-THREAD": "HD-000999"}))
    assert code == 250 and answer.startswith(b"2.0.0 duplicate")


def test_smtpd_takes_a_bounce_with_an_empty_envelope_sender_as_noise(live, smtpd):
    raw = b"From: robot@example.test\r\nMessage-ID: <env-bounce@x>\r\nSubject: notice\r\n\r\nhello\r\n"
    code, _ = send(smtpd, raw, mail_from="")
    assert code == 250
    [(state, case_id, _source)] = stored(live, "env-bounce@x")
    assert state == "noise" and case_id is None


def test_smtpd_accepts_a_poison_message_into_the_quarantine(live, smtpd):
    code, answer = send(smtpd, eml("huge_headers.eml").replace(b"huge-1@", b"huge-smtp@"))
    assert code == 250
    code, answer = send(smtpd, b"X-Broken: yes\r\n\r\n" + b"\x00" * 10)
    assert code == 250  # headers only, no sender: recorded as noise, never lost
    garbage = eml("poison_garbage.eml")
    code, answer = send(smtpd, garbage)
    assert code == 250 and answer.startswith(b"2.0.0 quarantined")
    assert live.query("select count(*) from email_channel_quarantine where source = 'smtp'")[0][0] == 1


class Capture:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def capture_smtp(settings):
    handler = Capture()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield handler
    controller.stop()


@pytest.mark.django_db
def test_outbound_mail_reaches_a_real_smtp_server_with_threading_headers(cast, capture_smtp):
    entry = actions.do_add_reply(cast.alice_case, body="Refund sent — 89,99 €.", acting_user=cast.billing_agent)
    run_pending()
    message = Message.objects.get(entry=entry, direction="out")
    [envelope] = [e for e in capture_smtp.envelopes if message.message_id.encode() in e.original_content]
    assert envelope.mail_from == "billing@honeydesk.test" and envelope.rcpt_tos == ["alice@example.test"]
    parsed = message_from_bytes(envelope.original_content, policy=policy.default)
    assert parsed["Message-ID"] == f"<{message.message_id}>"
    assert parsed["Subject"] == f"[{cast.alice_case.ref}] Charged twice in March"
    assert parsed["From"] == "Billing <billing@honeydesk.test>"
    first = Message.objects.filter(case=cast.alice_case, direction="out").order_by("id").first()
    assert parsed["In-Reply-To"] == f"<{first.message_id}>"  # the acknowledgement started the thread
    assert parsed.get_body(("plain",)).get_content().startswith("Refund sent — 89,99 €.")
    assert "Refund sent" in parsed.get_body(("html",)).get_content()
    assert Job.objects.get(payload__message_id=message.pk).state == Job.State.DONE
