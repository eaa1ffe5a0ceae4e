"""Notifications that follow the case record (subscribed in apps.py to
`honeydesk.cases.hooks`): a case assigned or transferred to someone, a customer's
message on a case someone owns, an escalation waiting for a supervisor. Keyed by the
timeline entry, so each is told once."""

from __future__ import annotations

from collections.abc import Sequence

from honeydesk.accounts.models import User
from honeydesk.cases.models import Case, TimelineEntry
from honeydesk.notifications.actions import notify, supervisors_of
from honeydesk.notifications.models import Kind

Event = TimelineEntry.Event


def _user(pk: object) -> User | None:
    return User.objects.filter(pk=pk).first() if isinstance(pk, int) else None


def entries_added(case: Case, entries: Sequence[TimelineEntry]) -> None:
    events = {e.event for e in entries if e.kind == TimelineEntry.Kind.EVENT}
    for entry in entries:
        if entry.kind == TimelineEntry.Kind.EVENT and entry.event == Event.OWNER_CHANGED:
            to_id = entry.data.get("to_id")
            if to_id is None or to_id == entry.author_id:
                continue  # taking a case oneself is not news to oneself
            by = entry.author.display_name if entry.author else "honeydesk"
            # A transfer writes its entry just before the owner change, in the same action.
            before = TimelineEntry.objects.filter(case=case, pk__lt=entry.pk).order_by("-pk").first()
            transfer = before if before is not None and before.event == Event.TRANSFERRED else None
            if transfer is not None:
                title = f"{case.ref} transferred to you from {transfer.data.get('from', 'another department')}"
                body = f"{by}: {transfer.body}"
            else:
                title, body = f"{case.ref} assigned to you", f"{by} assigned “{case.subject}” to you."
            notify([_user(to_id)], Kind.ASSIGNED, key=f"entry:{entry.pk}", title=title, body=body, case=case)
        elif entry.kind == TimelineEntry.Kind.EVENT and entry.event == Event.ESCALATED:
            notify(
                supervisors_of(case.department_id),
                Kind.ESCALATION,
                key=f"entry:{entry.pk}",
                title=f"Supervisor requested on {case.ref}",
                body=entry.body,
                case=case,
            )
        elif (
            entry.kind == TimelineEntry.Kind.INBOUND
            and entry.visibility == TimelineEntry.Visibility.PUBLIC
            and not entry.data.get("record_only")
            and Event.OPENED not in events
            and case.owner_id is not None
        ):
            abusive = entry.data.get("analysis", {}).get("tone") == "abusive"
            notify(
                [case.owner],
                Kind.CUSTOMER_REPLIED,
                key=f"entry:{entry.pk}",
                title=f"{entry.who} replied on {case.ref}",
                # Abusive text stays masked until the rep chooses to read it on the case.
                body="(An abusive message, masked until you reveal it on the case.)" if abusive else entry.body[:300],
                case=case,
            )
