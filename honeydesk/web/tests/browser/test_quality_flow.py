"""The quality loop in the browser: a customer answers the mailed survey with 2 stars,
a supervisor finds the recovery in the Recovery queue, records the call and the outcome."""

import re

import pytest
from playwright.sync_api import expect

from honeydesk.cases import actions
from honeydesk.channels.email.models import Message
from honeydesk.quality.models import Recovery

pytestmark = pytest.mark.browser


def test_a_customer_answers_with_two_stars_and_a_supervisor_calls_them_back(
    live_cast, live_server, new_context, sign_in
):
    base, ref = live_server.url, live_cast.alice_case.ref
    actions.do_resolve(live_cast.alice_case, note="Refunded the second charge.", acting_user=live_cast.billing_agent)
    token = Message.objects.get(case=live_cast.alice_case, data__template="survey").data["context"]["token"]

    # The customer follows the mailed link: no sign-in.
    customer = new_context().new_page()
    customer.goto(f"{base}/survey/{token}/")
    expect(customer.get_by_role("heading", name="How did we do?")).to_be_visible()
    customer.get_by_label("2", exact=True).check()
    customer.get_by_label("Yes", exact=True).check()
    customer.get_by_label(re.compile(r"^Anything you want to tell us")).fill("Took far too long.")
    customer.get_by_role("button", name="Send my answer").click()
    expect(customer.get_by_role("heading", name="Thank you for your answer")).to_be_visible()
    expect(customer.get_by_text("A supervisor will contact you")).to_be_visible()

    # The supervisor sees it in the Recovery queue, with the survey and the timeline.
    sam = sign_in("sam")
    sam.goto(f"{base}/desk/")
    sam.get_by_role("navigation", name="Workspace").get_by_role("link", name="Recovery").click()
    recovery = Recovery.objects.get()
    row = sam.locator(f"#recovery-{recovery.pk}")
    expect(row).to_contain_text("2 of 5")
    row.get_by_role("link", name=ref).click()
    expect(sam.get_by_role("region", name="The survey")).to_contain_text("Took far too long.")
    expect(sam.get_by_role("region", name="Timeline")).to_contain_text("Refunded the second charge.")

    # The call and its outcome go on record; the recovery is completed.
    sam.get_by_label("How you reached the customer").select_option("call")
    sam.get_by_label(re.compile(r"^Call summary or reply")).fill("Called Alice, apologised for the wait.")
    sam.get_by_label("Outcome").select_option("resolved")
    sam.get_by_role("button", name="Record").click()
    expect(sam.get_by_role("heading", name="Completed: Resolved")).to_be_visible()
    expect(sam.get_by_role("region", name="Contacts recorded")).to_contain_text("Resolved")
    recovery.refresh_from_db()
    assert recovery.outcome == "resolved" and recovery.contacts.get().entry.body.startswith("Called Alice")
