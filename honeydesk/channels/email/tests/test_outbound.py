"""Outbound mail: headers that thread, parts, From per department, durable sending."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from django.core import mail

from honeydesk.cases import actions
from honeydesk.channels.email.inbound import ingest
from honeydesk.channels.email.models import Message
from honeydesk.channels.email.outbound import clean_subject
from honeydesk.channels.email.tests.conftest import reply
from honeydesk.jobs.models import Job
from honeydesk.jobs.runner import run_pending

pytestmark = pytest.mark.django_db


def sent_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def test_an_agent_reply_threads_to_the_customers_last_message(thread, cast):
    ingest(reply("reply_gmail.eml", thread), "test")
    run_pending()
    mail.outbox.clear()
    entry = actions.do_add_reply(thread, body="The refund was sent on Friday.", acting_user=cast.billing_agent)
    assert run_pending() == 1
    [sent] = sent_to("alice@example.test")
    assert sent.subject == f"[{thread.ref}] Charged twice in March"
    assert sent.from_email == "Billing <billing@honeydesk.test>"
    assert sent.extra_headers["In-Reply-To"] == "<CAGmail-reply-1@mail.gmail.com>"
    assert sent.extra_headers["References"] == "<hd-thread-1@honeydesk.test> <CAGmail-reply-1@mail.gmail.com>"
    assert "Auto-Submitted" not in sent.extra_headers
    text, (html, mimetype) = sent.body, sent.alternatives[0]
    assert "The refund was sent on Friday." in text and mimetype == "text/html" and "<p>The refund" in html
    stored = Message.objects.get(entry=entry, direction="out")
    assert stored.state == Message.State.SENT and sent.extra_headers["Message-ID"] == f"<{stored.message_id}>"
    parsed = message_from_bytes(bytes(stored.raw), policy=policy.default)
    assert parsed["Message-ID"] == f"<{stored.message_id}>" and parsed.get_content_type() == "multipart/alternative"
    # ...and the customer's answer to it comes back to the case.
    answer = (
        f"From: alice@example.test\nMessage-ID: <a2@x>\nIn-Reply-To: <{stored.message_id}>\nSubject: Re: hi\n\nok\n"
    ).encode()
    assert ingest(answer, "test").case == thread.ref


def test_the_acknowledgement_is_marked_automatic_and_threads_to_the_first_mail(cast):
    result = ingest(
        b"From: New Person <new@example.test>\nTo: repair@honeydesk.test\nMessage-ID: <n1@x>\n"
        b"Subject: Re: [HD-000001] Fwd: no signal\n\nNo signal since noon.\n",
        "test",
    )
    run_pending()
    [ack] = sent_to("new@example.test")
    assert ack.subject == f"[{result.case}] We have your request: no signal"
    assert ack.from_email == "Repair <repair@honeydesk.test>"
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    assert ack.extra_headers["In-Reply-To"] == "<n1@x>"


def test_notifications_of_one_case_thread_together(cast):
    mail.outbox.clear()
    case = cast.bob_case
    actions.do_assign(case, cast.repair_agent, acting_user=cast.repair_agent)
    actions.do_set_pending(case, acting_user=cast.repair_agent)
    run_pending()
    first = Message.objects.filter(case=case, direction="out").order_by("id").first()
    [pending] = sent_to("bob@example.test")[-1:]
    assert pending.extra_headers["In-Reply-To"] == f"<{first.message_id}>"


def test_an_smtp_outage_retries_and_never_undoes_the_action(cast, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nobody listens
    entry = actions.do_add_reply(cast.alice_case, body="We are on it.", acting_user=cast.billing_agent)
    run_pending()
    message = Message.objects.get(entry=entry, direction="out")
    job = Job.objects.get(payload__message_id=message.pk)
    assert job.state == Job.State.QUEUED and job.attempts == 1 and "Connection refused" in job.last_error
    assert message.state == Message.State.QUEUED and message.attempts == 1
    assert cast.alice_case.entries.filter(pk=entry.pk).exists()  # the reply stands
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Job.objects.filter(pk=job.pk).update(run_after=job.created_at)
    run_pending()
    assert Message.objects.get(pk=message.pk).state == Message.State.SENT
    assert Job.objects.get(pk=job.pk).state == Job.State.DONE


def test_mail_goes_out_right_after_the_commit_without_a_worker(cast, django_capture_on_commit_callbacks, settings):
    settings.JOBS_RUN_AFTER_COMMIT = True  # the inline mode under test
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_add_reply(cast.alice_case, body="Quick answer.", acting_user=cast.billing_agent)
    assert len(sent_to("alice@example.test")) == 1


@pytest.mark.parametrize(
    ("subject", "clean"),
    [
        ("Re: [HD-000007] Re: Modem", "Modem"),
        ("AW: WG: Fwd: RE: HD-12 Rechnung", "Rechnung"),
        ("", "(no subject)"),
    ],
)
def test_subjects_do_not_grow_chains_of_prefixes(subject, clean):
    assert clean_subject(subject) == clean


def test_sending_has_a_timeout_so_a_hung_mail_server_cannot_hold_the_worker(settings):
    from django.core.mail.backends.smtp import EmailBackend

    from honeydesk.channels.email.outbound import email_timeout

    settings.EMAIL_TIMEOUT = None  # Django's default: no timeout
    assert email_timeout() == 30
    settings.EMAIL_TIMEOUT = 7
    assert email_timeout() == 7
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    from django.core.mail import get_connection

    assert isinstance(get_connection(timeout=email_timeout()), EmailBackend)
    assert get_connection(timeout=email_timeout()).timeout == 7
