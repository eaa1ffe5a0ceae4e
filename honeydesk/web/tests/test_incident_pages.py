"""Incidents in the workspace, and the outage banner customers in the area see."""

from datetime import UTC

import pytest
import time_machine

from honeydesk.outages import actions
from honeydesk.outages.models import Incident
from honeydesk.outages.testing import account_in, mark_outage_types, report


@pytest.fixture
def frozen():
    with time_machine.travel("2026-03-02 09:00:00+00:00", tick=False) as traveller:
        yield traveller


def test_the_incidents_pages_are_for_staff(cast, frozen):
    incident = actions.do_report_incident(service="Internet", area="North", acting_user=cast.repair_agent)
    for outsider in (cast.alice, cast.bob):
        c = cast.client(outsider)
        assert c.get("/desk/incidents/").status_code == 404
        assert c.get(f"/desk/incidents/{incident.pk}/").status_code == 404
        assert c.post(f"/desk/incidents/{incident.pk}/do/resolve/", {"resolution": "x"}).status_code == 404
        assert c.post("/desk/incidents/report/", {"service": "TV", "area": "North"}).status_code == 404
    assert Incident.objects.get().status == "confirmed" and Incident.objects.count() == 1
    page = cast.client(cast.billing_agent).get("/desk/incidents/").content.decode()
    assert "Internet outage in North" in page and "Open outages" in page


def test_supervisors_confirm_a_proposal_from_the_incidents_page(cast, frozen):
    mark_outage_types(cast.repair_type, reports_needed=2, window_minutes=30)
    cases = [report(account_in("North"), cast.repair_type, by=cast.repair_agent) for _ in range(2)]
    incident = Incident.objects.get()
    page = cast.client(cast.supervisor).get("/desk/incidents/").content.decode()
    assert "Proposed by the system" in page and all(c.ref in page for c in cases)
    agent = cast.client(cast.repair_agent)
    assert "A supervisor confirms or dismisses proposals." in agent.get("/desk/incidents/").content.decode()
    agent.post(f"/desk/incidents/{incident.pk}/do/confirm/", {"back": "list"})
    assert Incident.objects.get().status == "proposed"
    response = cast.client(cast.supervisor).post(
        f"/desk/incidents/{incident.pk}/do/confirm/", {"back": "list", "next_update_at": "2026-03-02T12:00"}
    )
    assert response.status_code == 302 and response["Location"] == "/desk/incidents/"
    incident.refresh_from_db()
    assert incident.status == "confirmed" and incident.next_update_at.hour == 12


def test_staff_report_update_and_resolve_an_outage_from_the_pages(cast, frozen):
    c = cast.client(cast.repair_agent)
    bad = c.post("/desk/incidents/report/", {"service": "", "area": "North"})
    assert bad.status_code == 302 and not Incident.objects.exists()
    c.post("/desk/incidents/report/", {"service": "Internet", "area": "North", "summary": "Fibre cut on Main St."})
    incident = Incident.objects.get()
    c.post(f"/desk/incidents/{incident.pk}/do/update/", {"body": "Crew on site", "next_update_at": "2026-03-02T11:00"})
    c.post(f"/desk/incidents/{incident.pk}/do/link/", {"case": cast.alice_case.ref})
    page = c.get(f"/desk/incidents/{incident.pk}/").content.decode()
    assert "Crew on site" in page and cast.alice_case.ref not in page  # rafael cannot see a billing case
    cast.client(cast.supervisor).post(f"/desk/incidents/{incident.pk}/do/link/", {"case": cast.alice_case.ref})
    assert cast.alice_case.ref in c.get(f"/desk/incidents/{incident.pk}/").content.decode()
    c.post(f"/desk/incidents/{incident.pk}/do/resolve/", {"resolution": "Spliced"})
    assert Incident.objects.get().status == "resolved"


def test_the_portal_banner_shows_only_in_the_affected_area(cast, frozen):
    actions.do_report_incident(
        service="Internet", area="North", acting_user=cast.repair_agent, summary="Fibre cut near the station."
    )
    alice, bob = cast.client(cast.alice), cast.client(cast.bob)
    for url in ("/portal/", "/portal/new/", "/portal/new/?type=repair", f"/portal/cases/{cast.alice_case.ref}/"):
        page = alice.get(url).content.decode()
        assert "Known outage: Internet in North" in page and "Fibre cut near the station." in page, url
        assert "Reported at Mar 2, 09:00" in page
    for url in ("/portal/", "/portal/new/", f"/portal/cases/{cast.bob_case.ref}/"):
        assert "Known outage" not in bob.get(url).content.decode(), url
    # Staff do not get the customer's banner; a resolved outage has none.
    incident = Incident.objects.get()
    actions.do_resolve_incident(incident, resolution="fixed", acting_user=cast.repair_agent)
    assert "Known outage" not in alice.get("/portal/").content.decode()


def test_the_banner_names_the_next_update(cast, frozen):
    from datetime import datetime

    incident = actions.do_report_incident(service="Internet", area="North", acting_user=cast.repair_agent)
    actions.do_post_update(incident, body="Crew on site.", acting_user=cast.repair_agent,
                           next_update_at=datetime(2026, 3, 2, 12, 30, tzinfo=UTC))  # fmt: skip
    page = cast.client(cast.alice).get("/portal/").content.decode()
    assert "Crew on site." in page and "Next update by Mar 2, 12:30" in page
