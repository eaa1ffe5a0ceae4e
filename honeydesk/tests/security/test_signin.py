"""The hostile suite, part 2: attacks on signing in (issue 19, findings 2 and 3, and the
sign-in hardening): racing a one-time link, mail scanners, cross-site posts, password
guessing per account and per network, enumeration of customers and staff, sign-in link
floods, the second factor and session lifetimes."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connections
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from honeydesk.accounts.models import AuditEvent, SecurityPolicy, SignInLink
from honeydesk.lib import clock
from honeydesk.testing import make_cast, without_csrf

Action = AuditEvent.Action


def link_path(outbox: list[Any]) -> str:
    link = re.search(r"https?://\S+/portal/login/\S+/", outbox[-1].body).group(0)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def ask_link(client: Client, address: str, ip: str = "198.51.100.7") -> Any:
    return client.post("/portal/login/", {"email": address}, REMOTE_ADDR=ip)


# --- one-time links ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_uses_a_sign_in_link_once_when_eight_requests_race():
    make_cast()
    ask_link(Client(), "alice@example.test")
    path = link_path(mail.outbox)
    barrier = threading.Barrier(8)
    answers: list[Any] = [None] * 8

    def use(i: int) -> None:
        client = Client()
        try:
            barrier.wait(timeout=10)
            response = client.post(path)
            answers[i] = (response.status_code, client.cookies.get("sessionid"))
        except Exception as exc:  # a thread's error is the test's answer
            answers[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=use, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    signed_in = [a for a in answers if isinstance(a, tuple) and a[0] == 302 and a[1] is not None]
    assert len(signed_in) == 1, answers
    assert all(isinstance(a, tuple) and a[0] in (302, 400) for a in answers), answers


def test_it_uses_a_link_only_by_the_post_of_its_page(cast, client):
    ask_link(client, "alice@example.test")
    path = link_path(mail.outbox)
    # A mail scanner (or the customer) opening the link twice uses nothing up.
    for _ in range(2):
        page = client.get(path)
        assert page.status_code == 200 and "Sign in as Alice" in page.content.decode()
        assert "alice@example.test" in page.content.decode()
    assert client.get("/portal/").status_code == 302, "opening the page must not sign anyone in"
    assert client.post(path).status_code == 302
    assert cast.alice_case.ref in client.get("/portal/").content.decode()


def test_it_refuses_a_link_post_from_another_site(cast):
    ask_link(Client(), "alice@example.test")
    path = link_path(mail.outbox)
    victim = Client(enforce_csrf_checks=True)
    # An attacker's page posting the attacker's link into the victim's browser: no CSRF
    # token from the link's own page, so nothing happens and the link stays usable.
    assert victim.post(path, headers={"Origin": "https://evil.example"}).status_code == 403
    assert victim.get("/portal/").status_code == 302
    page = victim.get(path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert victim.post(path, {"csrfmiddlewaretoken": token}).status_code == 302


def test_it_refuses_an_expired_link(cast, client):
    ask_link(client, "alice@example.test")
    path = link_path(mail.outbox)
    with time_machine.travel(clock.now() + timedelta(minutes=31)):
        assert client.get(path).status_code == 400
        assert client.post(path).status_code == 400


def test_it_sends_no_link_to_a_deactivated_customer(cast, client):
    cast.alice.is_active = False
    cast.alice.save(update_fields=["is_active"])
    active = ask_link(client, "bob@example.test").content
    inactive = ask_link(client, "alice@example.test").content
    assert [m.to for m in mail.outbox] == [["bob@example.test"]]
    assert without_csrf(active) == without_csrf(inactive)


# --- link floods and enumeration -----------------------------------------------------


def test_it_sends_at_most_five_links_an_hour_to_one_address(cast, client):
    answers = {without_csrf(ask_link(client, "alice@example.test", ip=f"203.0.113.{i}").content) for i in range(30)}
    assert len(mail.outbox) == 5
    assert len(answers) == 1, "the answer is the same before and after the limit (it would tell who has an account)"
    assert AuditEvent.objects.filter(action=Action.LINK_REFUSED).count() == 25
    assert "at most 5 links an hour" in next(iter(answers)).decode()
    with time_machine.travel(clock.now() + timedelta(minutes=61)):
        ask_link(client, "alice@example.test")
    assert len(mail.outbox) == 6


def test_it_refuses_link_requests_from_one_network_past_its_limit(cast, client, settings):
    settings.SIGNIN_LINK_REQUESTS_PER_IP_HOUR = 10
    for i in range(10):
        assert ask_link(client, f"nobody{i}@example.test", ip="192.0.2.9").status_code == 200
    refused = ask_link(client, "alice@example.test", ip="192.0.2.9")
    assert refused.status_code == 429 and "Too many sign-in links" in refused.content.decode()
    assert mail.outbox == []
    assert ask_link(client, "alice@example.test", ip="192.0.2.10").status_code == 200
    assert len(mail.outbox) == 1


def test_it_answers_alike_for_a_customer_a_stranger_and_a_member_of_staff(cast, client):
    pages = {
        without_csrf(ask_link(client, address).content)
        for address in ("alice@example.test", "nobody@example.test", cast.billing_agent.email)
    }
    assert len(pages) == 1
    assert [m.to for m in mail.outbox] == [["alice@example.test"]]


def test_it_answers_alike_for_a_known_and_an_unknown_staff_username(cast, client):
    known = client.post("/login/", {"username": "bianca", "password": "wrong"}, REMOTE_ADDR="192.0.2.1")
    unknown = client.post("/login/", {"username": "nosuchuser", "password": "wrong"}, REMOTE_ADDR="192.0.2.2")
    assert known.status_code == unknown.status_code == 200
    assert without_csrf(known.content) == without_csrf(unknown.content)


# --- password guessing ----------------------------------------------------------------


def sign_in(client: Client, username: str, password: str, ip: str = "192.0.2.50") -> Any:
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_it_locks_a_username_after_five_wrong_passwords_even_for_the_right_one(cast):
    client = Client()
    for i in range(4):
        # From different networks: the username's own limit is what stops them.
        assert sign_in(client, "bianca", f"guess-{i}", ip=f"198.51.100.{i + 1}").status_code == 200
    assert sign_in(client, "bianca", "guess-5", ip="198.51.100.5").status_code == 429, "the fifth failure locks"
    locked = sign_in(client, "bianca", "pw-bianca", ip="198.51.100.99")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode() and "15 minutes" in locked.content.decode()
    assert client.get("/desk/").status_code == 302, "the right password did not sign in during the lockout"
    assert AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED, actor_name="bianca").count() >= 5
    assert AuditEvent.objects.filter(action=Action.LOCKED_OUT, target="bianca").exists()
    with time_machine.travel(clock.now() + timedelta(minutes=16)):
        assert sign_in(client, "bianca", "pw-bianca", ip="198.51.100.99").status_code == 302


def test_it_locks_a_network_that_guesses_many_usernames(cast):
    client = Client()
    for name in ["bianca", "rafael", "sam", "ada", "nosuch"]:
        sign_in(client, name, "wrong", ip="203.0.113.66")
    locked = sign_in(client, "sam", "pw-sam", ip="203.0.113.66")
    assert locked.status_code == 429 and "from your network" in locked.content.decode()
    # Another network, the same person: not locked (five guesses at sam were not made).
    assert sign_in(Client(), "sam", "pw-sam", ip="203.0.113.67").status_code == 302


def test_it_records_sign_ins_and_failures_in_the_audit_log(cast):
    client = Client()
    sign_in(client, "bianca", "nope")
    sign_in(client, "bianca", "pw-bianca")
    client.post("/logout/")
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_name", "ip"))
    assert actions == [
        (Action.SIGN_IN_FAILED, "bianca", "192.0.2.50"),
        (Action.SIGNED_IN, "bianca", "192.0.2.50"),
        (Action.SIGNED_OUT, "bianca", "127.0.0.1"),
    ]


# --- the second factor ---------------------------------------------------------------


def current_code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits) + offset:06d}"[-6:]


def enrol(client: Client) -> TOTPDevice:
    page = client.get("/account/second-factor/")
    assert page.status_code == 200 and "Scan this code" in page.content.decode() and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(confirmed=False)
    assert client.post("/account/second-factor/", {"code": "12345x"}).status_code == 400
    # django-otp makes the next try wait after a wrong code (1 s, doubling each time).
    with time_machine.travel(clock.now() + timedelta(seconds=2)):
        answer = client.post("/account/second-factor/", {"code": current_code(device), "next": "/desk/"})
    assert answer.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_it_asks_staff_with_an_authenticator_app_for_a_code(cast):
    client = Client()
    assert sign_in(client, "bianca", "pw-bianca").status_code == 302
    assert client.get("/desk/").status_code == 200, "no second factor yet: the password is enough"
    device = enrol(client)
    assert AuditEvent.objects.filter(action=Action.SECOND_FACTOR_ADDED, actor_name="bianca").exists()
    client.post("/logout/")

    assert sign_in(client, "bianca", "pw-bianca").status_code == 302
    gate = client.get("/desk/")
    assert gate.status_code == 302 and gate["Location"].startswith("/account/second-factor/")
    # htmx requests are sent to the same page, and the API (tokens) is not a way around it.
    assert client.get("/desk/", headers={"HX-Request": "true"})["HX-Redirect"] == "/account/second-factor/"
    assert client.get(f"/desk/cases/{cast.alice_case.ref}/").status_code == 302
    wrong = client.post("/account/second-factor/", {"code": "12345x", "next": "/desk/"})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    assert AuditEvent.objects.filter(action=Action.SECOND_FACTOR_FAILED).exists()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.save()
    # A code is refused when its 30-second step is not newer than the enrolment's (replay
    # guard). Enrolment used the clock plus 2 s; plus 61 s is always a later step, where
    # plus 31 s fell inside the same one about once in 30 runs.
    with time_machine.travel(clock.now() + timedelta(seconds=61)):
        right = client.post("/account/second-factor/", {"code": current_code(device), "next": "/desk/"})
        assert right.status_code == 302 and right["Location"] == "/desk/"
        assert client.get("/desk/").status_code == 200


def test_it_makes_admins_set_up_a_second_factor_when_an_admin_requires_it(cast):
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    admin = Client()
    sign_in(admin, "ada", "pw-ada")
    policy = SecurityPolicy.current()
    response = admin.post(
        f"/admin/accounts/securitypolicy/{policy.pk}/change/",
        {"second_factor_required_for": "admins"},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=Action.ADMIN_CHANGE, actor_name="ada", target__contains="security").exists()
    # The next request of every admin session goes to the set-up page, the admin site too.
    for path in ("/desk/", "/admin/"):
        gate = admin.get(path)
        assert gate.status_code == 302 and gate["Location"].startswith("/account/second-factor/"), path
    enrol(admin)
    assert admin.get("/admin/").status_code == 200
    # An agent is not an admin: the password still suffices, and they may not remove
    # what the policy requires of an admin (nothing here), while the admin may not remove theirs.
    agent = Client()
    sign_in(agent, "bianca", "pw-bianca")
    assert agent.get("/desk/").status_code == 200
    assert admin.post("/account/second-factor/", {"action": "remove"}).status_code == 200
    assert TOTPDevice.objects.filter(user=cast.admin).exists(), "the policy requires it: not removed"


def test_it_sends_the_admin_sign_in_page_to_the_one_sign_in(cast, client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/admin/"


# --- sessions ---------------------------------------------------------------------------


def test_it_ends_a_session_after_thirty_idle_minutes(cast, settings):
    settings.SESSION_IDLE_MINUTES = 30
    client = Client()
    start = clock.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, "bianca", "pw-bianca")
        assert client.get("/desk/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get("/desk/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=58), tick=False):
        assert client.get("/desk/").status_code == 200, "activity 29 minutes ago keeps it alive"
    with time_machine.travel(start + timedelta(minutes=90), tick=False):
        gone = client.get("/desk/")
        assert gone.status_code == 302 and gone["Location"].startswith("/login/")
        assert "without activity" in client.get(gone["Location"]).content.decode()


def test_it_ends_a_session_after_its_absolute_lifetime(cast, settings):
    settings.SESSION_IDLE_MINUTES = 60
    settings.SESSION_MAX_HOURS = 2
    client = Client()
    start = clock.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, "bianca", "pw-bianca")
    for minutes in (50, 100):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/desk/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=125), tick=False):
        assert client.get("/desk/").status_code == 302


def test_an_api_call_with_a_token_stores_no_session_and_sends_no_cookie(cast, client):
    from django.contrib.sessions.models import Session

    raw = cast.token(cast.billing_agent)
    before = Session.objects.count()
    for _ in range(3):
        response = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {raw}"})
        assert response.status_code == 200
        assert "sessionid" not in response.cookies
    assert Session.objects.count() == before
    # A sign-in through the page still starts the session's lifetime clock.
    sign_in(client, "bianca", "pw-bianca")
    assert client.get("/desk/").status_code == 200
    assert Session.objects.count() == before + 1


def test_it_forgets_link_requests_after_a_day(cast, client):
    ask_link(client, "alice@example.test")
    from honeydesk.accounts.signin import forget_old_requests

    with time_machine.travel(clock.now() + timedelta(days=2)):
        assert forget_old_requests(lambda: False)
    assert not SignInLink.objects.exists()
