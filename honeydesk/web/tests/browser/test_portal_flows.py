"""A customer in the portal: signing in (password and e-mailed link), opening a request with the
facts its type needs, and not reaching anyone else's case by editing the URL."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from honeydesk.cases.models import Case

pytestmark = pytest.mark.browser


def test_a_customer_signs_in_with_a_password_and_submits_a_request(live_cast, live_server, sign_in, shot):
    page = sign_in("alice")
    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.get_by_role("heading", name="Your requests")).to_be_visible()
    expect(page.get_by_text(live_cast.alice_case.ref)).to_be_visible()

    page.get_by_role("link", name="New request").click()
    expect(page.get_by_role("heading", name="What do you need help with?")).to_be_visible()
    shot(page, "choose-type")
    page.get_by_role("link", name="Billing question").click()

    # The advice says which channel serves this request better, and why.
    advice = page.locator("section.advice")
    expect(advice.get_by_role("heading")).to_have_text("Writing works best for this")
    expect(advice).to_contain_text("A bill is easiest to explain in writing, line by line.")
    # The account is picked below, so it is not among the things to have ready.
    expect(advice).not_to_contain_text("Please have ready")
    # The customer picks among their own accounts (never types a number), then the facts
    # this type needs, plus the outcome the customer wants.
    account = page.get_by_label("Which account is it about?")
    expect(account).to_have_value("1000001")
    expect(account.locator("option")).to_have_count(1)
    goal = page.get_by_label("What outcome would resolve this for you?")
    expect(goal).to_have_accessible_description(re.compile("a corrected bill"))
    shot(page, "billing-form")

    page.get_by_label("In a few words, what is it about?").fill("Bill went up by $15 this month")
    page.get_by_label("Tell us what happened").fill(
        "My bill dated 2025-03-01 is $74.99 but it has always been $59.99. Nobody told me about a price change."
    )
    before = Case.objects.count()
    page.get_by_role("button", name="Send request").click()

    expect(page.get_by_text("This field is required.")).to_be_visible()
    expect(page.get_by_role("alert").first).to_contain_text("Please check the fields marked below.")
    expect(goal).to_have_attribute("aria-invalid", "true")
    # What was typed is kept; only the wrong field needs fixing.
    expect(page.get_by_label("Tell us what happened")).to_have_value(re.compile(r"\$74\.99"))
    assert Case.objects.count() == before
    shot(page, "format-error")

    goal.fill("Back to my usual price if this is a mistake.")
    page.get_by_role("button", name="Send request").click()

    expect(page.get_by_role("heading", name="Thank you — we have your request.")).to_be_visible()
    case = Case.objects.order_by("-id").first()
    assert case.facts == {"account_number": "1000001"} and case.goal == "Back to my usual price if this is a mistake."
    expect(page.locator("#new-ref")).to_have_text(case.ref)
    expect(page).to_have_url(re.compile(rf"/portal/cases/{case.ref}/"))
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    expect(page.locator("section.next")).to_contain_text("Billing team")
    shot(page, "submitted")


def test_a_customer_signs_in_with_an_emailed_link_and_submits_a_request(live_cast, live_server, new_context, shot):
    page = new_context().new_page()
    page.goto(f"{live_server.url}/portal/")
    expect(page).to_have_url(re.compile(r"/portal/login/"))
    page.get_by_label("E-mail address").fill("alice@example.test")
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    expect(page.get_by_role("status")).to_contain_text("a sign-in link is on its way")
    shot(page, "link-sent")

    sent = [m for m in mail.outbox if m.subject == "Your honeydesk sign-in link"]
    assert len(sent) == 1 and sent[0].to == ["alice@example.test"]
    link = re.search(r"https?://\S+/portal/login/\S+/", sent[0].body).group(0)
    # The mail carries the configured BASE_URL; the browser opens the same path on the live server.
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    page.goto(live_server.url + path)
    # Opening the link asks whose it is; only the button uses it (issue 19).
    expect(page.locator("#link-address")).to_have_text("alice@example.test")
    shot(page, "link-confirm")
    page.get_by_role("button", name="Sign in as Alice").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.get_by_text(live_cast.alice_case.ref)).to_be_visible()

    page.goto(f"{live_server.url}/portal/new/")
    page.get_by_role("link", name="Repair").click()
    expect(page.locator("section.advice").get_by_role("heading")).to_have_text("Calling is usually faster for this")
    expect(page.locator("section.advice")).to_contain_text("Troubleshooting goes faster live.")
    expect(page.get_by_label("Statement date")).to_have_count(0)
    page.get_by_label("In a few words, what is it about?").fill("Internet drops every evening")
    page.get_by_label("Tell us what happened").fill("Since Monday the connection drops around 8 pm for ten minutes.")
    page.get_by_label("What outcome would resolve this for you?").fill("A stable connection in the evening.")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("#new-ref")).to_have_text(re.compile(r"^HD-\d+$"))
    shot(page, "submitted")

    # The link worked once; opening it again asks for a new one.
    other = new_context().new_page()
    response = other.goto(live_server.url + path)
    assert response.status == 400
    expect(other.get_by_role("alert")).to_contain_text("expired or was used already")


def test_a_customer_cannot_open_another_customers_case_by_editing_the_url(live_cast, live_server, sign_in, shot):
    page = sign_in("alice")
    bob_ref, alice_ref = live_cast.bob_case.ref, live_cast.alice_case.ref
    for path in [
        f"/portal/cases/{bob_ref}/",
        f"/portal/cases/{bob_ref}/record/",
        f"/desk/cases/{bob_ref}/",
        f"/desk/cases/{alice_ref}/",
        "/desk/",
    ]:
        response = page.goto(live_server.url + path)
        assert response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_contain_text("not found", ignore_case=True)
        expect(page.locator("body")).not_to_contain_text("Modem offline")
        expect(page.locator("body")).not_to_contain_text("INTERNAL")
    shot(page, "not-found")
    # Her own case still opens.
    assert page.goto(f"{live_server.url}/portal/cases/{alice_ref}/").status == 200
    expect(page.get_by_role("heading", name="Charged twice in March")).to_be_visible()
