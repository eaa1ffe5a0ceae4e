"""The monthly limit is read again when the customer accepts an offer, not only when the
rep makes it: two offers left open on two cases of one account, both within the limit
when made, cannot both be granted past it. The later acceptance waits for a supervisor.

The account's month before the offers: $45 granted; the agent's limit is $100 per
account per month, so each $40 offer fits on its own ($85) but not both ($125).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from honeydesk.cases import actions as case_actions
from honeydesk.cases.models import Case, TimelineEntry
from honeydesk.cases.tests.test_concurrency import race
from honeydesk.credits import actions
from honeydesk.credits.models import Approval, CreditRequest, LedgerEntry
from honeydesk.credits.policy import ensure_default_policy, month_total
from honeydesk.credits.tests.conftest import NOW, ask
from honeydesk.jobs import runner
from honeydesk.testing import Cast, make_cast


def second_case(cast: Cast) -> Case:
    return case_actions.do_open_case(
        case_actions.Opening(
            account=cast.alice_account,
            contact=cast.alice_contact,
            request_type=cast.billing_type,
            subject="Charged twice in April too",
            body="The April bill has the same double charge.",
            channel="email",
        ),
        acting_user=cast.alice,
    )


def two_open_offers(cast: Cast) -> tuple[CreditRequest, CreditRequest]:
    """$45 already granted this month, then a $40 offer on each of two cases."""
    actions.do_flag_billing_error(cast.alice_account, description="Double charge", acting_user=cast.billing_agent)
    earlier = actions.do_request_credit(cast.alice_case, ask("45.00"), acting_user=cast.alice, channel="portal")
    actions.do_decide_credit(earlier, action="grant", acting_user=cast.billing_agent)
    offers = []
    for case in (cast.alice_case, second_case(cast)):
        req = actions.do_request_credit(case, ask("50.00"), acting_user=cast.alice, channel="portal")
        actions.do_decide_credit(req, action="offer", amount="40.00", acting_user=cast.billing_agent)
        req.refresh_from_db()
        assert req.status == "offered", "each offer alone is within the agent's monthly limit"
        offers.append(req)
    return offers[0], offers[1]


def test_the_second_acceptance_past_the_monthly_limit_waits_for_a_supervisor(credits):
    cast = credits
    first, second = two_open_offers(cast)

    actions.do_answer_offer(first, answer="accept", acting_user=cast.alice)
    actions.do_answer_offer(second, answer="accept", acting_user=cast.alice)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.granted_amount) == ("partly_granted", Decimal("40.00"))
    assert (second.status, second.granted_amount) == ("approval", None)
    assert month_total(cast.alice_account.pk, first.created_at) == Decimal("85.00"), "nothing half-saved"
    assert not LedgerEntry.objects.filter(request=second).exists()
    approval = Approval.objects.get(request=second, status="pending")
    assert (approval.action, approval.amount) == ("grant", Decimal("40.00"))
    assert "accepted the offer of $40.00" in approval.reason
    assert "$125.00, above the agent limit of $100.00 per account per month" in approval.reason
    assert list(second.steps.values_list("kind", flat=True)) == [
        "requested", "offered", "accepted", "approval",
    ]  # fmt: skip

    internal = TimelineEntry.objects.get(case=second.case, data__label="Credit sent for approval")
    assert internal.visibility == "internal" and "per account per month" in internal.body
    public = TimelineEntry.objects.get(case=second.case, data__label="Credit waiting for approval")
    assert public.visibility == "public"
    assert "a supervisor confirms it" in public.body and "will tell you their decision" in public.body
    assert "limit" not in public.body and "Bianca" not in public.body

    runner.run_pending()
    to_alice = [m for m in mail.outbox if m.to == ["alice@example.test"]]
    assert any("Credit waiting for approval" in m.subject and "a supervisor confirms it" in m.body for m in to_alice)
    to_sam = [m for m in mail.outbox if cast.supervisor.email in m.to]
    assert any("Credit approval needed" in m.subject for m in to_sam)

    actions.do_decide_approval(approval, approve=True, acting_user=cast.supervisor)
    second.refresh_from_db()
    assert (second.status, second.granted_amount) == ("partly_granted", Decimal("40.00"))
    assert LedgerEntry.objects.get(request=second).approver == cast.supervisor
    assert month_total(cast.alice_account.pk, first.created_at) == Decimal("125.00")


def test_an_acceptance_within_the_limit_is_granted_at_once(credits):
    cast = credits
    first, second = two_open_offers(cast)
    actions.do_withdraw_credit(first, acting_user=cast.alice)  # only one offer is taken up

    actions.do_answer_offer(second, answer="accept", acting_user=cast.alice)

    second.refresh_from_db()
    assert (second.status, second.granted_amount) == ("partly_granted", Decimal("40.00"))
    assert LedgerEntry.objects.get(request=second).approver == cast.billing_agent
    assert not Approval.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_acceptances_at_the_same_moment_cannot_both_pass_the_limit():
    with time_machine.travel(NOW, tick=False):
        ensure_default_policy()
        cast = make_cast()
        first, second = two_open_offers(cast)

        results = race(
            lambda: actions.do_answer_offer(first, answer="accept", acting_user=cast.alice),
            lambda: actions.do_answer_offer(second, answer="accept", acting_user=cast.alice),
        )

        assert not [r for r in results if isinstance(r, Exception)], results
        statuses = sorted(CreditRequest.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True))
        assert statuses == ["approval", "partly_granted"]
        assert month_total(cast.alice_account.pk, first.created_at) == Decimal("85.00")
        assert Approval.objects.filter(status="pending").count() == 1
