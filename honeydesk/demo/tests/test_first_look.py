"""What a newcomer sees first after `honeydesk demo` (issue 18): mail already in the
outbox, and the portal in Brightwave's name, colour and logo."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from honeydesk.accounts.models import Role, User
from honeydesk.branding.models import Brand, image_type
from honeydesk.channels.email.models import Message
from honeydesk.demo import company as demo
from honeydesk.demo.brand import COLOUR, NAME, logo_png
from honeydesk.jobs.models import Job

OUTBOX = "honeydesk.channels.email.outbox.OutboxBackend"


@pytest.mark.django_db(transaction=True)
def test_the_outbox_shows_an_acknowledgement_and_a_reply_right_after_the_demo(settings, tmp_path):
    settings.EMAIL_BACKEND, settings.VAR_DIR = OUTBOX, tmp_path  # as under DEBUG (make run)
    out = StringIO()
    call_command("demo", "--cases", "40", stdout=out)
    assert "2 sample mails are in the outbox at /desk/outbox/" in out.getvalue()
    ack = Message.objects.get(data__template="case_opened")
    reply = Message.objects.get(data__template="reply")
    assert ack.state == reply.state == Message.State.SENT
    assert ack.case == reply.case and ack.case.contact.primary_email == ack.recipients
    # Sent, not left for the worker: the outbox is full before the server starts.
    assert not Job.objects.exclude(state=Job.State.DONE).exists()
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 2

    staff = Client()
    staff.force_login(User.objects.filter(role=Role.AGENT).order_by("id").first())
    listing = staff.get("/desk/outbox/").content.decode()
    assert "We have your request" in listing and ack.case.ref in listing and ack.recipients in listing
    page = staff.get(f"/desk/outbox/{files[-1].name}/").content.decode()
    assert "In-Reply-To" in page and ack.message_id in page  # the reply threads onto the acknowledgement


@pytest.mark.django_db(transaction=True)
def test_it_sends_nothing_through_a_real_mail_server(settings):
    # The demo's addresses are made up: only the outbox ever gets the sample mails.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = StringIO()
    call_command("demo", "--cases", "40", stdout=out)
    assert "sample mails" not in out.getvalue()
    assert mail.outbox == [] and not Message.objects.exists() and not Job.objects.exists()


def test_the_portal_wears_the_demo_brand(db, client):
    demo.build(seed=3, cases=40, now=timezone.now())
    brand = Brand.objects.get()
    assert (brand.name, brand.colour) == (NAME, COLOUR) and brand.ink == "#ffffff"
    page = client.get("/portal/login/").content.decode()
    assert f"· {NAME}</title>" in page and f"{NAME}</a>" in page
    assert f'<img src="/brand/logo?v={brand.version}" alt="">' in page
    assert f"--brand:{COLOUR}" in client.get("/brand.css").content.decode()
    logo = client.get("/brand/logo")
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert b"".join(logo.streaming_content if logo.streaming else [logo.content]) == logo_png()


def test_it_keeps_a_brand_an_admin_set_before_the_demo(db):
    Brand.objects.create(name="Acme Cable", colour="#222222")
    demo.build(seed=3, cases=40, now=timezone.now())
    assert list(Brand.objects.values_list("name", "colour")) == [("Acme Cable", "#222222")]


def test_the_logo_is_a_png_the_brand_takes():
    png = logo_png()
    assert image_type(png[:16]) == "image/png"
    assert png[12:16] == b"IHDR" and int.from_bytes(png[16:20], "big") == 96
