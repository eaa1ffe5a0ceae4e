"""Proposals: what intake noticed that a rep should decide on (see models.Proposal).

`notice` runs on every batch of new entries (from `timeline.add_entries`):

- a customer's message (any channel) or a call log a rep wrote that asks for a
  supervisor proposes an escalation, with the sentence that asked; a rep confirms it
  in one click (`proposal_actions.do_confirm_escalation`) or dismisses it;
- a customer who threatens to leave gets a suggested transfer to the Retention
  department (settings.RETENTION_DEPARTMENT, slug, default "retention"), never an
  automatic one;
- an escalation or a transfer to Retention, however it came about, settles the open
  proposal of that kind ("done another way").

One open proposal per kind and case. Nothing here sends anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.conf import settings

from honeydesk.accounts.models import Department
from honeydesk.cases import tone_guard
from honeydesk.cases.models import Case, Proposal, TimelineEntry
from honeydesk.lib import clock

Kind = TimelineEntry.Kind
Event = TimelineEntry.Event

_SUPERVISOR_SENTENCE = re.compile(
    r"[^.!?\n]*\b(?:supervisor|manager|team ?lead(?:er)?|someone (?:more )?senior|your boss|higher up|superior)\b"
    r"[^.!?\n]*[.!?]?",
    re.IGNORECASE,
)


def retention_department() -> Department | None:
    slug = getattr(settings, "RETENTION_DEPARTMENT", "retention")
    return Department.objects.filter(slug=slug).first()


def _analysis(entry: TimelineEntry) -> dict[str, Any] | None:
    data = entry.data if isinstance(entry.data, dict) else {}
    if entry.kind == Kind.INBOUND and entry.visibility == TimelineEntry.Visibility.PUBLIC:
        if data.get("record_only"):
            return None
        found = data.get("analysis")
        return found if isinstance(found, dict) else None
    if entry.kind == Kind.CALL and entry.author_id is not None and not data.get("call_id"):
        # A call log a rep wrote: what the customer said on the phone, in the rep's words.
        return tone_guard.analyze(entry.body)
    return None


def _quote(body: str, pattern: re.Pattern[str], fallback: str) -> str:
    match = pattern.search(body)
    return " ".join(match.group().split())[:500] if match else fallback


def _propose(case: Case, kind: str, reason: str, entry: TimelineEntry) -> None:
    if Proposal.objects.filter(case=case, kind=kind, decided_at__isnull=True).exists():
        return
    Proposal.objects.create(case=case, kind=kind, reason=reason, entry=entry, created_at=clock.now())


def settle(case: Case, kind: str, *, outcome: str = Proposal.Outcome.SUPERSEDED, user: Any = None) -> int:
    return Proposal.objects.filter(case=case, kind=kind, decided_at__isnull=True).update(
        decided_at=clock.now(), outcome=outcome, decided_by=user
    )


def notice(case: Case, entries: Sequence[TimelineEntry]) -> None:
    for entry in entries:
        if entry.kind == Kind.EVENT:
            if entry.event == Event.ESCALATED:
                settle(case, Proposal.Kind.ESCALATE)
            elif entry.event == Event.TRANSFERRED:
                retention = retention_department()
                if retention is not None and entry.data.get("to_id") == retention.pk:
                    settle(case, Proposal.Kind.RETENTION)
            continue
        analysis = _analysis(entry)
        if not analysis:
            continue
        if analysis.get("wants_supervisor") and not case.escalated:
            reason = _quote(entry.body, _SUPERVISOR_SENTENCE, "The customer asked for a supervisor.")
            _propose(case, Proposal.Kind.ESCALATE, reason, entry)
        leave = [
            word
            for r in analysis.get("reasons", [])
            if isinstance(r, dict) and r.get("kind") == "threat_to_leave"
            for word in r.get("words", [])
        ]
        if leave:
            retention = retention_department()
            if retention is not None and case.department_id != retention.pk:
                _propose(case, Proposal.Kind.RETENTION, "Threatens to leave: " + "; ".join(leave)[:480], entry)


def open_proposals(case: Case) -> list[Proposal]:
    if not case.is_active:
        return []
    found = Proposal.objects.filter(case=case, decided_at__isnull=True).select_related("entry")
    return [p for p in found if not (p.kind == Proposal.Kind.ESCALATE and case.escalated)]
