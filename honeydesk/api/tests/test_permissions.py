"""Who sees what, through the API (issue 2, point 5).

Every endpoint is called by every member of the cast on both cast cases: a customer sees
only their own account's cases and only public entries, an agent only their departments'
cases, supervisors and admins everything. Missing and forbidden give the same 404 body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine

from honeydesk.accounts.models import ApiToken
from honeydesk.cases import actions
from honeydesk.testing import Cast

MISSING_REF = "HD-999999"

# Which cast case each person may see.
SEES = {
    "alice": {"alice_case"},
    "bob": {"bob_case"},
    "bianca": {"alice_case"},
    "rafael": {"bob_case"},
    "sam": {"alice_case", "bob_case"},
    "ada": {"alice_case", "bob_case"},
}
PEOPLE = list(SEES)
CUSTOMERS = {"alice", "bob"}
DEPT_AGENT = {"alice_case": "bianca", "bob_case": "rafael"}


def person(cast: Cast, username: str) -> Any:
    return next(u for u in cast.everyone if u.username == username)


@dataclass
class Endpoint:
    name: str
    method: str
    path: str  # with {ref}
    payload: Callable[[Cast, str], dict[str, Any]] = lambda cast, case: {}
    staff_only: bool = False
    setup: Callable[[Cast, str], None] = lambda cast, case: None
    # Status for someone allowed to reach the case; a role may get a domain answer instead.
    ok: int = 200
    ok_for: Callable[[str], int] | None = None
    # Other placeholders of `path` (an entry id) for a case.
    path_args: Callable[[Cast, str], dict[str, Any]] = lambda cast, case: {}


def _escalate(cast: Cast, case: str) -> None:
    actions.do_escalate(getattr(cast, case), reason="Third call about this", acting_user=cast.admin)


def _resolve(cast: Cast, case: str) -> None:
    actions.do_resolve(getattr(cast, case), note="Refunded the duplicate", acting_user=cast.admin)


def _order_field(cast: Cast, case: str) -> None:
    from honeydesk.cases.models import CaseField

    CaseField.objects.get_or_create(key="order_number", defaults={"label": "Order number", "kind": "text"})


def _macro(cast: Cast, case: str) -> None:
    from honeydesk.macros.models import Macro

    Macro.objects.get_or_create(pk=1, defaults={"name": "Tag vip", "scope": "shared", "add_tags": ["vip"]})


def _twin(cast: Cast, case: str) -> None:
    """A duplicate of the case, on its account and request type, to merge into."""
    source = getattr(cast, case)
    actions.do_open_case(
        actions.Opening(
            account=source.account,
            contact=source.contact,
            request_type=source.request_type,
            subject=f"Twin of {case}",
            body="The same again.",
            channel="portal",
        ),
        acting_user=cast.admin,
    )


def _twin_ref(cast: Cast, case: str) -> str:
    from honeydesk.cases.models import Case

    twin = Case.objects.filter(subject=f"Twin of {case}").order_by("-pk").first()
    return twin.ref if twin else MISSING_REF  # before the setup: the call on a missing case


def _merged_into_twin(cast: Cast, case: str) -> None:
    """The case merged into a twin of its own account: the case to un-merge."""
    from honeydesk.cases import merging
    from honeydesk.cases.models import Case

    _twin(cast, case)
    twin = Case.objects.get(subject=f"Twin of {case}")
    merging.do_merge_cases(getattr(cast, case), twin, acting_user=cast.admin)


def _first_message(cast: Cast, case: str) -> dict[str, Any]:
    return {"entry": getattr(cast, case).entries.filter(kind="inbound").earliest("id").pk}


def _tomorrow() -> str:
    from datetime import timedelta

    from django.utils import timezone

    return (timezone.now() + timedelta(days=1)).isoformat()


CASE_ENDPOINTS = [
    Endpoint("get", "get", "/cases/{ref}"),
    Endpoint("service-level", "get", "/cases/{ref}/service-level"),
    Endpoint(
        "callback", "post", "/cases/{ref}/callbacks", lambda c, k: {"due_at": _tomorrow()}, staff_only=True, ok=201
    ),
    Endpoint("timeline", "get", "/cases/{ref}/timeline"),
    Endpoint("reply", "post", "/cases/{ref}/replies", lambda c, k: {"body": "Any news?"}, ok=201),
    Endpoint("note", "post", "/cases/{ref}/notes", lambda c, k: {"body": "checked"}, staff_only=True, ok=201),
    Endpoint("call", "post", "/cases/{ref}/calls", lambda c, k: {"body": "Called back"}, staff_only=True, ok=201),
    Endpoint("assign", "post", "/cases/{ref}/assign", lambda c, k: {"owner": DEPT_AGENT[k]}, staff_only=True),
    Endpoint(
        "transfer",
        "post",
        "/cases/{ref}/transfer",
        lambda c, k: {"department": "sales", "summary": "Wants to change plan"},
        staff_only=True,
    ),
    Endpoint(
        "move",
        "post",
        "/cases/{ref}/move",
        lambda c, k: {"account_number": (c.bob_account if k == "alice_case" else c.alice_account).number},
        staff_only=True,
    ),
    Endpoint("escalate", "post", "/cases/{ref}/escalate", lambda c, k: {"reason": "Nobody answers"}),
    Endpoint(
        "take-escalation",
        "post",
        "/cases/{ref}/take-escalation",
        staff_only=True,
        setup=_escalate,
        ok_for=lambda who: 200 if who in ("sam", "ada") else 422,
    ),
    Endpoint("resolve", "post", "/cases/{ref}/resolve", lambda c, k: {"note": "Refunded"}, staff_only=True),
    Endpoint("priority", "post", "/cases/{ref}/priority", lambda c, k: {"priority": "urgent"}, staff_only=True),
    Endpoint("macro", "post", "/cases/{ref}/macros/1/apply", staff_only=True, setup=_macro),
    Endpoint("tags", "post", "/cases/{ref}/tags", lambda c, k: {"add": ["vip"], "remove": []}, staff_only=True),
    Endpoint(
        "merge", "post", "/cases/{ref}/merge", lambda c, k: {"into": _twin_ref(c, k)}, staff_only=True, setup=_twin
    ),
    Endpoint("split", "post", "/cases/{ref}/entries/{entry}/split", staff_only=True, ok=201, path_args=_first_message),
    Endpoint(
        "unmerge",
        "post",
        "/cases/{ref}/unmerge",
        lambda c, k: {"reason": "Two separate requests"},
        staff_only=True,
        setup=_merged_into_twin,
    ),
    Endpoint(
        "fields",
        "post",
        "/cases/{ref}/fields",
        lambda c, k: {"values": {"order_number": "A-17"}},
        staff_only=True,
        setup=_order_field,
    ),
    Endpoint(
        "reopen",
        "post",
        "/cases/{ref}/reopen",
        lambda c, k: {"reason": "Charged again"},
        staff_only=True,
        setup=_resolve,
    ),
]


def call(cast: Cast, who: str | None, ep: Endpoint, ref: str, case: str) -> Any:
    api = cast.api(person(cast, who) if who else None)
    path = ep.path.format(ref=ref, **ep.path_args(cast, case))
    if ep.method == "get":
        return api.get(path)
    payload = ep.payload(cast, case)
    if ep.name not in ("note", "call", "callback"):  # these add to a case, they change nothing
        # Writes that change a case carry the version the caller saw (issue 19).
        payload = {**payload, "version": cast.fresh(getattr(cast, case)).version}
    return api.post(path, payload)


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("ep", CASE_ENDPOINTS, ids=lambda ep: ep.name)
def test_it_applies_the_permission_matrix_to_every_case_endpoint(cast, ep, who):
    missing = call(cast, who, ep, MISSING_REF, "alice_case")
    assert missing.status_code == 404
    assert set(missing.json()) == {"error"} and missing.json()["error"]["code"] == "not_found"
    for case in ("alice_case", "bob_case"):
        ep.setup(cast, case)
        before = cast.fresh(getattr(cast, case))
        response = call(cast, who, ep, getattr(cast, case).ref, case)
        allowed = case in SEES[who] and not (ep.staff_only and who in CUSTOMERS)
        if not allowed:
            assert response.status_code == 404, (case, response.json())
            assert response.json() == missing.json(), "forbidden must look exactly like missing"
            after = cast.fresh(getattr(cast, case))
            assert after.version == before.version, "a refused call changed the case"
        else:
            expected = ep.ok_for(who) if ep.ok_for else ep.ok
            assert response.status_code == expected, (case, response.json())


@pytest.mark.parametrize("who", PEOPLE)
def test_it_shows_customers_only_public_entries(cast, who):
    actions.do_log_call(cast.alice_case, body="INTERNAL call: disputed", acting_user=cast.billing_agent, public=False)
    actions.do_transfer(
        cast.bob_case, cast.sales, summary="INTERNAL handoff: wants cheaper plan", acting_user=cast.repair_agent
    )
    api = cast.api(person(cast, who))
    for case in SEES[who]:
        ref = getattr(cast, case).ref
        entries = api.get(f"/cases/{ref}/timeline").json()
        if who == "rafael" and case == "bob_case":
            # Transferred to Sales: rafael no longer sees it.
            assert entries["error"]["code"] == "not_found"
            continue
        internal = [e for e in entries if e["visibility"] == "internal"]
        shown = api.get(f"/cases/{ref}").json()
        if who in CUSTOMERS:
            assert internal == []
            assert all("INTERNAL" not in e["body"] for e in entries)
            assert shown["handoff_summary"] == ""
            assert {e["kind"] for e in entries} >= {"inbound"}
        else:
            assert any("INTERNAL" in e["body"] for e in internal), "staff see internal notes"


@pytest.mark.parametrize("who", PEOPLE)
def test_it_lists_only_the_cases_a_person_may_see(cast, who):
    response = cast.api(person(cast, who)).get("/cases")
    assert response.status_code == 200
    assert {c["ref"] for c in response.json()["items"]} == {getattr(cast, c).ref for c in SEES[who]}


@pytest.mark.parametrize("who", PEOPLE)
def test_it_answers_guessed_references_like_missing_ones(cast, who):
    api = cast.api(person(cast, who))
    missing = api.get(f"/cases/{MISSING_REF}").json()
    assert missing == api.get("/cases/not-a-ref").json()
    for case in {"alice_case", "bob_case"} - SEES[who]:
        pk = getattr(cast, case).pk
        for guess in (f"HD-{pk:06d}", f"hd{pk}", str(pk), f"HD{pk}", f"hd-{pk:03d}"):
            for suffix in ("", "/timeline"):
                response = api.get(f"/cases/{guess}{suffix}")
                assert response.status_code == 404
                assert response.json() == missing


@pytest.mark.parametrize("who", PEOPLE)
def test_it_lets_people_open_cases_only_on_accounts_they_may_see(cast, who):
    api = cast.api(person(cast, who))
    new = {"request_type": "billing", "subject": "Paperless billing", "body": "Please switch me."}
    if who in CUSTOMERS:
        own = api.post("/cases", new)  # a customer with one account need not name it
        assert own.status_code == 201
        assert own.json()["account"] == getattr(cast, f"{who}_account").number
        other = "2000002" if who == "alice" else "1000001"
        foreign = api.post("/cases", {**new, "account_number": other})
        nonexistent = api.post("/cases", {**new, "account_number": "0000000"})
        assert foreign.status_code == 422
        assert foreign.json() == nonexistent.json()
    else:
        response = api.post("/cases", {**new, "account_number": "2000002"})
        assert response.status_code == 201, response.json()
        assert response.json()["account"] == "2000002"


@pytest.mark.parametrize("who", PEOPLE)
def test_it_applies_the_permission_matrix_to_accounts_and_contacts(cast, who):
    api = cast.api(person(cast, who))
    staff = who not in CUSTOMERS
    own_account = who == "alice" or staff
    created = api.post("/accounts", {"number": f"77{len(who)}", "name": "New Co"})
    assert created.status_code == (201 if staff else 404)

    found = api.get("/accounts", number="1000001")
    assert found.status_code == 200
    assert [a["number"] for a in found.json()] == (["1000001"] if own_account else [])
    by_mail = api.get("/accounts", email="ALICE@example.test").json()
    assert [a["number"] for a in by_mail] == (["1000001"] if own_account else [])

    missing_account = api.get("/accounts/9999999")
    got = api.get("/accounts/1000001")
    if own_account:
        assert got.status_code == 200
        assert got.json()["contacts"][0]["emails"] == ["alice@example.test"]
    else:
        assert got.status_code == 404 and got.json() == missing_account.json()

    contact = {"name": "Carol Archer", "emails": [f"carol-{who}@example.test"]}
    added = api.post("/accounts/1000001/contacts", contact)
    if staff:
        assert added.status_code == 201
    else:
        assert added.status_code == 404
        assert added.json() == api.post("/accounts/9999999/contacts", contact).json()

    missing_contact = api.get("/contacts/999999")
    shown = api.get(f"/contacts/{cast.alice_contact.pk}")
    if own_account:
        assert shown.status_code == 200 and shown.json()["account"] == "1000001"
    else:
        assert shown.status_code == 404 and shown.json() == missing_contact.json()


ALL_CALLS = [(ep.method, ep.path.format(ref="HD-000001", entry=1)) for ep in CASE_ENDPOINTS] + [
    ("get", "/cases"),
    ("post", "/cases"),
    ("get", "/accounts?number=1000001"),
    ("post", "/accounts"),
    ("get", "/accounts/1000001"),
    ("post", "/accounts/1000001/contacts"),
    ("get", "/contacts/1"),
    ("get", "/callbacks"),
    ("post", "/callbacks/1/close"),
    ("get", "/notifications"),
    ("post", "/notifications/1/read"),
    ("post", "/notifications/read-all"),
    ("get", "/me/availability"),
    ("post", "/me/availability"),
    ("get", "/cases/HD-000001/credits"),
    ("post", "/cases/HD-000001/credits"),
    ("get", "/cases/HD-000001/credits/1"),
    ("get", "/cases/HD-000001/credits/1/recommendation"),
    ("post", "/cases/HD-000001/credits/1/decide"),
    ("post", "/cases/HD-000001/credits/1/answer"),
    ("post", "/cases/HD-000001/credits/1/withdraw"),
    ("get", "/credits/approvals"),
    ("post", "/credits/approvals/1/approve"),
    ("post", "/credits/approvals/1/decline"),
    ("get", "/credits/policy"),
    ("get", "/accounts/1000001/credits"),
    ("get", "/accounts/1000001/credits.csv"),
    ("get", "/accounts/1000001/billing-errors"),
    ("post", "/accounts/1000001/billing-errors"),
    ("post", "/billing-errors/1/clear"),
    ("get", "/incidents"),
    ("post", "/incidents"),
    ("get", "/incidents/1"),
    ("post", "/incidents/1/confirm"),
    ("post", "/incidents/1/dismiss"),
    ("post", "/incidents/1/updates"),
    ("post", "/incidents/1/resolve"),
    ("post", "/incidents/1/cases"),
    ("get", "/surveys"),
    ("get", "/surveys/1"),
    ("get", "/recoveries"),
    ("get", "/recoveries/1"),
    ("post", "/recoveries/1/contacts"),
    ("get", "/monitoring/criteria"),
    ("get", "/monitoring/samples"),
    ("post", "/monitoring/samples"),
    ("get", "/monitoring/samples/1"),
    ("post", "/monitoring/items/1/review"),
    ("get", "/monitoring/reviews"),
    ("get", "/monitoring/my-reviews"),
    ("get", "/monitoring/reviews/1"),
    ("post", "/monitoring/reviews/1/acknowledge"),
    ("post", "/monitoring/reviews/1/dispute"),
    ("post", "/monitoring/reviews/1/settle"),
]


def _unauthorised_headers(cast: Cast) -> dict[str, dict[str, str]]:
    revoked, raw_revoked = ApiToken.issue(cast.alice, "old laptop")
    ApiToken.objects.filter(pk=revoked.pk).update(revoked=True)
    inactive_raw = cast.token(cast.bob)
    type(cast.bob).objects.filter(pk=cast.bob.pk).update(is_active=False)
    return {
        "none": {},
        "empty bearer": {"Authorization": "Bearer "},
        "basic": {"Authorization": "Basic YWxpY2U6cHctYWxpY2U="},
        "made up": {"Authorization": "Bearer hd_not-a-real-token"},
        "revoked": {"Authorization": f"Bearer {raw_revoked}"},
        "inactive user": {"Authorization": f"Bearer {inactive_raw}"},
    }


@pytest.mark.parametrize(("method", "path"), ALL_CALLS, ids=[f"{m} {p}" for m, p in ALL_CALLS])
def test_it_refuses_missing_bad_and_revoked_tokens(cast, client, method, path):
    for label, headers in _unauthorised_headers(cast).items():
        url = f"/api/v1{path}"
        if method == "get":
            response = client.get(url, headers=headers)
        else:
            response = client.post(url, "{}", content_type="application/json", headers=headers)
        assert response.status_code == 401, label
        error = response.json()["error"]
        assert error["code"] == "unauthorized" and error["message"] and error["fields"] == {}, label


def test_a_token_records_its_last_use_at_most_once_a_minute(cast, client):
    token, raw = ApiToken.issue(cast.billing_agent, "integration")
    headers = {"Authorization": f"Bearer {raw}"}
    with time_machine.travel("2026-03-02 09:00:00+00:00", tick=False):
        assert client.get("/api/v1/cases", headers=headers).status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and first.isoformat().startswith("2026-03-02T09:00:00")
    with time_machine.travel("2026-03-02 09:00:30+00:00", tick=False):
        assert client.get("/api/v1/cases", headers=headers).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first  # within the minute: no write
    with time_machine.travel("2026-03-02 09:01:31+00:00", tick=False):
        assert client.get("/api/v1/cases", headers=headers).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at.isoformat().startswith("2026-03-02T09:01:31")


@pytest.mark.parametrize("who", PEOPLE)
def test_it_shows_each_person_only_their_own_notifications(cast, who):
    from honeydesk.notifications.actions import notify

    for user in (cast.billing_agent, cast.repair_agent, cast.supervisor, cast.admin):
        notify([user], "assigned", key=f"test:{user.pk}", title=f"For {user.username}")
    alice_case_note = notify([cast.billing_agent], "sla_warning", key="sla", title="Alice's case", case=cast.alice_case)
    api = cast.api(person(cast, who))
    listed = api.get("/notifications")
    others = [n for n in type(alice_case_note[0]).objects.exclude(user__username=who)]
    if who in CUSTOMERS:
        assert listed.status_code == 404
        assert api.post("/notifications/read-all").status_code == 404
    else:
        assert listed.status_code == 200
        titles = {n["title"] for n in listed.json()["items"]}
        assert f"For {who}" in titles and all(t in (f"For {who}", "Alice's case") for t in titles)
        assert ("Alice's case" in titles) == (who == "bianca")
    for other in others:
        response = api.post(f"/notifications/{other.pk}/read")
        assert response.status_code == 404
        assert type(other).objects.get(pk=other.pk).read_at is None


@pytest.mark.parametrize("who", PEOPLE)
def test_it_shows_service_levels_to_whoever_sees_the_case_and_breaches_only_to_staff(cast, who):
    from honeydesk.policy.models import SlaEvent

    SlaEvent.objects.create(
        case=cast.alice_case, target="first_response", kind="breach",
        due_at=cast.fresh(cast.alice_case).first_response_due_at, recorded_at=cast.alice_case.created_at,
    )  # fmt: skip
    response = cast.api(person(cast, who)).get(f"/cases/{cast.alice_case.ref}/service-level")
    if "alice_case" not in SEES[who]:
        assert response.status_code == 404
        return
    body = response.json()
    assert [t["target"] for t in body["targets"]] == ["first_response", "resolution"]
    assert body["business_hours"] == "Mon-Fri 09:00-17:00"
    assert len(body["events"]) == (0 if who in CUSTOMERS else 1)


# --- credits and incidents (issue 10) -------------------------------------------------

CREDIT_ASK = {"amount": "30.00", "reason": "Two days without service", "period_start": "2026-03-02",
              "period_end": "2026-03-03"}  # fmt: skip
SUPERVISORS = {"sam", "ada"}
STAFF = set(PEOPLE) - CUSTOMERS


def _credit(cast: Cast, case: str, state: str = "open") -> int:
    from honeydesk.credits import actions as credit_actions

    the_case = getattr(cast, case)
    credit_actions.do_flag_billing_error(the_case.account, description="overcharged", acting_user=cast.admin)
    ask = credit_actions.Ask(amount="120.00" if state == "approval" else "30.00", reason="No service",
                             period_start="2026-03-02", period_end="2026-03-03")  # fmt: skip
    request = credit_actions.do_request_credit(the_case, ask, acting_user=cast.admin, channel="api")
    if state == "offered":
        credit_actions.do_decide_credit(request, action="offer", amount="10.00", acting_user=cast.admin)
    if state == "approval":
        agent = cast.billing_agent if case == "alice_case" else cast.repair_agent
        credit_actions.do_decide_credit(request, action="grant", acting_user=agent)
    return request.pk


@dataclass
class CreditEndpoint:
    name: str
    method: str
    path: str  # with {ref} and {id}
    payload: dict[str, Any]
    state: str | None = "open"  # None: no request beforehand
    staff_only: bool = False
    ok: int = 200


CREDIT_ENDPOINTS = [
    CreditEndpoint("list", "get", "/cases/{ref}/credits", {}),
    CreditEndpoint("create", "post", "/cases/{ref}/credits", CREDIT_ASK, state=None, ok=201),
    CreditEndpoint("get", "get", "/cases/{ref}/credits/{id}", {}),
    CreditEndpoint("recommendation", "get", "/cases/{ref}/credits/{id}/recommendation", {}, staff_only=True),
    CreditEndpoint("decide", "post", "/cases/{ref}/credits/{id}/decide", {"action": "grant"}, staff_only=True),
    CreditEndpoint("answer", "post", "/cases/{ref}/credits/{id}/answer", {"answer": "accept"}, state="offered"),
    CreditEndpoint("withdraw", "post", "/cases/{ref}/credits/{id}/withdraw", {}),
]


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("ep", CREDIT_ENDPOINTS, ids=lambda ep: ep.name)
def test_it_applies_the_permission_matrix_to_every_credit_endpoint(cast, ep, who):
    api = cast.api(person(cast, who))

    def send(path: str) -> Any:
        return api.get(path) if ep.method == "get" else api.post(path, ep.payload)

    missing = send(ep.path.format(ref=MISSING_REF, id=1))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    for case in ("alice_case", "bob_case"):
        request_id = _credit(cast, case, ep.state) if ep.state else 999999
        before = cast.fresh(getattr(cast, case)).version
        response = send(ep.path.format(ref=getattr(cast, case).ref, id=request_id))
        if case in SEES[who] and not (ep.staff_only and who in CUSTOMERS):
            assert response.status_code == ep.ok, (case, response.json())
        else:
            assert response.status_code == 404, (case, response.json())
            assert response.json() == missing.json(), "forbidden must look exactly like missing"
            assert cast.fresh(getattr(cast, case)).version == before
    # Someone else's request on a case one may see is missing too.
    if ep.state and "{id}" in ep.path and SEES[who]:
        mine = next(iter(SEES[who]))
        other = "bob_case" if mine == "alice_case" else "alice_case"
        from honeydesk.credits.models import CreditRequest

        foreign = CreditRequest.objects.filter(case=getattr(cast, other)).values_list("pk", flat=True).first()
        if foreign:
            wrong = send(ep.path.format(ref=getattr(cast, mine).ref, id=foreign))
            assert wrong.status_code == 404


@pytest.mark.parametrize("who", PEOPLE)
def test_it_keeps_the_approvals_queue_for_supervisors(cast, who):
    request_id = _credit(cast, "alice_case", "approval")
    from honeydesk.credits.models import Approval

    approval = Approval.objects.get(request_id=request_id)
    api = cast.api(person(cast, who))
    queue = api.get("/credits/approvals")
    decline = api.post(f"/credits/approvals/{approval.pk}/decline", {"note": "Not this month"})
    missing = api.post("/credits/approvals/999999/decline", {"note": "x"})
    assert missing.status_code == 404
    if who in SUPERVISORS:
        assert queue.status_code == 200 and [a["id"] for a in queue.json()] == [approval.pk]
        assert queue.json()[0]["reason"].startswith("$120.00 is above Bianca's limit")
        assert decline.status_code == 200 and decline.json()["status"] == "declined"
    else:
        assert queue.status_code == 404 and queue.json() == missing.json()
        assert decline.status_code == 404 and decline.json() == missing.json()
        assert Approval.objects.get().status == "pending"


@pytest.mark.parametrize("who", PEOPLE)
def test_it_keeps_the_ledger_and_billing_errors_for_staff(cast, who):
    api = cast.api(person(cast, who))
    staff = who in STAFF
    for path in ("/accounts/1000001/credits", "/accounts/1000001/credits.csv", "/accounts/1000001/billing-errors"):
        response = api.get(path)
        assert response.status_code == (200 if staff else 404), path  # even a customer's own account
    flagged = api.post("/accounts/1000001/billing-errors", {"description": "Charged twice"})
    assert flagged.status_code == (201 if staff else 404)
    assert api.get("/credits/policy").status_code == (200 if staff else 404)


def _incident(cast: Cast, status: str = "confirmed") -> int:
    from honeydesk.outages import actions as outage_actions

    incident = outage_actions.do_report_incident(service="Internet", area="North", acting_user=cast.admin)
    if status == "proposed":
        from honeydesk.outages.models import Incident

        Incident.objects.filter(pk=incident.pk).update(status="proposed", confirmed_at=None, confirmed_by=None)
    return incident.pk


@pytest.mark.parametrize("who", PEOPLE)
def test_it_applies_the_permission_matrix_to_incidents(cast, who):
    api = cast.api(person(cast, who))
    north = _incident(cast)
    listed = api.get("/incidents")
    assert listed.status_code == 200
    # alice lives in the North; bob in the South sees nothing of it.
    sees_north = who != "bob"
    assert [i["id"] for i in listed.json()] == ([north] if sees_north else [])
    shown = api.get(f"/incidents/{north}")
    missing = api.get("/incidents/999999")
    if sees_north:
        assert shown.status_code == 200
        assert (shown.json()["cases"] == []) or who in STAFF
        assert shown.json()["affected_accounts"] is None or who in STAFF
    else:
        assert shown.status_code == 404 and shown.json() == missing.json()

    writes = [
        ("post", "/incidents", {"service": "TV", "area": "South"}, 201),
        ("post", f"/incidents/{north}/updates", {"body": "Crew on site"}, 201),
        ("post", f"/incidents/{north}/cases", {"case": cast.alice_case.ref}, 200),
        ("post", f"/incidents/{north}/resolve", {"resolution": "Fixed"}, 200),
    ]
    for method, path, payload, ok in writes:
        response = api.post(path, payload)
        if who in STAFF:
            expected = 404 if (path.endswith("/cases") and "alice_case" not in SEES[who]) else ok
            assert response.status_code == expected, (path, response.json())
        else:
            assert response.status_code == 404, path

    from honeydesk.outages.models import Incident

    Incident.objects.filter(pk=north).update(status="resolved")
    proposed = _incident(cast, "proposed")
    confirm = api.post(f"/incidents/{proposed}/confirm", {})
    dismiss = api.post(f"/incidents/{proposed}/dismiss", {"reason": "Coincidence"})
    if who in SUPERVISORS:
        assert confirm.status_code == 200 and dismiss.status_code == 409
    elif who in STAFF:
        assert confirm.status_code == 422 and dismiss.status_code == 422
    else:  # a proposal is not for customers to see
        assert confirm.status_code == 404 and dismiss.status_code == 404


# --- surveys and recovery (issue 12) --------------------------------------------------


def _unhappy_surveys(cast: Cast) -> dict[str, Any]:
    from honeydesk.quality.actions import Answer, do_answer_survey
    from honeydesk.quality.models import Survey

    out = {}
    for case, agent in (("alice_case", cast.billing_agent), ("bob_case", cast.repair_agent)):
        resolved = actions.do_resolve(getattr(cast, case), note="Done", acting_user=agent)
        out[case] = do_answer_survey(Survey.objects.get(case=resolved), Answer(2, False, f"{case} unhappy"), via="link")
    return out


@pytest.mark.parametrize("who", PEOPLE)
def test_it_shows_surveys_to_staff_who_see_the_case_and_recoveries_to_supervisors(cast, who):
    surveys = _unhappy_surveys(cast)
    api = cast.api(person(cast, who))
    listed = api.get("/surveys")
    if who in CUSTOMERS:
        assert listed.status_code == 404
    else:
        assert listed.status_code == 200
        assert {s["case"] for s in listed.json()} == {getattr(cast, c).ref for c in SEES[who]}
    for case, survey in surveys.items():
        one = api.get(f"/surveys/{survey.pk}")
        assert one.status_code == (200 if case in SEES[who] and who not in CUSTOMERS else 404)
        recovery = survey.recovery
        got = api.get(f"/recoveries/{recovery.pk}")
        record = api.post(
            f"/recoveries/{recovery.pk}/contacts",
            {"outcome": "declined", "version": 1, "write": "call", "text": "Called"},
        )
        if who in SUPERVISORS:
            assert got.status_code == 200 and got.json()["comment"] == f"{case} unhappy"
            assert record.status_code == 201 and record.json()["outcome"] == "declined"
        else:
            assert got.status_code == 404 and record.status_code == 404
            assert type(recovery).objects.get(pk=recovery.pk).closed_at is None
    assert api.get("/recoveries").status_code == (200 if who in SUPERVISORS else 404)


@pytest.mark.parametrize("who", PEOPLE)
def test_it_gives_metrics_to_staff_and_other_reps_figures_only_to_supervisors(cast, who):
    from honeydesk.metrics import rollups

    actions.do_add_reply(cast.alice_case, body="On it", acting_user=cast.billing_agent, compose_seconds=60)
    actions.do_add_reply(cast.bob_case, body="On it", acting_user=cast.repair_agent, compose_seconds=90)
    rollups.refresh()
    response = cast.api(person(cast, who)).get("/metrics", group="rep", period="week")
    if who in CUSTOMERS:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    reps = {row["label"] for row in response.json()["rows"] if row["values"]["handle_written"] is not None}
    keys = {m["key"] for m in response.json()["metrics"]}
    if who in SUPERVISORS:
        assert reps == {"Bianca", "Rafael"} and "abuse" in keys
    else:
        assert reps <= {person(cast, who).display_name} and "abuse" not in keys
    assert cast.api(person(cast, who)).get("/metrics", start="2026-01-02").status_code == 422


# --- tags, custom fields and macros (issue 17) ----------------------------------------


@pytest.mark.parametrize("who", PEOPLE)
def test_it_keeps_tags_and_custom_fields_for_staff_and_the_tag_vocabulary_for_admins(cast, who):
    from honeydesk.cases import properties

    properties.do_change_tags(cast.alice_case, add=["refnd", "refund"], acting_user=cast.admin)
    properties.do_change_tags(cast.bob_case, add=["refnd"], acting_user=cast.admin)
    api = cast.api(person(cast, who))
    listed = api.get("/tags")
    fields = api.get("/case-fields")
    rename = api.post("/tags/refund/rename", {"name": "refunds"})
    merge = api.post("/tags/refnd/merge", {"into": "refund"})
    missing = api.post("/tags/nonesuch/rename", {"name": "other"})
    if who in CUSTOMERS:
        for response in (listed, fields, rename, merge):
            assert response.status_code == 404 and response.json() == missing.json()
        shown = api.get(f"/cases/{getattr(cast, f'{who}_case').ref}").json()
        assert shown["tags"] == [] and shown["fields"] == {}, "staff's labels stay internal"
        assert api.get("/cases", tag="refnd").status_code == 422
        return
    assert fields.status_code == 200
    # Counts only the cases this person may see.
    assert {t["name"]: t["cases"] for t in listed.json()} == {
        "refnd": len(SEES[who]),
        "refund": 1 if "alice_case" in SEES[who] else 0,
    }
    if who == "ada":
        assert rename.status_code == 200 and rename.json() == {"name": "refunds", "cases": 1}
        assert merge.status_code == 422  # "refund" is "refunds" now
        merged = api.post("/tags/refnd/merge", {"into": "refunds"})
        assert merged.json() == {"into": "refunds", "cases": 2}
        assert api.get(f"/cases/{cast.bob_case.ref}").json()["tags"] == ["refunds"]
    else:
        assert rename.status_code == 404 and merge.status_code == 404
        assert properties.tags_of(cast.alice_case) == ["refnd", "refund"]


# --- available / away for the rules (issue 17 part 4) ---------------------------------


@pytest.mark.parametrize("who", PEOPLE)
def test_it_lets_staff_set_themselves_away_and_nobody_else(cast, who):
    from honeydesk.rules.actions import is_away

    api = cast.api(person(cast, who))
    shown, away = api.get("/me/availability"), api.post("/me/availability", {"away": True})
    bad = api.post("/me/availability", {"away": "yes"})
    if who in CUSTOMERS:
        assert shown.status_code == away.status_code == 404
        return
    assert shown.json() == {"away": False} and away.json() == {"away": True}
    assert bad.status_code == 422 and is_away(person(cast, who))
    assert api.post("/me/availability", {"away": False}).json() == {"away": False}
