"""Missed and abandoned calls become call-back tasks: promises with a due time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from honeydesk.cases.models import TimelineEntry
from honeydesk.channels.phone.models import CallbackTask
from honeydesk.channels.phone.policy import callback_due
from honeydesk.policy.calendars import hours_for

WEDNESDAY_10 = datetime(2025, 3, 12, 10, 0, tzinfo=UTC)


def call(cast: Any, user: Any = None, **fields: Any) -> Any:
    return cast.api(user or cast.billing_agent).post("/calls", fields)


def listed(cast: Any, user: Any, **params: Any) -> list[dict[str, Any]]:
    r = cast.api(user).get("/callbacks", **params)
    assert r.status_code == 200, r.json()
    return r.json()["items"]


@pytest.fixture
def wednesday(settings):
    settings.TIME_ZONE = "UTC"
    with time_machine.travel(WEDNESDAY_10, tick=False) as traveller:
        yield traveller


def test_it_creates_a_callback_task_for_a_missed_call(cast, wednesday):
    r = call(cast, call_id="m-1", event="missed", caller="(415) 555-0101", queue="billing", wait_seconds=95)
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["case"] == cast.alice_case.ref and body["callback_task"] is not None
    task = CallbackTask.objects.get(pk=body["callback_task"])
    assert task.department == cast.billing
    assert task.reason == "missed"
    assert task.phone == "+14155550101"
    assert task.contact == cast.alice_contact
    assert task.case == cast.alice_case
    assert task.due_at == datetime(2025, 3, 12, 12, 0, tzinfo=UTC)  # two business hours
    # An internal note on the case says what happened and what is owed.
    note = TimelineEntry.objects.get(pk=body["entry_id"])
    assert note.kind == "note" and note.visibility == "internal"
    assert "Missed call" in note.body and f"#{task.pk}" in note.body and "12:00" in note.body


def test_it_creates_an_abandoned_callback_even_without_a_case(cast, wednesday):
    r = call(cast, call_id="m-2", event="abandoned", caller="+1 415 555 0909", queue="repair", wait_seconds=300)
    body = r.json()
    assert body["case"] is None and body["entry_id"] is None
    task = CallbackTask.objects.get(pk=body["callback_task"])
    assert task.reason == "abandoned" and task.department == cast.repair and task.contact is None


def test_it_lists_callbacks_for_the_right_department_only(cast, wednesday):
    billing = call(cast, call_id="m-3", event="missed", caller="+14155550101", queue="billing").json()
    repair = call(cast, call_id="m-4", event="missed", caller="+14155550202", queue="repair").json()
    assert [t["id"] for t in listed(cast, cast.billing_agent)] == [billing["callback_task"]]
    assert [t["id"] for t in listed(cast, cast.repair_agent)] == [repair["callback_task"]]
    assert listed(cast, cast.repair_agent, department="billing") == []
    for boss in (cast.supervisor, cast.admin):
        assert {t["id"] for t in listed(cast, boss)} == {billing["callback_task"], repair["callback_task"]}
        assert [t["id"] for t in listed(cast, boss, department="billing")] == [billing["callback_task"]]
    item = listed(cast, cast.billing_agent)[0]
    assert item["department"] == "billing" and item["case"] == cast.alice_case.ref
    assert item["phone"] == "+14155550101" and item["overdue"] is False
    assert item["due_at"].startswith("2025-03-12T12:00")


def test_it_lists_overdue_callbacks(cast, wednesday):
    call(cast, call_id="m-5", event="missed", caller="+14155550101", queue="billing")
    assert listed(cast, cast.supervisor, overdue="true") == []
    wednesday.move_to(datetime(2025, 3, 12, 12, 1, tzinfo=UTC))
    [late] = listed(cast, cast.supervisor, overdue="true")
    assert late["overdue"] is True
    assert listed(cast, cast.repair_agent, overdue="true") == []


def test_it_folds_repeated_missed_calls_into_one_promise(cast, wednesday):
    first = call(cast, call_id="m-6", event="missed", caller="+14155550101", queue="billing").json()
    wednesday.shift(3600)
    second = call(cast, call_id="m-7", event="abandoned", caller="415 555 0101", queue="billing").json()
    assert first["callback_task"] == second["callback_task"]
    task = CallbackTask.objects.get(pk=first["callback_task"])
    assert task.attempts == 2
    assert task.due_at == datetime(2025, 3, 12, 12, 0, tzinfo=UTC)  # the first promise stands


def test_it_counts_due_time_from_the_call_time_the_cti_reports(cast, wednesday):
    r = call(
        cast, call_id="m-8", event="missed", caller="+14155550101", queue="billing", at="2025-03-11T16:30:00Z"
    ).json()
    task = CallbackTask.objects.get(pk=r["callback_task"])
    assert task.due_at == datetime(2025, 3, 12, 10, 30, tzinfo=UTC)


def test_it_creates_no_callback_for_a_withheld_number(cast, wednesday):
    r = call(cast, call_id="m-9", event="missed", caller="anonymous", queue="billing").json()
    assert r["callback_task"] is None
    assert not CallbackTask.objects.exists()


def test_it_places_due_times_within_business_hours(settings, db):
    settings.TIME_ZONE = "UTC"

    def utc(*args: int) -> datetime:
        return datetime(*args, tzinfo=UTC)

    assert callback_due(utc(2025, 3, 12, 10, 0)) == utc(2025, 3, 12, 12, 0)
    assert callback_due(utc(2025, 3, 12, 7, 0)) == utc(2025, 3, 12, 11, 0)  # before opening
    assert callback_due(utc(2025, 3, 12, 16, 0)) == utc(2025, 3, 13, 10, 0)  # spills to next morning
    assert callback_due(utc(2025, 3, 14, 16, 30)) == utc(2025, 3, 17, 10, 30)  # Friday -> Monday
    assert callback_due(utc(2025, 3, 15, 12, 0)) == utc(2025, 3, 17, 11, 0)  # Saturday
    assert callback_due(utc(2025, 3, 12, 20, 0)) == utc(2025, 3, 13, 11, 0)  # after closing
    assert hours_for(None).add_hours(utc(2025, 3, 12, 10, 0), 10) == utc(2025, 3, 13, 12, 0)
    settings.CALLBACK_DUE_BUSINESS_HOURS = 1
    assert callback_due(utc(2025, 3, 12, 10, 0)) == utc(2025, 3, 12, 11, 0)


def test_it_counts_business_hours_in_the_desks_time_zone(settings, db):
    settings.TIME_ZONE = "America/Los_Angeles"
    # 00:30 UTC on Thursday is 17:30 on Wednesday in San Francisco: after closing.
    due = callback_due(datetime(2025, 3, 13, 0, 30, tzinfo=UTC))
    assert due == datetime(2025, 3, 13, 18, 0, tzinfo=UTC)  # 11:00 PDT


def test_it_records_the_outcome_of_a_callback(cast, wednesday):
    r = call(cast, call_id="m-10", event="missed", caller="+14155550101", queue="billing").json()
    task_id = r["callback_task"]
    wednesday.shift(1800)
    done = cast.api(cast.billing_agent).post(
        f"/callbacks/{task_id}/done", {"outcome": "reached", "note": "Refund explained."}
    )
    assert done.status_code == 200, done.json()
    body = done.json()
    assert body["outcome"] == "reached" and body["done_by"] == "bianca" and body["kept"] is True
    assert body["owner"] == "bianca"
    task = CallbackTask.objects.get(pk=task_id)
    assert task.done_at is not None and task.outcome_note == "Refund explained."
    entry = TimelineEntry.objects.filter(case=cast.alice_case, kind="call").get()
    assert entry.data["direction"] == "outbound" and entry.data["callback_task"] == task_id
    assert entry.author == cast.billing_agent and "Refund explained." in entry.body
    # Done tasks leave the open list, and a promise is recorded once.
    assert listed(cast, cast.billing_agent) == []
    assert [t["id"] for t in listed(cast, cast.billing_agent, status="done")] == [task_id]
    again = cast.api(cast.billing_agent).post(f"/callbacks/{task_id}/done", {"outcome": "reached"})
    assert again.status_code == 409


def test_it_notes_a_callback_that_was_not_needed(cast, wednesday):
    r = call(cast, call_id="m-11", event="missed", caller="+14155550101", queue="billing").json()
    wednesday.shift(5 * 3600)
    done = cast.api(cast.supervisor).post(f"/callbacks/{r['callback_task']}/done", {"outcome": "not_needed"})
    assert done.json()["kept"] is False  # recorded after it was due
    note = TimelineEntry.objects.filter(case=cast.alice_case, kind="note").order_by("-id").first()
    assert "not needed" in note.body


def test_it_rejects_an_unknown_outcome(cast, wednesday):
    r = call(cast, call_id="m-12", event="missed", caller="+14155550101", queue="billing").json()
    bad = cast.api(cast.billing_agent).post(f"/callbacks/{r['callback_task']}/done", {"outcome": "meh"})
    assert bad.status_code == 422 and "outcome" in bad.json()["error"]["fields"]
    missing = cast.api(cast.billing_agent).post(f"/callbacks/{r['callback_task']}/done", {})
    assert missing.status_code == 422 and "outcome" in missing.json()["error"]["fields"]
    assert CallbackTask.objects.get(pk=r["callback_task"]).done_at is None


def test_it_hides_callbacks_from_customers_and_other_departments(cast, wednesday):
    r = call(cast, call_id="m-13", event="missed", caller="+14155550101", queue="billing").json()
    path = f"/callbacks/{r['callback_task']}/done"
    for outsider in (cast.alice, cast.bob):
        assert cast.api(outsider).get("/callbacks").status_code == 404
        assert cast.api(outsider).post(path, {"outcome": "reached"}).status_code == 404
    assert cast.api(cast.repair_agent).post(path, {"outcome": "reached"}).status_code == 404
    assert cast.api(cast.billing_agent).post("/callbacks/999999/done", {"outcome": "reached"}).status_code == 404
    assert cast.api(None).get("/callbacks").status_code == 401
    assert CallbackTask.objects.get(pk=r["callback_task"]).done_at is None


def test_it_rejects_bad_list_filters(cast):
    assert cast.api(cast.admin).get("/callbacks", department="nowhere").status_code == 422
    assert cast.api(cast.admin).get("/callbacks", limit=0).status_code == 422
    assert cast.api(cast.admin).get("/callbacks", overdue="maybe").status_code == 422
    assert cast.api(cast.admin).get("/callbacks", status="lost").status_code == 422


def test_it_lists_callbacks_in_a_constant_number_of_queries(cast, wednesday):
    def count() -> int:
        api = cast.api(cast.supervisor)
        api.get("/callbacks")  # warm the token's last-used stamp
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/callbacks").status_code == 200
        return len(ctx.captured_queries)

    call(cast, call_id="q-0", event="missed", caller="+14155550101", queue="billing")
    one = count()
    for i in range(1, 6):
        call(cast, call_id=f"q-{i}", event="missed", caller=f"+1415555090{i}", queue="repair")
    assert count() == one
