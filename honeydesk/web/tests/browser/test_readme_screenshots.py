"""The README's screenshots, taken over the believable demo company (honeydesk.demo.company).

Every run renders the main screens with realistic data and checks them; the images go to
the test's tmp folder. To refresh docs/screenshots/*.png, run
``python -m honeydesk.web.tests.browser.make_screenshots`` (it sets HONEYDESK_SCREENSHOTS).
"""

import os
import shutil
from pathlib import Path

import pytest
from django.db.models import Count, Q
from playwright.sync_api import Page, expect

from honeydesk.accounts.models import Role, User
from honeydesk.cases.models import Case, Status
from honeydesk.demo import company as demo

pytestmark = pytest.mark.browser


def save(page: Page, shot, name: str) -> None:
    """A 1280x800 viewport screenshot; copied into the docs folder when asked for."""
    path = shot(page, name, full_page=False)
    target = os.environ.get("HONEYDESK_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(target) / f"{name}.png")


def test_the_main_screens_with_demo_data(transactional_db, live_server, sign_in, shot):
    demo.build(seed=2024, cases=40)

    # The workspace queue of a Billing agent.
    maria = sign_in("maria", demo.PASSWORD)
    maria.goto(f"{live_server.url}/desk/?queue=department&sort=priority")
    expect(maria.locator("table.queue tbody tr")).not_to_have_count(0)
    save(maria, shot, "workspace-queue")

    # A case that changed hands: hand-off summary first, public and internal entries apart.
    case = (
        Case.objects.filter(status__in=[Status.OPEN, Status.PENDING])
        .exclude(handoff_summary="")
        .annotate(notes=Count("entries", filter=Q(entries__kind="note")), n=Count("entries"))
        .order_by("escalated", "-notes", "-n")
        .first()
    )
    assert case is not None, "the demo has no active case with a hand-off"
    supervisor = sign_in("diane", demo.PASSWORD)
    supervisor.goto(f"{live_server.url}/desk/cases/{case.ref}/")
    expect(supervisor.get_by_role("region", name="Hand-off summary — read this first")).to_be_visible()
    expect(supervisor.locator(".entries > li.internal").first).to_be_attached()
    save(supervisor, shot, "case-page")

    # The portal's request form: advice on the channel, and the facts this type needs.
    customer = User.objects.filter(role=Role.CUSTOMER, email__endswith=".example").order_by("username").first()
    portal = sign_in(customer.username, demo.PASSWORD)
    portal.goto(f"{live_server.url}/portal/new/?type=billing-explanation")
    expect(portal.get_by_label("Statement date")).to_be_visible()
    portal.get_by_label("In a few words, what is it about?").fill("Bill went up by $15 this month")
    portal.get_by_label("Tell us what happened").fill(
        "My bill dated 2025-03-01 is $74.99 but it has always been $59.99. Nobody told me about a price change."
    )
    portal.get_by_label("What outcome would resolve this for you?").fill("Back to my usual price if it is a mistake.")
    expect(portal.get_by_label("Which account is it about?")).to_be_visible()  # their own, chosen
    portal.get_by_label("Statement date").fill("2025-03-01")
    portal.locator("h1").click()
    portal.evaluate("window.scrollTo(0, 0)")
    save(portal, shot, "portal-request-form")


def test_the_supervisor_screens_with_demo_data(transactional_db, live_server, sign_in, shot):
    """The metrics dashboard and the monitoring sample, as a supervisor of the demo sees them."""
    from honeydesk.metrics import rollups

    demo.build(seed=2024, cases=120)
    rollups.rebuild()  # what the worker has folded in by the time anyone looks
    supervisor = sign_in("diane", demo.PASSWORD)
    supervisor.set_viewport_size({"width": 1280, "height": 1000})

    supervisor.goto(f"{live_server.url}/desk/metrics/?period=year")
    expect(supervisor.locator("#chart-trend")).to_be_visible()
    expect(supervisor.get_by_role("table").first).to_be_attached()
    supervisor.wait_for_timeout(500)  # the charts draw after load, without animation
    save(supervisor, shot, "metrics-dashboard")

    supervisor.goto(f"{live_server.url}/desk/monitoring/")
    expect(supervisor.locator("h1")).to_contain_text("Monitoring")
    expect(supervisor.locator("main")).to_contain_text("seed")  # a drawn, reproducible sample
    save(supervisor, shot, "monitoring")
