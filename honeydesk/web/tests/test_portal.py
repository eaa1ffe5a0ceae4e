"""The customer portal: own cases only, public entries only, new requests with the facts
their type needs, supervisor requests, the record download and one-time sign-in links."""

import re

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from honeydesk.cases import actions
from honeydesk.cases.models import Case, Escalation
from honeydesk.testing import without_csrf


def test_it_shows_customers_only_their_own_cases(cast):
    page = cast.client(cast.alice).get("/portal/").content.decode()
    assert cast.alice_case.ref in page and cast.bob_case.ref not in page
    assert "What happens next" in page


def test_it_answers_404_to_a_customer_editing_the_url(cast):
    c = cast.client(cast.alice)
    for url in [
        f"/portal/cases/{cast.bob_case.ref}/",
        f"/portal/cases/{cast.bob_case.ref}/record/",
        "/portal/cases/HD-999999/",
    ]:
        assert c.get(url).status_code == 404, url
    assert c.post(f"/portal/cases/{cast.bob_case.ref}/reply/", {"body": "hi"}).status_code == 404
    assert c.post(f"/portal/cases/{cast.bob_case.ref}/supervisor/", {"reason": "x"}).status_code == 404


def test_it_never_shows_internal_entries_to_customers(cast):
    page = cast.client(cast.alice).get(f"/portal/cases/{cast.alice_case.ref}/").content.decode()
    assert "I was billed $89.99 twice." in page
    assert "INTERNAL" not in page
    record = cast.client(cast.alice).get(f"/portal/cases/{cast.alice_case.ref}/record/?download=1")
    assert "attachment;" in record["Content-Disposition"]
    assert "INTERNAL" not in record.content.decode() and "I was billed $89.99 twice." in record.content.decode()


def test_it_asks_for_what_the_request_type_needs_and_opens_the_case_on_the_chosen_account(cast):
    c = cast.client(cast.alice)
    form = c.get("/portal/new/?type=billing").content.decode()
    assert "Which account is it about?" in form and "What outcome would resolve this for you?" in form
    assert "Writing works best for this" in form and "line by line" in form
    good = c.post(
        "/portal/new/",
        {
            "type": "billing",
            "subject": "Bill too high",
            "body": "Why $120?",
            "goal": "A corrected bill",
            "account": "1000001",
        },
    )
    assert good.status_code == 302
    case = Case.objects.order_by("-id").first()
    assert case.facts == {"account_number": "1000001"} and case.goal == "A corrected bill"
    assert case.account == cast.alice_account
    done = c.get(good["Location"]).content.decode()
    assert case.ref in done and "we have your request" in done


def test_it_lets_a_customer_reply_and_reopens_a_resolved_case(cast):
    case = actions.do_resolve(cast.alice_case, note="Refunded", acting_user=cast.billing_agent)
    r = cast.client(cast.alice).post(
        f"/portal/cases/{cast.alice_case.ref}/reply/", {"body": "Still charged!", "version": case.version}
    )
    assert r.status_code == 302
    case = cast.fresh(cast.alice_case)
    assert case.status == "open" and case.entries.filter(body="Still charged!").exists()


def test_it_refuses_an_empty_reply_with_a_message(cast):
    r = cast.client(cast.alice).post(
        f"/portal/cases/{cast.alice_case.ref}/reply/", {"body": "  ", "version": cast.alice_case.version}
    )
    assert r.status_code == 422 and "Message is required" in r.content.decode()


def test_it_records_a_supervisor_request_with_its_reason(cast):
    c = cast.client(cast.alice)
    seen = cast.alice_case.version
    r = c.post(f"/portal/cases/{cast.alice_case.ref}/supervisor/", {"reason": "", "version": seen})
    assert r.status_code == 422 and not Escalation.objects.exists()
    c.post(
        f"/portal/cases/{cast.alice_case.ref}/supervisor/", {"reason": "Third call, still no refund", "version": seen}
    )
    escalation = Escalation.objects.get(case=cast.alice_case)
    assert escalation.reason == "Third call, still no refund" and escalation.requested_by == cast.alice
    queue = cast.client(cast.supervisor).get("/desk/?queue=escalated").content.decode()
    assert cast.alice_case.ref in queue


def test_it_signs_customers_in_with_a_one_time_link(cast, client):
    r = client.post("/portal/login/", {"email": "ALICE@example.test"})
    assert r.status_code == 200 and "sign-in link is on its way" in r.content.decode()
    link = re.search(r"http://\S+/portal/login/\S+/", mail.outbox[-1].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    # Opening the link only asks (a mail scanner that opens it does not use it up).
    page = client.get("/" + path)
    assert page.status_code == 200 and "Sign in as Alice" in page.content.decode()
    assert client.get("/portal/").status_code == 302
    assert client.post("/" + path).status_code == 302
    assert cast.alice_case.ref in client.get("/portal/").content.decode()
    client.logout()
    for used in (client.get("/" + path), client.post("/" + path)):
        assert used.status_code == 400 and "expired or was used" in used.content.decode()


def test_it_does_not_reveal_whether_an_address_is_known(cast, client):
    known = client.post("/portal/login/", {"email": "alice@example.test"}).content
    unknown = client.post("/portal/login/", {"email": "nobody@example.test"}).content
    assert len(mail.outbox) == 1
    assert without_csrf(known) == without_csrf(unknown)


def test_the_portal_home_costs_the_same_queries_however_many_cases_a_customer_has(cast):
    def queries_for_home() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = cast.client(cast.alice).get("/portal/")
        assert response.status_code == 200
        return len(ctx)

    def open_new_cases(n: int) -> None:
        for i in range(n):
            actions.do_open_case(
                actions.Opening(
                    contact=cast.alice_contact,
                    request_type=cast.billing_type if i % 2 else cast.repair_type,
                    subject=f"Question {i}",
                    body="Still waiting for an answer.",
                    account=cast.alice_account,
                    channel="portal",
                ),
                acting_user=cast.alice,
            )

    open_new_cases(2)  # new cases in both departments: each shows its typical wait
    queries_for_home()  # the first request loads what the process keeps (the brand...)
    few = queries_for_home()
    open_new_cases(20)
    assert queries_for_home() == few
