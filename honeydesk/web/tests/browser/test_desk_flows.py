"""A case travels between people: an agent takes it and replies without a page reload, the
customer answers in the portal, the agent hands it to Repair with a summary the next agent reads
first; a customer asks for a supervisor and the supervisor takes it from the escalations queue."""

import re

import pytest
from playwright.sync_api import Page, expect

from honeydesk.cases.models import Escalation

pytestmark = pytest.mark.browser


def open_from_queue(page: Page, base: str, queue: str, ref: str) -> None:
    page.goto(f"{base}/desk/?queue={queue}")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=ref, exact=True))
    expect(row).to_have_count(1)
    row.get_by_role("link", name=ref, exact=True).click()
    expect(page).to_have_url(f"{base}/desk/cases/{ref}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(ref)


def mark_document(page: Page) -> None:
    """A flag that only survives as long as the document does: a full reload drops it."""
    page.evaluate("window.__sameDocument = true")


def assert_same_document(page: Page, url: str) -> None:
    assert page.url == url
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


def test_agent_replies_customer_answers_and_the_case_is_handed_to_repair(live_cast, live_server, sign_in, shot):
    base, ref = live_server.url, live_cast.alice_case.ref

    # Bianca (Billing) finds the new case in Unassigned, takes it and replies.
    bianca = sign_in("bianca")
    open_from_queue(bianca, base, "unassigned", ref)
    case_url = bianca.url
    owner = bianca.locator(".meta div").filter(has_text="Owner")
    expect(owner).to_contain_text("Unassigned")
    mark_document(bianca)
    bianca.get_by_role("button", name="Take it").click()
    expect(owner).to_contain_text("Bianca")
    expect(bianca.get_by_role("button", name="Take it")).to_have_count(0)

    reply = "Hello Alice, I can see the second $89.99 payment. I have asked for a refund; it shows within 5 days."
    expect(bianca.get_by_label("Reply to customer")).to_be_checked()
    bianca.get_by_label("Message").fill(reply)
    bianca.get_by_role("button", name="Send reply").click()
    entry = bianca.locator(".entries > li").filter(has_text=reply)
    expect(entry).to_have_count(1)
    expect(entry.locator(".public-badge")).to_have_text("Customer sees this")
    expect(bianca.get_by_label("Message")).to_have_value("")
    assert_same_document(bianca, case_url)
    # The internal note stays visibly internal next to the public reply.
    expect(bianca.locator(".entries > li.internal").filter(has_text="likely duplicate payment run")).to_be_visible()
    shot(bianca, "agent-replied")

    # Alice sees the reply in the portal, without internal entries, and answers.
    alice = sign_in("alice")
    alice.get_by_role("link", name="Charged twice in March").click()
    expect(alice).to_have_url(f"{base}/portal/cases/{ref}/")
    expect(alice.locator(".entries")).to_contain_text(reply)
    expect(alice.locator("body")).not_to_contain_text("likely duplicate payment run")
    answer = "Thank you! Could you also check April? I think it happened again on the 2nd."
    alice.get_by_label("Your message").fill(answer)
    alice.get_by_role("button", name="Send", exact=True).click()
    mine = alice.locator(".entries > li").filter(has_text=answer)
    expect(mine.locator(".who")).to_have_text("You")
    shot(alice, "customer-answered")

    # Bianca sees the answer and hands the case to Repair with a summary.
    bianca.reload()
    expect(bianca.locator(".entries")).to_contain_text(answer)
    summary = (
        "Double charge of $89.99 in March refunded (5 days). Alice reports the modem reboots every night "
        "since the April firmware update; please check the line. She prefers e-mail."
    )
    bianca.get_by_text("Transfer to another department").click()
    bianca.get_by_label("Department", exact=True).select_option(label="Repair")
    bianca.get_by_label("Hand-off summary").fill(summary)
    bianca.get_by_role("button", name="Transfer", exact=True).click()
    # The case left Bianca's sight: she lands on her queue with a note saying so.
    expect(bianca).to_have_url(f"{base}/desk/")
    expect(bianca.get_by_role("status")).to_contain_text(f"{ref} was handed over")
    shot(bianca, "after-transfer")

    # Rafael (Repair) opens it from Unassigned and reads the summary before the timeline.
    rafael = sign_in("rafael")
    open_from_queue(rafael, base, "unassigned", ref)
    handoff = rafael.get_by_role("region", name="Hand-off summary — read this first")
    expect(handoff).to_contain_text(summary)
    timeline = rafael.get_by_role("heading", name="Timeline")
    assert handoff.bounding_box()["y"] < timeline.bounding_box()["y"]
    assert rafael.evaluate(
        "() => Boolean(document.querySelector('.handoff').compareDocumentPosition("
        "document.querySelector('.timeline')) & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    expect(rafael.locator(".meta div").filter(has_text="Department")).to_contain_text("Repair")
    shot(rafael, "next-agent-sees-summary")


def test_a_customer_asks_for_a_supervisor_and_the_supervisor_takes_it(live_cast, live_server, sign_in, shot):
    base, ref = live_server.url, live_cast.alice_case.ref
    reason = "This is my third message about the double charge and nobody has answered."

    alice = sign_in("alice")
    alice.goto(f"{base}/portal/cases/{ref}/")
    alice.get_by_role("button", name="Ask for a supervisor").click()
    # Empty reason: the browser's own required check stops it; nothing is recorded.
    expect(alice.get_by_label("Why do you need a supervisor?")).to_be_focused()
    assert not Escalation.objects.exists()
    alice.get_by_label("Why do you need a supervisor?").fill(reason)
    alice.get_by_role("button", name="Ask for a supervisor").click()
    expect(alice.get_by_text("A supervisor has been asked to look at this case.")).to_be_visible()
    shot(alice, "customer-asked")

    sam = sign_in("sam")
    sam.get_by_role("navigation", name="Workspace").get_by_role("link", name="Escalations").click()
    expect(sam).to_have_url(re.compile(r"queue=escalated"))
    expect(sam.get_by_role("link", name=re.compile(r"^Escalated")).locator(".count")).to_have_text("1")
    row = sam.get_by_role("row").filter(has=sam.get_by_role("link", name=ref, exact=True))
    expect(row).to_contain_text("supervisor requested")
    expect(row.locator(".esc-reason")).to_contain_text(reason)
    expect(row.locator(".esc-reason")).to_contain_text(
        re.compile(r"asked by Alice.*, waiting (\d+ \w+|under a minute)")
    )
    shot(sam, "escalations-queue")
    row.get_by_role("link", name=ref, exact=True).click()

    escalation = sam.get_by_role("region", name="Supervisor requested")
    expect(escalation).to_contain_text(reason)
    expect(escalation).to_contain_text("Alice")
    case_url = sam.url
    mark_document(sam)
    sam.get_by_role("button", name="Take this escalation").click()
    expect(escalation).to_have_count(0)
    expect(sam.locator(".meta div").filter(has_text="Owner")).to_contain_text("Sam")
    assert_same_document(sam, case_url)
    shot(sam, "escalation-taken")

    taken = Escalation.objects.get(case=live_cast.alice_case)
    assert taken.taken_by == live_cast.supervisor and taken.reason == reason
    sam.goto(f"{base}/desk/?queue=escalated")
    expect(sam.get_by_role("link", name=ref, exact=True)).to_have_count(0)


def test_a_reps_draft_survives_a_reload_and_is_gone_once_sent(live_cast, live_server, sign_in):
    page = sign_in("bianca")
    url = f"{live_server.url}/desk/cases/{live_cast.alice_case.ref}/"
    page.goto(url)
    page.get_by_label("Internal note").check()
    page.locator("#composer-body").fill("Checked the meter readings: two are estimates.")
    expect(page.locator("#draft-state")).to_have_text("Draft saved")
    page.reload()
    expect(page.locator("#composer-body")).to_have_value("Checked the meter readings: two are estimates.")
    expect(page.get_by_label("Internal note")).to_be_checked()
    expect(page.locator("#draft-state")).to_have_text("Draft restored")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".entries")).to_contain_text("two are estimates")
    page.reload()
    expect(page.locator("#composer-body")).to_have_value("")
    expect(page.get_by_label("Reply to customer")).to_be_checked()


def drafts_in(page: Page) -> dict[str, str]:
    """Every honeydesk draft this browser keeps (localStorage), by key."""
    return page.evaluate(
        "Object.fromEntries(Object.keys(localStorage)"
        ".filter((k) => k.startsWith('honeydesk:draft:')).map((k) => [k, localStorage.getItem(k)]))"
    )


def sign_in_here(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"pw-{username}")
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def test_a_shared_browser_keeps_each_reps_drafts_apart_and_signing_out_deletes_them(live_cast, live_server, sign_in):
    base, ref = live_server.url, live_cast.alice_case.ref
    url = f"{base}/desk/cases/{ref}/"
    secret = "Alice's card ending 4242 was charged twice; refund pending."

    # Bianca starts a reply and walks away: her session ends without a sign-out.
    page = sign_in("bianca")
    page.goto(url)
    page.locator("#composer-body").fill(secret)
    expect(page.locator("#draft-state")).to_have_text("Draft saved")
    bianca_key = page.evaluate("document.body.dataset.userKey")
    assert bianca_key == str(live_cast.billing_agent.pk)
    assert list(drafts_in(page)) == [f"honeydesk:draft:{bianca_key}:{ref}"]
    page.context.clear_cookies()

    # Sam signs in on the same browser and opens the same case: an empty composer, and
    # Bianca's draft (a customer's details) is gone from the browser, not just hidden.
    sign_in_here(page, base, "sam")
    page.goto(url)
    expect(page.locator("#composer-body")).to_have_value("")
    expect(page.locator("#draft-state")).to_have_text("")
    assert drafts_in(page) == {}
    assert secret not in page.evaluate("JSON.stringify(localStorage)")

    # Sam's own draft is his, kept across a reload...
    page.locator("#composer-body").fill("Sam: checking the refund with finance.")
    expect(page.locator("#draft-state")).to_have_text("Draft saved")
    page.reload()
    expect(page.locator("#composer-body")).to_have_value("Sam: checking the refund with finance.")
    assert list(drafts_in(page)) == [f"honeydesk:draft:{live_cast.supervisor.pk}:{ref}"]

    # ...until he signs out: then no draft of anyone remains in this browser.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login/\?signed_out=1$"))
    expect(page.locator("#signed-out")).to_contain_text("You have signed out")
    assert drafts_in(page) == {}

    # And Bianca, back at the same browser, starts from an empty composer too.
    sign_in_here(page, base, "bianca")
    page.goto(url)
    expect(page.locator("#composer-body")).to_have_value("")
    assert drafts_in(page) == {}


def test_the_page_after_signing_out_deletes_drafts_even_without_the_workspace_script(live_cast, live_server, sign_in):
    # Signed out from somewhere desk.js did not see (another tab, the portal's button):
    # the signed-out page's own script still clears what was kept.
    page = sign_in("bianca")
    page.goto(f"{live_server.url}/desk/cases/{live_cast.alice_case.ref}/")
    page.evaluate(
        "localStorage.setItem('honeydesk:draft:999:HD-000001', '{\"body\":\"x\"}');"
        "localStorage.setItem('unrelated', 'kept')"
    )
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/login/?signed_out=1")
    expect(page.locator("#signed-out")).to_be_visible()
    assert drafts_in(page) == {}
    assert page.evaluate("localStorage.getItem('unrelated')") == "kept"
