"""The access matrix's table (issue 19): who is who, the rules of who may pass, and
`DOORS`, every way in with its rule. `test_access_matrix.py` runs it and checks that every
URL pattern of the URLconf is a door here or named there with its reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from honeydesk.accounts.models import User
from honeydesk.cases.models import Case
from honeydesk.lib import clock
from honeydesk.quality import monitoring

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


def customer_sees_case(a: Actor, whose: str) -> bool:
    return a.role == "customer" and whose in a.cases


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


def customers(a: Actor, whose: str) -> bool:
    return a.role == "customer"


# Notifications and call-backs belong to one person: the department agent of each case.
OWNER = {"alice": "bianca", "bob": "rafael"}


def owner_only(a: Actor, whose: str) -> bool:
    return a.name == OWNER[whose]


def reviewed_or_supervisors(a: Actor, whose: str) -> bool:
    """A monitoring review: supervisors and the rep it reviews (each case's agent's own)."""
    return a.name == OWNER[whose] or a.role in ("supervisor", "admin")


def incident_readers(a: Actor, whose: str) -> bool:
    """Staff read every incident; a customer the real ones of their area (the matrix's
    incident is in alice's area, North)."""
    return a.staff or a.name == "alice"


@dataclass(frozen=True)
class Door:
    name: str
    via: str  # "api" or "page"
    method: str
    path: str  # {ref}, {number}, {contact}, {attachment} of the target's objects
    rule: Rule
    body: Callable[[Case], dict[str, Any]] = field(default=lambda case: {})
    writes: bool = False
    # For a door some pass without being allowed to change the object (a list action that
    # reports what it refused): who may change it; anyone else must leave it unchanged.
    may_change: Rule | None = None


def v(case: Case, **fields: Any) -> dict[str, Any]:
    return {**fields, "version": Case.objects.get(pk=case.pk).version}


def _undo(case: Case) -> dict[str, Any]:
    """Undo the merge of the duplicate merged into `case` (its version, and why)."""
    duplicate = Case.objects.get(merged_into=case)
    return {"reason": "Not the same request", "version": duplicate.version}


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
    # --- added with the URLconf check: case-scoped API operations -------------------------
    Door("api service level", "api", "get", "/cases/{ref}/service-level", sees_case),
    Door(
        "api priority", "api", "post", "/cases/{ref}/priority", staff_sees_case, lambda c: v(c, priority="high"), True
    ),
    Door("api tags", "api", "post", "/cases/{ref}/tags", staff_sees_case, lambda c: v(c, add=["vip"]), True),
    Door("api fields", "api", "post", "/cases/{ref}/fields", staff_sees_case, lambda c: v(c, values={}), True),
    Door("api macro", "api", "post", "/cases/{ref}/macros/{macro}/apply", staff_sees_case, v, True),
    Door("api merge", "api", "post", "/cases/{ref}/merge", staff_sees_case, lambda c: v(c, into=_twin(c)), True),
    Door("api split", "api", "post", "/cases/{ref}/entries/{entry}/split", staff_sees_case, v, True),
    Door("api unmerge", "api", "post", "/cases/{merged}/unmerge", staff_sees_case, _undo, True),
    Door("api promise", "api", "post", "/cases/{ref}/callbacks", staff_sees_case, lambda c: {"due_at": _due()}, True),
    Door("api credits", "api", "get", "/cases/{ref}/credits", sees_case),
    Door("api ask credit", "api", "post", "/cases/{ref}/credits", sees_case, lambda c: ASK, True),
    Door("api credit", "api", "get", "/cases/{ref}/credits/{credit}", sees_case),
    Door("api recommendation", "api", "get", "/cases/{ref}/credits/{credit}/recommendation", staff_sees_case),
    Door(
        "api decide credit",
        "api",
        "post",
        "/cases/{ref}/credits/{credit}/decide",
        staff_sees_case,
        lambda c: {"action": "decline", "departure_reason": "r", "note": "n"},
        True,
    ),
    Door(
        "api answer credit",
        "api",
        "post",
        "/cases/{ref}/credits/{credit}/answer",
        sees_case,
        lambda c: {"answer": "accept"},
        True,
    ),
    Door("api withdraw credit", "api", "post", "/cases/{ref}/credits/{credit}/withdraw", sees_case, writes=True),
    # API: lists and objects that are not a case
    Door("api case list", "api", "get", "/cases", signed_in),
    Door("api account lookup", "api", "get", "/accounts?number={number}", signed_in),
    Door("api case fields", "api", "get", "/case-fields", staff_only),
    Door("api tag list", "api", "get", "/tags", staff_only),
    Door("api macros", "api", "get", "/macros", staff_only),
    Door("api rename tag", "api", "post", "/tags/vip/rename", admins, lambda c: {"name": "valued"}),
    Door("api merge tag", "api", "post", "/tags/vip/merge", admins, lambda c: {"into": "gold"}),
    Door("api notifications", "api", "get", "/notifications", staff_only),
    Door("api read notification", "api", "post", "/notifications/{notification}/read", owner_only),
    Door("api read all", "api", "post", "/notifications/read-all", staff_only),
    Door(
        "api close callback",
        "api",
        "post",
        "/callbacks/{callback}/close",
        staff_sees_case,
        lambda c: {"outcome": "reached"},
    ),
    Door(
        "api callback done",
        "api",
        "post",
        "/callbacks/{callback}/done",
        staff_sees_case,
        lambda c: {"outcome": "reached"},
    ),
    Door("api approvals", "api", "get", "/credits/approvals", supervisors),
    Door("api approve", "api", "post", "/credits/approvals/{approval}/approve", supervisors, writes=True),
    Door(
        "api decline approval",
        "api",
        "post",
        "/credits/approvals/{approval}/decline",
        supervisors,
        lambda c: {"note": "n"},
        True,
    ),
    Door("api ledger", "api", "get", "/accounts/{number}/credits", staff_only),
    Door("api ledger csv", "api", "get", "/accounts/{number}/credits.csv", staff_only),
    Door("api billing errors", "api", "get", "/accounts/{number}/billing-errors", staff_only),
    Door(
        "api flag billing",
        "api",
        "post",
        "/accounts/{number}/billing-errors",
        staff_only,
        lambda c: {"description": "d"},
    ),
    Door("api clear billing", "api", "post", "/billing-errors/{flag}/clear", staff_only, lambda c: {"note": "n"}),
    Door("api credit policy", "api", "get", "/credits/policy", staff_only),
    Door("api incidents", "api", "get", "/incidents", signed_in),
    Door("api incident", "api", "get", "/incidents/{incident}", incident_readers),
    Door("api metrics", "api", "get", "/metrics", staff_only),
    Door("api availability", "api", "get", "/me/availability", staff_only),
    Door("api set availability", "api", "post", "/me/availability", staff_only, lambda c: {"away": True}),
    Door("api create case", "api", "post", "/cases", signed_in, lambda c: {"subject": "s", "body": "b"}),
    Door("api report incident", "api", "post", "/incidents", staff_only, lambda c: {"service": "TV", "area": "South"}),
    Door("api confirm incident", "api", "post", "/incidents/{incident}/confirm", staff_only),
    Door("api dismiss incident", "api", "post", "/incidents/{incident}/dismiss", staff_only, lambda c: {"reason": "r"}),
    Door("api incident update", "api", "post", "/incidents/{incident}/updates", staff_only, lambda c: {"body": "b"}),
    Door(
        "api resolve incident",
        "api",
        "post",
        "/incidents/{incident}/resolve",
        staff_only,
        lambda c: {"resolution": "r"},
    ),
    Door("api link incident", "api", "post", "/incidents/{incident}/cases", staff_sees_case, lambda c: {"case": c.ref}),
    Door("api surveys", "api", "get", "/surveys", staff_only),
    Door("api recoveries", "api", "get", "/recoveries", supervisors),
    Door("api criteria", "api", "get", "/monitoring/criteria", staff_only),
    Door("api samples", "api", "get", "/monitoring/samples", supervisors),
    Door("api draw samples", "api", "post", "/monitoring/samples", supervisors, lambda c: {"week": "2026-W10"}),
    Door("api reviews", "api", "get", "/monitoring/reviews", supervisors),
    Door("api my reviews", "api", "get", "/monitoring/my-reviews", staff_only),
    # API: the quality loop (a survey on each customer's resolved case, its recovery, and
    # a monitoring sample of each case's agent with one reviewed item)
    Door("api survey", "api", "get", "/surveys/{survey}", staff_sees_case),
    Door("api recovery", "api", "get", "/recoveries/{recovery}", supervisors),
    Door(
        "api recovery contact",
        "api",
        "post",
        "/recoveries/{recovery}/contacts",
        supervisors,
        lambda c: {"outcome": "no_answer", "version": 1},
    ),
    Door("api sample", "api", "get", "/monitoring/samples/{sample}", supervisors),
    Door("api review item", "api", "post", "/monitoring/items/{item}/review", supervisors, lambda c: _scores()),
    Door("api review", "api", "get", "/monitoring/reviews/{review}", reviewed_or_supervisors),
    # Answering a review is the reviewed rep's alone (a supervisor gets the 404 too).
    Door(
        "api acknowledge",
        "api",
        "post",
        "/monitoring/reviews/{review}/acknowledge",
        owner_only,
        lambda c: {"version": 1},
    ),
    Door(
        "api dispute",
        "api",
        "post",
        "/monitoring/reviews/{review}/dispute",
        owner_only,
        lambda c: {"version": 1, "reason": "It was a call"},
    ),
    # Settling is a supervisor's; the matrix's review is not disputed, so they get 409.
    Door(
        "api settle",
        "api",
        "post",
        "/monitoring/reviews/{review}/settle",
        supervisors,
        lambda c: {"version": 1, "decision": "uphold", "comment": "Fair"},
    ),
    # Pages: the workspace, added with the URLconf check
    Door("desk search", "page", "get", "/desk/search/?q=Archer", staff_only),
    Door("desk export", "page", "get", "/desk/export.csv", staff_only),
    # Supervisors reassign in bulk; an agent is told so (302) and changes nothing.
    Door(
        "desk bulk assign",
        "page",
        "post",
        "/desk/bulk-assign/",
        staff_only,
        lambda c: {"cases": [f"{c.ref}@{Case.objects.get(pk=c.pk).version}"], "owner": _pk("ada")},
        True,
        may_change=supervisors,
    ),
    Door("desk coach", "page", "post", "/desk/cases/{ref}/coach/", staff_sees_case, lambda c: {"body": "Hello"}),
    Door("desk macro search", "page", "get", "/desk/cases/{ref}/macros/", staff_sees_case),
    Door("desk macro apply", "page", "post", "/desk/cases/{ref}/macros/{macro}/apply/", staff_sees_case, v, True),
    Door(
        "desk merge", "page", "post", "/desk/cases/{ref}/merge/", staff_sees_case, lambda c: v(c, into=_twin(c)), True
    ),
    Door("desk split", "page", "post", "/desk/cases/{ref}/entries/{entry}/split/", staff_sees_case, v, True),
    Door("desk unmerge", "page", "post", "/desk/cases/{merged}/unmerge/", staff_sees_case, _undo, True),
    Door(
        "desk promise",
        "page",
        "post",
        "/desk/cases/{ref}/callbacks/",
        staff_sees_case,
        lambda c: {"due_at": _due()},
        True,
    ),
    Door("desk ask credit", "page", "post", "/desk/cases/{ref}/credits/", staff_sees_case, lambda c: ASK, True),
    Door(
        "desk decide credit",
        "page",
        "post",
        "/desk/cases/{ref}/credits/{credit}/decide/",
        staff_sees_case,
        lambda c: {"action": "decline", "departure_reason": "r"},
        True,
    ),
    Door(
        "desk answer credit", "page", "post", "/desk/cases/{ref}/credits/{credit}/answer/", staff_sees_case, writes=True
    ),
    Door(
        "desk withdraw credit",
        "page",
        "post",
        "/desk/cases/{ref}/credits/{credit}/withdraw/",
        staff_sees_case,
        writes=True,
    ),
    Door("desk ledger csv", "page", "get", "/desk/accounts/{number}/credits.csv", staff_only),
    Door(
        "desk flag billing",
        "page",
        "post",
        "/desk/accounts/{number}/billing-errors/",
        staff_only,
        lambda c: {"description": "d"},
    ),
    Door("desk clear billing", "page", "post", "/desk/billing-errors/{flag}/clear/", staff_only),
    Door("desk approvals", "page", "get", "/desk/credits/approvals/", supervisors),
    Door(
        "desk approve",
        "page",
        "post",
        "/desk/credits/approvals/{approval}/",
        supervisors,
        lambda c: {"decision": "approve"},
        True,
    ),
    Door("desk callbacks", "page", "get", "/desk/callbacks/", staff_only),
    Door(
        "desk close callback",
        "page",
        "post",
        "/desk/callbacks/{callback}/close/",
        staff_sees_case,
        lambda c: {"outcome": "reached"},
    ),
    Door("desk notifications", "page", "get", "/desk/notifications/", staff_only),
    Door("desk bell", "page", "get", "/desk/notifications/bell/", staff_only),
    Door("desk read notifications", "page", "post", "/desk/notifications/read/", staff_only),
    Door("desk notification preferences", "page", "post", "/desk/notifications/preferences/", staff_only),
    Door("desk availability", "page", "get", "/desk/availability/", staff_only),
    Door("desk metrics", "page", "get", "/desk/metrics/", supervisors),
    Door("desk my metrics", "page", "get", "/desk/metrics/mine/", staff_only),
    Door("desk metrics csv", "page", "get", "/desk/metrics/rep.csv", supervisors),
    Door("desk tags", "page", "get", "/desk/tags/", admins),
    Door("desk macros", "page", "get", "/desk/macros/", staff_only),
    Door("desk macro edit", "page", "get", "/desk/macros/{macro}/", staff_only),
    Door("desk incidents", "page", "get", "/desk/incidents/", staff_only),
    Door(
        "desk report incident",
        "page",
        "post",
        "/desk/incidents/report/",
        staff_only,
        lambda c: {"service": "TV", "area": "South"},
    ),
    Door("desk incident", "page", "get", "/desk/incidents/{incident}/", staff_only),
    Door("desk recovery queue", "page", "get", "/desk/recovery/", supervisors),
    Door("desk reply scores", "page", "get", "/desk/reply-scores/", staff_only),
    Door("desk monitoring", "page", "get", "/desk/monitoring/", supervisors),
    Door("desk monitoring trends", "page", "get", "/desk/monitoring/trends/", supervisors),
    Door("desk my reviews", "page", "get", "/desk/reviews/", staff_only),
    Door("desk new answer", "page", "get", "/desk/kb/new/", staff_only),
    Door("desk edit answer", "page", "get", "/desk/kb/{article}/", staff_only),
    Door("desk draw samples", "page", "post", "/desk/monitoring/draw/", supervisors, lambda c: {"week": "2026-W10"}),
    Door("desk confirm incident", "page", "post", "/desk/incidents/{incident}/do/confirm/", staff_only),
    Door("desk recovery", "page", "get", "/desk/recovery/{recovery}/", supervisors),
    Door("desk recovery record", "page", "post", "/desk/recovery/{recovery}/record/", supervisors),
    Door("desk monitoring item", "page", "get", "/desk/monitoring/items/{item}/", supervisors),
    Door("desk review", "page", "get", "/desk/reviews/{review}/", reviewed_or_supervisors),
    # Answering a review is the reviewed rep's alone, here too (with the version the form
    # carries; without it the version is asked for first, 409, even of a supervisor).
    Door(
        "desk review respond",
        "page",
        "post",
        "/desk/reviews/{review}/respond/",
        owner_only,
        lambda c: {"action": "acknowledge", "version": 1},
    ),
    Door(
        "desk review settle",
        "page",
        "post",
        "/desk/reviews/{review}/settle/",
        supervisors,
        lambda c: {"decision": "uphold", "comment": "Fair", "version": 1},
    ),
    Door("desk entry html", "page", "get", "/desk/cases/{ref}/entries/{html_entry}/html/", staff_sees_case),
    Door(
        "desk proposal", "page", "post", "/desk/cases/{ref}/proposals/escalate/dismiss/", staff_sees_case, writes=True
    ),
    Door("desk held decision", "page", "post", "/desk/held-mail/{held}/reject/", supervisors),
    # Pages: the portal, added with the URLconf check
    Door("portal new", "page", "get", "/portal/new/", signed_in),
    Door("portal search", "page", "get", "/portal/search/?q=modem", signed_in),
    Door("portal suggest", "page", "get", "/portal/suggest/?q=bill", signed_in),
    Door("portal call me", "page", "post", "/portal/cases/{ref}/call-me/", sees_case, lambda c: {"when": "asap"}, True),
    Door("portal ask credit", "page", "post", "/portal/cases/{ref}/credits/", sees_case, lambda c: ASK, True),
    Door(
        "portal answer credit", "page", "post", "/portal/cases/{ref}/credits/{credit}/answer/", sees_case, writes=True
    ),
    Door(
        "portal withdraw credit",
        "page",
        "post",
        "/portal/cases/{ref}/credits/{credit}/withdraw/",
        sees_case,
        writes=True,
    ),
    # The customer's own survey: staff who see the case may not answer it or opt them out.
    Door(
        "portal survey",
        "page",
        "post",
        "/portal/cases/{ref}/survey/",
        customer_sees_case,
        lambda c: {"action": "opt_out"},
    ),
]

ASK = {"amount": "40.00", "reason": "No internet", "period_start": "2026-03-02", "period_end": "2026-03-04"}


def _twin(case: Case) -> str:
    return Case.objects.get(subject=f"Twin of {case.ref}").ref


def _scores() -> dict[str, Any]:
    return {"scores": [{"criterion": c["id"], "score": 5} for c in monitoring.current_criteria()]}


def _pk(username: str) -> int:
    return int(User.objects.get(username=username).pk)


def _due() -> str:
    return (clock.now() + timedelta(days=2)).isoformat()
