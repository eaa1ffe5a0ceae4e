"""The hostile suite, part 3: the role x object x action access matrix (issue 19), generated
from one table.

`DOORS` (in `doors.py`) lists the ways in (API operations and pages), each with the rule of who may pass.
Every door is tried by every actor (customers of two accounts, agents of two departments,
a supervisor, an admin, a revoked token, a deactivated agent, nobody) on the objects of
both customers. Whoever may not pass gets the same answer as for something that does not
exist (404; 401 or the sign-in page for no valid credentials), and nothing changes.

Which ways in there are is read from the URLconf, not written here: a URL pattern (an API
operation: pattern and method) that is neither a door, nor in `EXEMPT` with its reason, nor
in `NOT_YET`, fails `test_every_url_pattern_is_a_door_or_named_here`. So a new page or
endpoint cannot be merged without a line in this table.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from honeydesk.accounts.models import ApiToken, Role
from honeydesk.cases import actions, merging, properties
from honeydesk.cases.models import Attachment, Case, TimelineEntry
from honeydesk.channels.email.inbound import ingest
from honeydesk.channels.email.models import Message
from honeydesk.channels.phone import callbacks
from honeydesk.credits import actions as credits
from honeydesk.credits.models import Approval
from honeydesk.intelligence.models import Article
from honeydesk.lib import clock
from honeydesk.macros.actions import Draft, do_save_macro
from honeydesk.notifications.actions import notify
from honeydesk.outages import actions as outages
from honeydesk.quality import actions as quality
from honeydesk.quality import monitoring
from honeydesk.quality.models import Recovery, Survey
from honeydesk.quality.tests.test_monitoring import WEEK, work
from honeydesk.testing import Cast, make_staff
from honeydesk.tests.security.doors import ACTORS, DOORS, Actor, Door

# --- what is not a door, and why ------------------------------------------------------

# Patterns with their own rule, tested where named (each an exact URLconf pattern or, for
# the admin site, a prefix).
EXEMPT = {
    # The admin site: Django's own is_staff + admin-role check, every admin URL (test_admin.py,
    # tests/security/test_findings.py audit tests); 290 generated patterns.
    "admin/",
    # The document and its viewer are public by design; the API root redirects to them.
    "api/v1/openapi.json",
    "api/v1/docs",
    "api/v1/",
    # Signing in and out: for everyone by nature (tests/security/test_signin.py).
    "",
    "login/",
    "logout/",
    "portal/login/",
    "portal/login/<str:token>/",
    "account/second-factor/",
    # The portal brand is public (the sign-in page wears it): branding tests.
    "brand.css",
    "brand/logo",
    # A signed survey link opens without signing in; the token is the key (quality tests).
    "survey/<str:token>/",
    # Inbound mail is posted by the mail server with the mailbox secret, not a role's token
    # (channels/email/tests/test_inbound_api.py).
    "POST api/v1/inbound/email",
    # The outbox exists only while it is the mail backend (DEBUG); else 404 for everyone
    # (web/tests/test_outbox.py: staff only).
    "desk/outbox/",
    "desk/outbox/<str:name>/",
}

# Known gap: ways in that are not in the matrix yet (no skip: they are named, counted in
# the report, and each one added to DOORS must leave this list, or the test fails).
# Known gap: ways in not in the matrix yet. None left; a new one goes here (with why) or,
# better, into DOORS. Each one added to DOORS must leave this set, or the test fails.
NOT_YET: set[str] = set()

# --- the run ----------------------------------------------------------------------------


def _setup(cast: Cast) -> dict[str, Any]:
    inactive = make_staff("ivan", Role.AGENT, cast.billing)
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    revoked, raw = ApiToken.issue(cast.alice, "old")
    revoked.revoked = True
    revoked.save(update_fields=["revoked"])
    upload = actions.Upload("bill.pdf", "application/pdf", b"%PDF-1.4 statement")
    macro = do_save_macro(Draft(name="Tag vip", scope="shared", add_tags=["vip"]), acting_user=cast.admin)
    article = Article.objects.create(title="Reading your bill", body="Line by line.")
    incident = outages.do_report_incident(service="Internet", area="North", acting_user=cast.supervisor)
    per_case: dict[str, dict[str, Any]] = {}
    for whose, case in (("alice", cast.alice_case), ("bob", cast.bob_case)):
        agent = cast.billing_agent if whose == "alice" else cast.repair_agent
        actions.do_add_reply(case, body="Statement attached", acting_user=cast.supervisor, uploads=[upload])
        entry = actions.do_add_reply(cast.fresh(case), body="And another thing", acting_user=case.contact.user)
        properties.do_change_tags(cast.fresh(case), add=["vip", "gold"], acting_user=cast.admin)
        twin = actions.Opening(
            account=case.account,
            contact=case.contact,
            request_type=case.request_type,
            subject=f"Twin of {case.ref}",
            body="The same again.",
            channel="portal",
        )
        # The twin is a duplicate to merge into; it also carries the credit waiting for a
        # supervisor (a case has one credit request at a time).
        twin_case = actions.do_open_case(twin, acting_user=cast.admin)
        ask = credits.Ask(amount="40.00", reason="No internet", period_start="2026-03-02", period_end="2026-03-04")
        credit = credits.do_request_credit(cast.fresh(case), ask, acting_user=case.contact.user, channel="portal")
        big = credits.do_request_credit(
            twin_case, credits.Ask(**{**ask.__dict__, "amount": "900.00"}), acting_user=agent, channel="phone"
        )
        credits.do_decide_credit(big, action="grant", acting_user=agent, departure_reason="Goodwill")
        callback = callbacks.do_promise_callback(
            cast.fresh(case), due_at=clock.now() + timedelta(days=2), acting_user=agent
        )
        [notification] = notify([agent], "assigned", key=f"matrix:{whose}", title="For you", case=case)
        flag = credits.do_flag_billing_error(case.account, description="Double run", acting_user=cast.admin)
        survey, recovery, sample, item, review = _quality(cast, case, agent)
        # A formatted e-mail from the customer on the case, and a forged one held.
        stored = ingest(_mail(case, "pass"), "test")
        assert stored.status == "stored" and stored.case == case.ref, stored
        html_entry = Message.objects.get(pk=stored.message).entry_id
        held = ingest(_mail(case, "fail"), "test").quarantine
        # A duplicate already merged into the case: what the unmerge doors undo.
        duplicate = actions.do_open_case(
            dataclasses.replace(twin, subject=f"Again: {case.ref}"), acting_user=cast.admin
        )
        merging.do_merge_cases(duplicate, cast.fresh(case), acting_user=cast.admin)
        per_case[whose] = {
            "entry": entry.pk,
            "credit": credit.pk,
            "approval": Approval.objects.get(request=big).pk,
            "callback": callback.pk,
            "notification": notification.pk,
            "flag": flag.pk,
            "survey": survey,
            "recovery": recovery,
            "sample": sample,
            "item": item,
            "review": review,
            "html_entry": html_entry,
            "held": held,
            "merged": duplicate.ref,
        }
    for user in cast.everyone:
        cast.token(user)  # issued now: a token issued inside an attempt's savepoint would go with it
    return {
        "ivan": inactive,
        "inactive_token": ApiToken.issue(inactive, "t")[1],
        "revoked_token": raw,
        "shared": {"macro": macro.pk, "article": article.pk, "incident": incident.pk},
        "per_case": per_case,
    }


def _mail(case: Case, dmarc: str) -> bytes:
    contact = case.contact
    assert contact is not None and contact.user is not None
    sender = contact.user.email
    domain = sender.rpartition("@")[2]
    return (
        f"Authentication-Results: mx.honeydesk.test; dmarc={dmarc} header.from={domain}\r\n"
        f"From: {contact.name} <{sender}>\r\nTo: {case.department.email_from}\r\n"
        f"Subject: Re: [{case.ref}] {case.subject}\r\nMessage-ID: <{dmarc}-{case.ref}@{domain}>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nSee the table.\r\n"
        "--b\r\nContent-Type: text/html\r\n\r\n<p>See the <b>table</b>.</p>\r\n--b--\r\n"
    ).encode()


def _quality(cast: Cast, case: Case, agent: Any) -> tuple[int, int, int, int, int]:
    """A resolved case of the account with a poor survey answer (so a recovery), and a
    monitoring sample of the agent's week with its first item reviewed."""
    opened = actions.Opening(
        account=case.account,
        contact=case.contact,
        request_type=case.request_type,
        subject="Surveyed",
        body="Fixed?",
        channel="portal",
    )
    surveyed = actions.do_open_case(opened, acting_user=cast.admin)
    actions.do_resolve(surveyed, note="Fixed.", acting_user=agent)
    survey = quality.do_answer_survey(
        Survey.objects.get(case=surveyed, superseded_at__isnull=True), quality.Answer(2, False, "Slow"), via="link"
    )
    recovery = Recovery.objects.get(survey=survey)
    work(cast, agent, WEEK, 2)
    with time_machine.travel(datetime(2025, 3, 20, 12, tzinfo=UTC), tick=False):
        sample = quality.do_draw_sample(agent, WEEK, acting_user=None)
        item = sample.items.order_by("position").first()
        assert item is not None
        scores = {c["id"]: 5 for c in monitoring.current_criteria()}
        review = quality.do_submit_review(item, quality.Scoring(scores), acting_user=cast.supervisor)
    return survey.pk, recovery.pk, sample.pk, item.pk, review.pk


def _objects(cast: Cast, extra: dict[str, Any], whose: str) -> tuple[Case, dict[str, Any]]:
    case = cast.alice_case if whose == "alice" else cast.bob_case
    account = cast.alice_account if whose == "alice" else cast.bob_account
    contact = cast.alice_contact if whose == "alice" else cast.bob_contact
    attachment = Attachment.objects.filter(entry__case=case).first()
    assert attachment is not None
    return case, {
        "ref": case.ref,
        "number": account.number,
        "contact": contact.pk,
        "attachment": attachment.pk,
        **extra["shared"],
        **extra["per_case"][whose],
    }


def _call(cast: Cast, extra: dict[str, Any], actor: Actor, door: Door, path: str, body: dict[str, Any]) -> Any:
    users = {u.username: u for u in cast.everyone}
    if door.via == "api":
        if actor.name == "revoked":
            api = cast.api(None)
            api.headers = {"Authorization": f"Bearer {extra['revoked_token']}"}
        elif actor.name == "inactive":
            api = cast.api(None)
            api.headers = {"Authorization": f"Bearer {extra['inactive_token']}"}
        elif actor.name == "anonymous":
            api = cast.api(None)
        else:
            api = cast.api(users[actor.name])
        if door.method == "get":
            return api.client.get(f"/api/v1{path}", headers=api.headers)
        return api.post(path, body)
    if actor.name == "inactive":
        client = Client()
        client.force_login(extra["ivan"])
    elif actor.role == "none":
        client = Client()
    else:
        client = cast.client(users[actor.name])
    return client.get(path) if door.method == "get" else client.post(path, body)


def _refusal(actor: Actor, door: Door, response: Any) -> str | None:
    """What is wrong with a refusal, or None when it is the right one."""
    code = response.status_code
    if door.via == "api":
        if actor.role == "none":
            ok = code == 401 and response.json()["error"]["code"] == "unauthorized"
            return None if ok else f"expected 401, got {code}"
        if code != 404:
            return f"expected 404, got {code}"
        error = response.json()["error"]
        return None if error["code"] == "not_found" and error["fields"] == {} else f"not the not-found body: {error}"
    if actor.role == "none":
        ok = code == 302 and "login" in response["Location"]
        return None if ok else f"expected the sign-in page, got {code}"
    return None if code == 404 else f"expected 404, got {code}"


@pytest.mark.parametrize("door", DOORS, ids=lambda d: d.name.replace(" ", "-"))
def test_the_access_matrix(cast, door):
    """Every actor through one door, on both customers' objects. Each attempt runs in a
    savepoint rolled back afterwards, so every actor meets the same state (and the door's
    objects are built once, not once per actor)."""
    extra = _setup(cast)
    wrong = []
    for actor in ACTORS:
        for whose in ("alice", "bob"):
            case, names = _objects(cast, extra, whose)
            path = door.path.format(**names)
            before = (Case.objects.get(pk=case.pk).version, TimelineEntry.objects.count())
            point = transaction.savepoint()
            try:
                response = _call(cast, extra, actor, door, path, door.body(case))
                allowed = door.rule(actor, whose)
                if allowed and response.status_code in (401, 403, 404):
                    wrong.append(f"{actor.name} on {whose}'s: refused ({response.status_code}) but may pass")
                elif allowed and door.may_change is not None and not door.may_change(actor, whose):
                    after = (Case.objects.get(pk=case.pk).version, TimelineEntry.objects.count())
                    if after != before:
                        wrong.append(f"{actor.name} on {whose}'s: passed, and changed what they may not")
                elif not allowed:
                    problem = _refusal(actor, door, response)
                    after = (Case.objects.get(pk=case.pk).version, TimelineEntry.objects.count())
                    if problem is None and after != before:
                        problem = "refused, yet it changed something"
                    if problem:
                        wrong.append(f"{actor.name} on {whose}'s: {problem}")
            finally:
                transaction.savepoint_rollback(point)
    assert not wrong, "\n".join(wrong)


# --- every way in is a door, or named ---------------------------------------------------


def _route_to_doc(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def _patterns() -> set[str]:
    """Every URL pattern of the URLconf; an API operation is "METHOD pattern" (its methods
    from the document the same router writes), as one pattern may serve several methods."""
    from honeydesk.api.urls import api

    operations = api.get_openapi_schema()["paths"]

    def walk(resolver: URLResolver, prefix: str) -> list[str]:
        found = []
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                found += walk(pattern, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                found.append(prefix + str(pattern.pattern))
        return found

    keys = set()
    for route in walk(get_resolver(), ""):
        if route.startswith("admin/"):
            keys.add("admin/")
        elif _route_to_doc(route) in operations:
            keys |= {f"{method.upper()} {route}" for method in operations[_route_to_doc(route)]}
        else:
            keys.add(route)
    return keys


SAMPLE = {"ref": "HD-000001", "number": "1000001"}


def _key(door: Door) -> str:
    path = door.path.split("?")[0]
    path = re.sub(r"\{(\w+)\}", lambda m: SAMPLE.get(m.group(1), "1"), path)
    route = resolve(f"/api/v1{path}" if door.via == "api" else path).route
    return f"{door.method.upper()} {route}" if door.via == "api" else route


def test_every_url_pattern_is_a_door_or_named_here():
    patterns = _patterns()
    doors = {_key(door) for door in DOORS}
    unnamed = patterns - doors - EXEMPT - NOT_YET
    assert not unnamed, f"ways in with no door in the matrix and no reason: {sorted(unnamed)}"
    # The lists stay true: nothing named that is gone, nothing both a door and named.
    assert patterns >= EXEMPT | NOT_YET, sorted((EXEMPT | NOT_YET) - patterns)
    assert not (doors & (EXEMPT | NOT_YET)), sorted(doors & (EXEMPT | NOT_YET))
    assert not (EXEMPT & NOT_YET)


@pytest.mark.parametrize("actor", [a for a in ACTORS if a.role != "none"], ids=lambda a: a.name)
def test_lists_and_searches_show_only_what_each_actor_may_see(cast, actor):
    """The doors without an object in the path: what they list is the same rule."""
    _setup(cast)
    users = {u.username: u for u in cast.everyone}
    user = users[actor.name]
    listed = {item["ref"] for item in cast.api(user).get("/cases", limit=100).json()["items"]}
    expected = {c.ref for who, c in (("alice", cast.alice_case), ("bob", cast.bob_case)) if who in actor.cases}
    assert listed & {cast.alice_case.ref, cast.bob_case.ref} == expected
    for whose, account in (("alice", cast.alice_account), ("bob", cast.bob_account)):
        found = cast.api(user).get("/accounts", number=account.number).json()
        assert bool(found) == (whose in actor.accounts), (whose, found)
    portal = cast.client(user).get("/portal/").content.decode()
    for whose, case in (("alice", cast.alice_case), ("bob", cast.bob_case)):
        assert (case.ref in portal) == (whose in actor.cases and not actor.staff) or actor.staff
    if actor.staff:
        page = cast.client(user).get("/desk/search/", {"q": "Archer"}).content.decode()
        assert (cast.alice_case.ref in page) == ("alice" in actor.cases)
