"""A rep merges a duplicate from the case page, through the confirmation step (issue 17)."""

import pytest
from playwright.sync_api import expect

from honeydesk.cases import actions

pytestmark = pytest.mark.browser


def test_a_rep_merges_a_duplicate_after_seeing_both_cases(live_cast, live_server, sign_in):
    dup = actions.do_open_case(
        actions.Opening(
            account=live_cast.alice_account,
            contact=live_cast.alice_contact,
            request_type=live_cast.billing_type,
            subject="Double charge",
            body="Billed twice again.",
            channel="portal",
        ),
        acting_user=live_cast.alice,
    )
    survivor = live_cast.alice_case
    page = sign_in("bianca")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/desk/cases/{dup.ref}/")
    page.locator("#merge-box summary").click()
    page.get_by_label("Reference of the case that stays").fill(survivor.ref)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("table")).to_contain_text("Charged twice in March")
    expect(page.get_by_role("table")).to_contain_text("Double charge")
    page.get_by_role("button", name=f"Merge {dup.ref} into {survivor.ref}").click()
    expect(page).to_have_url(f"{live_server.url}/desk/cases/{survivor.ref}/")
    expect(page.locator(".merged-from").first).to_contain_text(f"From {dup.ref} (merged)")
    assert live_cast.fresh(dup).merged_into_id == survivor.pk
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
