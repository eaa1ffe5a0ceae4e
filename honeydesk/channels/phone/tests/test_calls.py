"""POST /api/v1/calls: call events from the telephony system onto the timeline."""

from __future__ import annotations

from typing import Any

import pytest

from honeydesk.accounts.actions import ContactData, do_add_contact, find_contact_by_point
from honeydesk.accounts.models import ContactPoint
from honeydesk.cases.models import Case, Status, TimelineEntry
from honeydesk.channels.phone.inbound import UNIDENTIFIED_ACCOUNT_NUMBER
from honeydesk.channels.phone.models import CallbackTask, CallEvent

RECORDING = "https://pbx.example.test/recordings/abc.mp3"


def call(cast: Any, user: Any = None, **fields: Any) -> Any:
    return cast.api(user or cast.billing_agent).post("/calls", fields)


def call_entries(case: Case) -> list[TimelineEntry]:
    return list(TimelineEntry.objects.filter(case=case, kind=TimelineEntry.Kind.CALL))


def test_it_matches_callers_however_the_number_is_written(cast):
    for raw in ("(415) 555-0101", "+1 415 555 0101", "415.555.0101", "+14155550101"):
        assert find_contact_by_point(ContactPoint.Kind.PHONE, raw) == cast.alice_contact
    first = call(cast, call_id="c-1", event="ended", caller="(415) 555-0101", queue="billing", talk_seconds=60)
    second = call(cast, call_id="c-2", event="ended", caller="+1 415 555 0101", queue="billing", talk_seconds=90)
    assert first.status_code == 201, first.json()
    assert first.json()["case"] == second.json()["case"] == cast.alice_case.ref
    assert CallEvent.objects.get(call_id="c-1", event="ended").contact == cast.alice_contact


def test_it_logs_an_answered_call_on_the_callers_open_case(cast):
    r = call(
        cast,
        call_id="c-10",
        event="answered",
        caller="(415) 555-0101",
        queue="billing",
        agent="bianca",
        wait_seconds=42,
        talk_seconds=300,
        recording_url=RECORDING,
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body == {
        "call_id": "c-10",
        "event": "answered",
        "case": cast.alice_case.ref,
        "entry_id": body["entry_id"],
        "callback_task": None,
        "duplicate": False,
    }
    [entry] = call_entries(cast.alice_case)
    assert entry.pk == body["entry_id"]
    assert entry.channel == "phone"
    assert entry.author == cast.billing_agent
    assert entry.visibility == TimelineEntry.Visibility.PUBLIC
    assert entry.data["call_id"] == "c-10"
    assert entry.data["queue"] == "billing"
    assert entry.data["wait_seconds"] == 42
    assert entry.data["talk_seconds"] == 300
    assert entry.data["recording_url"] == RECORDING
    assert entry.data["phone"] == "+14155550101"
    assert entry.data["direction"] == "inbound"
    # The staff timeline through the API shows it too.
    timeline = cast.api(cast.billing_agent).get(f"/cases/{cast.alice_case.ref}/timeline").json()
    assert [e["id"] for e in timeline if e["kind"] == "call"] == [entry.pk]


def test_it_writes_one_entry_per_call_across_its_events(cast):
    ringing = call(cast, call_id="c-20", event="ringing", caller="+14155550101", queue="billing").json()
    assert ringing["case"] is None and ringing["entry_id"] is None
    answered = call(cast, call_id="c-20", event="answered", agent="bianca", wait_seconds=5).json()
    assert answered["entry_id"] is None  # talk time not known yet
    ended = call(cast, call_id="c-20", event="ended", talk_seconds=120).json()
    assert ended["case"] == cast.alice_case.ref
    [entry] = call_entries(cast.alice_case)
    assert entry.pk == ended["entry_id"]
    # The ended event took caller, queue and agent from the earlier events of the call.
    assert entry.author == cast.billing_agent
    assert entry.data["queue"] == "billing"

    # Answered with talk time logs at once; the ended event points at the same entry.
    first = call(cast, call_id="c-21", event="answered", caller="+14155550101", queue="billing", talk_seconds=30).json()
    last = call(cast, call_id="c-21", event="ended", talk_seconds=95).json()
    assert first["entry_id"] is not None
    assert last["entry_id"] == first["entry_id"]
    assert len(call_entries(cast.alice_case)) == 2


def test_it_points_the_end_of_the_wrap_up_at_the_call_log_and_adds_no_entry(cast):
    ended = call(cast, call_id="c-22", event="ended", caller="+14155550101", queue="billing", talk_seconds=60).json()
    entries = TimelineEntry.objects.filter(case=cast.alice_case).count()
    r = call(cast, call_id="c-22", event="wrapup_ended", wrapup_seconds=75)
    assert r.status_code == 201, r.json()
    assert r.json()["entry_id"] == ended["entry_id"] and r.json()["case"] == cast.alice_case.ref
    assert TimelineEntry.objects.filter(case=cast.alice_case).count() == entries
    stored = CallEvent.objects.get(call_id="c-22", event="wrapup_ended")
    assert stored.wrapup_seconds == 75 and stored.caller_e164 == "+14155550101"  # from the call's events
    # Delivered again: the same answer, nothing new.
    again = call(cast, call_id="c-22", event="wrapup_ended", wrapup_seconds=75)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    # The wrap-up of a call never answered has no call log to point at.
    missed = call(cast, call_id="c-23", event="wrapup_ended", caller="+14155550101")
    assert missed.status_code == 201 and missed.json()["entry_id"] is None


def test_it_opens_a_new_case_for_a_caller_without_an_active_case(cast):
    carol = do_add_contact(cast.bob_account, ContactData("Carol Cole", [], ["+1 415 555 0303"]), acting_user=None)
    r = call(
        cast,
        call_id="c-30",
        event="ended",
        caller="415-555-0303",
        queue="Billing",
        agent="bianca",
        wait_seconds=12,
        talk_seconds=240,
    )
    assert r.status_code == 201, r.json()
    case = Case.objects.get(pk=int(r.json()["case"].removeprefix("HD-")))
    assert case.pk not in (cast.alice_case.pk, cast.bob_case.pk)
    assert case.contact == carol
    assert case.account == cast.bob_account
    assert case.request_type == cast.billing_type  # the queue named the department
    assert case.channel == "phone"
    assert case.owner == cast.billing_agent  # the agent who answered owns it
    assert case.status == Status.OPEN
    assert [e.pk for e in call_entries(case)] == [r.json()["entry_id"]]


def test_it_routes_a_call_to_another_department_to_a_new_case_there(cast):
    # Alice's open case is about billing; her call to the repair line is about a repair.
    r = call(
        cast, call_id="c-31", event="ended", caller="+14155550101", queue="repair", agent="rafael", talk_seconds=60
    ).json()
    case = Case.objects.get(pk=int(r["case"].removeprefix("HD-")))
    assert case != cast.alice_case
    assert case.department == cast.repair and case.owner == cast.repair_agent
    assert call_entries(cast.alice_case) == []


def test_it_uses_the_most_recent_active_case_when_the_queue_names_nothing(cast):
    r = call(cast, call_id="c-32", event="ended", caller="+14155550101", queue="main-ivr", talk_seconds=60)
    assert r.json()["case"] == cast.alice_case.ref


def test_it_does_not_make_an_agent_own_a_case_outside_their_departments(cast):
    carol = do_add_contact(cast.bob_account, ContactData("Carol Cole", [], ["+14155550303"]), acting_user=None)
    r = call(
        cast, call_id="c-33", event="ended", caller="+14155550303", queue="billing", agent="rafael", talk_seconds=60
    ).json()
    case = Case.objects.get(pk=int(r["case"].removeprefix("HD-")))
    assert case.contact == carol and case.owner is None and case.status == Status.NEW
    assert call_entries(case)[0].author == cast.repair_agent


def test_it_puts_unknown_callers_on_the_unidentified_callers_account(cast):
    first = call(cast, call_id="c-40", event="ended", caller="+44 20 7946 0958", talk_seconds=50).json()
    case = Case.objects.get(pk=int(first["case"].removeprefix("HD-")))
    assert case.account.number == UNIDENTIFIED_ACCOUNT_NUMBER
    assert case.contact is None
    assert "+442079460958" in case.subject
    # The next call from the same number lands on the same active case.
    again = call(cast, call_id="c-41", event="ended", caller="+442079460958", talk_seconds=20).json()
    assert again["case"] == first["case"]
    assert len(call_entries(case)) == 2
    # Withheld numbers get a case per call: there is nothing to match on.
    w1 = call(cast, call_id="c-42", event="ended", caller="anonymous", talk_seconds=20).json()
    w2 = call(cast, call_id="c-43", event="ended", talk_seconds=20).json()
    assert len({w1["case"], w2["case"], first["case"]}) == 3


def test_it_keeps_an_agent_name_that_is_not_staff_and_still_logs_the_call(cast):
    r = call(
        cast, call_id="c-44", event="ended", caller="+14155550101", queue="billing", agent="ext-2041", talk_seconds=60
    ).json()
    entry = TimelineEntry.objects.get(pk=r["entry_id"])
    assert entry.author == cast.billing_agent  # the poster acts
    assert entry.data["agent"] == "ext-2041"
    # A customer's username is not an agent either.
    r = call(
        cast, call_id="c-45", event="ended", caller="+14155550101", queue="billing", agent="alice", talk_seconds=60
    ).json()
    assert TimelineEntry.objects.get(pk=r["entry_id"]).author == cast.billing_agent


def test_it_is_idempotent_for_repeated_deliveries(cast):
    event = {"call_id": "c-50", "event": "ended", "caller": "+14155550101", "queue": "billing", "talk_seconds": 80}
    first = call(cast, **event)
    entries_before = TimelineEntry.objects.count()
    second = call(cast, **event)
    third = call(cast, cast.admin, **{**event, "talk_seconds": 999})  # same key, different body
    assert first.status_code == 201
    assert second.status_code == third.status_code == 200
    assert second.json() == third.json() == {**first.json(), "duplicate": True}
    assert TimelineEntry.objects.count() == entries_before
    assert CallEvent.objects.filter(call_id="c-50").count() == 1

    missed = {"call_id": "c-51", "event": "missed", "caller": "+14155550101", "queue": "billing"}
    m1, m2 = call(cast, **missed).json(), call(cast, **missed).json()
    assert m2 == {**m1, "duplicate": True}
    assert CallbackTask.objects.count() == 1


def test_it_records_ringing_only(cast):
    before = TimelineEntry.objects.count()
    r = call(cast, call_id="c-60", event="ringing", caller="+14155550101", queue="billing")
    assert r.status_code == 201
    assert r.json() == {
        "call_id": "c-60",
        "event": "ringing",
        "case": None,
        "entry_id": None,
        "callback_task": None,
        "duplicate": False,
    }
    assert TimelineEntry.objects.count() == before
    assert CallEvent.objects.get(call_id="c-60").caller_e164 == "+14155550101"


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_it_answers_404_to_customers_posting_calls(cast, user):
    r = call(cast, getattr(cast, user), call_id="c-70", event="ended", caller="+14155550101", talk_seconds=5)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    assert not CallEvent.objects.exists()


def test_it_answers_401_without_a_token(cast):
    r = cast.api(None).post("/calls", {"call_id": "c-71", "event": "ringing"})
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"caller": "not a number"}, "caller"),
        ({"caller": "123"}, "caller"),
        ({"event": "exploded"}, "event"),
        ({"wait_seconds": -1}, "wait_seconds"),
        ({"talk_seconds": -5}, "talk_seconds"),
        ({"talk_seconds": 10**9}, "talk_seconds"),
        ({"talk_seconds": "lots"}, "talk_seconds"),
        ({"recording_url": "ftp://pbx.example.test/a.mp3"}, "recording_url"),
        ({"recording_url": "javascript:alert(1)"}, "recording_url"),
        ({"recording_url": "https://"}, "recording_url"),
        ({"call_id": ""}, "call_id"),
        ({"call_id": "x" * 101}, "call_id"),
        ({"at": "yesterday-ish"}, "at"),
        ({"queue": "q" * 81}, "queue"),
        ({"wrapup_seconds": 30}, "wrapup_seconds"),  # with wrapup_ended only
        ({"event": "wrapup_ended", "wrapup_seconds": -1}, "wrapup_seconds"),
        ({"event": "wrapup_ended", "wrapup_seconds": 10**9}, "wrapup_seconds"),
        ({"event": "wrapup_ended", "wrapup_seconds": "long"}, "wrapup_seconds"),
    ],
)
def test_it_rejects_bad_input_with_field_messages(cast, fields, field):
    body = {"call_id": "c-80", "event": "ended", "caller": "+14155550101", "talk_seconds": 10, **fields}
    r = call(cast, **body)
    assert r.status_code == 422, r.json()
    error = r.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"] and error["fields"][field][0]
    assert not CallEvent.objects.exists()


def test_it_reports_every_bad_field_at_once(cast):
    # (A negative wait is refused by the schema itself, before these checks: issue 19.)
    r = call(cast, call_id="c-81", event="ended", caller="nope", recording_url="file:///etc/passwd", wait_seconds=3)
    assert r.status_code == 422
    assert {"caller", "recording_url"} <= set(r.json()["error"]["fields"])


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", "null", '"ringing"', "{}"])
def test_it_never_answers_500_to_malformed_bodies(cast, raw):
    r = cast.api(cast.billing_agent).post("/calls", raw=raw)
    assert r.status_code in (400, 422), (raw, r.status_code)
    assert "error" in r.json()


def test_it_answers_a_concurrent_duplicate_as_the_first_delivery(cast, monkeypatch):
    from honeydesk.channels.phone import inbound as actions

    event = {"call_id": "c-90", "event": "ended", "caller": "+14155550101", "queue": "billing", "talk_seconds": 8}
    first = call(cast, **event).json()
    # The second delivery checks before the first has committed, then loses the unique key.
    real = actions._stored
    misses = iter([None])
    monkeypatch.setattr(actions, "_stored", lambda *a: next(misses, None) or real(*a))
    second = call(cast, **event)
    assert second.status_code == 200
    assert second.json() == {**first, "duplicate": True}
    assert len(call_entries(cast.alice_case)) == 1


def test_it_documents_the_phone_endpoints(cast):
    paths = cast.api(cast.admin).get("/openapi.json").json()["paths"]
    assert {"/api/v1/calls", "/api/v1/callbacks", "/api/v1/callbacks/{task_id}/done"} <= set(paths)
    schema = cast.api(cast.admin).get("/openapi.json").json()["components"]["schemas"]["CallEventIn"]
    assert "wrapup_ended" in schema["properties"]["event"]["enum"]
    assert "after-call work" in schema["properties"]["wrapup_seconds"]["description"]
