"""The demo's request types come with intake categories, so a customer's own words pick a
form in the portal and a mail lands in the right department out of the box (issue 18)."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from honeydesk.accounts.actions import ContactData, do_create_account, do_give_portal_login
from honeydesk.cases.models import IntakeCategory, RequestType
from honeydesk.demo import company
from honeydesk.demo.texts import REQUEST_TYPES

# One everyday phrase per category, as a customer would type it in the portal.
PHRASES = {
    "billing-explanation": "Can you explain the new fee on my bill? It went up by $15 this month.",
    "price-quote": "How much would Internet 1000 with TV Plus cost per month before I sign up?",
    "plan-change": "Please remove the sports package from my plan and keep everything else.",
    "repair": "My modem keeps dropping the internet connection every evening.",
    "credit-request": "I want a refund for the three days without service last week.",
    "order-tracking": "Where is my order? The tracking page has not changed for a week.",
    "cancellation": "I want to cancel my TV service at the end of the month.",
    "account-access": "I am locked out of my online account and the password reset does not work.",
    "complaint": "Your representative on the phone yesterday was rude and hung up on me.",
    "general": "What are your store opening hours on Saturday?",
}


def test_every_demo_request_type_but_outage_reports_has_an_intake_category():
    categories = {slug: category for slug, category, *_ in REQUEST_TYPES}
    assert set(categories.values()) - {""} == set(IntakeCategory.values)
    assert [slug for slug, category in categories.items() if not category] == ["outage"]


def test_the_free_text_start_picks_the_form_for_each_category(db):
    company._Builder(2024, timezone.now()).company()
    do_create_account(number="12345678", name="Dora D", contacts=[ContactData("Dora D", ["dora@example.test"])],
                      acting_user=None)  # fmt: skip
    client = Client()
    user = do_give_portal_login("dora@example.test")
    assert user is not None
    client.force_login(user)
    assert RequestType.objects.filter(slug__in=PHRASES).count() == len(PHRASES)
    wrong = {}
    for slug, phrase in PHRASES.items():
        page = client.get("/portal/new/", {"describe": phrase}).content.decode()
        if f'name="type" value="{slug}"' not in page:
            wrong[slug] = phrase
    assert wrong == {}
