"""Random monitoring in the browser: a supervisor draws last week's sample, opens an item,
scores it on the scorecard and saves; the rep finds it in My reviews and disputes it."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from honeydesk.cases import actions as case_actions
from honeydesk.quality import monitoring
from honeydesk.quality.models import Criterion, Review
from honeydesk.web.tests.browser.axe import violations, with_axe

pytestmark = pytest.mark.browser


def test_a_supervisor_scores_a_sampled_call_and_the_rep_disputes_it(live_cast, live_server, sign_in):
    base = live_server.url
    # A scorecard of its own: transactional tests flush the default criteria the migration
    # writes, so what a browser test finds depends on which tests ran before it.
    Criterion.objects.all().delete()
    Criterion.objects.bulk_create(
        [
            Criterion(name="Greeting and courtesy", weight=1, position=1),
            Criterion(name="Owned the problem", weight=2, position=2),
            Criterion(name="Explained the next step", weight=2, position=3),
        ]
    )
    monday = monitoring.last_week()
    tuesday = timezone.make_aware(datetime.combine(monday + timedelta(days=1), time(10)))
    with time_machine.travel(tuesday, tick=False):
        case_actions.do_log_call(
            live_cast.alice_case,
            body="Walked Alice through the bill line by line.",
            acting_user=live_cast.billing_agent,
        )
    week = monitoring.week_label(monday)

    sam = with_axe(sign_in("sam"))
    sam.goto(f"{base}/desk/")
    sam.get_by_role("navigation", name="Workspace").get_by_role("link", name="Monitoring").click()
    expect(sam.get_by_role("heading", name=f"Monitoring {week}")).to_be_visible()
    sam.get_by_role("button", name=f"Draw {week} now for every rep").click()
    expect(sam.get_by_role("status")).to_contain_text("2 samples, 1 item to review")
    bianca = sam.get_by_role("region", name="Bianca")
    expect(bianca).to_contain_text("0/1 reviewed")
    assert violations(sam) == []
    bianca.get_by_role("link", name="Call").click()

    expect(sam.get_by_role("region", name="Call by Bianca")).to_contain_text("Walked Alice through the bill")
    assert violations(sam) == []
    scorecard = sam.get_by_role("region", name="Scorecard")
    groups = scorecard.get_by_role("group")
    expect(groups).to_have_count(3)
    for n in range(groups.count()):
        groups.nth(n).get_by_text("4", exact=True).click()
    scorecard.get_by_label("Comments for the rep").fill("Say when you will call back.")
    scorecard.get_by_role("button", name="Save review").click()
    expect(sam.get_by_role("status")).to_contain_text("Review saved: 75 of 100 for Bianca")
    expect(sam.get_by_role("region", name="Bianca")).to_contain_text("1/1 reviewed")
    review = Review.objects.get()
    sam.get_by_role("link", name="Trends per rep and department").click()
    expect(sam.locator(f"#trend-rep-{live_cast.billing_agent.pk}")).to_contain_text("75 (1)")
    sam.wait_for_function("() => window.Chart && window.Chart.getChart(document.getElementById('chart-trend'))")
    assert violations(sam) == []
    assert review.reviewer == live_cast.supervisor and review.scorecard.number == 1

    rep = with_axe(sign_in("bianca"))
    rep.goto(f"{base}/desk/")
    rep.get_by_role("navigation", name="Workspace").get_by_role("link", name="My reviews").click()
    row = rep.locator(f"#review-{review.pk}")
    expect(row).to_contain_text("75/100")
    assert violations(rep) == []
    row.get_by_role("link").click()
    expect(rep.locator("#review-notes")).to_contain_text("Say when you will call back.")
    assert violations(rep) == []
    rep.get_by_label("Comment").fill("I did give a time, at the end of the call.")
    rep.get_by_role("button", name="Dispute").click()
    expect(rep.locator("#review-state")).to_have_text("Disputed")
    expect(rep.locator("#review-response")).to_contain_text("I did give a time")
    review.refresh_from_db()
    assert review.state == "disputed" and review.response.startswith("I did give a time")
