"""The demo's outbox: every mail sent is kept and shown to staff, as the customer sees it."""

from __future__ import annotations

from django.core import mail as django_mail

from honeydesk.cases import actions
from honeydesk.channels.email.models import Message
from honeydesk.channels.email.outbound import send_message

OUTBOX = "honeydesk.channels.email.outbox.OutboxBackend"


def test_it_shows_a_sent_acknowledgement_with_its_threading_headers(cast, settings, tmp_path):
    settings.EMAIL_BACKEND, settings.VAR_DIR = OUTBOX, tmp_path
    ack = Message.objects.get(case=cast.alice_case, data__template="case_opened")
    send_message(ack.pk)
    actions.do_add_reply(cast.alice_case, body="We found the double charge.", acting_user=cast.billing_agent)
    reply = Message.objects.filter(case=cast.alice_case, data__template="reply").get()
    send_message(reply.pk)
    c = cast.client(cast.billing_agent)
    listing = c.get("/desk/outbox/").content.decode()
    assert "We have your request" in listing and "alice@example.test" in listing
    name = sorted((tmp_path / "outbox").iterdir())[-1].name
    page = c.get(f"/desk/outbox/{name}/").content.decode()
    assert "We found the double charge." in page
    assert "In-Reply-To" in page and "References" in page and ack.message_id in page
    assert 'sandbox srcdoc="' in page  # the HTML part, with no scripts allowed


def test_it_keeps_the_sign_in_link_and_prints_it(cast, settings, tmp_path, capsys):
    settings.EMAIL_BACKEND, settings.VAR_DIR = OUTBOX, tmp_path
    cast.client(None).post("/portal/login/", {"email": "alice@example.test"})
    assert "/portal/login/" in capsys.readouterr().out
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_it_is_for_staff_and_only_while_it_is_the_mail_backend(cast, settings, tmp_path):
    settings.EMAIL_BACKEND, settings.VAR_DIR = OUTBOX, tmp_path
    assert cast.client(cast.alice).get("/desk/outbox/").status_code == 404
    assert cast.client(cast.billing_agent).get("/desk/outbox/../settings.py/").status_code == 404
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert cast.client(cast.billing_agent).get("/desk/outbox/").status_code == 404
    assert django_mail.outbox == []
