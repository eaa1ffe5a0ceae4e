"""The inbound pipeline in-process: parsing, dedupe, threading, content, noise, quarantine."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from honeydesk.accounts.models import ContactPoint
from honeydesk.cases import actions
from honeydesk.cases.models import Case, Status, TimelineEntry
from honeydesk.channels.email import inbound as ingest_module
from honeydesk.channels.email.inbound import ingest, retry_quarantined
from honeydesk.channels.email.models import Message, Quarantine
from honeydesk.channels.email.tests.conftest import eml, reply
from honeydesk.jobs.models import Job
from honeydesk.lib import clock

pytestmark = pytest.mark.django_db

Kind = TimelineEntry.Kind


def inbound_entry(result) -> TimelineEntry:
    return Message.objects.get(pk=result.message).entry


def acks() -> list[Message]:
    return list(
        Message.objects.filter(direction=Message.Direction.OUT, data__template="case_opened", case__channel="email")
    )


def test_it_opens_a_case_for_an_unknown_sender_on_an_account_of_their_own(cast):
    raw = eml("plain_qp.eml")
    result = ingest(raw, "test")
    assert result.status == "stored"
    case = Case.objects.get(pk=int(result.case[3:]))
    assert case.subject == "Rechnung für März is wrong"
    assert case.channel == "email" and case.status == Status.NEW
    assert case.contact.name == "Carol Dürr"
    assert case.account.number.startswith("MAIL-")
    assert ContactPoint.objects.get(value="carol@example.test").contact == case.contact
    entry = inbound_entry(result)
    assert entry.kind == Kind.INBOUND and entry.author_id is None and entry.author_name == "Carol Dürr"
    assert "89,99 € statt 59,99 €" in entry.body
    message = Message.objects.get(pk=result.message)
    assert bytes(message.raw) == raw and message.message_id == "qp-1@mail.example.test"
    assert message.case == case
    # The acknowledgement is queued, as a job, threaded to the customer's mail.
    [ack] = acks()
    assert ack.recipients == "carol@example.test" and ack.case == case
    assert Job.objects.filter(payload__message_id=ack.pk).exists()


def test_it_routes_a_new_case_to_the_department_it_was_sent_to(cast):
    result = ingest(eml("calendar_invite.eml"), "test")
    case = Case.objects.get(pk=int(result.case[3:]))
    assert case.department == cast.repair


def test_it_stores_the_same_message_id_once(cast):
    first = ingest(eml("duplicate_message_id_a.eml"), "imap:support")
    second = ingest(eml("duplicate_message_id_b.eml"), "imap:billing")
    assert (first.status, second.status) == ("stored", "duplicate")
    assert second.case == first.case
    assert Message.objects.filter(direction="in").count() == 1
    assert len(acks()) == 1


def test_it_dedupes_a_message_without_message_id_by_its_content(cast):
    raw = eml("no_message_id.eml")
    first = ingest(raw, "test")
    again = ingest(b"Received: from another.relay.test; Wed, 12 Mar 2025 08:01:00 +0000\n" + raw, "test")
    assert (first.status, again.status) == ("stored", "duplicate")
    assert Message.objects.get(pk=first.message).dedupe_key.startswith("sha:")
    other = ingest(raw.replace(b"at all.", b"at all, really."), "test")
    assert other.status == "stored"


def test_it_treats_our_own_sent_mail_coming_back_as_a_duplicate(thread):
    raw = (
        b"From: billing@honeydesk.test\nTo: alice@example.test\nMessage-ID: <hd-thread-1@honeydesk.test>\n"
        b"Subject: copy\n\nour own mail\n"
    )
    assert ingest(raw, "test").status == "duplicate"


@pytest.mark.parametrize(
    ("fixture", "new_text", "quoted"),
    [
        ("reply_gmail.eml", "Thanks, the refund arrived today.", "we have refunded"),
        ("reply_outlook.eml", "The second charge is still on my statement \u2013 please check again.", "refunded"),
        ("reply_apple.eml", "Got it, thank you!", "refunded"),
        ("reply_thunderbird.eml", "Danke, das Geld ist angekommen.", "refunded"),
    ],
)
def test_it_threads_replies_from_each_mail_client_and_trims_the_quote(thread, fixture, new_text, quoted):
    result = ingest(reply(fixture, thread), "test")
    assert result.status == "stored" and result.case == thread.ref
    entry = inbound_entry(result)
    assert entry.case_id == thread.pk and entry.visibility == "public"
    assert entry.body.startswith(new_text)
    assert quoted not in entry.body and "wrote:" not in entry.body and "schrieb" not in entry.body
    assert quoted in entry.data["full_text"]
    assert entry.data["thread"] == "headers"
    assert acks() == []  # no acknowledgement for a reply


def test_it_threads_on_references_when_in_reply_to_is_missing(thread):
    # Outlook's reply here has only References, and its first id never reached us.
    result = ingest(reply("reply_outlook.eml", thread), "test")
    assert result.case == thread.ref


def test_it_threads_on_a_message_we_received_earlier(cast):
    first = ingest(eml("plain_qp.eml"), "test")
    follow_up = (
        b"From: carol@example.test\nTo: billing@honeydesk.test\nSubject: one more thing\n"
        b"Message-ID: <qp-2@mail.example.test>\nIn-Reply-To: <qp-1@mail.example.test>\n\nAlso March.\n"
    )
    assert ingest(follow_up, "test").case == first.case


def test_it_uses_the_subject_reference_only_from_a_contact_of_that_account(cast):
    case = cast.alice_case
    from_alice = f"From: alice@example.test\nSubject: about [{case.ref}]\nMessage-ID: <s1@x>\n\nMore info.\n"
    assert ingest(from_alice.encode(), "test").case == case.ref
    from_bob = f"From: bob@example.test\nSubject: Re: {case.ref} give me access\nMessage-ID: <s2@x>\n\nHi\n"
    result = ingest(from_bob.encode(), "test")
    assert result.status == "stored" and result.case != case.ref
    entry = inbound_entry(result)
    assert entry.case.account == cast.bob_account
    assert "not on its account" in entry.data["thread_refused"]
    from_stranger = f"From: eve@evil.test\nSubject: {case.ref}\nMessage-ID: <s3@x>\n\nlet me in\n"
    assert ingest(from_stranger.encode(), "test").case != case.ref
    assert case.entries.filter(body__contains="let me in").count() == 0


def test_it_does_not_join_a_third_partys_reply_to_another_customers_thread(thread):
    raw = reply("reply_gmail.eml", thread).replace(b"alice@example.test", b"bob@example.test")
    result = ingest(raw, "test")
    assert result.case != thread.ref
    assert "headers point at" in inbound_entry(result).data["thread_refused"]


def test_a_reply_from_an_address_we_wrote_to_joins_even_if_not_on_file(thread):
    Message.objects.filter(message_id="hd-thread-1@honeydesk.test").update(
        recipients="alice@example.test alice.archer@work.example"
    )
    raw = reply("reply_gmail.eml", thread).replace(
        b"From: Alice Archer <alice@example.test>", b"From: Alice Archer <alice.archer@work.example>"
    )
    assert ingest(raw, "test").case == thread.ref


def test_a_reply_reopens_a_resolved_case_within_the_window(thread):
    actions.do_resolve(thread, note="Refunded.", acting_user=thread.department.staff.first())
    result = ingest(reply("reply_outlook.eml", thread), "test")
    case = Case.objects.get(pk=thread.pk)
    assert result.case == case.ref and case.status in (Status.OPEN, Status.NEW)
    assert case.entries.filter(event="reopened").exists()


def test_a_reply_after_the_window_opens_a_new_linked_case(thread, settings):
    actions.do_resolve(thread, note="Refunded.", acting_user=thread.department.staff.first())
    later = timezone.now() + timedelta(days=settings.REOPEN_WINDOW_DAYS + 1)
    with clock.at(later):
        result = ingest(reply("reply_outlook.eml", thread), "test")
    new_case = Case.objects.get(pk=int(result.case[3:]))
    assert new_case.pk != thread.pk and new_case.linked_case_id == thread.pk
    assert Case.objects.get(pk=thread.pk).status == Status.RESOLVED


def test_an_auto_reply_is_recorded_on_the_case_but_changes_nothing_and_is_not_answered(thread):
    actions.do_resolve(thread, note="Refunded.", acting_user=thread.department.staff.first())
    result = ingest(reply("auto_reply.eml", thread), "test")
    assert result.status == "stored" and result.noise.startswith("auto-submitted")
    entry = inbound_entry(result)
    assert entry.case_id == thread.pk and entry.visibility == "internal" and entry.data["record_only"]
    assert Case.objects.get(pk=thread.pk).status == Status.RESOLVED
    assert acks() == []


def test_a_bounce_lands_on_the_case_of_the_mail_that_bounced(thread):
    result = ingest(reply("bounce.eml", thread), "test")
    assert result.case == thread.ref and result.noise
    assert Message.objects.get(pk=result.message).state == Message.State.NOISE


@pytest.mark.parametrize(
    "raw",
    [
        eml("bulk_newsletter.eml"),
        b"From: someone@example.test\nX-Autorespond: yes\nMessage-ID: <ar@x>\nSubject: away\n\naway\n",
        b"Return-Path: <>\nFrom: robot@example.test\nMessage-ID: <rp@x>\nSubject: notice\n\nhi\n",
        b"From: postmaster@example.test\nMessage-ID: <pm@x>\nSubject: notice\n\nhi\n",
        b"From: Billing <billing@honeydesk.test>\nMessage-ID: <self@x>\nSubject: loop\n\nhi\n",
    ],
)
def test_noise_without_a_case_is_recorded_but_opens_no_case_and_gets_no_answer(cast, raw):
    cases = Case.objects.count()
    result = ingest(raw, "test")
    assert result.status == "stored" and result.noise and result.case is None
    assert Case.objects.count() == cases and acks() == []
    assert Message.objects.get(pk=result.message).state == Message.State.NOISE


def test_the_rate_limit_quarantines_a_flood_from_one_sender(cast, settings):
    settings.HONEYDESK_EMAIL_RATE_LIMIT = "3/600"
    results = [
        ingest(f"From: flood@example.test\nMessage-ID: <f{i}@x>\nSubject: s{i}\n\nx\n".encode(), "t") for i in range(5)
    ]
    assert [r.status for r in results] == ["stored"] * 3 + ["quarantined"] * 2
    row = Quarantine.objects.get(pk=results[3].quarantine)
    assert "Rate limit" in row.reason and row.sender == "flood@example.test"
    assert retry_quarantined(row).status == "stored"
    assert Quarantine.objects.get(pk=row.pk).resolved


def test_html_is_sanitised_remote_images_blocked_and_inline_images_kept(cast):
    entry = inbound_entry(ingest(eml("html_base64_inline.eml"), "test"))
    html = entry.data["html"]
    assert "<script" not in html and "onload" not in html and "javascript:" not in html and "<style" not in html
    assert "tracker.example" not in html and entry.data["remote_images"] == ["http://tracker.example/pixel.gif"]
    assert 'src="cid:shot1@example"' in html
    [attachment] = entry.attachments.all()
    assert attachment.filename == "shot.png" and entry.data["inline"] == {"shot1@example": attachment.sha256}
    assert entry.body == "The router shows this error (see screenshot)."


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "mislabelled_charset.eml",
            "Ich habe für die Störung am Montag keine Gutschrift erhalten. Ça ne va pas. 日本語",
        ),
        ("broken_charset.eml", "Le montant est de 45€ \u2013 déjà payé."),
        ("winmail.eml", "Hi, see the attached contract \u2013 I can\u2019t open it."),
    ],
)
def test_it_decodes_every_charset_including_mislabelled_and_unknown_ones(cast, fixture, expected):
    entry = inbound_entry(ingest(eml(fixture), "test"))
    assert entry.body == expected


def test_it_decodes_raw_8bit_and_encoded_words_in_headers(cast):
    result = ingest(eml("mislabelled_charset.eml"), "test")
    assert Case.objects.get(pk=int(result.case[3:])).subject == "Café and raw bytes: Grüße"
    assert Case.objects.get(pk=int(ingest(eml("broken_charset.eml"), "t").case[3:])).contact.name == "François"


def test_attachments_within_limits_are_stored_and_the_rest_recorded_as_skipped(cast, settings):
    entry = inbound_entry(ingest(eml("nested_multipart.eml"), "test"))
    assert [a.filename for a in entry.attachments.all()] == ["invoice.pdf"]
    assert entry.data["skipped_attachments"][0]["filename"] == "setup.exe"
    assert entry.body == "Please check the attached invoice, line 3."
    assert "<b>line 3</b>" in entry.data["html"]
    settings.MAX_ATTACHMENT_BYTES = 50
    entry = inbound_entry(ingest(eml("nested_multipart.eml").replace(b"nested-1@", b"nested-2@"), "test"))
    assert entry.attachments.count() == 0
    assert "larger than 50 bytes" in entry.data["skipped_attachments"][0]["reason"]


def test_winmail_dat_and_calendar_invites_are_kept_as_attachments(cast):
    entry = inbound_entry(ingest(eml("winmail.eml"), "test"))
    assert [(a.filename, a.content_type) for a in entry.attachments.all()] == [("winmail.dat", "application/ms-tnef")]
    entry = inbound_entry(ingest(eml("calendar_invite.eml"), "test"))
    [invite] = entry.attachments.all()
    assert invite.content_type == "text/calendar" and b"BEGIN:VEVENT" in invite.file.read()


def test_huge_headers_are_stored_with_sane_limits(cast):
    result = ingest(eml("huge_headers.eml"), "test")
    message = Message.objects.get(pk=result.message)
    assert result.status == "stored" and len(message.references.split()) == 50
    assert len(Case.objects.get(pk=int(result.case[3:])).subject) == 200


def test_a_forward_keeps_the_forwarded_text_and_the_attached_original(cast):
    entry = inbound_entry(ingest(eml("forwarded.eml"), "test"))
    assert "Order 4711" in entry.body  # a new case keeps the whole story
    assert [a.content_type for a in entry.attachments.all()] == ["message/rfc822"]


def test_a_message_that_cannot_be_parsed_is_quarantined_once(cast):
    raw = eml("poison_garbage.eml")
    first, again = ingest(raw, "imap:support"), ingest(raw, "imap:support")
    assert first.status == again.status == "quarantined" and first.quarantine == again.quarantine
    row = Quarantine.objects.get(pk=first.quarantine)
    assert "no headers" in row.reason and bytes(row.raw) == raw and not row.resolved


def test_a_failure_anywhere_in_the_pipeline_quarantines_with_the_reason_and_retry_works(cast, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("threading exploded")

    monkeypatch.setattr(ingest_module.matching, "find_case", boom)
    result = ingest(eml("plain_qp.eml"), "test")
    assert result.status == "quarantined"
    assert Message.objects.filter(direction="in").count() == 0
    assert not Case.objects.filter(subject__contains="März").exists()
    row = Quarantine.objects.get()
    assert row.reason == "RuntimeError: threading exploded" and row.sender == "carol@example.test"
    monkeypatch.undo()
    call_command("mail", "retry-quarantine")
    row.refresh_from_db()
    assert row.resolved and row.retries == 1 and Message.objects.get(pk=row.message_id).case is not None


# --- the fast paths keep the rules ---------------------------------------------------


def test_a_stranger_whose_account_outlived_its_contact_is_stored_on_that_account(cast):
    from honeydesk.accounts.models import Contact, CustomerAccount

    first = ingest(eml("plain_qp.eml"), "test")
    case = Case.objects.get(pk=int(first.case[3:]))
    account = case.account
    # Staff removed the contact's address; the MAIL- account stays.
    ContactPoint.objects.filter(value="carol@example.test").delete()
    again = ingest(eml("plain_qp.eml", **{"qp-1@mail": "qp-9@mail", "Rechnung": "Mahnung"}), "test")
    assert again.status == "stored", again.reason
    new_case = Case.objects.get(pk=int(again.case[3:]))
    assert new_case.account == account and CustomerAccount.objects.filter(number=account.number).count() == 1
    assert Contact.objects.get(points__value="carol@example.test").account == account


def test_the_contact_is_found_with_its_addresses_in_two_queries(cast, django_assert_num_queries):
    from honeydesk.channels.email.matching import find_contact

    with django_assert_num_queries(2):  # the contact, and its addresses and numbers
        contact = find_contact(" Alice@Example.TEST ")
        assert contact.pk == cast.alice_contact.pk and contact.account_id == cast.alice_account.pk
        assert contact.name == "Alice Archer" and contact.primary_email == "alice@example.test"
    assert contact.created_at == cast.alice_contact.created_at  # deferred fields still load
    assert find_contact("nobody@example.test") is None and find_contact("") is None


def test_routing_sees_a_new_department_address_at_once(cast):
    from honeydesk.accounts.models import Department
    from honeydesk.cases.models import RequestType

    ingest(eml("calendar_invite.eml"), "test")  # fills the routing cache
    moving = Department.objects.create(name="Moving", slug="moving", email_from="Moving@Honeydesk.test")
    RequestType.objects.create(name="Move", slug="move", department=moving)
    raw = b"From: dora@example.test\nTo: moving@honeydesk.test\nSubject: New flat\nMessage-ID: <mv-1@x>\n\nHello\n"
    case = Case.objects.get(pk=int(ingest(raw, "test").case[3:]))
    assert case.department == moving


def test_the_rate_limit_reason_gives_the_exact_count(cast, settings):
    settings.HONEYDESK_EMAIL_RATE_LIMIT = "2/600"
    results = [
        ingest(f"From: burst@example.test\nMessage-ID: <b{i}@x>\nSubject: s{i}\n\nx\n".encode(), "t") for i in range(3)
    ]
    assert [r.status for r in results] == ["stored", "stored", "quarantined"]
    assert results[2].reason.startswith("Rate limit: 2 messages from burst@example.test in the last 600 s")
    # Messages from other senders and old ones do not count.
    Message.objects.filter(sender="burst@example.test").update(created_at=clock.now() - timedelta(seconds=601))
    assert ingest(b"From: burst@example.test\nMessage-ID: <b9@x>\nSubject: s9\n\nx\n", "t").status == "stored"


def _categorised(cast):
    from honeydesk.cases.models import IntakeCategory, RequestType

    RequestType.objects.filter(pk=cast.billing_type.pk).update(intake_category=IntakeCategory.BILLING_EXPLANATION)
    RequestType.objects.filter(pk=cast.repair_type.pk).update(intake_category=IntakeCategory.REPAIR_OUTAGE)
    return RequestType.objects.create(
        name="General question", slug="general", department=cast.sales, intake_category=IntakeCategory.GENERAL
    )


def _new_case_from(sender: str, subject: str, body: str, n: int) -> Case:
    raw = f"From: {sender}\nTo: help@support.test\nSubject: {subject}\nMessage-ID: <cl-{n}@x>\n\n{body}\n"
    return Case.objects.get(pk=int(ingest(raw.encode(), "test").case[3:]))


def test_it_routes_a_new_mail_by_what_it_is_about(cast):
    general = _categorised(cast)
    repair = _new_case_from(
        "dora@example.test", "Modem keeps dropping", "My internet drops every hour and the modem light goes red.", 1
    )
    assert repair.request_type == cast.repair_type and repair.department == cast.repair
    bill = _new_case_from(
        "ed@example.test", "Question about my bill", "Why is there a $12 fee on my bill this month? Please explain.", 2
    )
    assert bill.request_type == cast.billing_type
    # About something no request type takes: the general type, never an arbitrary department.
    quit_ = _new_case_from("fay@example.test", "Cancel", "Please cancel my account at the end of the month.", 3)
    assert quit_.request_type == general and quit_.department == cast.sales


def test_a_department_address_keeps_its_department(cast):
    _categorised(cast)
    raw = (
        b"From: gus@example.test\nTo: billing@honeydesk.test\nSubject: Modem\nMessage-ID: <cl-9@x>\n\n"
        b"My modem keeps dropping the connection.\n"
    )
    case = Case.objects.get(pk=int(ingest(raw, "test").case[3:]))
    assert case.department == cast.billing  # sent to Billing: Billing decides, with Billing's type


def test_it_answers_a_customer_at_the_address_they_wrote_from(cast):
    alice = cast.alice_case.contact
    ContactPoint.objects.create(contact=alice, kind=ContactPoint.Kind.EMAIL, value="alice.work@corp.example.test")
    mail = (
        b"From: alice.work@corp.example.test\nTo: billing@honeydesk.test\nSubject: Router lights\n"
        b"Message-ID: <w1@corp>\n\nAll red.\n"
    )
    case = Case.objects.get(pk=int(ingest(mail, "test").case[3:]))
    assert case.contact == alice
    [ack] = acks()
    assert ack.recipients == "alice.work@corp.example.test"
    actions.do_add_reply(case, body="We are on it.", acting_user=cast.billing_agent)
    reply = Message.objects.filter(direction="out", case=case).exclude(pk=ack.pk).get()
    assert reply.recipients == "alice.work@corp.example.test"
    # Not an address that is no longer theirs: the first one on file instead.
    ContactPoint.objects.filter(value="alice.work@corp.example.test").delete()
    actions.do_add_reply(case, body="Done.", acting_user=cast.billing_agent)
    last = Message.objects.filter(direction="out", case=case).order_by("-id").first()
    assert last is not None and last.recipients == "alice@example.test"


def test_a_new_senders_acknowledgement_needs_no_read_of_their_addresses(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    mail = (
        b"From: Nadia New <Nadia.New@fresh.example.test>\nTo: billing@honeydesk.test\nSubject: Hello\n"
        b"Message-ID: <n1@fresh>\n\nMy bill is wrong.\n"
    )
    with CaptureQueriesContext(connection) as queries:
        result = ingest(mail, "test")
    assert result.status == "stored"
    [ack] = acks()
    assert ack.recipients == "nadia.new@fresh.example.test"
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "accounts_contactpoint"')]
    # Only the batch's look-up of the senders' addresses; not the new contact's addresses.
    assert len(reads) == 1 and '"value" IN' in reads[0], reads
