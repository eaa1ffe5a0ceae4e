"""The hostile suite, part 3: the role x object x action access matrix (issue 19), generated
from one table.

`DOORS` lists every way to reach a case, an account or a contact (API endpoints and pages),
each with the rule of who may pass. Every door is tried by every actor (customers of two
accounts, agents of two departments, a supervisor, an admin, a revoked token, a
deactivated agent, nobody) on the objects of both customers. Whoever may not pass gets the
same answer as for something that does not exist (404; 401 or the sign-in page for no
valid credentials), and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from honeydesk.accounts.models import ApiToken, Role
from honeydesk.cases import actions
from honeydesk.cases.models import Attachment, Case, TimelineEntry
from honeydesk.testing import Cast, make_staff

# --- who is who -----------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    name: str
    role: str  # customer, agent, supervisor, admin, or "none" (no valid credentials)
    cases: frozenset[str] = frozenset()  # which of the two cases ("alice", "bob") they may see
    accounts: frozenset[str] = frozenset()  # which of the two accounts they may see

    @property
    def staff(self) -> bool:
        return self.role in ("agent", "supervisor", "admin")


BOTH = frozenset({"alice", "bob"})
ACTORS = [
    Actor("alice", "customer", frozenset({"alice"}), frozenset({"alice"})),
    Actor("bob", "customer", frozenset({"bob"}), frozenset({"bob"})),
    Actor("bianca", "agent", frozenset({"alice"}), BOTH),  # Billing: alice's case
    Actor("rafael", "agent", frozenset({"bob"}), BOTH),  # Repair: bob's case
    Actor("sam", "supervisor", BOTH, BOTH),
    Actor("ada", "admin", BOTH, BOTH),
    Actor("revoked", "none"),  # alice's token, revoked
    Actor("inactive", "none"),  # a Billing agent, deactivated
    Actor("anonymous", "none"),
]

# --- the rules ------------------------------------------------------------------------

Rule = Callable[[Actor, str], bool]


def sees_case(a: Actor, whose: str) -> bool:
    return whose in a.cases


def staff_sees_case(a: Actor, whose: str) -> bool:
    return a.staff and whose in a.cases


def sees_account(a: Actor, whose: str) -> bool:
    return whose in a.accounts


def staff_only(a: Actor, whose: str) -> bool:
    return a.staff


def supervisors(a: Actor, whose: str) -> bool:
    return a.role in ("supervisor", "admin")


def signed_in(a: Actor, whose: str) -> bool:
    return a.role != "none"


def admins(a: Actor, whose: str) -> bool:
    return a.role == "admin"


@dataclass(frozen=True)
class Door:
    name: str
    via: str  # "api" or "page"
    method: str
    path: str  # {ref}, {number}, {contact}, {attachment} of the target's objects
    rule: Rule
    body: Callable[[Case], dict[str, Any]] = field(default=lambda case: {})
    writes: bool = False


def v(case: Case, **fields: Any) -> dict[str, Any]:
    return {**fields, "version": Case.objects.get(pk=case.pk).version}


DOORS = [
    # API: cases
    Door("api get case", "api", "get", "/cases/{ref}", sees_case),
    Door("api timeline", "api", "get", "/cases/{ref}/timeline", sees_case),
    Door("api reply", "api", "post", "/cases/{ref}/replies", sees_case, lambda c: v(c, body="Any news?"), True),
    Door("api note", "api", "post", "/cases/{ref}/notes", staff_sees_case, lambda c: {"body": "n"}, True),
    Door("api call", "api", "post", "/cases/{ref}/calls", staff_sees_case, lambda c: {"body": "c"}, True),
    Door("api assign", "api", "post", "/cases/{ref}/assign", staff_sees_case, lambda c: v(c, owner="sam"), True),
    Door(
        "api transfer",
        "api",
        "post",
        "/cases/{ref}/transfer",
        staff_sees_case,
        lambda c: v(c, department="sales", summary="s"),
        True,
    ),
    Door(
        "api move", "api", "post", "/cases/{ref}/move", staff_sees_case, lambda c: v(c, account_number="1000001"), True
    ),
    Door("api escalate", "api", "post", "/cases/{ref}/escalate", sees_case, lambda c: v(c, reason="why"), True),
    Door("api take escalation", "api", "post", "/cases/{ref}/take-escalation", staff_sees_case, v, True),
    Door("api resolve", "api", "post", "/cases/{ref}/resolve", staff_sees_case, lambda c: v(c, note="done"), True),
    Door("api reopen", "api", "post", "/cases/{ref}/reopen", staff_sees_case, v, True),
    # API: accounts and contacts
    Door("api get account", "api", "get", "/accounts/{number}", sees_account),
    Door("api get contact", "api", "get", "/contacts/{contact}", sees_account),
    Door(
        "api add contact",
        "api",
        "post",
        "/accounts/{number}/contacts",
        staff_only,
        lambda c: {"name": "New Person"},
        True,
    ),
    Door("api create account", "api", "post", "/accounts", staff_only, lambda c: {"number": "X-1", "name": "N"}, True),
    # API: channels
    Door("api callbacks", "api", "get", "/callbacks", staff_only),
    Door("api call event", "api", "post", "/calls", staff_only, lambda c: {"call_id": "m-1", "event": "ringing"}),
    # Pages: the workspace
    Door("desk queue", "page", "get", "/desk/", staff_only),
    Door("desk case", "page", "get", "/desk/cases/{ref}/", staff_sees_case),
    Door(
        "desk compose",
        "page",
        "post",
        "/desk/cases/{ref}/compose/",
        staff_sees_case,
        lambda c: {"mode": "note", "body": "n"},
        True,
    ),
    Door("desk take", "page", "post", "/desk/cases/{ref}/do/take/", staff_sees_case, v, True),
    Door(
        "desk escalate",
        "page",
        "post",
        "/desk/cases/{ref}/do/escalate/",
        staff_sees_case,
        lambda c: v(c, reason="r"),
        True,
    ),
    Door("desk held mail", "page", "get", "/desk/held-mail/", supervisors),
    Door("desk answers", "page", "get", "/desk/kb/", staff_only),
    Door("attachment", "page", "get", "/cases/{ref}/attachments/{attachment}/", sees_case),
    # Pages: the portal
    Door("portal home", "page", "get", "/portal/", signed_in),
    Door("portal case", "page", "get", "/portal/cases/{ref}/", sees_case),
    Door("portal record", "page", "get", "/portal/cases/{ref}/record/", sees_case),
    Door("portal reply", "page", "post", "/portal/cases/{ref}/reply/", sees_case, lambda c: v(c, body="hello"), True),
    Door(
        "portal supervisor",
        "page",
        "post",
        "/portal/cases/{ref}/supervisor/",
        sees_case,
        lambda c: v(c, reason="why"),
        True,
    ),
]

# --- the run ----------------------------------------------------------------------------


def _setup(cast: Cast) -> dict[str, Any]:
    inactive = make_staff("ivan", Role.AGENT, cast.billing)
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    revoked, raw = ApiToken.issue(cast.alice, "old")
    revoked.revoked = True
    revoked.save(update_fields=["revoked"])
    upload = actions.Upload("bill.pdf", "application/pdf", b"%PDF-1.4 statement")
    for case in (cast.alice_case, cast.bob_case):
        actions.do_add_reply(case, body="Statement attached", acting_user=cast.supervisor, uploads=[upload])
    return {"ivan": inactive, "revoked_token": raw}


def _objects(cast: Cast, whose: str) -> tuple[Case, dict[str, Any]]:
    case = cast.alice_case if whose == "alice" else cast.bob_case
    account = cast.alice_account if whose == "alice" else cast.bob_account
    contact = cast.alice_contact if whose == "alice" else cast.bob_contact
    attachment = Attachment.objects.filter(entry__case=case).first()
    assert attachment is not None
    return case, {"ref": case.ref, "number": account.number, "contact": contact.pk, "attachment": attachment.pk}


def _call(cast: Cast, extra: dict[str, Any], actor: Actor, door: Door, path: str, body: dict[str, Any]) -> Any:
    users = {u.username: u for u in cast.everyone}
    if door.via == "api":
        if actor.name == "revoked":
            api = cast.api(None)
            api.headers = {"Authorization": f"Bearer {extra['revoked_token']}"}
        elif actor.name == "inactive":
            api = cast.api(None)
            api.headers = {"Authorization": f"Bearer {ApiToken.issue(extra['ivan'], 't')[1]}"}
        elif actor.name == "anonymous":
            api = cast.api(None)
        else:
            api = cast.api(users[actor.name])
        return api.get(path) if door.method == "get" else api.post(path, body)
    if actor.name == "inactive":
        client = Client()
        client.force_login(extra["ivan"])
    elif actor.role == "none":
        client = Client()
    else:
        client = cast.client(users[actor.name])
    return client.get(path) if door.method == "get" else client.post(path, body)


def _refused(actor: Actor, door: Door, response: Any) -> None:
    if door.via == "api":
        if actor.role == "none":
            assert response.status_code == 401, response.content[:300]
            assert response.json()["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 404, response.content[:300]
            assert response.json() == {
                "error": {"code": "not_found", "message": response.json()["error"]["message"], "fields": {}}
            }
    elif actor.role == "none":
        assert response.status_code == 302 and "login" in response["Location"], response.status_code
    else:
        assert response.status_code == 404, response.status_code


@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: a.name)
@pytest.mark.parametrize("door", DOORS, ids=lambda d: d.name.replace(" ", "-"))
def test_the_access_matrix(cast, door, actor):
    extra = _setup(cast)
    for whose in ("alice", "bob"):
        case, names = _objects(cast, whose)
        path = door.path.format(**names)
        before = (Case.objects.get(pk=case.pk).version, TimelineEntry.objects.count())
        response = _call(cast, extra, actor, door, path, door.body(case))
        if door.rule(actor, whose):
            assert response.status_code not in (401, 403, 404), (whose, response.status_code, response.content[:300])
        else:
            _refused(actor, door, response)
            after = (Case.objects.get(pk=case.pk).version, TimelineEntry.objects.count())
            assert after == before, "a refused request changed something"


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
