"""The rep's decision on a proposal intake made (see `proposals`): confirm the proposed
escalation, or dismiss a proposal on record. Kept beside `actions` (which it builds on)
rather than in `proposals`, which the timeline imports: `proposals` must not import the
actions layer."""

from __future__ import annotations

from django.db import transaction

from honeydesk.accounts.models import User
from honeydesk.cases.actions import do_escalate
from honeydesk.cases.models import Case, Channel, Proposal, TimelineEntry
from honeydesk.cases.timeline import add_entry, check_staff, lock, touch
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput, InvalidTransition

Kind = TimelineEntry.Kind
Vis = TimelineEntry.Visibility


def do_confirm_escalation(case: Case, *, acting_user: User, expected_version: int | None = None) -> Case:
    """The rep confirms the escalation intake proposed (the customer asked for a
    supervisor in a message or on the phone): escalated with the customer's words."""
    check_staff(acting_user, "user")
    with transaction.atomic():
        proposal = (
            Proposal.objects.select_for_update()
            .filter(case=case, kind=Proposal.Kind.ESCALATE, decided_at__isnull=True)
            .first()
        )
        if proposal is None:
            raise InvalidTransition(f"{case.ref} has no proposed escalation.")
        # Decided first: the escalation event below settles open proposals otherwise.
        proposal.decided_at, proposal.decided_by = clock.now(), acting_user
        proposal.outcome = Proposal.Outcome.CONFIRMED
        proposal.save(update_fields=["decided_at", "decided_by", "outcome"])
        reason = f"The customer asked for a supervisor: {proposal.reason}"
        case = do_escalate(case, reason=reason[:2000], acting_user=acting_user, expected_version=expected_version)
    return case


def do_dismiss_proposal(case: Case, kind: str, *, acting_user: User, note: str = "") -> Case:
    """Not what the customer meant (or handled otherwise): the proposal goes, on record."""
    check_staff(acting_user, "user")
    if kind not in Proposal.Kind.values:
        raise InvalidInput.field("kind", f"Kind must be one of {', '.join(Proposal.Kind.values)}.")
    with transaction.atomic():
        case = lock(case, None)
        proposal = Proposal.objects.filter(case=case, kind=kind, decided_at__isnull=True).first()
        if proposal is None:
            raise InvalidTransition(f"{case.ref} has no open proposal of that kind.")
        proposal.decided_at, proposal.decided_by = clock.now(), acting_user
        proposal.outcome = Proposal.Outcome.DISMISSED
        proposal.save(update_fields=["decided_at", "decided_by", "outcome"])
        label = Proposal.Kind(kind).label.lower()
        why = f" — {note.strip()}" if note.strip() else ""
        add_entry(
            case,
            Kind.NOTE,
            acting_user=acting_user,
            channel=Channel.WORKSPACE,
            visibility=Vis.INTERNAL,
            body=f"Dismissed the suggestion ({label}): {proposal.reason}{why}"[:5000],
            data={"proposal": proposal.pk, "kind": kind},
        )
        touch(case, [])
    return case
