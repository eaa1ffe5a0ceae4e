"""Credits in the workspace and the portal: asking, deciding with the recommendation in
view, answering an offer, the approvals queue, the ledger, and what customers never see."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from honeydesk.credits import actions
from honeydesk.credits.models import Approval, CreditRequest, LedgerEntry
from honeydesk.outages import actions as outages
from honeydesk.testing import without_csrf

FORM = {
    "amount": "40.00",
    "reason": "No internet for three days",
    "period_start": "2026-03-02",
    "period_end": "2026-03-04",
}


@pytest.fixture
def frozen():
    with time_machine.travel("2026-03-10 10:00:00+00:00", tick=False) as traveller:
        yield traveller


def ask(amount="40.00"):
    return actions.Ask(amount=amount, reason="No internet", period_start="2026-03-02", period_end="2026-03-04")


def test_a_customer_asks_for_a_credit_in_the_portal_and_reads_the_decision(cast, frozen):
    c = cast.client(cast.alice)
    ref = cast.alice_case.ref
    page = c.get(f"/portal/cases/{ref}/").content.decode()
    assert "Ask for a credit" in page and 'name="period_start"' in page
    bad = c.post(f"/portal/cases/{ref}/credits/", {**FORM, "amount": "-3"})
    assert bad.status_code == 422 and "The amount cannot be negative." in bad.content.decode()
    assert "No internet for three days</textarea>" in bad.content.decode()  # what was typed is kept
    assert not CreditRequest.objects.exists()
    ok = c.post(f"/portal/cases/{ref}/credits/", FORM)
    assert ok.status_code == 302 and ok["Location"].endswith(f"/portal/cases/{ref}/#credits")
    req = CreditRequest.objects.get()
    actions.do_decide_credit(req, action="decline", acting_user=cast.billing_agent)
    page = c.get(f"/portal/cases/{ref}/").content.decode()
    assert "Declined" in page and "credit policy version 1" in page
    assert "What would change the answer:" in page and "ask for a supervisor" in page
    assert "Credit declined" in page  # the timeline entry's label


def test_a_customer_answers_an_offer_and_counters(cast, frozen):
    actions.do_flag_billing_error(cast.alice_account, description="INTERNAL: double run", acting_user=cast.admin)
    req = actions.do_request_credit(cast.alice_case, ask("50.00"), acting_user=cast.alice, channel="portal")
    actions.do_decide_credit(req, action="offer", amount="20.00", acting_user=cast.billing_agent)
    c = cast.client(cast.alice)
    ref = cast.alice_case.ref
    page = c.get(f"/portal/cases/{ref}/").content.decode()
    assert "We offer 20.00 USD" in page and "Send the counter-offer" in page
    wrong = c.post(
        f"/portal/cases/{ref}/credits/{req.pk}/answer/", {"answer": "counter", "amount": "80", "version": "2"}
    )
    assert wrong.status_code == 422 and "A counter-offer is more than the offer" in wrong.content.decode()
    c.post(f"/portal/cases/{ref}/credits/{req.pk}/answer/", {"answer": "counter", "amount": "35.00"})
    req.refresh_from_db()
    assert req.status == "countered"
    actions.do_decide_credit(req, action="grant", acting_user=cast.billing_agent)
    page = c.get(f"/portal/cases/{ref}/").content.decode()
    assert "granted 35.00 USD" in page and "INTERNAL" not in page


def test_customers_never_see_another_accounts_credits_or_internal_approval_notes(cast, frozen):
    actions.do_flag_billing_error(cast.alice_account, description="INTERNAL flag text", acting_user=cast.admin)
    req = actions.do_request_credit(cast.alice_case, ask("120.00"), acting_user=cast.alice, channel="portal")
    actions.do_decide_credit(req, action="grant", acting_user=cast.billing_agent, departure_reason="")
    approval = Approval.objects.get()
    actions.do_decide_approval(
        approval, approve=True, amount="90.00", note="INTERNAL supervisor note", acting_user=cast.supervisor
    )
    alice_page = cast.client(cast.alice).get(f"/portal/cases/{cast.alice_case.ref}/").content.decode()
    assert "granted 90.00 USD" in alice_page
    for secret in ("INTERNAL", "limit of $50.00", "above Bianca"):
        assert secret not in alice_page, secret
    api = cast.api(cast.alice).get(f"/cases/{cast.alice_case.ref}/credits").json()
    assert api[0]["approvals"] == [] and "INTERNAL" not in str(api) and "limit" not in str(api)
    # bob reaches none of it: not the case, not the request, not by guessing ids.
    bob = cast.client(cast.bob)
    assert bob.get(f"/portal/cases/{cast.alice_case.ref}/").status_code == 404
    alice_ref, bob_ref = cast.alice_case.ref, cast.bob_case.ref
    for path in (
        f"/portal/cases/{alice_ref}/credits/{req.pk}/answer/",
        f"/portal/cases/{bob_ref}/credits/{req.pk}/answer/",
        f"/portal/cases/{alice_ref}/credits/",
    ):
        assert bob.post(path, {"answer": "accept", **FORM}).status_code == 404
    assert cast.api(cast.bob).get(f"/cases/{cast.alice_case.ref}/credits").status_code == 404
    assert bob.get(f"/desk/accounts/{cast.alice_account.number}/credits.csv").status_code == 404
    assert (
        "INTERNAL supervisor note"
        in cast.client(cast.billing_agent).get(f"/desk/cases/{cast.alice_case.ref}/").content.decode()
    )


def test_the_rep_sees_the_recommendation_and_must_give_a_reason_to_depart(cast, frozen):
    frozen.move_to("2026-03-02 08:00:00+00:00")
    incident = outages.do_report_incident(service="Internet", area="North", acting_user=cast.repair_agent,
                                          started_at=datetime(2026, 3, 2, 7, tzinfo=UTC))  # fmt: skip
    frozen.move_to("2026-03-10 10:00:00+00:00")
    req = actions.do_request_credit(cast.alice_case, ask("30.00"), acting_user=cast.alice, channel="portal")
    c = cast.client(cast.billing_agent)
    url = f"/desk/cases/{cast.alice_case.ref}/"
    page = c.get(url).content.decode()
    assert "The policy recommends: Grant $30.00" in page
    assert f'href="/desk/incidents/{incident.pk}/"' in page and "an outage of that service in your area" in page
    refused = c.post(f"{url}credits/{req.pk}/decide/", {"action": "decline", "note": "Sorry"})
    assert refused.status_code == 422 and "Write why you decide otherwise." in refused.content.decode()
    assert 'value="decline" checked' in refused.content.decode()
    assert CreditRequest.objects.get().status == "open"
    done = c.post(f"{url}credits/{req.pk}/decide/", {"action": "grant"})
    assert done.status_code == 302
    assert LedgerEntry.objects.get().amount == 30
    page = c.get(url).content.decode()
    assert "Credits on this account" in page and "Export for finance (CSV)" in page
    ledger = page[page.index('id="ledger"') :]
    ref = cast.alice_case.ref
    assert f'<a href="/desk/cases/{ref}/">{ref}</a> · 30.00 ' in ledger, ledger[:1500]
    assert f"policy v{LedgerEntry.objects.get().version.number} · approved by Bianca" in ledger


def test_the_approvals_queue_is_for_supervisors(cast, frozen):
    actions.do_flag_billing_error(cast.alice_account, description="double", acting_user=cast.admin)
    req = actions.do_request_credit(cast.alice_case, ask("120.00"), acting_user=cast.alice, channel="portal")
    actions.do_decide_credit(req, action="grant", acting_user=cast.billing_agent)
    approval = Approval.objects.get()
    for outsider in (cast.alice, cast.billing_agent, cast.repair_agent):
        c = cast.client(outsider)
        assert c.get("/desk/credits/approvals/").status_code == 404
        assert c.post(f"/desk/credits/approvals/{approval.pk}/", {"decision": "approve"}).status_code == 404
    c = cast.client(cast.supervisor)
    page = c.get("/desk/credits/approvals/").content.decode()
    assert "$120.00 is above Bianca&#x27;s limit" in page and "The policy recommends: Grant $120.00" in page
    c.post(f"/desk/credits/approvals/{approval.pk}/", {"decision": "approve", "message": "Thanks for your patience."})
    req.refresh_from_db()
    assert req.status == "granted" and LedgerEntry.objects.get().approver == cast.supervisor


def test_the_ledger_export_is_for_staff_only(cast, frozen):
    url = f"/desk/accounts/{cast.alice_account.number}/credits.csv"
    assert cast.client(cast.alice).get(url).status_code == 404
    assert cast.client(None).get(url).status_code == 302
    response = cast.client(cast.repair_agent).get(url)
    assert response.status_code == 200 and response.content.decode().startswith("granted_at,account,case")


def _granted(cast, case, amount, *, customer, by, day):
    """A credit granted on `day` (by a supervisor's approval when above the agent's limit)."""
    asked = actions.Ask(amount=amount, reason="No internet", period_start="2026-01-05", period_end="2026-01-06")
    with time_machine.travel(f"{day} 10:00:00+00:00", tick=False):
        req = actions.do_request_credit(case, asked, acting_user=customer, channel="portal")
        actions.do_decide_credit(req, action="grant", acting_user=by)
        pending = Approval.objects.filter(request=req, status="pending").first()
        if pending is not None:
            actions.do_decide_approval(pending, approve=True, acting_user=cast.supervisor)
    return req


def _ledger_panel(html: str) -> str:
    start = html.index('<section class="ledger" id="ledger"')
    return html[start : html.index("</section>", start)]


def test_the_customer_panel_shows_the_accounts_ledger_with_month_totals_and_rows(cast):
    actions.do_flag_billing_error(cast.alice_account, description="double", acting_user=cast.admin)
    actions.do_flag_billing_error(cast.bob_account, description="double", acting_user=cast.admin)
    ref = cast.alice_case.ref
    _granted(cast, cast.alice_case, "20.00", customer=cast.alice, by=cast.billing_agent, day="2026-02-12")
    _granted(cast, cast.alice_case, "15.50", customer=cast.alice, by=cast.billing_agent, day="2026-02-20")
    _granted(cast, cast.alice_case, "120.00", customer=cast.alice, by=cast.billing_agent, day="2026-03-03")
    _granted(cast, cast.bob_case, "7.00", customer=cast.bob, by=cast.repair_agent, day="2026-03-04")
    assert LedgerEntry.objects.count() == 4

    panel = _ledger_panel(cast.client(cast.billing_agent).get(f"/desk/cases/{ref}/").content.decode())

    months = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td><td>([^<]+)</td></tr>", panel)
    assert months == [("March 2026", "1", "120.00 USD"), ("February 2026", "2", "35.50 USD")]
    rows = [re.sub(r"<[^>]+>", "", row) for row in re.findall(r"<li>(.*?)</li>", panel.split("<h3>Billing errors")[0])]
    assert rows == [
        f"Mar 3 · {ref} · 120.00 USD · policy v1 · approved by Sam",
        f"Feb 20 · {ref} · 15.50 USD · policy v1 · approved by Bianca",
        f"Feb 12 · {ref} · 20.00 USD · policy v1 · approved by Bianca",
    ]
    assert f'href="/desk/cases/{ref}/"' in panel
    assert f"/desk/accounts/{cast.alice_account.number}/credits.csv" in panel
    assert "7.00" not in panel and cast.bob_case.ref not in panel, "another account's credits stay off the panel"

    bob_panel = _ledger_panel(cast.client(cast.repair_agent).get(f"/desk/cases/{cast.bob_case.ref}/").content.decode())
    assert "March 2026" in bob_panel and "7.00 USD" in bob_panel and ref not in bob_panel


def test_the_customer_panel_says_when_no_credit_was_granted(cast):
    panel = _ledger_panel(cast.client(cast.billing_agent).get(f"/desk/cases/{cast.alice_case.ref}/").content.decode())
    assert "No credits granted." in panel and "credits.csv" not in panel


def test_staff_flag_and_clear_billing_errors_from_the_customer_panel(cast):
    c = cast.client(cast.billing_agent)
    back = f"/desk/cases/{cast.alice_case.ref}/"
    response = c.post(
        f"/desk/accounts/{cast.alice_account.number}/billing-errors/", {"description": "Charged twice", "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    page = c.get(back).content.decode()
    assert "Charged twice" in page
    from honeydesk.credits.models import BillingErrorFlag

    flag = BillingErrorFlag.objects.get()
    c.post(f"/desk/billing-errors/{flag.pk}/clear/", {"next": "https://evil.example/"})
    flag.refresh_from_db()
    assert flag.cleared_by == cast.billing_agent
    assert (
        cast.client(cast.alice)
        .post(f"/desk/accounts/{cast.alice_account.number}/billing-errors/", {"description": "x"})
        .status_code
        == 404
    )


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_the_case_pages_cost_the_same_queries_however_long_the_credit_thread(cast, frozen):
    actions.do_flag_billing_error(cast.alice_account, description="double", acting_user=cast.admin)
    req = actions.do_request_credit(cast.alice_case, ask("50.00"), acting_user=cast.alice, channel="portal")
    actions.do_decide_credit(req, action="offer", amount="10.00", acting_user=cast.billing_agent)
    desk, portal = cast.client(cast.billing_agent), cast.client(cast.alice)
    desk_url, portal_url = f"/desk/cases/{cast.alice_case.ref}/", f"/portal/cases/{cast.alice_case.ref}/"
    desk.get(desk_url), portal.get(portal_url)  # a session's first request does one-off bookkeeping
    before = (_queries(desk, desk_url), _queries(portal, portal_url))
    actions.do_answer_offer(req, answer="counter", amount="40.00", acting_user=cast.alice)
    actions.do_decide_credit(req, action="offer", amount="20.00", acting_user=cast.billing_agent)
    actions.do_answer_offer(req, answer="counter", amount="30.00", acting_user=cast.alice)
    actions.do_decide_credit(req, action="grant", acting_user=cast.billing_agent)
    for _ in range(2):
        other = actions.do_request_credit(cast.alice_case, ask("5.00"), acting_user=cast.alice, channel="portal")
        actions.do_decide_credit(other, action="grant", acting_user=cast.billing_agent)
    assert (_queries(desk, desk_url), _queries(portal, portal_url)) == before


def test_a_missing_request_and_a_foreign_one_look_the_same(cast, frozen):
    req = actions.do_request_credit(cast.bob_case, ask(), acting_user=cast.bob, channel="portal")
    c = cast.client(cast.billing_agent)
    foreign = c.post(f"/desk/cases/{cast.alice_case.ref}/credits/{req.pk}/decide/", {"action": "grant"})
    missing = c.post(f"/desk/cases/{cast.alice_case.ref}/credits/999999/decide/", {"action": "grant"})
    assert foreign.status_code == missing.status_code == 404
    assert without_csrf(foreign.content) == without_csrf(missing.content)


def test_the_approvals_queue_costs_the_same_queries_for_one_row_or_twenty(cast, frozen):
    """Each row shows the policy's recommendation and what it relied on; the record is
    read once for the page, not once per row."""
    from honeydesk.cases import actions as cases

    actions.do_flag_billing_error(cast.alice_account, description="double", acting_user=cast.admin)
    actions.do_flag_billing_error(cast.bob_account, description="double", acting_user=cast.admin)

    def waiting(customer, account, n):
        case = cases.do_open_case(
            cases.Opening(account=account, request_type=cast.alice_case.request_type, subject=f"Bill {n}",
                          body="Charged twice", channel="portal"),
            acting_user=customer,
        )  # fmt: skip
        req = actions.do_request_credit(case, ask("120.00"), acting_user=customer, channel="portal")
        actions.do_decide_credit(req, action="grant", acting_user=cast.billing_agent)

    waiting(cast.alice, cast.alice_account, 0)
    c, url = cast.client(cast.supervisor), "/desk/credits/approvals/"
    c.get(url)  # a session's first request does one-off bookkeeping
    one = _queries(c, url)
    for n in range(1, 20):
        customer, account = (cast.alice, cast.alice_account) if n % 2 else (cast.bob, cast.bob_account)
        waiting(customer, account, n)
    assert Approval.objects.filter(status="pending").count() == 20
    page = c.get(url).content.decode()
    assert page.count("The policy recommends:") == 20 and "Billing error flagged" in page
    assert _queries(c, url) == one
