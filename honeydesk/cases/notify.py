"""Who is told what when a case changes; the channels decide how.

Actions call these inside their transaction. Each builds a `Notice` and hands it to the
channel registry (`honeydesk.channels.registry`), whose channels record what is to be
sent and send it after the commit. A notification that fails never undoes the change it
reports: the case record is the truth, a notification is a copy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from honeydesk.accounts.models import Role, User
from honeydesk.cases.models import Case, TimelineEntry
from honeydesk.channels.registry import Notice, deliver

# What feature apps add to the acknowledgement's context (metrics: "best_time", the best
# time to call), registered in their AppConfig.ready(); the case layer imports none of them.
ACKNOWLEDGEMENT_EXTRAS: dict[str, Callable[[Case], dict[str, Any]]] = {}


def _supervisors() -> list[User]:
    return list(User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("id"))


def case_opened(case: Case, entry: TimelineEntry) -> None:
    """The acknowledgement. Channels decide whether to call this at all: an inbound
    auto-reply or bulk mail opens no case and gets no acknowledgement."""
    deliver(
        Notice(
            case,
            "case_opened",
            label="We have your request: ",
            entry=entry,
            automatic="auto-replied",
            context={**intake_summary(case, entry), **_extras(case)},
        )
    )


def _extras(case: Case) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for extra in ACKNOWLEDGEMENT_EXTRAS.values():
        out.update(extra(case))
    return out


def intake_summary(case: Case, entry: TimelineEntry) -> dict[str, Any]:
    """What the acknowledgement asks for: the facts this request type needs that neither
    the form nor the message gave us, the outcome if none was stated, and whether calling
    would be faster than writing for what the message is about."""
    analysis = entry.data.get("analysis", {}) if isinstance(entry.data, dict) else {}
    found = {**analysis.get("facts", {}), **case.facts}
    missing = [
        n.get("label", n["key"]) for n in case.request_type.needs if n.get("required") and not found.get(n["key"])
    ]
    best = analysis.get("best_channel") or case.request_type.best_channel
    reason = analysis.get("channel_reason") or case.request_type.channel_reason
    return {
        "missing": missing,
        "ask_goal": not case.goal and not analysis.get("goal_stated", True),
        "call_faster": best == "call",
        "channel_reason": reason,
    }


def reply_sent(case: Case, entry: TimelineEntry) -> None:
    deliver(Notice(case, "reply", entry=entry))


def status_changed(case: Case, before: str, after: str) -> None:
    """Customers see every status change in the portal; a message goes out for the ones
    that ask something of them or close the loop."""
    if after in ("pending", "resolved"):
        deliver(
            Notice(
                case,
                "status",
                label=f"{case.get_status_display()}: ",
                automatic="auto-generated",
                context={"before": before, "after": after},
            )
        )


def escalated(case: Case) -> None:
    """Supervisors hear of an escalation from `honeydesk.notifications` (in the app, and
    by mail as each of them chose), which follows the escalation event on the timeline;
    nothing is sent from here, so nobody is told twice."""


def abuse_flagged(case: Case, entry: TimelineEntry) -> None:
    """Supervisors hear at once when a rep receives an abusive message."""
    deliver(
        Notice(
            case, "abuse_flagged", label="Abusive message flagged: ", staff=_supervisors(), automatic="auto-generated"
        )
    )


def credit_update(case: Case, entry: TimelineEntry, context: dict[str, Any]) -> None:
    """An offer or a decision on a credit request, with the rule and the record it cites
    (the credit apps build `context`: plain, JSON-ready values the channel keeps)."""
    deliver(
        Notice(
            case,
            "credit",
            label=f"{context.get('title', 'Credit request')}: ",
            entry=entry,
            automatic="auto-generated",
            context=context,
        )
    )


def credit_approval_needed(case: Case, context: dict[str, Any]) -> None:
    """Supervisors hear when a credit above a rep's authority waits for them."""
    deliver(
        Notice(
            case,
            "credit_approval",
            label="Credit approval needed: ",
            staff=_supervisors(),
            automatic="auto-generated",
            context=context,
        )
    )


def outage_resolved(case: Case, entry: TimelineEntry, context: dict[str, Any]) -> None:
    """The outage a customer's case was linked to is fixed."""
    deliver(
        Notice(
            case, "outage_resolved", label="Outage fixed: ", entry=entry, automatic="auto-generated", context=context
        )
    )


def merged(source: Case, survivor: Case, entry: TimelineEntry) -> None:
    """The one notice of a merge (honeydesk.cases.merging): the merged case's customer
    hears, on that case's thread, where their request continues; replies to it land there."""
    deliver(
        Notice(
            source,
            "merged",
            label="Combined with another case: ",
            entry=entry,
            automatic="auto-generated",
            context={"into": survivor.ref, "into_subject": survivor.subject},
        )
    )


def unmerged(source: Case, survivor: Case, entry: TimelineEntry) -> None:
    """The one notice of an undone merge, on the merged case's thread, as the merge's was:
    the two requests are handled separately again, and replies go to this one."""
    deliver(
        Notice(
            source,
            "unmerged",
            label="Handled separately again: ",
            entry=entry,
            automatic="auto-generated",
            context={"other": survivor.ref, "other_subject": survivor.subject},
        )
    )
