"""The demo's credit threads and outages (issue 10), written through the real actions."""

import pytest
from django.core import mail

from honeydesk.cases.models import Case, TimelineEntry
from honeydesk.credits.models import Approval, CreditRequest, CreditStep, LedgerEntry
from honeydesk.demo import company as demo
from honeydesk.jobs.models import Job
from honeydesk.outages.models import Incident, ResolutionNotice


@pytest.fixture
def built(db):
    demo.build(seed=2024, cases=60)


def test_it_shows_every_kind_of_credit_thread_and_both_incidents(built):
    outcomes = set(CreditRequest.objects.values_list("status", flat=True))
    assert {"declined", "partly_granted", "granted", "approval"} <= outcomes
    steps = list(CreditStep.objects.values_list("kind", flat=True))
    assert steps.count("countered") == 1 and "accepted" in steps
    assert Approval.objects.filter(status="approved").exists() and Approval.objects.filter(status="pending").exists()
    relaxed = CreditRequest.objects.filter(decisions__rule_condition="repeat_request").get()
    assert relaxed.status == "partly_granted" and str(relaxed.granted_amount) == "50.00"
    assert CreditRequest.objects.filter(decisions__rule_condition="outage_match").exists()
    assert LedgerEntry.objects.count() == CreditRequest.objects.filter(status__in=["granted", "partly_granted"]).count()
    resolved = Incident.objects.get(status="resolved")
    assert Incident.objects.filter(status="confirmed").count() == 1
    assert resolved.affected.exists()
    assert ResolutionNotice.objects.filter(incident=resolved).count() == resolved.reports.count() >= 1


def test_it_keeps_each_timeline_in_order_and_tells_nobody(built):
    assert mail.outbox == [] and not Job.objects.exists()
    for case in Case.objects.filter(credit_requests__isnull=False).distinct():
        times = list(TimelineEntry.objects.filter(case=case).order_by("id").values_list("created_at", flat=True))
        assert times == sorted(times), case.ref
        assert case.updated_at >= times[-1]
    assert list(Case.objects.order_by("id").values_list("created_at", flat=True)) == sorted(
        Case.objects.values_list("created_at", flat=True)
    )
