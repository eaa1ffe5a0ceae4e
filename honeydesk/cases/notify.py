"""Mail that actions send: queued in the action's transaction, sent after the commit.

A mail that fails to send never undoes the change it reports: the case record is the
truth, mail is a copy. Each mail is a row in the e-mail channel's message store with its
own Message-ID (so answers thread back to the case) and a job that sends it and retries
through mail-server outages (see honeydesk.channels.email.outbound).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from honeydesk.cases.models import Case, TimelineEntry


def _customer_address(case: Case) -> list[str]:
    if case.contact is None:
        return []
    address = case.contact.primary_email
    return [address] if address else []


def _queue(
    case: Case,
    template: str,
    to: list[str],
    *,
    label: str = "",
    entry: TimelineEntry | None = None,
    auto_submitted: str = "",
    **context: Any,
) -> None:
    from honeydesk.channels.email.outbound import case_subject, queue_mail

    queue_mail(
        case=case,
        to=to,
        subject=case_subject(case, label),
        template=template,
        entry=entry,
        context=context,
        auto_submitted=auto_submitted,
    )


def case_opened(case: Case, entry: TimelineEntry) -> None:
    # The acknowledgement. Channels decide whether to call this at all: an inbound
    # auto-reply or bulk mail opens no case and gets no acknowledgement.
    _queue(
        case,
        "case_opened",
        _customer_address(case),
        label="We have your request: ",
        entry=entry,
        auto_submitted="auto-replied",
        **intake_summary(case, entry),
    )


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
    _queue(case, "reply", _customer_address(case), entry=entry)


def status_changed(case: Case, before: str, after: str) -> None:
    # Customers see every status change in the portal; mail goes out for the ones that
    # ask something of them or close the loop.
    if after in ("pending", "resolved"):
        label = f"{case.get_status_display()}: "
        _queue(
            case,
            "status",
            _customer_address(case),
            label=label,
            auto_submitted="auto-generated",
            before=before,
            after=after,
        )


def escalated(case: Case) -> None:
    from honeydesk.accounts.models import Role, User

    to = list(
        User.objects.filter(role=Role.SUPERVISOR, is_active=True).exclude(email="").values_list("email", flat=True)
    )
    _queue(case, "escalated", to, label="Supervisor requested: ", auto_submitted="auto-generated")


def abuse_flagged(case: Case, entry: TimelineEntry) -> None:
    """Supervisors hear at once when a rep receives an abusive message."""
    from honeydesk.accounts.models import Role, User

    to = list(
        User.objects.filter(role=Role.SUPERVISOR, is_active=True).exclude(email="").values_list("email", flat=True)
    )
    _queue(case, "abuse_flagged", to, label="Abusive message flagged: ", auto_submitted="auto-generated")
