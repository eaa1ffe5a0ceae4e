"""`honeydesk demo`: a believable company, written through the real actions."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from honeydesk.accounts.models import Contact, ContactPoint, CustomerAccount, Department, Role, User
from honeydesk.cases.models import Case, Escalation, RequestType, Status, TimelineEntry
from honeydesk.demo import company as demo
from honeydesk.jobs.models import Job

pytestmark = pytest.mark.django_db(transaction=True)

Kind, Event = TimelineEntry.Kind, TimelineEntry.Event


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def built() -> tuple[str, float]:
    started = time.monotonic()
    output = run_demo("--cases", "60")
    return output, time.monotonic() - started


def test_it_builds_quickly_and_reports_counts_and_logins(built):
    output, elapsed = built
    assert elapsed < 30, f"the demo took {elapsed:.1f} s for 60 cases"
    assert Case.objects.count() == 60
    assert re.search(r"cases\s+60", output)
    assert "password for all: demo" in output
    for username in ("maria", "diane", "admin"):
        assert re.search(rf"^\s+{username}\s", output, re.M)
    # A customer's line carries the address the portal's one-time link is sent to.
    customer = User.objects.filter(role=Role.CUSTOMER, email__endswith=".example").order_by("username").first()
    assert re.search(rf"^\s+{customer.username}\s+customer\s.*\s{re.escape(customer.email)}$", output, re.M)


def test_it_creates_the_company(built):
    assert set(Department.objects.values_list("name", flat=True)) == {"Billing", "Repair", "Sales", "Retention"}
    assert all(d.email_from.endswith(".example") for d in Department.objects.all())
    staff = User.objects.exclude(role=Role.CUSTOMER)
    roles = [u.role for u in staff]
    assert roles.count(Role.SUPERVISOR) == 2 and roles.count(Role.ADMIN) == 1 and roles.count(Role.AGENT) >= 4
    assert all(u.check_password(demo.PASSWORD) for u in staff)
    for dept in Department.objects.all():  # every queue has someone to work it
        assert dept.staff.filter(role=Role.AGENT).exists()
    types = RequestType.objects.all()
    assert types.count() >= 11
    assert {t.best_channel for t in types} == {"write", "call"}
    assert all(t.channel_reason for t in types)
    for need in (n for t in types for n in t.needs):
        assert set(need) == {"key", "label", "pattern", "required", "help"}
        if need["pattern"]:
            re.compile(need["pattern"])
    quote = types.get(slug="price-quote")
    assert quote.best_channel == "write" and "writing" in quote.channel_reason


def test_it_creates_customers_with_contacts_and_portal_logins(built):
    accounts = CustomerAccount.objects.all()
    assert 55 <= accounts.count() <= 65
    assert all(re.fullmatch(r"\d{8}", a.number) and a.services and a.service_area for a in accounts)
    for account in accounts.prefetch_related("contacts__points"):
        contacts = list(account.contacts.all())
        assert 1 <= len(contacts) <= 2
        for contact in contacts:
            assert {p.kind for p in contact.points.all()} == {ContactPoint.Kind.EMAIL, ContactPoint.Kind.PHONE}
    customers = User.objects.filter(role=Role.CUSTOMER)
    assert customers.count() >= 3
    for user in customers:
        assert user.check_password(demo.PASSWORD)
        assert Contact.objects.filter(user=user).exists()


def test_it_writes_cases_in_every_status_with_realistic_timelines(built):
    now = timezone.now()
    cases = Case.objects.annotate(n=Count("entries"))
    assert set(cases.values_list("status", flat=True)) == set(Status.values)
    assert all(c.n >= 3 for c in cases.exclude(status=Status.NEW))
    # An open case that someone works always has exactly one owner.
    assert not cases.filter(status__in=[Status.OPEN, Status.PENDING], owner__isnull=True).exists()
    # A case merged into another (issue 17) is closed without being resolved.
    finished = cases.filter(status__in=[Status.RESOLVED, Status.CLOSED], merged_into__isnull=True)
    assert not finished.filter(resolved_at__isnull=True).exists()
    assert not cases.filter(status=Status.CLOSED, closed_at__isnull=True).exists()
    # Spread over the last 90 days, nothing in the future.
    created = sorted(cases.values_list("created_at", flat=True))
    assert now - timedelta(days=91) <= created[0] <= now - timedelta(days=45)
    assert created[-1] >= now - timedelta(days=5)
    assert not TimelineEntry.objects.filter(created_at__gt=now).exists()
    # References grow with time.
    assert list(Case.objects.order_by("id").values_list("created_at", flat=True)) == created
    entries = TimelineEntry.objects.all()
    assert {Kind.INBOUND, Kind.OUTBOUND, Kind.NOTE, Kind.CALL, Kind.EVENT} <= set(
        entries.values_list("kind", flat=True)
    )
    events = set(entries.values_list("event", flat=True))
    assert {
        Event.OPENED,
        Event.OWNER_CHANGED,
        Event.TRANSFERRED,
        Event.ESCALATED,
        Event.ESCALATION_TAKEN,
        Event.RESOLVED,
        Event.REOPENED,
        Event.STATUS_CHANGED,
    } <= events
    # Transfers carry a hand-off summary for the next owner.
    transfers = entries.filter(event=Event.TRANSFERRED)
    assert transfers.exists() and all(len(t.body) > 40 for t in transfers)
    assert Case.objects.exclude(handoff_summary="").exists()
    # Escalations: some taken by a supervisor, some still waiting.
    taken = Escalation.objects.filter(taken_at__isnull=False)
    assert taken.exists() and all(e.taken_by.role == Role.SUPERVISOR for e in taken)
    waiting = Escalation.objects.filter(taken_at__isnull=True)
    assert waiting.exists() and all(e.case.escalated for e in waiting)
    # Customers write on several channels; the record is public where it should be.
    assert {"email", "phone", "portal"} <= set(Case.objects.values_list("channel", flat=True))
    assert not entries.filter(kind=Kind.NOTE).exclude(visibility="internal").exists()


def test_it_sends_no_mail(built):
    assert mail.outbox == []
    assert not Job.objects.exists()  # nothing queued for the worker to send later either


def test_it_changes_nothing_when_run_again(built):
    def snapshot():
        return (
            Case.objects.count(),
            TimelineEntry.objects.count(),
            User.objects.count(),
            CustomerAccount.objects.count(),
            list(Case.objects.values_list("id", "version", "updated_at")),
        )

    before = snapshot()
    output = run_demo()
    assert "Demo data already present" in output
    assert "password for all: demo" in output and "diane" in output
    assert snapshot() == before


def test_it_is_deterministic_for_a_seed():
    now = timezone.now()

    def signature(seed: int):
        with transaction.atomic():
            demo.build(seed=seed, cases=20, now=now)
            rows = list(Case.objects.order_by("id").values_list("subject", "status", "account__number"))
            rows.append(TimelineEntry.objects.count())
            transaction.set_rollback(True)
        return rows

    first = signature(7)
    assert signature(7) == first
    assert signature(8) != first


def test_it_refuses_too_few_cases():
    with pytest.raises(CommandError, match="at least 5"):
        run_demo("--cases", "3")
    assert not Case.objects.exists()


def test_it_fills_the_answer_library_and_shows_an_abusive_message(built):
    from honeydesk.cases.models import TimelineEntry
    from honeydesk.intelligence.models import Article

    articles = Article.objects.all()
    assert articles.count() >= 8 and articles.filter(public=False).exists()
    assert all(a.request_types.exists() for a in articles)
    abusive = Case.objects.filter(attention="abusive")
    assert abusive.exists()
    entry = TimelineEntry.objects.filter(case__in=abusive, body__contains="useless, pathetic morons").get()
    assert entry.data["analysis"]["tone"] == "abusive"
