"""The demo fills the screens around the cases (issue 18): held and poison mail, a
webhook's failing deliveries, the audit log, a rep away, a settled dispute; each shown
to the role whose page lists it, and to nobody else."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from honeydesk.accounts.models import AuditEvent, Role, User
from honeydesk.cases.models import Case, Status
from honeydesk.channels.email.models import Quarantine
from honeydesk.demo import back_office
from honeydesk.demo import company as demo
from honeydesk.jobs.models import Job
from honeydesk.quality.models import Review, ReviewEvent, ReviewState
from honeydesk.rules.models import Availability
from honeydesk.webhooks.models import Delivery, Endpoint


@pytest.fixture(scope="module")
def built(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """One demo for the module, rolled back at its end (each test runs in a savepoint).
    The brand's logo goes to a temporary media directory, not the real one."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        demo.build(seed=2024, cases=60, now=timezone.now())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def as_(built: None, db: None) -> object:
    def client(username: str) -> Client:
        c = Client()
        c.force_login(User.objects.get(username=username))
        return c

    return client


def test_it_holds_a_forged_mail_for_supervisors_to_decide(as_):
    row = Quarantine.objects.get(kind=Quarantine.Kind.HELD, resolved=False)
    assert row.verdict["outcome"] == "fail" and row.verdict["results"]["dmarc"] == "fail"
    case = Case.objects.get(pk=int(row.subject.split("[HD-")[1].split("]")[0]))
    assert case.contact.primary_email == row.sender  # in a real customer's name
    assert not case.entries.filter(body__contains="We have changed banks").exists()  # not on the case
    page = as_("diane").get("/desk/held-mail/")
    assert page.status_code == 200
    html = page.content.decode()
    assert row.sender in html and "We have changed banks" in html and "DMARC failed" in html
    assert as_("maria").get("/desk/held-mail/").status_code == 404  # reps do not decide on held mail


def test_it_keeps_a_poison_message_in_the_quarantine_for_admins(as_):
    row = Quarantine.objects.get(kind=Quarantine.Kind.ERROR, resolved=False)
    assert "no headers" in row.reason and bytes(row.raw) == back_office.POISON
    url = reverse(f"admin:{Quarantine._meta.app_label}_quarantine_changelist")
    listing = as_("admin").get(url)
    assert listing.status_code == 200 and "no headers" in listing.content.decode()
    assert as_("diane").get(url).status_code in (302, 403, 404)  # the admin site is for admins


def test_it_registers_a_loopback_webhook_whose_deliveries_failed_and_were_retried(as_):
    endpoint = Endpoint.objects.get()
    assert endpoint.url.startswith("http://127.0.0.1:")  # never a real host
    assert endpoint.active and endpoint.failures_in_a_row == 6  # the next live failures disable it
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.event == "ping" and delivery.status == Delivery.Status.FAILED and delivery.attempts == 6
    assert "refused" in delivery.error.lower() and delivery.status_code is None
    assert not Job.objects.exists()  # retried already: nothing left for the worker
    page = as_("admin").get(reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])).content.decode()
    assert "Recent deliveries" in page and "Failed (gave up after retries)" in page and "refused" in page.lower()


def test_it_fills_the_audit_log_with_sign_ins_and_a_token(as_):
    events = AuditEvent.objects.all()
    signed_in = set(events.filter(action=AuditEvent.Action.SIGNED_IN).values_list("actor__username", flat=True))
    assert signed_in == set(back_office.SIGN_INS)
    assert events.filter(action=AuditEvent.Action.SIGN_IN_FAILED, actor_name=back_office.MISTYPED).exists()
    token = events.get(action=AuditEvent.Action.TOKEN_CREATED)
    assert token.actor.username == "admin" and "of admin" in token.target
    assert all(e.at <= timezone.now() for e in events)
    listing = as_("admin").get(reverse("admin:accounts_auditevent_changelist")).content.decode()
    assert "API token created" in listing and "Sign-in failed" in listing and back_office.MISTYPED in listing


def test_it_sets_a_rep_away_and_the_case_page_says_so(as_):
    away = User.objects.get(username=back_office.AWAY)
    assert Availability.objects.get(user=away).away
    case = Case.objects.filter(department__slug="repair", status=Status.OPEN).order_by("id").first()
    html = as_("marcus").get(f"/desk/cases/{case.ref}/").content.decode()
    assert "Repair reps who are away" in html and f"{away.display_name}, away" in html
    header = as_(back_office.AWAY).get("/desk/availability/").content.decode()
    assert "Set available" in header


def test_it_shows_a_settled_dispute_to_the_rep_and_one_still_waiting(as_):
    assert Review.objects.filter(state=ReviewState.DISPUTED).count() == 1  # waiting for a supervisor
    settled = Review.objects.get(state=ReviewState.UPHELD)
    event = ReviewEvent.objects.get(review=settled, kind=ReviewEvent.Kind.UPHELD)
    assert event.by == settled.reviewer and event.at > settled.responded_at
    page = as_(settled.rep.username).get(f"/desk/reviews/{settled.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "Dispute settled: upheld" in html and "Say it at once" in html
    other = User.objects.filter(role=Role.AGENT).exclude(pk=settled.rep_id).order_by("id").first()
    assert as_(other.username).get(f"/desk/reviews/{settled.pk}/").status_code == 404
