"""IMAP polling against a real Dovecot on 127.0.0.1."""

from __future__ import annotations

import pytest

from honeydesk.channels.email.imap import poll, poll_all
from honeydesk.channels.email.inbound import ingest
from honeydesk.channels.email.models import Mailbox, Message, Quarantine
from honeydesk.channels.email.tests.conftest import eml
from honeydesk.channels.email.tests.servers import PASSWORD

pytestmark = [pytest.mark.email, pytest.mark.django_db]

SEEN = b"\\Seen"


def mailbox_for(dovecot, user: str, **extra) -> Mailbox:
    dovecot.reset(user)
    return Mailbox.objects.create(
        name=user.split("@")[0],
        host="127.0.0.1",
        port=dovecot.port,
        use_ssl=False,
        username=user,
        password=PASSWORD,
        **extra,
    )


def test_it_stores_each_message_then_flags_it_and_a_poison_message_does_not_block(cast, dovecot):
    mailbox = mailbox_for(dovecot, "poll@example.test", department=cast.repair)
    dovecot.append(
        "poll@example.test",
        [eml("plain_qp.eml"), eml("poison_garbage.eml"), eml("winmail.eml"), eml("html_base64_inline.eml")],
    )
    stats = poll(mailbox)
    assert stats.seen == 4 and stats.outcomes == {"stored": 3, "quarantined": 1}
    assert all(SEEN in flags for flags in dovecot.flags("poll@example.test").values())
    assert Message.objects.filter(direction="in", source="imap:poll").count() == 3
    assert Quarantine.objects.get().source == "imap:poll"
    assert Message.objects.get(message_id="winmail-1@outlook.example.test").case.department == cast.repair
    assert poll(mailbox).seen == 0  # nothing unseen is left


def test_a_message_stored_before_a_crash_is_flagged_on_the_next_poll_not_stored_again(cast, dovecot):
    mailbox = mailbox_for(dovecot, "poll@example.test")
    dovecot.append("poll@example.test", [eml("plain_qp.eml")])
    ingest(eml("plain_qp.eml"), "imap:poll")  # committed, then the worker died before flagging
    stats = poll(mailbox)
    assert stats.outcomes == {"duplicate": 1}
    assert Message.objects.filter(direction="in").count() == 1
    assert all(SEEN in flags for flags in dovecot.flags("poll@example.test").values())


def test_it_moves_stored_messages_to_the_processed_folder(cast, dovecot):
    mailbox = mailbox_for(dovecot, "move@example.test", processed_folder="Processed")
    dovecot.append("move@example.test", [eml("nested_multipart.eml"), eml("calendar_invite.eml")])
    assert poll(mailbox).outcomes == {"stored": 2}
    assert dovecot.flags("move@example.test") == {}
    assert len(dovecot.flags("move@example.test", "Processed")) == 2


def test_a_mailbox_that_fails_is_recorded_and_the_others_still_polled(cast, dovecot):
    good = mailbox_for(dovecot, "poll@example.test")
    Mailbox.objects.create(
        name="wrong-password",
        host="127.0.0.1",
        port=dovecot.port,
        use_ssl=False,
        username="support@example.test",
        password="nope",
    )
    dovecot.append("poll@example.test", [eml("forwarded.eml")])
    results = poll_all()
    assert results[good.name].outcomes == {"stored": 1}
    assert "wrong-password" not in results
    assert Mailbox.objects.get(name="wrong-password").last_error
