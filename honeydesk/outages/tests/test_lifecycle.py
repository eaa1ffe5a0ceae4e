"""Incidents confirmed, updated and resolved: linked customers told on their cases,
affected accounts on record, and everyone told of the fix exactly once."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from honeydesk.cases.models import TimelineEntry
from honeydesk.jobs import runner
from honeydesk.jobs.models import Job
from honeydesk.lib.errors import InvalidInput, InvalidTransition
from honeydesk.outages import actions, notices
from honeydesk.outages.models import AffectedAccount, Incident, OutageReport, ResolutionNotice
from honeydesk.outages.testing import account_in, mark_outage_types, report

T0 = "2026-03-02 09:00:00+00:00"


@pytest.fixture
def proposed(cast):
    mark_outage_types(cast.repair_type, reports_needed=3, window_minutes=60)
    with time_machine.travel(T0, tick=False):
        cases = [report(account_in("North"), cast.repair_type, by=cast.repair_agent) for _ in range(3)]
    return cast, Incident.objects.get(), cases


def _known(case):
    return TimelineEntry.objects.filter(case=case, data__label="Known outage", visibility="public")


def test_it_lets_only_supervisors_confirm_and_dismiss(proposed):
    cast, incident, _ = proposed
    with pytest.raises(InvalidInput):
        actions.do_confirm_incident(incident, acting_user=cast.repair_agent)
    with pytest.raises(InvalidInput):
        actions.do_dismiss_incident(incident, reason="no", acting_user=cast.repair_agent)
    assert Incident.objects.get().status == "proposed"


def test_it_confirms_links_tells_customers_and_records_affected_accounts(proposed):
    cast, incident, cases = proposed
    bystander = account_in("North", ["Internet 100", "TV Basic"])
    tv_only = account_in("North", ["TV Basic"])
    elsewhere = account_in("South")
    with time_machine.travel("2026-03-02 09:30:00+00:00", tick=False):
        actions.do_confirm_incident(
            incident, acting_user=cast.supervisor, next_update_at=incident.reported_at + timedelta(hours=3)
        )
        late = report(account_in("North"), cast.repair_type, by=cast.repair_agent)
    for case in [*cases, late]:
        assert _known(case).count() == 1, case
        assert (
            "reported at Mar 2, 09:00" in _known(case).get().body
            and "Next update by Mar 2, 12:00" in _known(case).get().body
        )
    assert OutageReport.objects.get(case=late).incident_id == incident.pk
    affected = set(AffectedAccount.objects.filter(incident=incident).values_list("account_id", flat=True))
    assert bystander.pk in affected and {c.account_id for c in cases} <= affected
    assert tv_only.pk not in affected and elsewhere.pk not in affected
    assert late.version == 1, "the opener's case is not bumped behind its back"


def test_it_refuses_a_second_open_incident_for_the_same_service_and_area(proposed):
    cast, _, _ = proposed
    with pytest.raises(InvalidTransition, match="confirm it instead"):
        actions.do_report_incident(service="Internet", area="North", acting_user=cast.repair_agent)
    other = actions.do_report_incident(service="TV", area="North", acting_user=cast.repair_agent)
    assert other.status == "confirmed"


def test_it_tells_every_linked_customer_once_when_resolved(proposed, settings):
    cast, incident, cases = proposed
    with time_machine.travel("2026-03-02 09:30:00+00:00", tick=False):
        actions.do_confirm_incident(incident, acting_user=cast.supervisor)
    runner.run_pending()
    mail.outbox.clear()
    with time_machine.travel("2026-03-02 14:00:00+00:00", tick=False):
        actions.do_post_update(incident, body="Crew on site", acting_user=cast.repair_agent)
        actions.do_resolve_incident(incident, resolution="Fibre spliced.", acting_user=cast.repair_agent)
    assert Job.objects.filter(func="honeydesk.outages.notices.tell_resolution").count() == 1
    runner.run_pending()
    told = [m for m in mail.outbox if "Outage fixed" in m.subject]
    assert len(told) == 3
    assert {m.to[0] for m in told} == {c.contact.primary_email for c in cases}
    assert "Fibre spliced." in told[0].body
    # The job runs again (a retry, a second worker, the sweep): nobody is told twice.
    assert notices.tell_resolution(incident.pk) == 0
    assert notices.periodic_sweep(lambda: False) is True
    runner.run_pending()
    assert len([m for m in mail.outbox if "Outage fixed" in m.subject]) == 3
    assert ResolutionNotice.objects.count() == 3
    for case in cases:
        assert TimelineEntry.objects.filter(case=case, data__label="Outage fixed", visibility="public").count() == 1


def test_it_tells_the_rest_when_one_case_failed_the_first_time(proposed, monkeypatch):
    cast, incident, cases = proposed
    actions.do_confirm_incident(incident, acting_user=cast.supervisor)
    Incident.objects.filter(pk=incident.pk).update(status="resolved", resolved_at=incident.started_at, resolution="x")
    real = notices.tell_one
    calls = []

    def flaky(incident, case_id):
        calls.append(case_id)
        if case_id == cases[1].pk and calls.count(case_id) == 1:
            raise RuntimeError("database hiccup")
        return real(incident, case_id)

    monkeypatch.setattr(notices, "tell_one", flaky)
    with pytest.raises(RuntimeError):
        notices.tell_resolution(incident.pk)
    assert ResolutionNotice.objects.count() == 2
    assert notices.tell_resolution(incident.pk) == 1
    assert ResolutionNotice.objects.count() == 3


def test_it_resolves_only_confirmed_incidents_and_checks_times(proposed):
    cast, incident, _ = proposed
    with pytest.raises(InvalidTransition):
        actions.do_resolve_incident(incident, resolution="done", acting_user=cast.repair_agent)
    actions.do_confirm_incident(incident, acting_user=cast.supervisor)
    with pytest.raises(InvalidInput) as bad:
        actions.do_resolve_incident(
            incident, resolution="done", acting_user=cast.repair_agent, resolved_at=incident.started_at - timedelta(1)
        )
    assert "resolved_at" in bad.value.fields
    with pytest.raises(InvalidInput):
        actions.do_post_update(incident, body="  ", acting_user=cast.repair_agent)
    with pytest.raises(InvalidInput):
        actions.do_report_incident(service="", area="North", acting_user=cast.repair_agent)
    with pytest.raises(InvalidInput):
        actions.do_report_incident(service="TV", area="North", acting_user=cast.alice)


def test_it_links_a_case_by_hand_only_in_the_incident_area(proposed):
    cast, incident, _ = proposed
    actions.do_confirm_incident(incident, acting_user=cast.supervisor)
    with pytest.raises(InvalidInput):
        actions.do_link_case(incident, cast.bob_case, acting_user=cast.supervisor)  # bob is in the South
    actions.do_link_case(incident, cast.alice_case, acting_user=cast.billing_agent)
    assert _known(cast.alice_case).count() == 1
    with pytest.raises(InvalidTransition):
        actions.do_link_case(incident, cast.alice_case, acting_user=cast.billing_agent)
