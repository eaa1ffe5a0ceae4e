"""Call-backs are promises: made in the composer, offered after a reply that promises,
asked for by the customer within business hours; kept by a call or reply in time,
broken when overdue; reminders told once; the kept-promise rate counted in one place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from honeydesk.cases import actions
from honeydesk.cases.models import TimelineEntry
from honeydesk.channels.phone import callbacks
from honeydesk.channels.phone.models import CallbackTask
from honeydesk.notifications.models import Notification


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def monday(settings):
    settings.TIME_ZONE = "UTC"
    with time_machine.travel(utc(2025, 3, 17, 10, 0), tick=False) as traveller:
        yield traveller


def promise(cast, due: datetime, **extra) -> CallbackTask:
    return callbacks.do_promise_callback(cast.alice_case, due_at=due, acting_user=cast.billing_agent, **extra)


def test_it_records_a_call_back_promised_from_the_composer(monday, cast):
    c = cast.client(cast.billing_agent)
    url = f"/desk/cases/{cast.alice_case.ref}/"
    page = c.get(url).content.decode()
    assert 'id="callback-box"' in page and 'value="+14155550101"' in page
    assert 'value="2025-03-17T12:00"' in page  # two business hours from now by default
    response = c.post(f"{url}callbacks/", {"due_at": "2025-03-17T15:00", "phone": "", "about": "Refund"})
    assert response.status_code == 302
    task = CallbackTask.objects.get()
    assert task.due_at == utc(2025, 3, 17, 15, 0) and task.phone == "+14155550101" and task.reason == "promised"
    assert task.owner == task.promised_by == cast.billing_agent and task.promise_state == "open"
    event = TimelineEntry.objects.get(case=cast.alice_case, event="callback_promised")
    assert event.visibility == "internal" and "Bianca promised to call +14155550101" in event.body
    queue = c.get("/desk/callbacks/?tab=mine").content.decode()
    assert f'id="callback-{task.pk}"' in queue and "Mon 17 Mar 15:00" in queue
    bad = c.post(f"{url}callbacks/", {"due_at": "2025-03-17T09:00"})  # in the past
    assert "must be due in the future" in bad.content.decode() or bad.status_code == 422
    assert CallbackTask.objects.count() == 1


def test_it_defaults_the_picker_to_the_time_the_customer_named(monday, cast):
    actions.do_add_reply(cast.alice_case, body="Please call me after 3pm, I'm at work.", acting_user=cast.alice)
    page = cast.client(cast.billing_agent).get(f"/desk/cases/{cast.alice_case.ref}/").content.decode()
    assert 'value="2025-03-17T15:00"' in page


@pytest.mark.parametrize("earlier_tasks", [0, 12])
def test_the_picker_defaults_to_the_call_the_customer_asked_for_read_once(monday, cast, earlier_tasks):
    """The case page reads the call-back tasks and the contact points once for all its
    panels; with more tasks than it lists, the customer's asked-for time is still found."""
    callbacks.do_request_callback(
        cast.alice_case, when=utc(2025, 3, 18, 9, 30), acting_user=cast.alice, phone="+1 415 555 0101"
    )
    for n in range(earlier_tasks):
        promise(cast, utc(2025, 3, 17, 11, 0) + timedelta(minutes=n))
    c = cast.client(cast.billing_agent)
    url = f"/desk/cases/{cast.alice_case.ref}/"
    c.get(url)
    with CaptureQueriesContext(connection) as ctx:
        page = c.get(url).content.decode()
    assert 'value="2025-03-18T09:30"' in page and 'value="+14155550101"' in page
    sql = [q["sql"] for q in ctx.captured_queries]
    assert len([q for q in sql if 'FROM "accounts_contactpoint"' in q]) == 1, sql
    task_reads = [q for q in sql if 'FROM "phone_channel_callbacktask"' in q]
    assert len(task_reads) == (1 if earlier_tasks < 10 else 2), task_reads
    assert not [q for q in sql if '"accounts_department"."slug" =' in q]  # no threat to leave: no look-up


def test_it_offers_to_record_a_promise_made_in_a_reply_and_records_it_only_when_confirmed(monday, cast):
    c = cast.client(cast.billing_agent)
    url = f"/desk/cases/{cast.alice_case.ref}/"
    body = "Alice, I'll call you back by 3pm with the refund details."
    c.post(f"{url}compose/", {"mode": "reply", "body": body, "version": cast.fresh(cast.alice_case).version})
    page = c.get(url).content.decode()
    assert "Your reply makes a promise" in page and "Mon 17 Mar 15:00" in page
    assert not CallbackTask.objects.exists(), "never recorded silently"
    assert "Your reply makes a promise" not in cast.client(cast.supervisor).get(url).content.decode()
    entry = TimelineEntry.objects.filter(case=cast.alice_case, kind="outbound").get()
    c.post(f"{url}callbacks/", {"due_at": "2025-03-17T15:00", "entry_id": entry.pk, "about": "by 3pm"})
    task = CallbackTask.objects.get()
    assert task.due_at == utc(2025, 3, 17, 15, 0) and task.promised_by == cast.billing_agent
    assert "Your reply makes a promise" not in c.get(url).content.decode()


def test_it_lets_a_customer_ask_for_a_call_within_business_hours_only(monday, cast):
    c = cast.client(cast.alice)
    url = f"/portal/cases/{cast.alice_case.ref}/"
    assert 'id="call-me"' in c.get(url).content.decode()
    late = c.post(f"{url}call-me/", {"when": "2025-03-17T19:30", "phone": "+1 415 555 0101"})
    assert late.status_code == 422
    text = late.content.decode()
    assert "We call during business hours: Mon-Fri 09:00-17:00 (UTC)" in text
    assert "Mon 17 Mar 19:30 is outside them; the next time we are open is Tue 18 Mar 09:00" in text
    saturday = c.post(f"{url}call-me/", {"when": "2025-03-22T11:00", "phone": "+1 415 555 0101"})
    assert saturday.status_code == 422 and "Mon 24 Mar 09:00" in saturday.content.decode()
    assert not CallbackTask.objects.exists()
    ok = c.post(f"{url}call-me/", {"when": "2025-03-18T09:30", "phone": "", "note": "After school run"})
    assert ok.status_code == 302
    task = CallbackTask.objects.get()
    assert task.reason == "requested" and task.due_at == utc(2025, 3, 18, 9, 30) and task.phone == "+14155550101"
    shown = c.get(url).content.decode()
    assert "We will call you at +14155550101 on Tue 18 Mar 09:30" in shown
    assert "You asked us to call you on Tue 18 Mar 09:30" in shown  # on the customer's record
    # The rep's picker offers the time the customer chose.
    desk = cast.client(cast.billing_agent).get(f"/desk/cases/{cast.alice_case.ref}/").content.decode()
    assert 'value="2025-03-18T09:30"' in desk
    # The acknowledgement mail links to it.
    from django.core.mail import outbox  # noqa: F401  (locmem backend)

    from honeydesk.channels.email.models import Message
    from honeydesk.channels.email.outbound import build

    ack = Message.objects.filter(case=cast.alice_case, data__template="case_opened").first()
    assert ack is not None and f"/portal/cases/{cast.alice_case.ref}/#call-me" in build(ack).body


def test_a_logged_call_before_the_due_time_keeps_the_promise(monday, cast):
    task = promise(cast, utc(2025, 3, 17, 15, 0))
    monday.move_to(utc(2025, 3, 17, 14, 0))
    actions.do_log_call(
        cast.alice_case, body="Explained the refund.", acting_user=cast.billing_agent, direction="outbound"
    )
    task.refresh_from_db()
    assert task.promise_state == "kept" and task.kept is True and task.outcome == "called"
    assert task.done_at == utc(2025, 3, 17, 14, 0) and task.kept_by.kind == "call"
    kept = TimelineEntry.objects.get(case=cast.alice_case, event="callback_kept")
    assert kept.visibility == "internal" and "kept" in kept.body
    monday.move_to(utc(2025, 3, 17, 16, 0))
    assert callbacks.scan() == (0, 0)
    done = cast.client(cast.billing_agent).get("/desk/callbacks/?tab=settled").content.decode()
    assert f'id="callback-{task.pk}"' in done and "Kept" in done


def test_a_reply_in_time_keeps_it_and_one_after_the_due_time_does_not(monday, cast):
    first = promise(cast, utc(2025, 3, 17, 11, 0))
    actions.do_add_reply(cast.alice_case, body="Refund is on its way.", acting_user=cast.billing_agent)
    first.refresh_from_db()
    assert first.promise_state == "kept" and first.outcome == "replied"
    second = promise(cast, utc(2025, 3, 17, 12, 0))
    monday.move_to(utc(2025, 3, 17, 12, 30))
    actions.do_add_reply(cast.alice_case, body="Sorry for the wait.", acting_user=cast.billing_agent)
    second.refresh_from_db()
    assert second.promise_state == "broken" and second.broken_reason == "Recorded after the due time."


def test_an_overdue_promise_is_broken_once_and_its_owner_told_once(monday, cast):
    task = promise(cast, utc(2025, 3, 17, 11, 0))
    monday.move_to(utc(2025, 3, 17, 10, 50))
    assert callbacks.scan() == (1, 0) and callbacks.scan() == (0, 0)
    [reminder] = Notification.objects.filter(kind="callback_due")
    assert reminder.user == cast.billing_agent and "due Mon 17 Mar 11:00" in reminder.title
    monday.move_to(utc(2025, 3, 17, 11, 1))
    assert callbacks.scan() == (0, 1) and callbacks.scan() == (0, 0)
    task.refresh_from_db()
    assert task.promise_state == "broken" and task.done_at is None  # still to call
    broken = TimelineEntry.objects.get(case=cast.alice_case, event="callback_broken")
    assert broken.visibility == "internal" and "Not called by the due time (Mon 17 Mar 11:00)" in broken.body
    assert Notification.objects.filter(kind="callback_overdue", user=cast.billing_agent).count() == 1
    page = cast.client(cast.billing_agent).get(f"/desk/cases/{cast.alice_case.ref}/").content.decode()
    assert "Broken: Not called by the due time" in page
    overdue = cast.client(cast.supervisor).get("/desk/callbacks/").content.decode()  # supervisors land on Overdue
    assert f'id="callback-{task.pk}"' in overdue and "overdue" in overdue
    # The call made late is recorded; the promise stays broken.
    cast.client(cast.billing_agent).post(f"/desk/callbacks/{task.pk}/close/", {"outcome": "reached"})
    task.refresh_from_db()
    assert task.done_at is not None and task.promise_state == "broken"


def test_a_rep_closes_a_promise_as_broken_with_a_reason(monday, cast):
    task = promise(cast, utc(2025, 3, 17, 15, 0))
    c = cast.client(cast.billing_agent)
    c.post(f"/desk/callbacks/{task.pk}/close/", {"outcome": "broken", "reason": ""})
    task.refresh_from_db()
    assert task.promise_state == "open"
    c.post(f"/desk/callbacks/{task.pk}/close/", {"outcome": "broken", "reason": "Line engineer not back yet"})
    task.refresh_from_db()
    assert task.promise_state == "broken" and task.broken_reason == "Line engineer not back yet"
    assert (
        cast.client(cast.repair_agent).post(f"/desk/callbacks/{task.pk}/close/", {"outcome": "reached"}).status_code
        == 404
    )


def test_it_counts_the_kept_promise_rate_per_rep_and_department(monday, cast):
    kept = promise(cast, utc(2025, 3, 17, 11, 0))
    actions.do_log_call(cast.alice_case, body="Called.", acting_user=cast.billing_agent, direction="outbound")
    promise(cast, utc(2025, 3, 17, 12, 0))
    monday.move_to(utc(2025, 3, 17, 12, 1))
    callbacks.scan()
    released = promise(cast, utc(2025, 3, 17, 15, 0))
    callbacks.do_break_callback
    from honeydesk.channels.phone.outbound import do_complete_callback

    do_complete_callback(released, outcome="not_needed", acting_user=cast.billing_agent)
    rate = callbacks.kept_rate(CallbackTask.objects.all())
    assert (rate.kept, rate.broken, rate.percent) == (1, 1, "50%")
    assert callbacks.kept_rates_by(CallbackTask.objects.all(), "owner")[cast.billing_agent.pk].rate == 0.5
    assert callbacks.kept_rates_by(CallbackTask.objects.all(), "department")[cast.billing.pk].settled == 2
    assert kept.pk
    page = cast.client(cast.supervisor).get("/desk/callbacks/").content.decode()
    assert "Promises kept, last 30 days: 50%" in page and "Bianca" in page


def test_it_reminds_about_a_call_back_only_people_who_may_see_it(monday, cast):
    task = CallbackTask.objects.create(
        department=cast.repair, phone="+14155550999", reason="missed", due_at=utc(2025, 3, 17, 10, 10),
        created_at=utc(2025, 3, 17, 9, 0), owner=cast.billing_agent,  # an owner outside the department
    )  # fmt: skip
    callbacks.scan()
    assert not Notification.objects.filter(user=cast.billing_agent).exists()
    task.owner = None
    task.save()
    CallbackTask.objects.filter(pk=task.pk).update(reminded_at=None)
    callbacks.scan(utc(2025, 3, 17, 10, 0) + timedelta(minutes=1))
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["sam"]


def test_the_api_creates_lists_and_closes_call_backs(monday, cast):
    api = cast.api(cast.billing_agent)
    made = api.post(f"/cases/{cast.alice_case.ref}/callbacks", {"due_at": "2025-03-17T15:00:00", "about": "Refund"})
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["due_at"].startswith("2025-03-17T15:00") and body["promise_state"] == "open"
    assert body["promised_by"] == "bianca" and body["owner"] == "bianca" and body["about"] == "Refund"
    outside = api.post(f"/cases/{cast.alice_case.ref}/callbacks", {"due_at": "2025-03-17T09:00:00Z"})
    assert outside.status_code == 422 and "due_at" in outside.json()["error"]["fields"]
    second = api.post(f"/cases/{cast.alice_case.ref}/callbacks", {"due_at": "2025-03-18T10:00:00Z"}).json()
    assert [t["id"] for t in api.get("/callbacks", owner="me").json()["items"]] == [body["id"], second["id"]]
    assert api.get("/callbacks", owner="rafael").json()["items"] == []
    assert api.get("/callbacks", owner="nobody").status_code == 422
    assert [t["id"] for t in api.get("/callbacks", case=cast.alice_case.ref).json()["items"]] == [
        body["id"],
        second["id"],
    ]
    no_reason = api.post(f"/callbacks/{second['id']}/close", {"outcome": "broken"})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["error"]["fields"]
    broken = api.post(f"/callbacks/{second['id']}/close", {"outcome": "broken", "reason": "Engineer off sick"})
    assert broken.status_code == 200 and broken.json()["promise_state"] == "broken"
    assert broken.json()["broken_reason"] == "Engineer off sick" and broken.json()["kept"] is False
    kept = api.post(f"/callbacks/{body['id']}/close", {"outcome": "reached", "note": "All sorted"})
    assert kept.json()["promise_state"] == "kept" and kept.json()["kept"] is True
    assert [t["id"] for t in api.get("/callbacks", status="all", promise="kept").json()["items"]] == [body["id"]]
    assert api.post(f"/callbacks/{body['id']}/close", {"outcome": "reached"}).status_code == 409
    assert api.post(f"/callbacks/{body['id']}/close", {"outcome": "meh"}).status_code == 422
    service = cast.api(cast.alice).get(f"/cases/{cast.alice_case.ref}/service-level").json()
    assert {t["target"]: t["state"] for t in service["targets"]}["first_response"] in ("running", "met")


def test_a_customer_is_told_on_their_case_when_the_call_they_asked_for_is_missed(monday, cast):
    task = callbacks.do_request_callback(
        cast.alice_case, when=utc(2025, 3, 18, 9, 30), acting_user=cast.alice, phone="+1 415 555 0101"
    )
    monday.move_to(utc(2025, 3, 18, 9, 31))
    assert callbacks.scan() == (0, 1) and callbacks.scan() == (0, 0)
    broken = TimelineEntry.objects.filter(case=cast.alice_case, event="callback_broken")
    assert sorted(broken.values_list("visibility", flat=True)) == ["internal", "public"]
    told = broken.get(visibility="public")
    assert told.body == (
        "We did not call you on Tue 18 Mar 09:30 as you asked. We are sorry. We will still call you at"
        " +14155550101 as soon as we can. You can also reply here at any time."
    )
    portal = cast.client(cast.alice).get(f"/portal/cases/{cast.alice_case.ref}/").content.decode()
    assert "We did not call you on Tue 18 Mar 09:30 as you asked" in portal
    assert "Not called by the due time" not in portal  # the internal record stays internal
    # Another customer never sees it.
    assert cast.client(cast.bob).get(f"/portal/cases/{cast.alice_case.ref}/").status_code == 404
    # The late call is made: the promise stays broken and nothing more is said.
    cast.client(cast.billing_agent).post(f"/desk/callbacks/{task.pk}/close/", {"outcome": "reached"})
    assert broken.count() == 2


def test_a_rep_breaking_a_requested_call_tells_the_customer_but_keeps_the_reason_internal(monday, cast):
    task = callbacks.do_request_callback(
        cast.alice_case, when=utc(2025, 3, 18, 9, 30), acting_user=cast.alice, phone="+1 415 555 0101"
    )
    callbacks.do_break_callback(task, reason="Engineer away until Thursday", acting_user=cast.billing_agent)
    told = TimelineEntry.objects.get(case=cast.alice_case, event="callback_broken", visibility="public")
    assert "We will answer you here instead; if you would still like a call, ask for a new time." in told.body
    portal = cast.client(cast.alice).get(f"/portal/cases/{cast.alice_case.ref}/").content.decode()
    assert "We cannot call you on Tue 18 Mar 09:30 as you asked" in portal  # said before the time
    assert "Engineer away" not in portal
    # A rep's own promise broken is not announced to the customer (it was never theirs to ask).
    mine = promise(cast, utc(2025, 3, 17, 15, 0))
    callbacks.do_break_callback(mine, reason="Went home sick", acting_user=cast.billing_agent)
    assert TimelineEntry.objects.filter(case=cast.alice_case, event="callback_broken", visibility="public").count() == 1
