"""Credits through the API: the whole thread, what customers may read, the ledger and
its CSV, bad amounts, and the OpenAPI document."""

import csv
import io

import pytest

from honeydesk.cases.models import TimelineEntry
from honeydesk.credits import actions
from honeydesk.credits.models import CreditRequest


def ask(**extra):
    return {"amount": "50.00", "reason": "Internet down for two days", "period_start": "2026-03-02",
            "period_end": "2026-03-03", **extra}  # fmt: skip


@pytest.fixture
def flagged(credits):
    actions.do_flag_billing_error(
        credits.alice_account, description="INTERNAL double charge", acting_user=credits.admin
    )
    return credits


def test_a_customer_and_a_rep_negotiate_through_the_api(flagged):
    cast = flagged
    alice, bianca = cast.api(cast.alice), cast.api(cast.billing_agent)
    ref = cast.alice_case.ref
    message = TimelineEntry.objects.get(case=cast.alice_case, kind="inbound")
    created = alice.post(f"/cases/{ref}/credits", ask(relies_on=[message.pk]))
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["amount"], body["currency"], body["relies_on"]) == (
        "open",
        "50.00",
        "USD",
        [message.pk],
    )
    rid = body["id"]
    rec = bianca.get(f"/cases/{ref}/credits/{rid}/recommendation").json()
    assert (rec["outcome"], rec["condition"], rec["amount"], rec["authority_available"]) == (
        "grant", "billing_error", "50.00", "50.00",
    )  # fmt: skip
    assert any("INTERNAL double charge" in c["label"] for c in rec["citations"])
    offer = bianca.post(f"/cases/{ref}/credits/{rid}/decide", {"action": "offer", "amount": "20.00", "version": 1})
    assert offer.status_code == 200 and offer.json()["status"] == "offered"
    stale = bianca.post(f"/cases/{ref}/credits/{rid}/decide", {"action": "grant", "version": 1})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    counter = alice.post(f"/cases/{ref}/credits/{rid}/answer", {"answer": "counter", "amount": "35.00"})
    assert counter.status_code == 200 and counter.json()["countered_amount"] == "35.00"
    granted = bianca.post(f"/cases/{ref}/credits/{rid}/decide", {"action": "grant"})
    assert granted.json()["status"] == "partly_granted" and granted.json()["granted_amount"] == "35.00"

    seen = alice.get(f"/cases/{ref}/credits/{rid}").json()
    assert [s["kind"] for s in seen["steps"]] == ["requested", "offered", "countered", "granted"]
    assert seen["steps"][2]["by"] == "You"
    assert seen["approvals"] == []
    for decision in seen["decisions"]:
        assert "departure_reason" not in decision or decision["departure_reason"] is None
        assert all("INTERNAL" not in c["label"] for c in decision["citations"])
        assert decision["rule"] and decision["policy_version"] == 1
    timeline = alice.get(f"/cases/{ref}/timeline").json()
    assert all("INTERNAL" not in e["body"] for e in timeline)

    ledger = bianca.get("/accounts/1000001/credits").json()
    assert [(e["amount"], e["case"], e["approver"], e["policy_version"]) for e in ledger["entries"]] == [
        ("35.00", ref, "bianca", 1)
    ]
    assert ledger["months"] == [{"month": "2026-03-01", "count": 1, "total": "35.00", "currency": "USD"}]
    exported = bianca.get("/accounts/1000001/credits.csv")
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0][:6] == ["granted_at", "account", "case", "request", "amount", "currency"]
    assert rows[1][1:7] == ["1000001", ref, str(rid), "35.00", "USD", "partly_granted"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"amount": "-1"}, "amount"), ({"amount": "0"}, "amount"), ({"amount": "ten"}, "amount"),
     ({"amount": 10.5}, "amount"), ({"amount": "1000000"}, "amount"), ({"currency": "EUR"}, "currency"),
     ({"period_start": "yesterday"}, "period_start"), ({"reason": ""}, "reason")],
)  # fmt: skip
def test_it_refuses_bad_input_with_field_messages_and_writes_nothing(credits, payload, field):
    response = credits.api(credits.alice).post(f"/cases/{credits.alice_case.ref}/credits", ask(**payload))
    assert response.status_code == 422, response.json()
    assert field in response.json()["error"]["fields"]
    assert not CreditRequest.objects.exists()


def test_it_takes_whole_numbers_as_amounts(credits):
    response = credits.api(credits.alice).post(f"/cases/{credits.alice_case.ref}/credits", ask(amount=25))
    assert response.status_code == 201 and response.json()["amount"] == "25.00"


def test_the_openapi_document_lists_every_credit_and_incident_endpoint(cast, client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "/api/v1/cases/{ref}/credits",
        "/api/v1/cases/{ref}/credits/{request_id}",
        "/api/v1/cases/{ref}/credits/{request_id}/recommendation",
        "/api/v1/cases/{ref}/credits/{request_id}/decide",
        "/api/v1/cases/{ref}/credits/{request_id}/answer",
        "/api/v1/cases/{ref}/credits/{request_id}/withdraw",
        "/api/v1/credits/approvals",
        "/api/v1/credits/approvals/{approval_id}/approve",
        "/api/v1/credits/approvals/{approval_id}/decline",
        "/api/v1/accounts/{number}/credits",
        "/api/v1/accounts/{number}/credits.csv",
        "/api/v1/accounts/{number}/billing-errors",
        "/api/v1/incidents",
        "/api/v1/incidents/{incident_id}",
        "/api/v1/incidents/{incident_id}/confirm",
        "/api/v1/incidents/{incident_id}/resolve",
    ]:
        assert path in paths, path
