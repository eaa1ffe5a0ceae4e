"""Intake's findings surfaced for a rep to decide: a supervisor asked for in a message or
on the phone (a proposed escalation, one click to confirm), a threat to leave (a
suggested transfer to Retention, never automatic)."""

from __future__ import annotations

import pytest

from honeydesk.accounts.models import Department
from honeydesk.cases import actions, proposal_actions
from honeydesk.cases.models import Escalation, Proposal
from honeydesk.lib.errors import InvalidTransition

SUPERVISOR = "I'd like a supervisor to review my account because I was charged twice and nobody fixed it."


def test_it_proposes_an_escalation_when_a_customer_asks_for_a_supervisor_in_a_message(cast):
    actions.do_add_reply(cast.alice_case, body=SUPERVISOR, acting_user=cast.alice)
    [proposal] = Proposal.objects.filter(case=cast.alice_case, decided_at__isnull=True)
    assert proposal.kind == "escalate" and "supervisor to review my account" in proposal.reason
    assert not Escalation.objects.exists() and not cast.fresh(cast.alice_case).escalated
    page = cast.client(cast.billing_agent).get(f"/desk/cases/{cast.alice_case.ref}/").content.decode()
    assert "Proposed escalation" in page and "supervisor to review my account" in page
    queue = cast.client(cast.supervisor).get("/desk/?queue=escalated").content.decode()
    assert cast.alice_case.ref in queue and "proposed escalation" in queue
    # One click.
    cast.client(cast.billing_agent).post(f"/desk/cases/{cast.alice_case.ref}/proposals/escalate/confirm/")
    escalation = Escalation.objects.get(case=cast.alice_case)
    assert escalation.requested_by == cast.billing_agent and "supervisor to review my account" in escalation.reason
    proposal.refresh_from_db()
    assert proposal.outcome == "confirmed" and proposal.decided_by == cast.billing_agent
    with pytest.raises(InvalidTransition):
        proposal_actions.do_confirm_escalation(cast.alice_case, acting_user=cast.billing_agent)


def test_it_finds_a_supervisor_request_in_a_call_log(cast):
    actions.do_log_call(
        cast.alice_case,
        body="Customer says she wants to speak to a manager about the late fees.",
        acting_user=cast.billing_agent,
    )
    assert Proposal.objects.filter(case=cast.alice_case, kind="escalate").exists()


def test_an_escalation_made_another_way_settles_the_proposal(cast):
    actions.do_add_reply(cast.alice_case, body=SUPERVISOR, acting_user=cast.alice)
    actions.do_escalate(cast.alice_case, reason="Asked twice", acting_user=cast.alice)
    assert Proposal.objects.get(case=cast.alice_case).outcome == "superseded"


def test_it_suggests_retention_for_a_customer_who_threatens_to_leave(cast):
    retention = Department.objects.create(name="Retention", slug="retention")
    actions.do_add_reply(
        cast.alice_case,
        body="If this isn't fixed this week I am cancelling my service and switching to another provider.",
        acting_user=cast.alice,
    )
    [proposal] = Proposal.objects.filter(case=cast.alice_case)
    assert proposal.kind == "retention" and proposal.reason.startswith("Threatens to leave:")
    assert cast.fresh(cast.alice_case).department == cast.billing  # a suggestion, not a transfer
    page = cast.client(cast.billing_agent).get(f"/desk/cases/{cast.alice_case.ref}/").content.decode()
    assert "Retention: the customer threatens to leave" in page and "transfer to Retention" in page
    actions.do_transfer(
        cast.alice_case, retention, summary="Wants to leave over the double charge", acting_user=cast.supervisor
    )
    assert Proposal.objects.get(case=cast.alice_case).outcome == "superseded"


def test_a_rep_dismisses_a_suggestion_on_record(cast):
    actions.do_add_reply(cast.alice_case, body=SUPERVISOR, acting_user=cast.alice)
    cast.client(cast.billing_agent).post(
        f"/desk/cases/{cast.alice_case.ref}/proposals/escalate/dismiss/", {"note": "Sorted on the phone"}
    )
    assert Proposal.objects.get(case=cast.alice_case).outcome == "dismissed"
    note = cast.alice_case.entries.filter(kind="note").order_by("-id").first()
    assert "Dismissed the suggestion" in note.body and "Sorted on the phone" in note.body
    assert (
        cast.client(cast.repair_agent)
        .post(f"/desk/cases/{cast.alice_case.ref}/proposals/escalate/confirm/")
        .status_code
        == 404
    )
