"""Credits in a real browser: a customer asks for a credit in the portal and negotiates
with the rep until they accept; a supervisor approves an amount above an agent's
authority from the approvals queue."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from honeydesk.credits import actions
from honeydesk.credits.models import Approval, CreditRequest, LedgerEntry

pytestmark = pytest.mark.browser


def test_a_customer_requests_a_credit_and_answers_a_counter_offer(live_cast, live_server, sign_in, shot):
    base, ref = live_server.url, live_cast.alice_case.ref
    actions.do_flag_billing_error(live_cast.alice_account, description="Duplicate run", acting_user=live_cast.admin)
    today = timezone.localdate()

    alice = sign_in("alice")
    alice.goto(f"{base}/portal/cases/{ref}/")
    credits = alice.locator("#credits")
    expect(credits.get_by_role("heading", name="Credits")).to_be_visible()
    credits.get_by_label("Amount (USD)").fill("-5")
    credits.get_by_label("First day it covers").fill((today - timedelta(days=3)).isoformat())
    credits.get_by_label("Last day it covers").fill((today - timedelta(days=1)).isoformat())
    credits.get_by_label("Why you are asking").fill("I was charged twice and spent an afternoon on the phone.")
    credits.get_by_role("checkbox").first.check()
    credits.get_by_role("button", name="Ask for the credit").click()
    expect(alice.get_by_role("alert")).to_contain_text("The amount cannot be negative.")
    assert not CreditRequest.objects.exists()
    alice.locator("#credits").get_by_label("Amount (USD)").fill("50.00")
    expect(alice.locator("#credits").get_by_label("Why you are asking")).to_have_value(
        "I was charged twice and spent an afternoon on the phone."
    )
    alice.locator("#credits").get_by_role("button", name="Ask for the credit").click()
    expect(alice.locator(".credit-thread")).to_contain_text("Waiting for a decision")
    request = CreditRequest.objects.get()
    assert request.relies_on.count() == 1
    shot(alice, "credit-requested")

    # Bianca reads the recommendation and offers part of it.
    bianca = sign_in("bianca")
    bianca.goto(f"{base}/desk/cases/{ref}/")
    expect(bianca.locator("#recommendation")).to_contain_text("The policy recommends: Grant $50.00")
    expect(bianca.locator("#recommendation")).to_contain_text("Billing error flagged")
    bianca.get_by_label("Offer part (the customer answers)").check()
    bianca.locator("#credits").get_by_label("Amount (USD; empty to grant what is on the table)").fill("20.00")
    bianca.get_by_label("Words for the customer (optional; they read them with the decision)").fill(
        "The duplicate charge itself was $20.00."
    )
    bianca.get_by_role("button", name="Record the decision").click()
    expect(bianca.locator(".credit-thread")).to_contain_text("Offer made, waiting for the customer")
    shot(bianca, "offer-made")

    # Alice counters; Bianca meets her in the middle; Alice accepts.
    alice.goto(f"{base}/portal/cases/{ref}/")
    expect(alice.get_by_role("heading", name="We offer 20.00 USD")).to_be_visible()
    expect(alice.locator(".credit-thread")).to_contain_text("The duplicate charge itself was $20.00.")
    alice.get_by_label("Your counter-offer (USD)").fill("40.00")
    alice.get_by_role("button", name="Send the counter-offer").click()
    expect(alice.locator(".credit-thread")).to_contain_text("Counter-offer 40.00 USD")
    shot(alice, "countered")

    bianca.goto(f"{base}/desk/cases/{ref}/")
    expect(bianca.locator(".credit-decide")).to_contain_text("(the customer's counter-offer)")
    bianca.get_by_label("Offer part (the customer answers)").check()
    bianca.locator("#credits").get_by_label("Amount (USD; empty to grant what is on the table)").fill("30.00")
    bianca.get_by_role("button", name="Record the decision").click()
    expect(bianca.locator(".credit-thread")).to_contain_text("Offer made, waiting for the customer")

    alice.goto(f"{base}/portal/cases/{ref}/")
    alice.get_by_role("button", name="Accept 30.00 USD").click()
    thread = alice.locator(".credit-thread")
    expect(thread).to_contain_text("Partly granted")
    expect(thread).to_contain_text("granted 30.00 USD")
    expect(thread).to_contain_text("Rule: A credit is granted when a billing error has been found on your account.")
    expect(alice.locator(".entries")).to_contain_text("Credit partly granted: $30.00 of the $50.00 you asked for.")
    expect(alice.get_by_text("Duplicate run")).to_have_count(0)  # what staff wrote about her stays internal
    shot(alice, "accepted")
    assert LedgerEntry.objects.get().amount == 30


def test_a_supervisor_approves_a_credit_from_the_queue(live_cast, live_server, sign_in, shot):
    base, ref = live_server.url, live_cast.alice_case.ref
    today = timezone.localdate()
    actions.do_flag_billing_error(live_cast.alice_account, description="Duplicate run", acting_user=live_cast.admin)
    ask = actions.Ask(amount="120.00", reason="Charged twice", period_start=today - timedelta(days=3), period_end=today)
    request = actions.do_request_credit(live_cast.alice_case, ask, acting_user=live_cast.alice, channel="portal")
    actions.do_decide_credit(request, action="grant", acting_user=live_cast.billing_agent)

    sam = sign_in("sam")
    sam.get_by_role("link", name="Credit approvals").click()
    expect(sam.get_by_role("heading", name="Credits waiting for approval")).to_be_visible()
    card = sam.locator(".approval").filter(has_text=ref)
    expect(card).to_contain_text("$120.00 is above Bianca's limit of $50.00 per request")
    expect(card).to_contain_text("The policy recommends: Grant $120.00")
    shot(sam, "approvals-queue")
    card.get_by_label("Message to the customer (optional)").fill("Thank you for bearing with us.")
    card.get_by_role("button", name="Approve").click()
    expect(sam.get_by_role("status")).to_contain_text(f"{ref}: credit approved; the customer is told.")
    expect(sam.get_by_text("Nothing waits for approval.")).to_be_visible()
    assert Approval.objects.get().status == "approved"
    request.refresh_from_db()
    assert request.status == "granted" and LedgerEntry.objects.get().approver == live_cast.supervisor

    sam.goto(f"{base}/desk/cases/{ref}/")
    expect(sam.locator("#ledger")).to_contain_text("120.00 USD")
    shot(sam, "ledger")
