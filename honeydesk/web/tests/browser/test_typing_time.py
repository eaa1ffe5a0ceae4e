"""Handle time of written work: the composer counts focused typing time (typing.js), sends it
with the reply, and it shows in the rep's own figures once the worker folded the change."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from honeydesk.cases.models import TimelineEntry
from honeydesk.metrics import rollups

pytestmark = pytest.mark.browser

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def type_at(page: Page, seconds: float, text: str) -> None:
    """Type `text` with the page's clock standing at T0 + `seconds` (timers keep running)."""
    page.clock.set_fixed_time(T0 + timedelta(seconds=seconds))
    page.keyboard.type(text)


def test_it_sends_focused_typing_time_with_a_reply_and_counts_it_as_handle_time(live_cast, live_server, sign_in):
    bianca = sign_in("bianca")
    bianca.goto(f"{live_server.url}/desk/cases/{live_cast.alice_case.ref}/")
    box = bianca.get_by_label("Message")
    box.click()
    type_at(bianca, 0, "Hello")  # the first keystroke starts the count
    type_at(bianca, 20, " Alice,")  # +20 s
    type_at(bianca, 45, " the refund is on its way")  # +25 s
    type_at(bianca, 76, ".")  # a 31 s pause (over 30 s idle): not counted
    type_at(bianca, 78, " Regards")  # +2 s
    hidden = bianca.locator("input[name=compose_seconds]")
    expect(hidden).to_have_value("47")
    # Leaving the box and coming back does not count the time away.
    bianca.get_by_role("heading", level=1).click()
    box.click()
    type_at(bianca, 90, ", Bianca")
    expect(hidden).to_have_value("47")

    bianca.get_by_role("button", name="Send reply").click()
    text = "Hello Alice, the refund is on its way. Regards, Bianca"
    expect(bianca.locator(".entries > li").filter(has_text=text)).to_have_count(1)
    sent = TimelineEntry.objects.get(case=live_cast.alice_case, kind=TimelineEntry.Kind.OUTBOUND, body=text)
    assert sent.data["compose_seconds"] == 47

    rollups.refresh()  # the worker's round
    bianca.goto(f"{live_server.url}/desk/metrics/mine/?period=week")
    row = bianca.get_by_role("row").filter(
        has=bianca.get_by_role("rowheader", name=re.compile("Handle time per written"))
    )
    expect(row.get_by_role("cell").first).to_have_text("47s")
