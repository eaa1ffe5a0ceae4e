"""Bad input gets a clear message in the one error shape, and nothing is half-saved
(issue 2, points 4 and 6). Bad input never produces a 500."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from honeydesk.accounts.models import Contact, ContactPoint, CustomerAccount
from honeydesk.cases import actions
from honeydesk.cases.models import Attachment, Case, Escalation, TimelineEntry

NEW_CASE = {"account_number": "1000001", "request_type": "billing", "subject": "Double charge", "body": "Twice."}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def at(cast: Any, path: str) -> str:
    """Paths name the cast's cases by placeholder: primary keys differ between databases."""
    return path.format(a=cast.alice_case.ref)


def versioned(cast: Any, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Writes that change a case carry the version the caller saw (issue 19)."""
    if path.startswith("/cases/{a}/") and not path.endswith(("/notes", "/calls")):
        return {**payload, "version": cast.fresh(cast.alice_case).version}
    return payload


def for_path(path: str, **fields: Any) -> dict[str, Any]:
    """Only the fields the endpoint takes: unknown fields are refused (issue 19)."""
    if path == "/cases":
        return {**NEW_CASE, **fields}
    if path.endswith("/resolve"):
        return {"note": fields.pop("body", "done"), **fields}
    return {"body": "x", **fields}


def snapshot() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        TimelineEntry.objects.count(),
        Attachment.objects.count(),
        Escalation.objects.count(),
        CustomerAccount.objects.count(),
        Contact.objects.count(),
        ContactPoint.objects.count(),
    )


@pytest.mark.parametrize(
    ("path", "payload", "fields"),
    [
        ("/cases", {"account_number": "1000001"}, {"request_type", "subject", "body"}),
        ("/cases", {**NEW_CASE, "subject": "  "}, {"subject"}),
        ("/cases", {**NEW_CASE, "body": ""}, {"body"}),
        ("/cases", {**NEW_CASE, "priority": "asap"}, {"priority"}),
        ("/cases", {**NEW_CASE, "subject": "s" * 201}, {"subject"}),
        ("/cases/{a}/replies", {}, {"body"}),
        ("/cases/{a}/replies", {"body": " \n "}, {"body"}),
        ("/cases/{a}/notes", {}, {"body"}),
        ("/cases/{a}/calls", {"body": "x", "direction": "sideways"}, {"direction"}),
        ("/cases/{a}/calls", {"body": "x", "duration_seconds": -5}, {"duration_seconds"}),
        ("/cases/{a}/assign", {}, {"owner"}),
        ("/cases/{a}/transfer", {}, {"department", "summary"}),
        ("/cases/{a}/transfer", {"department": "sales", "summary": ""}, {"summary"}),
        ("/cases/{a}/escalate", {"reason": "   "}, {"reason"}),
        ("/cases/{a}/resolve", {}, {"note"}),
        ("/cases/{a}/resolve", {"note": "", "version": "seven"}, {"version"}),
        ("/accounts", {}, {"number", "name"}),
        ("/accounts", {"number": " ", "name": " "}, {"number", "name"}),
        ("/accounts", {"number": "9" * 33, "name": "Long"}, {"number"}),
        (
            "/accounts",
            {"number": "5", "name": "N", "contacts": [{"name": "C", "emails": ["not-mail"]}]},
            {"contacts.0.emails"},
        ),
        (
            "/accounts",
            {"number": "5", "name": "N", "contacts": [{"name": "C", "phones": ["12"]}]},
            {"contacts.0.phones"},
        ),
        (
            "/accounts",
            {"number": "5", "name": "N", "contacts": [{"name": "C", "emails": ["a" * 250 + "@x.test"]}]},
            {"contacts.0.emails.0"},  # over the schema's 254 characters, so named by position
        ),
        ("/accounts/1000001/contacts", {}, {"name"}),
    ],
)
def test_it_names_each_missing_or_invalid_field(cast, path, payload, fields):
    before = snapshot()
    error = error_of(cast.api(cast.supervisor).post(at(cast, path), payload), 422, "validation_error")
    assert fields <= set(error["fields"]), error
    assert all(error["fields"][f] and all(isinstance(m, str) and m for m in error["fields"][f]) for f in fields)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/cases", {**NEW_CASE, "request_type": "astrology"}, "request_type"),
        ("/cases", {**NEW_CASE, "account_number": "0000000"}, "account_number"),
        ("/cases", {**NEW_CASE, "contact_id": "{bob_contact}"}, "contact_id"),  # not on alice's account
        ("/cases/{a}/transfer", {"department": "narnia", "summary": "x"}, "department"),
        ("/cases/{a}/transfer", {"department": "sales", "summary": "x", "owner": "ghost"}, "owner"),
        ("/cases/{a}/assign", {"owner": "ghost"}, "owner"),
        ("/cases/{a}/assign", {"owner": "alice"}, "owner"),  # a customer cannot own a case
        ("/cases/{a}/assign", {"owner": "rafael"}, "owner"),  # not in Billing
        ("/accounts", {"number": "1000001", "name": "Twin"}, "number"),
        ("/accounts/1000001/contacts", {"name": "Copy", "emails": ["BOB@example.test"]}, "contact"),
    ],
)
def test_it_refuses_unknown_or_unusable_references(cast, path, payload, field):
    payload = {k: (cast.bob_contact.pk if v == "{bob_contact}" else v) for k, v in payload.items()}
    payload = versioned(cast, path, payload)
    before = snapshot()
    error = error_of(cast.api(cast.supervisor).post(at(cast, path), payload), 422, "validation_error")
    assert field in error["fields"], error
    assert snapshot() == before


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "sleeping"}, "status"),
        ({"owner": "ghost"}, "owner"),
        ({"department": "narnia"}, "department"),
        ({"request_type": "astrology"}, "request_type"),
        ({"updated_since": "last tuesday"}, "updated_since"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": base64.urlsafe_b64encode(b"page:2").decode()}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_it_refuses_bad_list_parameters(cast, params, field):
    error = error_of(cast.api(cast.supervisor).get("/cases", **params), 422, "validation_error")
    assert field in error["fields"], error


@pytest.mark.parametrize(
    "path", ["/cases", "/cases/{a}/replies", "/cases/{a}/notes", "/cases/{a}/calls", "/cases/{a}/resolve"]
)
def test_it_refuses_bodies_over_the_size_limit(cast, settings, path):
    settings.MAX_BODY_CHARS = 500
    payload = versioned(cast, path, for_path(path, body="x" * 501))
    before = snapshot()
    error = error_of(cast.api(cast.billing_agent).post(at(cast, path), payload), 422, "validation_error")
    field = "note" if path.endswith("resolve") else "body"
    assert "500" in error["fields"][field][0]
    assert snapshot() == before
    ok = versioned(cast, path, for_path(path, body="x" * 500))
    assert cast.api(cast.billing_agent).post(at(cast, path), ok).status_code in (200, 201)


ATTACHMENT_CASES = {
    "too big": [{"filename": "scan.pdf", "content_type": "application/pdf", "content_base64": b64(b"%" * 2049)}],
    "exe": [{"filename": "setup.exe", "content_type": "application/x-msdownload", "content_base64": b64(b"MZ")}],
    "html": [{"filename": "a.html", "content_type": "text/html", "content_base64": b64(b"<script>")}],
    "no type": [{"filename": "blob", "content_type": "", "content_base64": b64(b"?")}],
    "too many": [
        {"filename": f"{i}.txt", "content_type": "text/plain", "content_base64": b64(b"hi")} for i in range(4)
    ],
    "one bad of two": [
        {"filename": "ok.txt", "content_type": "text/plain", "content_base64": b64(b"fine")},
        {"filename": "bad.exe", "content_type": "application/octet-stream", "content_base64": ""},
    ],
    "bad base64": [{"filename": "a.txt", "content_type": "text/plain", "content_base64": "@@not base64@@"}],
}


@pytest.mark.parametrize("kind", list(ATTACHMENT_CASES))
@pytest.mark.parametrize("path", ["/cases", "/cases/{a}/replies", "/cases/{a}/notes"])
def test_it_refuses_bad_attachments_and_saves_nothing(cast, settings, kind, path):
    settings.MAX_ATTACHMENT_BYTES = 2048
    settings.MAX_ATTACHMENTS_PER_ENTRY = 3
    payload = versioned(cast, path, for_path(path, attachments=ATTACHMENT_CASES[kind]))
    before = snapshot()
    version = cast.fresh(cast.alice_case).version
    error = error_of(cast.api(cast.billing_agent).post(at(cast, path), payload), 422, "validation_error")
    assert any(f.startswith("attachments") for f in error["fields"]), error
    assert snapshot() == before
    assert cast.fresh(cast.alice_case).version == version
    assert not list((settings.MEDIA_ROOT / "attachments").glob("*/*")) if settings.MEDIA_ROOT.exists() else True


def test_it_accepts_an_allowed_attachment(cast, settings):
    settings.MAX_ATTACHMENT_BYTES = 2048
    good = {"filename": "bill.pdf", "content_type": "application/pdf", "content_base64": b64(b"%PDF" * 512)}
    payload = versioned(cast, "/cases/{a}/replies", {"body": "My bill", "attachments": [good]})
    response = cast.api(cast.alice).post(at(cast, "/cases/{a}/replies"), payload)
    assert response.status_code == 201
    assert response.json()["attachments"][0]["size"] == 2048


def test_it_refuses_invalid_transitions(cast):
    supervisor = cast.api(cast.supervisor)
    ref = cast.alice_case.ref

    class api:
        @staticmethod
        def post(path: str, payload: dict[str, Any]) -> Any:
            return supervisor.post(path, {**payload, "version": cast.fresh(cast.alice_case).version})

    error_of(api.post(f"/cases/{ref}/reopen", {}), 409, "invalid_transition")
    error_of(
        api.post(f"/cases/{ref}/transfer", {"department": "billing", "summary": "same"}), 409, "invalid_transition"
    )
    error_of(api.post(f"/cases/{ref}/take-escalation", {}), 409, "invalid_transition")
    assert api.post(f"/cases/{ref}/escalate", {"reason": "angry"}).status_code == 200
    error_of(api.post(f"/cases/{ref}/escalate", {"reason": "angrier"}), 409, "invalid_transition")
    assert api.post(f"/cases/{ref}/resolve", {"note": "done"}).status_code == 200
    before = snapshot()
    error_of(api.post(f"/cases/{ref}/resolve", {"note": "again"}), 409, "invalid_transition")
    error_of(api.post(f"/cases/{ref}/assign", {"owner": "bianca"}), 409, "invalid_transition")
    actions.do_close(cast.alice_case, acting_user=None)
    error_of(api.post(f"/cases/{ref}/resolve", {"note": "closed"}), 409, "invalid_transition")
    error_of(api.post(f"/cases/{ref}/reopen", {}), 409, "invalid_transition")
    error_of(api.post(f"/cases/{ref}/replies", {"body": "staff reply"}), 409, "invalid_transition")
    # Only the close wrote: its "closed" event and the status change.
    assert snapshot()[1:] == (before[1] + 2, *before[2:]), "only the close wrote entries"


@pytest.mark.parametrize(
    "raw",
    ["{bad", "{'single': 'quotes'}", '{"subject": "x",}', "", "[" * 5000, '{"a":' * 5000, "\ufeff{}", "NaN}"],
    ids=["bad", "single-quotes", "trailing-comma", "empty", "deep-array", "deep-object", "bom", "nan"],
)
def test_it_answers_malformed_json_with_400(cast, raw):
    before = snapshot()
    response = cast.api(cast.alice).post("/cases", raw=raw)
    assert response.status_code in (400, 422)
    if raw not in ("", "\ufeff{}"):
        error_of(response, 400, "malformed_request")
    assert snapshot() == before


def test_it_answers_non_utf8_and_non_json_bodies_with_400(cast):
    api = cast.api(cast.alice)
    for body, ctype in (
        (b"\xff\xfe\x00{", "application/json"),
        (b"subject=x&body=y", "application/x-www-form-urlencoded"),
    ):
        response = api.client.post("/api/v1/cases", body, content_type=ctype, headers=api.headers)
        error_of(response, 400, "malformed_request")


def test_it_answers_a_request_over_the_upload_limit_in_the_error_shape(cast, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = cast.api(cast.alice).post("/cases", {**NEW_CASE, "body": "y" * 2000})
    error_of(response, 413, "too_large")


GARBAGE: list[Any] = [
    None,
    [],
    [1, 2],
    "text",
    42,
    True,
    {"": ""},
    {"body": None},
    {"body": 12},
    {"body": ["a"]},
    {"body": {"nested": "dict"}},
    {
        "body": "nul \x00 byte",
        "note": "nul\x00",
        "reason": "\x00",
        "summary": "\x00",
        "owner": "\x00",
        "department": "\x00",
        "name": "\x00",
        "number": "\x00",
    },
    {**NEW_CASE, "subject": "a\x00b"},
    {**NEW_CASE, "facts": {"k\x00": "v"}},
    {**NEW_CASE, "facts": ["x"]},
    {**NEW_CASE, "contact_id": 10**30},
    {**NEW_CASE, "contact_id": -1},
    {**NEW_CASE, "account_number": 10**40},
    {**NEW_CASE, "goal": "g" * 100_000},
    {**NEW_CASE, "channel": "pigeon"},
    {**NEW_CASE, "attachments": "x"},
    {**NEW_CASE, "attachments": [{"filename": None}]},
    {"body": "x", "version": 10**30},
    {"body": "x", "version": -1},
    {"body": "x", "duration_seconds": 10**30},
    {"number": "8", "name": "N", "services": [None]},
    {"number": "8", "name": "N", "contacts": [{"name": "x\x00"}]},
    {"number": "8", "name": "N", "contacts": [{"name": "x", "emails": ["a@b.test", "A@B.test"]}]},
    {"number": "8", "name": "N", "contacts": [{"name": "x", "phones": ["4155550199", "+1 (415) 555-0199"]}]},
    {"number": "8", "name": "N", "contacts": [{"name": "x", "emails": ["\x00@b.test"], "phones": ["\x00"]}]},
    {"owner": "bianca", "department": "sales", "summary": "s" * 6000, "reason": "r" * 3000},
    {"body": "🐝" * 1000, "note": "é" * 10, "reason": "‮rtl", "summary": "\u200b", "owner": "бьянка"},
]
POSTS = [
    "/cases",
    "/cases/{a}/replies",
    "/cases/{a}/notes",
    "/cases/{a}/calls",
    "/cases/{a}/assign",
    "/cases/{a}/transfer",
    "/cases/{a}/escalate",
    "/cases/{a}/take-escalation",
    "/cases/{a}/resolve",
    "/cases/{a}/reopen",
    "/accounts",
    "/accounts/1000001/contacts",
]
GETS = [
    ("/cases", {"status": "\x00"}),
    ("/cases", {"owner": "a\x00"}),
    ("/cases", {"department": "\x00"}),
    ("/cases", {"request_type": "\x00"}),
    ("/cases", {"cursor": "aWQ6" + "9" * 40}),
    ("/cases", {"cursor": "\x00"}),
    ("/cases", {"cursor": base64.urlsafe_b64encode(b"id:99999999999999999999999").decode()}),
    ("/cases", {"limit": 10**30}),
    ("/cases", {"updated_since": "9999-99-99"}),
    ("/cases/HD-" + "9" * 40, {}),
    ("/cases/%00", {}),
    ("/cases/{a}%00/timeline", {}),
    ("/accounts", {"email": "a\x00@b"}),
    ("/accounts", {"phone": "\x00"}),
    ("/accounts", {"number": "\x00"}),
    ("/accounts", {"email": "x" * 5000}),
    ("/accounts/1%00", {}),
    ("/accounts/" + "9" * 300, {}),
    ("/contacts/" + "9" * 40, {}),
    ("/contacts/-1", {}),
    ("/contacts/abc", {}),
]


@pytest.mark.parametrize("who", ["alice", "sam"])
def test_it_never_answers_garbage_with_a_500(cast, who):
    api = cast.api(cast.alice if who == "alice" else cast.supervisor)
    for path in POSTS:
        for payload in GARBAGE:
            response = api.post(at(cast, path), raw=json.dumps(payload))
            assert response.status_code < 500, (path, payload, response.content[:300])
            if response.status_code >= 400:
                error_of(response, response.status_code, response.json()["error"]["code"])
    for path, params in GETS:
        response = api.get(at(cast, path), **params)
        assert response.status_code < 500, (path, params, response.content[:300])
        assert response.status_code in (200, 404, 422), (path, params)
