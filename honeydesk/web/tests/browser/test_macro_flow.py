"""A rep applies a macro from the keyboard and the case changes as the macro says (issue 17)."""

import pytest
from playwright.sync_api import expect

from honeydesk.cases import properties
from honeydesk.intelligence.models import Article
from honeydesk.macros import actions
from honeydesk.macros.actions import Draft

pytestmark = pytest.mark.browser


def test_a_rep_applies_a_macro_from_the_keyboard(live_cast, live_server, sign_in):
    actions.do_save_macro(
        Draft(
            name="Refund on its way",
            reply="Hi {first_name}, the refund for {case_ref} is on its way.",
            set_priority="high",
            add_tags=("refund",),
            assign_to_self=True,
        ),
        acting_user=live_cast.billing_agent,
    )
    Article.objects.create(title="Refund timing", body="Refunds reach your card within 5 working days.")
    case = live_cast.alice_case
    page = sign_in("bianca")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/desk/cases/{case.ref}/")

    page.keyboard.press("Alt+m")
    picker = page.get_by_role("dialog", name="Macros and answers")
    expect(picker).to_be_visible()
    page.keyboard.type("refund on")
    expect(page.get_by_role("listbox").get_by_role("option").first).to_contain_text("Refund on its way")
    page.keyboard.press("Enter")

    body = page.locator("#composer-body")
    expect(body).to_have_value(f"Hi Alice, the refund for {case.ref} is on its way.")
    expect(page.locator("#case-tags")).to_contain_text("refund")
    expect(page.locator("#coach")).not_to_be_empty()  # the coach read the draft
    fresh = live_cast.fresh(case)
    assert (fresh.priority, fresh.owner_id) == ("high", live_cast.billing_agent.pk)
    assert properties.tags_of(fresh) == ["refund"]

    # An answer-library article goes in where the cursor is, from the composer itself.
    body.press("End")
    body.press("Alt+m")
    page.keyboard.type("timing")
    expect(page.get_by_role("listbox").get_by_role("option").first).to_contain_text("Refund timing")
    page.keyboard.press("Enter")
    expect(body).to_have_value(
        f"Hi Alice, the refund for {case.ref} is on its way.Refunds reach your card within 5 working days."
    )
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
