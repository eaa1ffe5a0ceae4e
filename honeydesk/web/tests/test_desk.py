"""The agent workspace: who may see which page, the actions, and constant query counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from honeydesk.cases import actions
from honeydesk.cases.models import Case, Escalation, TimelineEntry
from honeydesk.testing import without_csrf


def _queries(client, url):
    # The first request of a session records its start and checks for a second factor
    # (honeydesk.web.security): a one-off, not a cost of the page.
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx)


def test_it_sends_anonymous_visitors_to_sign_in(cast, client):
    response = client.get("/desk/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_it_hides_the_workspace_from_customers(cast, who):
    c = cast.client(getattr(cast, who))
    assert c.get("/desk/").status_code == 404
    assert c.get(f"/desk/cases/{cast.alice_case.ref}/").status_code == 404
    assert c.post(f"/desk/cases/{cast.alice_case.ref}/do/take/").status_code == 404


def test_it_gives_the_same_404_for_other_departments_and_missing_cases(cast):
    c = cast.client(cast.billing_agent)
    other = c.get(f"/desk/cases/{cast.bob_case.ref}/")
    missing = c.get("/desk/cases/HD-999999/")
    assert other.status_code == missing.status_code == 404
    assert without_csrf(other.content) == without_csrf(missing.content)
    assert c.post(f"/desk/cases/{cast.bob_case.ref}/do/take/").status_code == 404
    assert c.post(f"/desk/cases/{cast.bob_case.ref}/compose/", {"body": "x"}).status_code == 404


def test_it_shows_internal_and_public_entries_told_apart(cast):
    page = cast.client(cast.billing_agent).get(f"/desk/cases/{cast.alice_case.ref}/").content.decode()
    assert "INTERNAL: likely duplicate payment run" in page
    assert "internal-badge" in page and "public-badge" in page


def test_it_lists_queues_with_counts(cast):
    c = cast.client(cast.billing_agent)
    page = c.get("/desk/?queue=unassigned").content.decode()
    assert cast.alice_case.ref in page and cast.bob_case.ref not in page
    actions.do_assign(cast.alice_case, cast.billing_agent, acting_user=cast.billing_agent)
    mine = c.get("/desk/?queue=mine").content.decode()
    assert cast.alice_case.ref in mine
    assert 'My cases <span class="count">1</span>' in mine
    sup = cast.client(cast.supervisor).get("/desk/?queue=department").content.decode()
    assert cast.alice_case.ref in sup and cast.bob_case.ref in sup


def test_it_takes_replies_and_notes_without_a_full_reload(cast):
    c = cast.client(cast.billing_agent)
    url = f"/desk/cases/{cast.alice_case.ref}/compose/"
    seen = cast.alice_case.version
    r = c.post(
        url,
        {"mode": "reply", "body": "I have found the double charge.", "version": seen},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert "<html" not in html and "I have found the double charge." in html
    case = cast.fresh(cast.alice_case)
    assert case.owner == cast.billing_agent and case.first_response_at is not None
    c.post(url, {"mode": "note", "body": "Refund pending approval"}, headers={"HX-Request": "true"})
    c.post(url, {"mode": "call", "body": "Called Alice back", "minutes": "4"}, headers={"HX-Request": "true"})
    kinds = list(TimelineEntry.objects.filter(case=case).values_list("kind", flat=True))
    assert {"outbound", "note", "call"} <= set(kinds)


def test_it_transfers_with_a_handoff_the_next_agent_reads_first(cast):
    c = cast.client(cast.billing_agent)
    ref = cast.alice_case.ref
    seen = cast.alice_case.version
    r = c.post(f"/desk/cases/{ref}/do/transfer/", {"department": cast.repair.pk, "summary": "", "version": seen})
    assert r.status_code == 422 and "Hand-off summary is required" in r.content.decode()
    assert cast.fresh(cast.alice_case).department == cast.billing
    r = c.post(
        f"/desk/cases/{ref}/do/transfer/",
        {
            "department": cast.repair.pk,
            "summary": "Double charge of $89.99; refund approved, modem fine.",
            "version": seen,
        },
    )
    assert r.status_code == 302 and r["Location"] == "/desk/"
    page = cast.client(cast.repair_agent).get(f"/desk/cases/{ref}/").content.decode()
    assert page.index("Hand-off summary") < page.index("Timeline")
    assert "Double charge of $89.99; refund approved" in page


def test_it_refuses_a_stale_form_and_changes_nothing(cast):
    c = cast.client(cast.billing_agent)
    ref = cast.alice_case.ref
    seen = cast.alice_case.version
    actions.do_assign(cast.alice_case, cast.supervisor, acting_user=cast.supervisor)
    r = c.post(f"/desk/cases/{ref}/do/take/", {"version": seen}, headers={"HX-Request": "true"})
    assert "changed by someone else" in r.content.decode()
    assert cast.fresh(cast.alice_case).owner == cast.supervisor


def test_it_lets_a_supervisor_take_an_escalation(cast):
    actions.do_escalate(cast.alice_case, reason="Customer asked twice", acting_user=cast.billing_agent)
    escalated = cast.client(cast.supervisor).get("/desk/?queue=escalated").content.decode()
    assert cast.alice_case.ref in escalated and "supervisor requested" in escalated
    assert "Reason:</strong> Customer asked twice" in escalated and "waiting" in escalated
    seen = cast.fresh(cast.alice_case).version
    r = cast.client(cast.supervisor).post(f"/desk/cases/{cast.alice_case.ref}/do/take-escalation/", {"version": seen})
    assert r.status_code == 302
    assert Escalation.objects.get(case=cast.alice_case).taken_by == cast.supervisor
    assert cast.fresh(cast.alice_case).owner == cast.supervisor


def test_it_lets_supervisors_reassign_in_bulk_and_not_agents(cast):
    # Each box carries the version the queue showed (issue 19).
    refs = [f"{c.ref}@{c.version}" for c in (cast.alice_case, cast.bob_case)]
    r = cast.client(cast.billing_agent).post("/desk/bulk-assign/", {"owner": cast.supervisor.pk, "cases": refs})
    assert r.status_code == 302
    assert Case.objects.filter(owner=cast.supervisor).count() == 0
    cast.client(cast.supervisor).post("/desk/bulk-assign/", {"owner": cast.supervisor.pk, "cases": refs})
    assert Case.objects.filter(owner=cast.supervisor).count() == 2


def test_it_finds_cases_by_reference_account_email_phone_and_words(cast):
    c = cast.client(cast.billing_agent)
    r = c.get("/desk/search/", {"q": cast.alice_case.ref})
    assert r.status_code == 302 and cast.alice_case.ref in r["Location"]
    actions.do_add_note(
        cast.alice_case, body="Customer mentioned the Zephyr promo code", acting_user=cast.billing_agent
    )
    for q in [
        "1000001",
        "alice@example.test",
        "(415) 555-0101",
        "charged twice",
        "Archer",
        "zephyr promo",
        "89.99",
        "billed twi",
    ]:
        page = c.get("/desk/search/", {"q": q}).content.decode()
        assert cast.alice_case.ref in page, q
    # Search goes through the same door: the billing agent never finds Repair's cases.
    assert cast.bob_case.ref not in c.get("/desk/search/", {"q": "Modem"}).content.decode()


def _more_cases(cast, n):
    for i in range(n):
        case = actions.do_open_case(
            actions.Opening(
                contact=cast.alice_contact,
                request_type=cast.billing_type,
                subject=f"Question {i}",
                body="body",
                account=cast.alice_account,
                channel="portal",
            ),
            acting_user=cast.alice,
        )
        actions.do_assign(case, cast.billing_agent, acting_user=cast.billing_agent)


def test_it_keeps_queue_queries_flat_as_cases_grow(cast):
    c = cast.client(cast.billing_agent)
    _more_cases(cast, 3)
    few = {q: _queries(c, f"/desk/?queue={q}") for q in ["mine", "department", "unassigned", "triage"]}
    _more_cases(cast, 25)
    many = {q: _queries(c, f"/desk/?queue={q}") for q in ["mine", "department", "unassigned", "triage"]}
    assert few == many


def test_it_keeps_case_page_queries_flat_as_the_timeline_grows(cast):
    c = cast.client(cast.billing_agent)
    url = f"/desk/cases/{cast.alice_case.ref}/"
    _more_cases(cast, 2)
    before = _queries(c, url)
    for i in range(20):
        actions.do_add_note(cast.alice_case, body=f"note {i}", acting_user=cast.billing_agent)
        actions.do_add_reply(cast.alice_case, body=f"reply {i}", acting_user=cast.billing_agent)
    _more_cases(cast, 10)
    assert _queries(c, url) == before


def test_it_keeps_the_escalations_queue_for_supervisors(cast):
    actions.do_escalate(cast.alice_case, reason="Wants a manager", acting_user=cast.alice)
    agent_view = cast.client(cast.billing_agent).get("/desk/?queue=escalated").content.decode()
    assert "Reason:</strong> Wants a manager" not in agent_view and ">Escalated <" not in agent_view
    supervisor_view = cast.client(cast.supervisor).get("/desk/?queue=escalated").content.decode()
    assert "Reason:</strong> Wants a manager" in supervisor_view


def test_it_shows_the_customers_facts_under_their_labels(cast):
    case = actions.do_open_case(
        actions.Opening(
            contact=cast.alice_contact,
            request_type=cast.billing_type,
            subject="Bill",
            body="Explain please",
            facts={"account_number": "1000001"},
            account=cast.alice_account,
            channel="portal",
        ),
        acting_user=cast.alice,
    )
    page = cast.client(cast.billing_agent).get(f"/desk/cases/{case.ref}/").content.decode()
    assert "<dt>Account number</dt><dd>1000001</dd>" in page


def test_it_shows_due_times_and_flags_overdue_ones(cast):
    from datetime import timedelta

    from honeydesk.lib import clock

    url = f"/desk/cases/{cast.alice_case.ref}/"
    page = cast.client(cast.billing_agent).get(url).content.decode()
    assert "First response due" in page and "Resolution due" in page and "(overdue)" not in page
    due = cast.fresh(cast.alice_case).first_response_due_at
    with clock.at(due + timedelta(minutes=1)):
        late = cast.client(cast.billing_agent).get(url).content.decode()
    assert "(overdue)" in late
    actions.do_add_reply(cast.alice_case, body="On it", acting_user=cast.billing_agent)
    answered = cast.client(cast.billing_agent).get(url).content.decode()
    assert "First response due" not in answered and "First response" in answered


def test_it_lists_unclassified_new_cases_in_the_triage_queue(cast):
    from honeydesk.cases.models import IntakeCategory, RequestType

    general = RequestType.objects.create(
        name="General question", slug="general", department=cast.billing, intake_category=IntakeCategory.GENERAL
    )
    case = actions.do_open_case(
        actions.Opening(
            account=cast.alice_account,
            contact=cast.alice_contact,
            request_type=general,
            subject="Something odd",
            body="Not sure where this goes.",
            channel="email",
        ),
        acting_user=cast.alice,
    )
    page = cast.client(cast.billing_agent).get("/desk/?queue=triage").content.decode()
    assert case.ref in page and cast.alice_case.ref not in page


def test_the_triage_tab_knows_the_general_types_without_a_join_and_costs_nothing_without_one(cast):
    from honeydesk.cases.models import IntakeCategory, RequestType

    c = cast.client(cast.billing_agent)

    def triage() -> tuple[str, list[str]]:
        c.get("/desk/?queue=triage")
        with CaptureQueriesContext(connection) as ctx:
            page = c.get("/desk/?queue=triage").content.decode()
        return page, [q["sql"] for q in ctx.captured_queries if "cases_case" in q["sql"]]

    page, sql = triage()
    assert "Nothing here" in page
    assert not [q for q in sql if '"intake_category" =' in q or '"request_type_id" IN' in q], sql
    general = RequestType.objects.create(
        name="General question", slug="general", department=cast.billing, intake_category=IntakeCategory.GENERAL
    )
    case = cast.duplicate("Not sure where this goes.")
    Case.objects.filter(pk=case.pk).update(request_type=general, status="new", owner=None)
    page, sql = triage()
    assert case.ref in page and cast.alice_case.ref not in page
    assert [q for q in sql if f'"request_type_id" IN ({general.pk})' in q]
    assert not [q for q in sql if '"intake_category" =' in q], sql


def test_the_case_page_reads_its_timeline_and_merged_cases_once_for_all_its_panels(cast):
    """The timeline, the credit panel's "relies on" list, the answer suggestions, the
    call-back time and the promise offer share one read of the timeline, and the merged
    cases are read once for the timeline and the "Merged into this case" box (each was
    read again per panel: 1,000,000-case benchmark)."""
    from honeydesk.cases import merging
    from honeydesk.intelligence.models import Article

    Article.objects.create(title="Router lights blinking amber", body="Amber lights mean the line is down.")
    case = cast.duplicate("My router lights are blinking amber since this morning.")  # subject "Double charge"
    dup = cast.duplicate("Second message about the same thing.")
    merging.do_merge_cases(dup, case, acting_user=cast.billing_agent)
    c = cast.client(cast.billing_agent)
    url = f"/desk/cases/{case.ref}/"
    c.get(url)
    with CaptureQueriesContext(connection) as ctx:
        page = c.get(url).content.decode()
    # Every panel still shows what it read before.
    assert "Second message about the same thing." in page  # the merged case's entry, on the timeline
    assert 'id="unmerge-box"' in page and dup.ref in page
    assert "Router lights blinking amber" in page  # suggested from the first message, not the subject
    merged_entry = TimelineEntry.objects.get(case=dup, body="Second message about the same thing.")
    assert f'name="relies_on" value="{merged_entry.pk}"' in page  # one a credit request may rely on
    merged_reads = [q for q in ctx.captured_queries if re.search(r'"merged_into_id" (=|IN \()', q["sql"])]
    assert len(merged_reads) == 1, merged_reads
    timeline_reads = [q["sql"] for q in ctx.captured_queries if 'FROM "cases_timelineentry"' in q["sql"]]
    # The timeline itself, and the customer panel's last contacts (all the account's cases).
    assert len(timeline_reads) == 2, timeline_reads
