"""GET /api/v1/cases?q=: the workspace's search through the API, with its filters inside."""

from honeydesk.cases import actions


def _refs(response):
    assert response.status_code == 200, response.content
    return [item["ref"] for item in response.json()["items"]]


def test_it_searches_with_q_and_says_where_the_words_were_found(cast):
    body = cast.api(cast.billing_agent).get("/cases", q="archer twice").json()
    (item,) = body["items"]
    assert item["ref"] == cast.alice_case.ref
    fields = {h["field"]: h for h in item["highlights"]}
    subject = fields["subject"]
    assert [subject["text"][s:e] for s, e in subject["ranges"]] == ["twice"]
    customer = fields["customer"]
    assert [customer["text"][s:e] for s, e in customer["ranges"]] == ["Archer", "Archer"] or [
        customer["text"][s:e] for s, e in customer["ranges"]
    ] == ["Archer"]


def test_it_applies_the_filters_and_visibility_inside_the_search(cast):
    staff = cast.api(cast.supervisor)
    assert _refs(staff.get("/cases", q="internal")) == [cast.bob_case.ref, cast.alice_case.ref]
    assert _refs(staff.get("/cases", q="internal", department="billing")) == [cast.alice_case.ref]
    assert _refs(staff.get("/cases", q="internal", status="resolved")) == []
    assert _refs(cast.api(cast.repair_agent).get("/cases", q="internal")) == [cast.bob_case.ref]
    # A customer's token searches what the customer may read: never a note.
    assert _refs(cast.api(cast.alice).get("/cases", q="internal")) == []
    assert _refs(cast.api(cast.alice).get("/cases", q="billed")) == [cast.alice_case.ref]


def test_it_pages_search_results_with_the_cursor_it_gives(cast):
    made = set()
    for i in range(5):
        case = actions.do_open_case(
            actions.Opening(
                account=cast.alice_account,
                request_type=cast.billing_type,
                subject=f"Late fee {i}",
                body="A late fee appeared.",
                channel="portal",
            ),
            acting_user=cast.supervisor,
        )
        made.add(case.ref)
    api = cast.api(cast.billing_agent)
    seen, cursor = [], None
    while True:
        params = {"q": "late fee", "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get("/cases", **params).json()
        seen += [item["ref"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(made)


def test_it_answers_422_to_a_cursor_it_did_not_give_or_an_unknown_order(cast):
    api = cast.api(cast.billing_agent)
    bad = api.get("/cases", q="twice", cursor="bm9wZQ")
    assert bad.status_code == 422 and "cursor" in bad.json()["error"]["fields"]
    # A list cursor is not a search cursor.
    assert api.get("/cases", q="twice", cursor="aWQ6NQ").status_code == 422
    assert api.get("/cases", q="twice", order="oldest").status_code == 422
