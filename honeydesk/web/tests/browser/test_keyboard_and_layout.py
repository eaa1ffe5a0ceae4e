"""Keyboard use, labels on every control and phone-width layout, checked in the real browser."""

import pytest
from playwright.sync_api import Page, expect

from honeydesk.web.tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

UNLABELLED_CONTROLS = """() => Array.from(document.querySelectorAll("input, select, textarea"))
  .filter((el) => el.type !== "hidden")
  .filter((el) => {
    const aria = (el.getAttribute("aria-label") || "").trim() || (el.getAttribute("aria-labelledby") || "").trim();
    const label = Array.from(el.labels || []).some((l) => l.textContent.trim());
    return !aria && !label;
  })
  .map((el) => el.outerHTML.slice(0, 160))"""

FOCUSED = """() => { const el = document.activeElement;
  return el ? (el.id || el.getAttribute("name") || el.textContent.trim().slice(0, 40)) : null; }"""


def tab_until(page: Page, target: str, limit: int = 40) -> list[str]:
    """Press Tab until the element described by `target` has focus; return what was passed."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUSED))
        if seen[-1] == target:
            return seen
    raise AssertionError(f"Tab never reached {target!r}; focus went {seen}")


def test_the_case_page_works_from_the_keyboard(live_cast, live_server, sign_in, shot):
    page = sign_in("bianca")
    page.goto(f"{live_server.url}/desk/cases/{live_cast.alice_case.ref}/")
    body = page.locator("#composer-body")

    # "r" puts the cursor in the composer in reply mode; "n" switches to an internal note.
    page.keyboard.press("r")
    expect(body).to_be_focused()
    expect(page.get_by_label("Reply to customer")).to_be_checked()
    body.blur()
    page.keyboard.press("n")
    expect(body).to_be_focused()
    expect(page.get_by_label("Internal note")).to_be_checked()
    body.blur()
    page.keyboard.press("l")
    expect(page.get_by_label("Log a call")).to_be_checked()
    expect(page.get_by_label("Minutes")).to_be_visible()
    body.blur()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()

    # Tab order: from the top of the page, the skip link first, then the actions in reading
    # order, then the composer and its Send button, all before the timeline (newest first).
    page.goto(page.url)
    first = tab_until(page, "Skip to content", limit=1)
    assert first == ["Skip to content"]
    after = tab_until(page, "Resolve")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none", "focus is invisible"
    order = ["take", "assign-owner", "Assign", "Transfer to another department", "Escalate to a supervisor", "Resolve"]
    positions = [after.index(name) for name in order]
    assert positions == sorted(positions), after
    tab_until(page, "composer-body")
    assert "Send reply" in tab_until(page, "Send reply", limit=12)
    shot(page, "focus-on-resolve")

    # "t" takes the case; Ctrl+Enter sends from the composer.
    page.keyboard.press("t")
    expect(page.locator(".meta div").filter(has_text="Owner")).to_contain_text("Bianca")
    page.keyboard.press("r")
    page.keyboard.type("Thanks, looking into it now.")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".entries > li").filter(has_text="Thanks, looking into it now.")).to_have_count(1)


def test_every_form_control_has_a_label(live_cast, live_server, sign_in, new_context):
    alice_ref = live_cast.alice_case.ref
    anonymous = new_context().new_page()
    for path in ["/login/", "/portal/login/"]:
        anonymous.goto(live_server.url + path)
        assert anonymous.evaluate(UNLABELLED_CONTROLS) == [], path

    sam = sign_in("sam")
    sam.goto(f"{live_server.url}/desk/?queue=department")
    sam.get_by_label("Select " + alice_ref).check()  # the bulk checkboxes are named per case
    for path in [
        "/desk/?queue=department",
        "/desk/?queue=escalated",
        f"/desk/cases/{alice_ref}/",
        "/desk/search/?q=Archer",
    ]:
        sam.goto(live_server.url + path)
        assert sam.evaluate(UNLABELLED_CONTROLS) == [], path

    alice = sign_in("alice")
    for path in [
        "/portal/",
        "/portal/new/",
        "/portal/new/?type=billing",
        "/portal/new/?type=repair",
        f"/portal/cases/{alice_ref}/",
    ]:
        alice.goto(live_server.url + path)
        assert alice.evaluate(UNLABELLED_CONTROLS) == [], path


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width[0]} px content in a {width[1]} px window"


def test_the_queue_and_the_portal_form_fit_a_phone(live_cast, live_server, sign_in, shot):
    bianca = sign_in("bianca", viewport=PHONE)
    for queue in ["unassigned", "department"]:
        bianca.goto(f"{live_server.url}/desk/?queue={queue}")
        expect(bianca.get_by_role("link", name=live_cast.alice_case.ref)).to_be_visible()
        no_sideways_scroll(bianca)
    shot(bianca, "queue-phone")
    bianca.get_by_role("link", name=live_cast.alice_case.ref).click()
    expect(bianca.locator("#composer-body")).to_be_visible()
    no_sideways_scroll(bianca)
    shot(bianca, "case-phone")

    alice = sign_in("alice", viewport=PHONE)
    no_sideways_scroll(alice)
    alice.goto(f"{live_server.url}/portal/new/?type=billing")
    expect(alice.get_by_label("Which account is it about?")).to_be_visible()
    no_sideways_scroll(alice)
    alice.get_by_role("button", name="Send request").click()
    expect(alice.get_by_text("This field is required.").first).to_be_visible()
    no_sideways_scroll(alice)
    shot(alice, "portal-form-phone")
    alice.goto(f"{live_server.url}/portal/cases/{live_cast.alice_case.ref}/")
    no_sideways_scroll(alice)
    shot(alice, "portal-case-phone")
