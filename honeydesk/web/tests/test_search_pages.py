"""The search pages: the workspace's (staff) and the portal's (a customer's own cases)."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from honeydesk.cases import actions


def test_it_highlights_matches_and_escapes_what_customers_wrote(cast):
    actions.do_open_case(
        actions.Opening(
            account=cast.alice_account,
            request_type=cast.billing_type,
            subject="<script>alert(1)</script> invoice",
            body="The invoice total is wrong.",
            channel="portal",
        ),
        acting_user=cast.alice,
    )
    page = cast.client(cast.billing_agent).get("/desk/search/", {"q": "invoice"}).content.decode()
    assert "<mark>invoice</mark>" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_it_pages_the_workspace_search_with_a_next_link(cast):
    for i in range(51):
        actions.do_open_case(
            actions.Opening(
                account=cast.alice_account,
                request_type=cast.billing_type,
                subject=f"Paperless billing no. {i}",
                body="Please switch me to paperless.",
                channel="portal",
            ),
            acting_user=cast.alice,
        )
    c = cast.client(cast.billing_agent)
    first = c.get("/desk/search/", {"q": "paperless", "order": "newest"}).content.decode()
    assert first.count("billing no. ") == 50
    assert re.search(r"billing no\. 50\b", first) and not re.search(r"billing no\. 0\b", first)
    after = re.search(r'rel="next" href="\?([^"]+)"', first).group(1).replace("&amp;", "&")
    second = c.get(f"/desk/search/?{after}").content.decode()
    assert second.count("billing no. ") == 1 and re.search(r"billing no\. 0\b", second)
    assert 'rel="next"' not in second
    # An unknown cursor starts again at the first page rather than failing.
    assert c.get("/desk/search/", {"q": "paperless", "after": "garbage"}).status_code == 200


def test_it_keeps_the_workspace_search_to_a_fixed_number_of_queries(cast):
    c = cast.client(cast.supervisor)
    c.get("/desk/")  # a session's first request does one-off bookkeeping

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get("/desk/search/", {"q": "outage"}).status_code == 200
        return len(ctx)

    actions.do_open_case(
        actions.Opening(
            account=cast.bob_account, request_type=cast.repair_type, subject="Outage", body="x", channel="portal"
        ),
        acting_user=cast.bob,
    )
    one = count()
    for _ in range(8):
        actions.do_open_case(
            actions.Opening(
                account=cast.alice_account,
                request_type=cast.billing_type,
                subject="Outage credit",
                body="outage",
                channel="portal",
            ),
            acting_user=cast.alice,
        )
    assert count() == one


def test_it_lets_customers_search_only_what_they_may_read(cast):
    c = cast.client(cast.alice)
    page = c.get("/portal/search/", {"q": "billed"}).content.decode()
    assert cast.alice_case.ref in page and "<mark>billed</mark>" in page
    assert cast.alice_case.ref not in c.get("/portal/search/", {"q": "duplicate payment"}).content.decode()
    assert cast.bob_case.ref not in c.get("/portal/search/", {"q": "modem"}).content.decode()
    assert cast.client(None).get("/portal/search/", {"q": "billed"}).status_code == 302  # sign in first
