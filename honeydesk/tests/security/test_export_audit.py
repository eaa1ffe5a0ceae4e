"""Every staff export of desk or customer data writes one audit row (issue 19: "an audit
log of ... exports"): who, what, with which filters, how many rows, page or API. A
refused export (404) writes none. The customer's own record download is in
test_findings.py."""

from __future__ import annotations

import pytest
import time_machine

from honeydesk.accounts.models import AuditEvent
from honeydesk.cases import properties
from honeydesk.credits import actions as credits


@pytest.fixture
def frozen():
    with time_machine.travel("2026-03-10 10:00:00+00:00", tick=False) as traveller:
        yield traveller


def _exports() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.EXPORTED).order_by("id"))


def test_it_audits_the_case_list_export_with_its_filters_and_row_count(cast):
    properties.do_change_tags(cast.alice_case, add=["refund"], acting_user=cast.admin)
    response = cast.client(cast.supervisor).get("/desk/export.csv?queue=department&tag=refund")
    assert response.status_code == 200
    [event] = _exports()
    assert event.actor == cast.supervisor and event.actor_name == "sam" and event.ip == "127.0.0.1"
    assert event.data == {
        "what": "cases",
        "filters": {"queue": "department", "tag": "refund"},
        "rows": 1,
        "via": "page",
    }
    # The count is of the rows this person got, not of the desk's cases.
    cast.client(cast.repair_agent).get("/desk/export.csv?queue=department&tag=refund")
    assert _exports()[-1].data["rows"] == 0 and _exports()[-1].actor == cast.repair_agent


def test_it_audits_each_metrics_table_export(cast):
    client = cast.client(cast.supervisor)
    for name in ("rep", "week"):
        assert client.get(f"/desk/metrics/{name}.csv?period=week&channel=email").status_code == 200
    rep, week = _exports()
    assert rep.actor == cast.supervisor and rep.data["what"] == "metrics rep" and week.data["what"] == "metrics week"
    assert rep.data["filters"]["period"] == "week" and rep.data["filters"]["channel"] == "email"
    assert {"start", "end", "department", "request_type"} <= set(rep.data["filters"])
    assert isinstance(rep.data["rows"], int) and rep.data["via"] == "page"


def test_it_audits_the_credit_ledger_export_in_the_page_and_the_api(cast, frozen):
    req = credits.do_request_credit(
        cast.alice_case,
        credits.Ask(amount="40.00", reason="No internet", period_start="2026-03-02", period_end="2026-03-04"),
        acting_user=cast.alice,
        channel="portal",
    )
    credits.do_decide_credit(req, action="grant", acting_user=cast.billing_agent, departure_reason="Goodwill")
    number = cast.alice_account.number
    assert cast.client(cast.billing_agent).get(f"/desk/accounts/{number}/credits.csv").status_code == 200
    assert cast.api(cast.supervisor).get(f"/accounts/{number}/credits.csv").status_code == 200
    page, api = _exports()
    assert page.actor == cast.billing_agent and api.actor == cast.supervisor
    assert page.target == api.target == f"credit ledger of account {number}"
    assert page.data == {"what": "credit ledger", "filters": {}, "rows": 1, "via": "page"}
    assert api.data == {"what": "credit ledger", "filters": {}, "rows": 1, "via": "api"}


def test_a_refused_export_writes_no_audit_row(cast):
    number = cast.alice_account.number
    assert cast.client(cast.alice).get(f"/desk/accounts/{number}/credits.csv").status_code == 404
    assert cast.api(cast.alice).get(f"/accounts/{number}/credits.csv").status_code == 404
    assert cast.client(cast.billing_agent).get("/desk/metrics/rep.csv").status_code == 404
    assert cast.client(cast.alice).get("/desk/export.csv").status_code in (302, 404)
    assert _exports() == []
