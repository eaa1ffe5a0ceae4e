"""One test (or a few) for each finding of the security probe (issue 19), each of which
failed before its fix: staff commentary, usernames, 500s, headers, the smaller findings,
version checks and the OpenAPI document. Sign-in attacks are in test_signin.py, held mail
in test_mail_authenticity.py, the access matrix in test_access_matrix.py."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.test import Client

from honeydesk.accounts import audit
from honeydesk.accounts.models import AuditAppendOnlyError, AuditEvent, CustomerAccount
from honeydesk.cases import actions, merging, properties
from honeydesk.cases.models import Case, CaseField, TimelineEntry
from honeydesk.cases.timeline import READERS, SUPERVISOR_WILL_REVIEW
from honeydesk.channels.phone import callbacks
from honeydesk.channels.phone.models import CallbackTask
from honeydesk.lib import clock
from honeydesk.macros.actions import Draft, do_apply_macro, do_save_macro
from honeydesk.macros.models import Macro
from honeydesk.policy import sla
from honeydesk.policy.calendars import hours_for
from honeydesk.quality import actions as quality_actions
from honeydesk.quality.models import Survey
from honeydesk.rules import engine as rules_engine
from honeydesk.rules.models import Rule
from honeydesk.testing import make_cast

STAFF_SECRET = "Customer is very upset and mentions going to the regulator"


def customer_views(cast: Any, case: Case) -> list[str]:
    """Everything the customer can read of a case: the API timeline, the portal page and
    the downloaded record."""
    api = json.dumps(cast.api(cast.alice).get(f"/cases/{case.ref}/timeline").json(), ensure_ascii=False)
    portal = cast.client(cast.alice).get(f"/portal/cases/{case.ref}/").content.decode()
    record = cast.client(cast.alice).get(f"/portal/cases/{case.ref}/record/?download=1").content.decode()
    return [api, portal, record]


# --- finding 1: staff commentary stays internal ---------------------------------------


def test_it_keeps_a_staff_escalation_reason_from_the_customer(cast):
    actions.do_escalate(cast.alice_case, reason=STAFF_SECRET, acting_user=cast.billing_agent)
    for view in customer_views(cast, cast.alice_case):
        assert STAFF_SECRET not in view
        assert SUPERVISOR_WILL_REVIEW in view
    # Staff still read the reason on the timeline.
    page = cast.client(cast.supervisor).get(f"/desk/cases/{cast.alice_case.ref}/").content.decode()
    assert STAFF_SECRET in page


def test_it_shows_the_customer_their_own_escalation_reason(cast):
    actions.do_escalate(cast.alice_case, reason="I was promised a refund twice", acting_user=cast.alice)
    assert all("I was promised a refund twice" in view for view in customer_views(cast, cast.alice_case))


def test_it_keeps_a_staff_reopen_reason_from_the_customer(cast):
    actions.do_resolve(cast.alice_case, note="Refunded the duplicate", acting_user=cast.billing_agent)
    actions.do_reopen(cast.alice_case, reason=STAFF_SECRET, acting_user=cast.billing_agent)
    for view in customer_views(cast, cast.alice_case):
        assert STAFF_SECRET not in view
        assert "Resolved → Open" in view, "the customer still sees that the case is open again"


def test_every_kind_of_entry_has_a_rule_for_who_reads_it_and_keeps_to_it(cast):
    """Walk every entry kind and event: each is in timeline.READERS, and a run through
    every action writes each entry with a visibility its rule allows, and staff words
    meant for staff (reasons, summaries, notes, moves) never on a public entry."""
    kinds = {k for k in TimelineEntry.Kind.values if k != TimelineEntry.Kind.EVENT}
    events = {f"event:{e}" for e in TimelineEntry.Event.values}
    assert set(READERS) == kinds | events
    staff = cast.billing_agent
    case = cast.alice_case
    secret = "STAFF-ONLY"
    actions.do_add_note(case, body=f"{secret} note", acting_user=staff)
    soon = clock.now() + timedelta(hours=1)
    kept = callbacks.do_promise_callback(case, due_at=soon, acting_user=staff, about=f"{secret} promise")
    actions.do_log_call(case, body="Called about the bill", acting_user=staff)  # keeps that promise
    broken = callbacks.do_promise_callback(case, due_at=soon, acting_user=staff)
    callbacks.do_break_callback(broken, reason=f"{secret} reason", acting_user=staff)
    # A call the customer asked for, broken by a rep: the customer is told, the reason is not.
    # Half an hour into the first opening after tomorrow's midnight: inside business hours
    # whatever the time of day the test runs (now + 1 day + 30 min was not, late in a day).
    tomorrow = (clock.now() + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    opening = hours_for(case.department_id).next_open(tomorrow) + timedelta(minutes=30)
    asked = callbacks.do_request_callback(case, when=opening, acting_user=cast.alice, phone="+1 415 555 0101")
    callbacks.do_break_callback(asked, reason=f"{secret} reason", acting_user=staff)
    assert case.entries.filter(event="callback_broken", visibility="public").count() == 1
    assert CallbackTask.objects.get(pk=kept.pk).promise_state == "kept"
    sla.scan(clock.now() + timedelta(days=30))  # every target of the case missed by then
    actions.do_log_call(case, body=f"{secret} call", acting_user=staff, public=False)
    actions.do_add_reply(case, body="We are on it", acting_user=staff)
    actions.do_escalate(case, reason=f"{secret} escalation", acting_user=staff)
    case = actions.do_take_escalation(case, acting_user=cast.supervisor)
    actions.do_set_pending(case, acting_user=cast.supervisor)
    actions.do_add_reply(case, body="Here is the statement", acting_user=cast.alice)
    actions.do_correct_entry(case.entries.filter(kind="outbound").first(), body="Corrected", acting_user=staff)
    actions.do_move_to_account(case, cast.bob_account, acting_user=cast.supervisor)
    actions.do_move_to_account(case, cast.alice_account, contact=cast.alice_contact, acting_user=cast.supervisor)
    actions.do_resolve(case, note="Refunded", acting_user=cast.supervisor)
    actions.do_reopen(case, reason=f"{secret} reopen", acting_user=cast.supervisor)
    actions.do_transfer(case, cast.repair, summary=f"{secret} summary", acting_user=cast.supervisor)
    # The desk tools (issue 17): priority, tags, custom fields, a macro.
    properties.do_set_priority(case, "urgent", acting_user=cast.supervisor)
    properties.do_change_tags(case, add=["vip"], acting_user=cast.supervisor)
    CaseField.objects.create(key="cause", label="Cause", kind="text")
    properties.do_set_fields(case, {"cause": f"{secret} cause"}, acting_user=cast.supervisor)
    macro = do_save_macro(Draft(name="Note it", note=f"{secret} macro"), acting_user=cast.supervisor)
    case, _ = do_apply_macro(case, macro, acting_user=cast.supervisor)
    # Merge and split (issue 17): a duplicate merged in, its message split back out.
    twin = actions.do_open_case(
        actions.Opening(cast.alice_account, case.request_type, "Twin", "Same again", "portal", cast.alice_contact),
        acting_user=cast.alice,
    )
    merging.do_merge_cases(twin, case, acting_user=cast.supervisor)
    split = merging.do_split_entry(case, twin.entries.get(kind="inbound"), acting_user=cast.supervisor)
    merging.do_unmerge_case(cast.fresh(twin), reason=f"{secret} unmerge", acting_user=cast.supervisor)
    rules_engine.fire(Rule.objects.create(name="Tag it", add_tags="ruled"), case, "walk")  # a rule (issue 17)
    ruled = do_save_macro(Draft(name="Rule note", note=f"{secret} rule note"), acting_user=cast.supervisor)
    rules_engine.fire(Rule.objects.create(name="Note it", apply_macro=ruled), case, "walk")  # its internal note
    actions.do_resolve(case, note="Fixed", acting_user=cast.supervisor)
    survey = quality_actions.do_answer_survey(
        Survey.objects.get(case=case, superseded_at__isnull=True), quality_actions.Answer(2, False, "Slow"), via="link"
    )
    quality_actions.do_record_contact(
        survey.recovery,
        quality_actions.Contacted(outcome="resolved", write="call", text="Called back", note=f"{secret} recovery"),
        acting_user=cast.supervisor,
    )
    actions.do_close(cast.fresh(case), acting_user=None)
    seen = set()
    for entry in TimelineEntry.objects.filter(case__in=[case, twin, split]):
        key = f"event:{entry.event}" if entry.kind == TimelineEntry.Kind.EVENT else entry.kind
        seen.add(key)
        assert entry.visibility in READERS[key][1], (key, entry.visibility, entry.body)
        if entry.visibility == TimelineEntry.Visibility.PUBLIC:
            assert secret not in entry.body, (key, entry.body)
    assert seen == set(READERS) - {"event:moved"} | {"event:moved"}, set(READERS) - seen


# --- finding 2: staff sign-in names ---------------------------------------------------


def test_it_does_not_tell_customers_staff_usernames(cast):
    actions.do_assign(cast.alice_case, cast.billing_agent, acting_user=cast.billing_agent)
    api = cast.api(cast.alice)
    case = api.get(f"/cases/{cast.alice_case.ref}").json()
    assert case["owner"] is None and case["owner_name"] == cast.billing_agent.first_name
    assert "bianca" not in json.dumps(api.get("/cases").json())
    known = api.get("/cases", owner="bianca")
    unknown = api.get("/cases", owner="marcus")
    assert known.status_code == unknown.status_code == 422
    assert known.json() == json.loads(unknown.content.replace(b"marcus", b"bianca"))
    # Staff keep the username (they assign by it).
    assert cast.api(cast.supervisor).get(f"/cases/{cast.alice_case.ref}").json()["owner"] == "bianca"


# --- finding 4: no 500s ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/cases", '{"account_number": "1000001", "request_type": "billing", "subject": "a\\ud800", "body": "b"}'),
        ("/cases/{ref}/replies", '{"body": "a\\udfff", "version": 1}'),
        ("/calls", '{"call_id": "c\\ud800", "event": "ringing"}'),
    ],
)
def test_it_refuses_lone_surrogates_with_422(cast, path, body):
    response = cast.api(cast.admin).post(path.format(ref=cast.alice_case.ref), raw=body)
    assert response.status_code == 422, response.content
    field = "call_id" if path == "/calls" else ("subject" if path == "/cases" else "body")
    assert field in response.json()["error"]["fields"]


def test_it_answers_a_huge_page_number_with_a_page(cast):
    c = cast.client(cast.billing_agent)
    assert c.get("/desk/?queue=department&page=999999999999999999999999999999").status_code == 200
    assert c.get("/desk/?queue=department&page=-1").status_code == 200


def test_it_answers_bad_ids_in_forms_without_a_server_error(cast):
    c = cast.client(cast.supervisor)
    ref = cast.alice_case.ref
    for owner in ("abc", "99999999999999999999999", "-1"):
        response = c.post(f"/desk/cases/{ref}/do/assign/", {"owner": owner, "version": 1})
        assert response.status_code == 422, owner
    response = c.post("/desk/bulk-assign/", {"owner": "x1", "cases": [f"{ref}@1"]})
    assert response.status_code == 302


# --- finding 5: headers with DEBUG off -----------------------------------------------


def test_it_sends_the_security_headers_on_every_page(cast, settings):
    assert settings.DEBUG is False
    c = cast.client(cast.billing_agent)
    for url in ("/desk/", f"/desk/cases/{cast.alice_case.ref}/", "/login/", "/portal/login/"):
        response = c.get(url)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, url
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, url
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def test_it_sends_hsts_over_https(db, client, settings):  # pages read the portal brand
    response = client.get("/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_it_keeps_signed_in_pages_and_the_api_out_of_caches(cast):
    page = cast.client(cast.billing_agent).get("/desk/")
    assert "no-store" in page["Cache-Control"]
    api = cast.api(cast.alice).get("/cases")
    assert "no-store" in api["Cache-Control"]
    anonymous_error = Client().get("/api/v1/cases")
    assert anonymous_error.status_code == 401 and "no-store" in anonymous_error["Cache-Control"]


def test_it_marks_the_session_cookie_secure_and_http_only(cast, client):
    client.post("/login/", {"username": "bianca", "password": "pw-bianca"})
    cookie = client.cookies["sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 12 * 3600


def test_the_pages_use_no_inline_script_or_style(cast):
    """What the CSP forbids must not be needed: no inline <script> code, no on* handler,
    no <style> element or style attribute in the pages' templates."""
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "web" / "templates"
    base = Path(__file__).resolve().parents[2] / "templates" / "base.html"
    for path in [*templates.rglob("*.html"), base]:
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert "style=" not in text, path
        if path.name != "record.html":  # the downloaded record carries its style (no server)
            assert "<style" not in text, path


# --- finding 6: the smaller ones ------------------------------------------------------


def test_it_lets_only_staff_set_priority_and_channel(cast):
    base = {"request_type": "billing", "subject": "Bill", "body": "Twice"}
    api = cast.api(cast.alice)
    for extra in ({"priority": "urgent"}, {"channel": "phone"}):
        response = api.post("/cases", {**base, **extra})
        assert response.status_code == 422 and next(iter(extra)) in response.json()["error"]["fields"]
    assert api.post("/cases", base).json()["priority"] == "normal"
    staff = cast.api(cast.billing_agent).post(
        "/cases", {**base, "account_number": "1000001", "priority": "urgent", "channel": "phone"}
    )
    assert staff.status_code == 201 and staff.json()["priority"] == "urgent"


def test_it_limits_facts_per_case_and_services_per_account(cast):
    facts = {f"k{i}": "v" for i in range(51)}
    response = cast.api(cast.alice).post(
        "/cases", {"request_type": "billing", "subject": "Bill", "body": "x", "facts": facts}
    )
    assert response.status_code == 422 and "facts" in response.json()["error"]["fields"]
    services = [f"S{i}" for i in range(101)]
    response = cast.api(cast.admin).post("/accounts", {"number": "777", "name": "Many", "services": services})
    assert response.status_code == 422 and "services" in response.json()["error"]["fields"]
    assert not CustomerAccount.objects.filter(number="777").exists()


def test_it_shows_in_the_last_contacts_only_cases_the_agent_may_open(cast):
    # A case of alice's account in Repair, which the billing agent cannot open.
    hidden = actions.do_open_case(
        actions.Opening(
            account=cast.alice_account,
            contact=cast.alice_contact,
            request_type=cast.repair_type,
            subject="Router broken",
            body="SECRET-REPAIR-MESSAGE",
            channel="portal",
        ),
        acting_user=cast.alice,
    )
    page = cast.client(cast.billing_agent).get(f"/desk/cases/{cast.alice_case.ref}/").content.decode()
    assert hidden.ref not in page
    supervisor = cast.client(cast.supervisor).get(f"/desk/cases/{cast.alice_case.ref}/").content.decode()
    assert hidden.ref in supervisor


def test_it_never_follows_an_off_site_next_after_bulk_assign(cast):
    c = cast.client(cast.supervisor)
    ref = f"{cast.alice_case.ref}@{cast.alice_case.version}"
    for evil in ("https://evil.example/phish", "//evil.example/x", "\\\\evil.example"):
        response = c.post("/desk/bulk-assign/", {"owner": cast.supervisor.pk, "cases": [ref], "next": evil})
        assert response.status_code == 302 and response["Location"] == "/desk/", evil
    ok = c.post("/desk/bulk-assign/", {"owner": cast.supervisor.pk, "cases": [ref], "next": "/desk/?queue=mine"})
    assert ok["Location"] == "/desk/?queue=mine"


def test_it_refuses_a_nul_in_a_call_id_on_every_database(cast):
    response = cast.api(cast.billing_agent).post("/calls", {"call_id": "c\x00-1", "event": "ringing"})
    assert response.status_code == 422 and "call_id" in response.json()["error"]["fields"]


# --- writes need the version ------------------------------------------------------------


# Every API write that demands the case version, with a body valid in all else. The
# document must mark `version` required on exactly these, and the server must answer 409
# version_required without it: the document says what the server does.
VERSIONED = {
    "/cases/{ref}/replies": {"body": "late reply"},
    "/cases/{ref}/assign": {"owner": "bianca"},
    "/cases/{ref}/transfer": {"department": "sales", "summary": "hand-off"},
    "/cases/{ref}/move": {"account_number": "2000002"},
    "/cases/{ref}/escalate": {"reason": "why"},
    "/cases/{ref}/take-escalation": {},
    "/cases/{ref}/resolve": {"note": "done"},
    "/cases/{ref}/reopen": {},
    "/cases/{ref}/priority": {"priority": "high"},
    "/cases/{ref}/tags": {"add": ["refund"]},
    "/cases/{ref}/fields": {"values": {}},
    "/cases/{ref}/macros/{macro_id}/apply": {},
    "/cases/{ref}/merge": {"into": "{other}", "confirm_different_accounts": True},
    "/cases/{ref}/entries/{entry_id}/split": {},
    "/cases/{ref}/unmerge": {"reason": "Not the same request"},
}


def _required_version_operations(doc):
    found = set()
    for path, methods in doc["paths"].items():
        for operation in methods.values():
            schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            component = doc["components"]["schemas"].get(schema.get("$ref", "").rsplit("/", 1)[-1], {})
            version = component.get("properties", {}).get("version")
            if version is None or not path.startswith("/api/v1/cases/{ref}/") or "/credits/" in path:
                continue  # credit requests, recoveries and reviews have versions of their own
            assert "version" in component.get("required", []), (path, "version is optional in the document")
            assert version["type"] == "integer" and "anyOf" not in version, (path, version)
            found.add(path.removeprefix("/api/v1"))
    return found


def test_the_document_marks_the_case_version_required_where_the_server_demands_it(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert _required_version_operations(doc) == set(VERSIONED)
    # Appending a note or a call conflicts with nothing: no version asked, none documented.
    for path in ("/api/v1/cases/{ref}/notes", "/api/v1/cases/{ref}/calls"):
        schema = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert "version" not in doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]["properties"]


@pytest.mark.parametrize("path", list(VERSIONED))
def test_it_refuses_a_case_write_without_the_version(cast, path):
    macro = Macro.objects.create(name="Thanks", scope=Macro.Scope.SHARED, reply="Thanks!", created_by=cast.admin)
    entry = actions.do_add_reply(cast.alice_case, body="And my modem is down", acting_user=cast.alice)
    url = path.format(ref=cast.alice_case.ref, macro_id=macro.pk, entry_id=entry.pk)
    payload = {k: v.format(other=cast.bob_case.ref) if isinstance(v, str) else v for k, v in VERSIONED[path].items()}
    before = cast.fresh(cast.alice_case).version
    response = cast.api(cast.supervisor).post(url, payload)
    assert response.status_code == 409 and response.json()["error"]["code"] == "version_required", response.content
    assert cast.fresh(cast.alice_case).version == before
    # With the version the same body gets past the version check (some then answer for
    # the case's state, e.g. reopening an open case): the 409 was for the version alone.
    response = cast.api(cast.supervisor).post(url, {**payload, "version": before})
    assert response.status_code in (200, 201) or response.json()["error"]["code"] not in VERSION_CODES, response.content


VERSION_CODES = ("version_required", "stale_version")


def test_no_two_api_shapes_share_a_name():
    """The document keys shapes by class name: two classes with one name would show one
    shape for both operations (case resolve was documented as incident resolve's body,
    case notes as a credit withdrawal's)."""
    from ninja import Schema

    import honeydesk.api.urls  # noqa: F401  (every router's shapes are imported)

    def below(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    modules: dict[str, set[str]] = {}
    for shape in below(Schema):
        if shape.__module__.startswith("honeydesk."):
            modules.setdefault(shape.__name__, set()).add(shape.__module__)
    assert {name: found for name, found in modules.items() if len(found) > 1} == {}


def test_it_refuses_a_page_write_without_the_version(cast):
    c = cast.client(cast.billing_agent)
    ref = cast.alice_case.ref
    response = c.post(f"/desk/cases/{ref}/do/take/", {}, headers={"HX-Request": "true"})
    assert "version of the case you saw" in response.content.decode()
    response = c.post(f"/desk/cases/{ref}/compose/", {"mode": "reply", "body": "hi"})
    assert response.status_code == 409
    portal = cast.client(cast.alice).post(f"/portal/cases/{ref}/reply/", {"body": "hello"})
    assert portal.status_code == 409 and "hello" in portal.content.decode(), "the customer's text is kept"
    assert cast.fresh(cast.alice_case).version == cast.alice_case.version


@pytest.mark.django_db(transaction=True)
def test_it_applies_exactly_one_of_ten_simultaneous_transfers():
    cast = make_cast()
    seen = cast.alice_case.version
    barrier = threading.Barrier(10)
    answers: list[int] = []
    lock = threading.Lock()

    def transfer(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            code = (
                cast.api(cast.supervisor)
                .post(
                    f"/cases/{cast.alice_case.ref}/transfer",
                    {"department": "sales" if i % 2 else "repair", "summary": f"hand-off {i}", "version": seen},
                )
                .status_code
            )
        except Exception as exc:  # the thread's failure is the test's answer
            code = repr(exc)  # type: ignore[assignment]
        finally:
            connections.close_all()
        with lock:
            answers.append(code)

    threads = [threading.Thread(target=transfer, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(answers) == [200] + [409] * 9, answers
    assert TimelineEntry.objects.filter(case=cast.alice_case, event="transferred").count() == 1


# --- finding 7: the API document describes the API -------------------------------------


def test_it_documents_every_error_status_with_the_error_shape(client):
    doc = client.get("/api/v1/openapi.json").json()
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            codes = set(responses)
            assert {"401", "422"} <= codes, (method, path, codes)
            if method == "post":
                assert {"404", "413"} <= codes, (method, path, codes)
            for code in codes - {"200", "201", "202"}:
                schema = responses[code]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, code)


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/cases/{ref}/calls", {"body": "Called", "duration_seconds": False}, 422),
        ("/cases/{ref}/calls", {"body": "Called", "public": "yes"}, 422),
        ("/cases/{ref}/take-escalation", None, 400),
        ("/cases/{ref}/take-escalation", [], 400),
        ("/cases/{ref}/replies", {"body": "", "version": 1}, 422),
        ("/cases/{ref}/replies", {"body": "hi", "verison": 1}, 422),
        ("/calls", {"call_id": "c-1", "event": "exploded"}, 422),
        ("/calls", {"call_id": "c-1", "event": "ringing", "at": 0}, 422),
    ],
)
def test_it_refuses_what_the_document_forbids(cast, path, body, status):
    response = cast.api(cast.admin).post(path.format(ref=cast.alice_case.ref), raw=json.dumps(body))
    assert response.status_code == status, response.content


@pytest.mark.parametrize("since", ["0.5", "1700000000", "2026-01-31", "yesterday"])
def test_it_takes_only_rfc3339_times_in_queries(cast, since):
    response = cast.api(cast.admin).get("/cases", updated_since=since)
    assert response.status_code == 422 and "updated_since" in response.json()["error"]["fields"]
    assert cast.api(cast.admin).get("/cases", updated_since="2026-01-31T09:00:00Z").status_code == 200


# --- the audit log ----------------------------------------------------------------------


def test_it_records_token_creation_and_revocation(cast):
    from django.core.management import call_command

    call_command("createtoken", "bianca", "--name", "script", stdout=open("/dev/null", "w"))  # noqa: SIM115
    created = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_CREATED)
    assert "bianca" in created.target and created.actor_name == "honeydesk createtoken"
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    admin = cast.client(cast.admin)
    from honeydesk.accounts.models import ApiToken

    token = ApiToken.objects.get(name="script")
    admin.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked
    revoked = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_REVOKED)
    assert revoked.actor == cast.admin and token.prefix in revoked.target


def test_it_records_role_changes_made_by_an_admin(cast):
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    admin = cast.client(cast.admin)
    agent = cast.billing_agent
    form = {
        "username": agent.username,
        "first_name": agent.first_name,
        "last_name": "",
        "email": agent.email,
        "is_active": "on",
        "role": "supervisor",
        "departments": [cast.billing.pk],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "00:00:00",
    }
    response = admin.post(f"/admin/accounts/user/{agent.pk}/change/", form)
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.get(action=AuditEvent.Action.ROLE_CHANGED)
    assert event.actor == cast.admin and event.data == {"from": "agent", "to": "supervisor"}


def test_it_keeps_the_audit_log_append_only(cast):
    event = audit.record(AuditEvent.Action.EXPORTED, actor=cast.admin, target="something")
    with pytest.raises(AuditAppendOnlyError):
        event.save()
    with pytest.raises(AuditAppendOnlyError):
        event.delete()
    with pytest.raises(AuditAppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(target="else")
    # The database's own trigger refuses (SQLite: RAISE(ABORT); PostgreSQL: RAISE EXCEPTION).
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditevent SET target = 'forged' WHERE id = %s", [event.pk])


def test_it_shows_admins_the_audit_log_read_only(cast):
    audit.record(AuditEvent.Action.EXPORTED, actor=cast.admin, target="record of HD-000001")
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    page = cast.client(cast.admin).get("/admin/accounts/auditevent/")
    assert page.status_code == 200 and "record of HD-000001" in page.content.decode()
    assert cast.client(cast.admin).get("/admin/accounts/auditevent/add/").status_code == 403
    # Staff who are not admins do not reach it.
    assert cast.client(cast.supervisor).get("/admin/accounts/auditevent/").status_code == 302
