"""Keyboard-only journeys: a customer opens their case and replies; a supervisor takes an
escalation. No mouse: Tab, Enter and typing, and the confirmation takes the focus."""

import re

import pytest
from playwright.sync_api import Page, expect

from honeydesk.cases import actions
from honeydesk.web.tests.browser.test_keyboard_and_layout import FOCUSED

pytestmark = pytest.mark.browser


def tab_to(page: Page, matches, limit: int = 60) -> None:
    """Press Tab until `matches(description of the focused element)` holds."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUSED))
        if matches(seen[-1] or ""):
            return
    raise AssertionError(f"Tab never got there; focus went {seen}")


def test_a_customer_opens_their_case_and_replies_from_the_keyboard(live_cast, live_server, sign_in):
    page = sign_in("alice")
    subject = live_cast.alice_case.subject
    tab_to(page, lambda name: name == subject)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/portal/cases/{live_cast.alice_case.ref}/$"))
    tab_to(page, lambda name: name == "reply-body")
    page.keyboard.type("Any news on the refund?")
    page.keyboard.press("Tab")  # the file picker
    tab_to(page, lambda name: name == "Send", limit=3)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?done=reply#confirmation$"))
    expect(page.locator("#confirmation")).to_be_focused()
    expect(page.locator("#confirmation")).to_contain_text("Your message is on your case")
    expect(page.locator(".entries")).to_contain_text("Any news on the refund?")


def test_a_supervisor_takes_an_escalation_from_the_keyboard(live_cast, live_server, sign_in):
    actions.do_escalate(live_cast.alice_case, reason="Third call about this", acting_user=live_cast.alice)
    page = sign_in("sam")
    page.goto(f"{live_server.url}/desk/?queue=escalated")
    ref = live_cast.alice_case.ref
    tab_to(page, lambda name: name == ref)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/desk/cases/{ref}/$"))
    tab_to(page, lambda name: name == "take-escalation")
    page.keyboard.press("Enter")
    expect(page.locator("#take-escalation")).to_have_count(0)
    expect(page.locator(".meta div").filter(has_text="Owner")).to_contain_text("Sam")


def test_a_rep_takes_replies_to_and_resolves_a_case_from_the_keyboard(live_cast, live_server, sign_in):
    page = sign_in("bianca")
    page.goto(f"{live_server.url}/desk/?queue=unassigned")
    ref = live_cast.alice_case.ref
    tab_to(page, lambda name: name == ref)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/desk/cases/{ref}/$"))
    tab_to(page, lambda name: name == "take")
    page.keyboard.press("Enter")
    expect(page.locator(".meta div").filter(has_text="Owner")).to_contain_text("Bianca")
    tab_to(page, lambda name: name == "composer-body", limit=150)
    page.keyboard.type("I have corrected the bill; the refund shows on the next one.")
    tab_to(page, lambda name: name == "Send reply", limit=10)
    page.keyboard.press("Enter")
    expect(page.locator(".entries")).to_contain_text("I have corrected the bill")
    tab_to(page, lambda name: name == "Resolve", limit=150)  # the box's summary
    page.keyboard.press("Enter")
    tab_to(page, lambda name: name == "resolve-note", limit=5)
    page.keyboard.type("Bill corrected; refund on the next bill.")
    tab_to(page, lambda name: name == "Resolve", limit=5)  # the box's button
    page.keyboard.press("Enter")
    expect(page.locator(".meta .status")).to_have_text("Resolved")
