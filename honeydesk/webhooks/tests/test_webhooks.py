"""Webhooks against a real HTTP receiver on 127.0.0.1: signed events, retries with
backoff, disabling after repeated failures, and nothing about cases the owner may not see."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from honeydesk.cases import actions
from honeydesk.jobs.models import Job
from honeydesk.jobs.runner import run_pending
from honeydesk.notifications.models import Notification
from honeydesk.webhooks import events, signing
from honeydesk.webhooks.models import Delivery, Endpoint, check_url


class Receiver:
    """An HTTP server on 127.0.0.1 that records what it receives and answers `status`."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.status)
                if receiver.status in (301, 302):
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def endpoint(url, owner, events_=("case.updated", "customer.replied", "case.resolved", "case.opened")):
    return Endpoint.objects.create(name="CRM", url=url, owner=owner, events=list(events_))


def test_it_signs_every_delivery_and_the_receiver_can_check_it(cast, receiver):
    hook = endpoint(receiver.url, cast.supervisor)
    actions.do_add_reply(cast.alice_case, body="It is a duplicate run; refunded.", acting_user=cast.alice)
    assert receiver.received == [], "sent by the worker, not by the request"
    run_pending()
    assert len(receiver.received) == 2
    got = {h["Honeydesk-Event"]: (h, body) for h, body in receiver.received}
    assert set(got) == {"case.updated", "customer.replied"}
    headers, body = got["customer.replied"]
    assert signing.verify(hook.secret, body, headers["Honeydesk-Signature"])
    assert not signing.verify(hook.secret, body.replace(b"HD-", b"HX-"), headers["Honeydesk-Signature"])
    assert not signing.verify("another-secret", body, headers["Honeydesk-Signature"])
    data = json.loads(body)
    assert data["event"] == "customer.replied" and data["case"]["ref"] == cast.alice_case.ref
    assert data["id"] == headers["Honeydesk-Delivery"]
    assert "refunded" not in body.decode(), "entry text is read through the API, not pushed"
    delivered = Delivery.objects.get(event="customer.replied")
    assert delivered.status == "delivered" and delivered.status_code == 200 and delivered.response_ms is not None
    # An old signature is refused (a replayed delivery).
    later = timezone.now().timestamp() + signing.TOLERANCE_SECONDS + 5
    assert not signing.verify(hook.secret, body, headers["Honeydesk-Signature"], now=later)


def test_it_names_opening_and_resolving_as_their_own_events(cast, receiver):
    endpoint(receiver.url, cast.supervisor)
    case = actions.do_open_case(
        actions.Opening(account=cast.alice_account, contact=cast.alice_contact, request_type=cast.billing_type,
                        subject="Wrong tariff", body="I pay the old price.", channel="portal"),
        acting_user=cast.alice,
    )  # fmt: skip
    actions.do_resolve(case, note="Tariff corrected.", acting_user=cast.billing_agent)
    run_pending()
    assert [h["Honeydesk-Event"] for h, _ in receiver.received] == ["case.opened", "case.updated", "case.resolved"]


def test_opening_a_case_queues_its_delivery_without_reading_the_delivery_log(cast, receiver):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    endpoint(receiver.url, cast.supervisor)
    with CaptureQueriesContext(connection) as opening:
        case = actions.do_open_case(
            actions.Opening(account=cast.alice_account, contact=cast.alice_contact, request_type=cast.billing_type,
                            subject="Wrong tariff", body="I pay the old price.", channel="portal"),
            acting_user=cast.alice,
        )  # fmt: skip
    sqls = [q["sql"] for q in opening.captured_queries]
    reads = [sql for sql in sqls if sql.startswith("SELECT") and "webhooks_delivery" in sql]
    assert reads == [], "the case is new: no delivery about it can be waiting"
    assert list(Delivery.objects.filter(case=case).values_list("event", flat=True)) == ["case.opened"]


def test_it_retries_with_backoff_then_gives_up(cast, receiver):
    receiver.status = 500
    endpoint(receiver.url, cast.supervisor, ["case.resolved"])
    actions.do_resolve(cast.alice_case, note="Done.", acting_user=cast.billing_agent)
    delivery = Delivery.objects.get()
    job = Job.objects.get(func="honeydesk.webhooks.send.deliver")
    waits = []
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(events.ATTEMPTS):
            run_pending()
            job.refresh_from_db()
            waits.append(round((job.run_after - timezone.now()).total_seconds()))
            clock.shift(timedelta(hours=2))
    delivery.refresh_from_db()
    assert len(receiver.received) == events.ATTEMPTS
    assert delivery.status == "failed" and delivery.attempts == events.ATTEMPTS and delivery.status_code == 500
    assert waits[:5] == [15, 30, 60, 120, 240], "each retry waits twice as long"
    assert job.state == "done", "given up: no more retries"


def test_a_redirect_or_a_closed_port_is_a_failed_attempt(cast, receiver):
    receiver.status = 302
    hook = endpoint(receiver.url, cast.supervisor, ["case.resolved"])
    actions.do_resolve(cast.alice_case, note="Done.", acting_user=cast.billing_agent)
    run_pending()
    first = Delivery.objects.get()
    assert first.status == "pending" and first.status_code == 302 and first.attempts == 1
    Endpoint.objects.filter(pk=hook.pk).update(url="http://127.0.0.1:1/nothing-listens")
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        run_pending()
    first.refresh_from_db()
    assert first.attempts == 2 and first.status_code is None and "refused" in first.error.lower()


def test_it_disables_an_endpoint_after_failures_in_a_row_and_tells_the_admins(cast, receiver, settings):
    settings.WEBHOOK_DISABLE_AFTER = 3
    receiver.status = 503
    hook = endpoint(receiver.url, cast.supervisor, ["case.updated"])
    # A success in between starts the count again.
    for n in range(2):
        actions.do_add_note(cast.alice_case, body=f"note {n}", acting_user=cast.billing_agent)
        run_pending()
    hook.refresh_from_db()
    assert hook.failures_in_a_row == 2 and hook.active
    receiver.status = 200
    actions.do_add_note(cast.alice_case, body="note 2", acting_user=cast.billing_agent)
    run_pending()
    hook.refresh_from_db()
    assert hook.failures_in_a_row == 0
    receiver.status = 503
    for n in range(3, 6):
        actions.do_add_note(cast.alice_case, body=f"note {n}", acting_user=cast.billing_agent)
        run_pending()
    hook.refresh_from_db()
    assert not hook.active and "3 failed attempts in a row" in hook.disabled_reason
    assert Delivery.objects.filter(status="skipped").exists(), "waiting deliveries are not sent"
    told = Notification.objects.get(kind="webhook_disabled")
    assert told.user == cast.admin and "CRM" in told.title
    sent = len(receiver.received)
    actions.do_add_note(cast.alice_case, body="after", acting_user=cast.billing_agent)
    run_pending()
    assert len(receiver.received) == sent, "nothing more to a disabled endpoint"


def test_it_never_delivers_about_a_case_the_owner_may_not_see(cast, receiver):
    endpoint(receiver.url, cast.repair_agent, ["case.updated"])  # Repair: not Billing's cases
    actions.do_add_note(cast.alice_case, body="billing only", acting_user=cast.billing_agent)
    actions.do_add_note(cast.bob_case, body="repair", acting_user=cast.repair_agent)
    run_pending()
    assert [json.loads(b)["case"]["ref"] for _, b in receiver.received] == [cast.bob_case.ref]
    assert not Delivery.objects.filter(case=cast.alice_case).exists()


def test_it_takes_https_and_plain_http_only_to_this_machine():
    check_url("https://crm.example.com/hooks/honeydesk")
    check_url("http://127.0.0.1:8080/hook")
    for bad in ("http://crm.example.com/hook", "ftp://crm.example.com/", "https:///nohost"):
        with pytest.raises(ValidationError):
            check_url(bad)


def test_admins_register_an_endpoint_by_ticking_events_and_send_a_test(cast, receiver):
    from honeydesk.accounts.models import User

    c = cast.client(User.objects.create_superuser("boss", "boss@example.test", "pw"))
    page = c.get("/admin/webhooks/endpoint/add/").content.decode()
    assert 'type="checkbox" name="events" value="case.opened"' in page
    response = c.post(
        "/admin/webhooks/endpoint/add/",
        {"name": "CRM", "url": receiver.url, "events": ["case.opened", "case.resolved"], "owner": cast.supervisor.pk,
         "active": "on", "deliveries-TOTAL_FORMS": "0", "deliveries-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    hook = Endpoint.objects.get()
    assert hook.events == ["case.opened", "case.resolved"] and len(hook.secret) >= 40
    refused = c.post(
        "/admin/webhooks/endpoint/add/",
        {"name": "Bad", "url": "http://crm.example.com/", "events": ["case.opened"], "owner": cast.supervisor.pk,
         "deliveries-TOTAL_FORMS": "0", "deliveries-INITIAL_FORMS": "0"},
    )  # fmt: skip
    assert refused.status_code == 200 and "Use an https:// address" in refused.content.decode()
    c.post("/admin/webhooks/endpoint/", {"action": "send_test_event", "_selected_action": [hook.pk]})
    run_pending()
    assert [h["Honeydesk-Event"] for h, _ in receiver.received] == ["ping"]
    assert c.get(f"/admin/webhooks/endpoint/{hook.pk}/change/").status_code == 200
    assert c.get("/admin/webhooks/delivery/").status_code == 200


def test_the_receiver_snippet_in_the_readme_accepts_a_real_signature_and_refuses_a_changed_body() -> None:
    """The README tells integrators how to check a delivery; that code must agree with ours."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme.split("## Webhooks", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    namespace: dict[str, object] = {}
    exec(code.group(1), namespace)  # our own README, in a test
    verified = namespace["verified"]
    body = b'{"event":"case.opened"}'
    header = signing.sign("s3cret", body)
    assert verified("s3cret", body, header) is True  # type: ignore[operator]
    assert verified("s3cret", body + b" ", header) is False  # type: ignore[operator]
    assert verified("s3cret", body, signing.sign("s3cret", body, int(time.time()) - 600)) is False  # type: ignore[operator]


def test_it_tells_a_receiver_a_survey_was_answered_without_the_customers_words(cast, receiver):
    from honeydesk.quality import actions as quality_actions
    from honeydesk.quality.models import Survey

    hook = endpoint(receiver.url, cast.supervisor, ["survey.answered"])
    actions.do_resolve(cast.alice_case, note="Refunded.", acting_user=cast.billing_agent)
    run_pending()
    assert receiver.received == [], "resolving is not answering a survey"
    survey = Survey.objects.get(case=cast.alice_case, superseded_at__isnull=True)
    quality_actions.do_answer_survey(survey, quality_actions.Answer(2, False, "Slow and rude."), via="link")
    run_pending()
    [(headers, body)] = receiver.received
    assert headers["Honeydesk-Event"] == "survey.answered"
    assert signing.verify(hook.secret, body, headers["Honeydesk-Signature"])
    data = json.loads(body)
    answered = cast.alice_case.entries.get(event="survey_answered")
    assert data["event"] == "survey.answered" and data["case"]["ref"] == cast.alice_case.ref
    assert data["case"]["status"] == "resolved"
    assert {"id": answered.pk, "kind": "event", "event": "survey_answered"}.items() <= next(
        e for e in data["entries"] if e["id"] == answered.pk
    ).items()
    assert "Slow and rude" not in body.decode(), "the comment is read through the API, not pushed"
    assert Delivery.objects.get(event="survey.answered").status == "delivered"


def test_it_tells_a_receiver_a_credit_was_decided_not_when_it_was_asked(cast, receiver):
    from datetime import date

    from honeydesk.credits import actions as credits
    from honeydesk.credits.policy import ensure_default_policy

    ensure_default_policy()
    hook = endpoint(receiver.url, cast.supervisor, ["credit.decided"])
    ask = credits.Ask(amount="40.00", reason="Three days offline.", period_start=date(2026, 3, 2),
                      period_end=date(2026, 3, 4))  # fmt: skip
    with time_machine.travel("2026-03-10 10:00:00+00:00", tick=False):
        request = credits.do_request_credit(cast.alice_case, ask, acting_user=cast.alice, channel="portal")
        run_pending()
        assert receiver.received == [], "a request is not a decision"
        # No outage or billing error on record: the policy recommends declining, as the rep does.
        credits.do_decide_credit(request, action="decline", note="No outage that week.", acting_user=cast.billing_agent)
        run_pending()
        [(headers, body)] = receiver.received
        assert signing.verify(hook.secret, body, headers["Honeydesk-Signature"])  # signed at (frozen) now
    assert headers["Honeydesk-Event"] == "credit.decided"
    data = json.loads(body)
    declined = cast.alice_case.entries.get(data__credit__step="declined")
    assert data["event"] == "credit.decided" and data["case"]["ref"] == cast.alice_case.ref
    assert [e["id"] for e in data["entries"]] == [declined.pk]
    assert data["entries"][0]["visibility"] == "public"
    assert "No outage that week" not in body.decode() and "40.00" not in body.decode()
    assert Delivery.objects.get(event="credit.decided").status == "delivered"
