"""Outage reports grouped into proposed incidents: N reports within T minutes about one
service in one area, and not N-1, not another area, not outside the window."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from honeydesk.accounts.models import CustomerAccount, Role
from honeydesk.cases.models import TimelineEntry
from honeydesk.channels.email.inbound import ingest
from honeydesk.jobs.runner import run_pending
from honeydesk.notifications.models import Notification
from honeydesk.outages import actions
from honeydesk.outages.models import Incident, OutageReport
from honeydesk.outages.services import service_reported
from honeydesk.outages.testing import account_in, mark_outage_types, report
from honeydesk.testing import make_staff

T0 = "2026-03-02 09:00:00+00:00"


@pytest.fixture
def setup(cast):
    mark_outage_types(cast.repair_type, reports_needed=3, window_minutes=60)
    return cast


def test_it_proposes_an_incident_at_exactly_n_reports_and_not_at_n_minus_one(setup):
    cast = setup
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(2):
            report(account_in("North"), cast.repair_type, by=cast.repair_agent)
            clock.shift(timedelta(minutes=20))
        assert not Incident.objects.exists()
        third = report(account_in("North"), cast.repair_type, by=cast.repair_agent)
    incident = Incident.objects.get()
    assert (incident.status, incident.area, incident.service) == ("proposed", "North", "Internet")
    assert incident.reported_by is None and incident.reported_at == third.created_at
    assert incident.started_at == timezone.datetime.fromisoformat(T0)
    assert OutageReport.objects.filter(incident=incident).count() == 3
    # A proposal is for supervisors: customers are told nothing yet.
    assert not TimelineEntry.objects.filter(data__label="Known outage").exists()


def mail_from(account: CustomerAccount, body: str) -> bytes:
    return (
        f"From: Customer <c{account.number}@example.test>\r\n"
        "To: repair@honeydesk.test\r\n"
        "Subject: No service\r\n"
        f"Message-ID: <down-{account.number}@mail.example.test>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()


def test_reports_by_email_and_through_the_portal_count_like_calls(setup):
    """Detection hangs off the case-opened signal, whatever opened the case: two mails
    to the repair address and alice's request in the portal (all in North, about the
    internet) propose the incident, with no call among them."""
    cast = setup
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(2):
            result = ingest(mail_from(account_in("North"), "My internet is down since this morning."), "test")
            assert result.status == "stored", result
            clock.shift(timedelta(minutes=10))
        assert not Incident.objects.exists()
        posted = cast.client(cast.alice).post(
            "/portal/new/",
            {
                "type": "repair",
                "subject": "No internet",
                "body": "The internet is down again.",
                "goal": "Working internet",
                "account": "1000001",
            },
        )
        assert posted.status_code == 302
    incident = Incident.objects.get()
    assert (incident.status, incident.area, incident.service) == ("proposed", "North", "Internet")
    channels = sorted(OutageReport.objects.filter(incident=incident).values_list("case__channel", flat=True))
    assert channels == ["email", "email", "portal"]
    assert OutageReport.objects.get(case__channel="portal").case.account == cast.alice_account


def test_it_does_not_count_reports_from_another_area_or_about_another_service(setup):
    cast = setup
    with time_machine.travel(T0, tick=False):
        report(account_in("North"), cast.repair_type, by=cast.repair_agent)
        report(account_in("North"), cast.repair_type, by=cast.repair_agent)
        report(account_in("South"), cast.repair_type, by=cast.repair_agent)
        tv = account_in("North", ["Internet 300", "TV Plus"])
        report(tv, cast.repair_type, by=cast.repair_agent, body="The TV has no picture at all.")
    assert not Incident.objects.exists()
    assert OutageReport.objects.filter(area="North", service="TV").count() == 1


def test_it_needs_the_reports_within_the_window(setup):
    cast = setup
    with time_machine.travel(T0, tick=False) as clock:
        report(account_in("North"), cast.repair_type, by=cast.repair_agent)
        clock.shift(timedelta(minutes=40))
        report(account_in("North"), cast.repair_type, by=cast.repair_agent)
        clock.shift(timedelta(minutes=21))  # the first is now 61 minutes old
        report(account_in("North"), cast.repair_type, by=cast.repair_agent)
        assert not Incident.objects.exists()
        clock.shift(timedelta(minutes=10))
        report(account_in("North"), cast.repair_type, by=cast.repair_agent)
    assert Incident.objects.get().reports.count() == 3


def test_it_ignores_cases_of_other_request_types(setup):
    cast = setup
    with time_machine.travel(T0, tick=False):
        for _ in range(4):
            report(account_in("North"), cast.billing_type, by=cast.billing_agent)
    assert list(OutageReport.objects.values_list("case__request_type__slug", "case_id")) == []
    assert not Incident.objects.exists()


def test_it_links_new_reports_to_a_proposed_incident_and_does_not_propose_again_after_a_dismissal(setup):
    cast = setup
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(3):
            report(account_in("North"), cast.repair_type, by=cast.repair_agent)
        incident = Incident.objects.get()
        report(account_in("North"), cast.repair_type, by=cast.repair_agent)
        assert incident.reports.count() == 4
        actions.do_dismiss_incident(incident, reason="A street of faulty modems", acting_user=cast.supervisor)
        clock.shift(timedelta(minutes=5))
        report(account_in("North"), cast.repair_type, by=cast.repair_agent)
        report(account_in("North"), cast.repair_type, by=cast.repair_agent)
        assert Incident.objects.count() == 1  # two new reports: not three
        report(account_in("North"), cast.repair_type, by=cast.repair_agent)
    assert Incident.objects.filter(status="proposed").count() == 1


def test_a_proposed_incident_notifies_the_supervisors_once(setup):
    cast = setup
    second = make_staff("sue", Role.SUPERVISOR, first_name="Sue")
    with time_machine.travel(T0, tick=False):
        for _ in range(2):
            report(account_in("North"), cast.repair_type, by=cast.repair_agent)
        assert not Notification.objects.exists(), "no proposal yet, nobody told"
        report(account_in("North"), cast.repair_type, by=cast.repair_agent)
        incident = Incident.objects.get()
        report(account_in("North"), cast.repair_type, by=cast.repair_agent)  # linked, not proposed again
    notes = Notification.objects.filter(kind="incident_proposed").order_by("user_id")
    assert [n.user for n in notes] == [cast.supervisor, second], "every supervisor, once; no agent, no admin"
    note = notes[0]
    assert note.title == "Possible outage: Internet in North" and note.case is None
    assert note.url == f"/desk/incidents/{incident.pk}/"
    assert note.body.startswith("3 customer reports about Internet in North") and "Confirm" in note.body
    page = cast.client(cast.supervisor).get("/desk/notifications/").content.decode()
    assert "Possible outage: Internet in North" in page
    run_pending("w")
    to_sam = [m for m in mail.outbox if m.to == ["sam@honeydesk.test"]]
    assert [m.subject for m in to_sam] == ["[honeydesk] Possible outage: Internet in North"]


def test_it_tells_which_service_a_report_is_about():
    families = ["Internet", "TV", "Home Phone"]
    plans = ["Internet 300", "TV Plus", "Home Phone"]
    assert service_reported(fact="", text="the tv is dead", plans=plans, families=families) == "TV"
    assert (
        service_reported(fact="", text="No dial tone on my home phone", plans=plans, families=families) == "Home Phone"
    )
    assert service_reported(fact="", text="nothing works", plans=plans, families=families) == "Internet"
    assert service_reported(fact="TV Premium", text="", plans=plans, families=families) == "TV"
    assert service_reported(fact="", text="down", plans=[], families=families) == ""
