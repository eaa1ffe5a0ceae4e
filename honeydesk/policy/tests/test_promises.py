"""Promised times read from text, in the desk's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from honeydesk.policy.promises import find_promise, find_time

NY = ZoneInfo("America/New_York")
NOW = datetime(2025, 3, 12, 14, 0, tzinfo=UTC)  # Wednesday 10:00 in New York


@pytest.mark.parametrize(
    ("text", "kind", "due"),
    [
        ("I'll call you back by 3pm.", "call", datetime(2025, 3, 12, 15, 0, tzinfo=NY)),
        ("You'll hear from me tomorrow morning.", "update", datetime(2025, 3, 13, 12, 0, tzinfo=NY)),
        ("I will update you within 2 hours.", "update", datetime(2025, 3, 12, 12, 0, tzinfo=NY)),
        ("We will call you on Friday at 10:30am.", "call", datetime(2025, 3, 14, 10, 30, tzinfo=NY)),
        ("Sorry! I'll get back to you by end of day.", "update", datetime(2025, 3, 12, 17, 0, tzinfo=NY)),
        ("I'll ring you back in 30 minutes", "call", datetime(2025, 3, 12, 10, 30, tzinfo=NY)),
        ("I'll call you at 9am.", "call", datetime(2025, 3, 13, 9, 0, tzinfo=NY)),  # 9am has passed today
    ],
)
def test_it_finds_a_timed_promise_in_a_reply(text, kind, due):
    found = find_promise(text, NOW, NY)
    assert found is not None and found.kind == kind and found.due == due


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for waiting. I will look into it.",
        "Sorry about that, I have 3 accounts open.",
        "Our office opens at 9am.",  # a time, but nobody promises anything
        "",
    ],
)
def test_it_finds_no_promise_where_none_is_made(text):
    assert find_promise(text, NOW, NY) is None


def test_it_reads_the_time_a_customer_names():
    found = find_time("The best time to call me is after 3pm", NOW, NY)
    assert found is not None and found[0] == datetime(2025, 3, 12, 15, 0, tzinfo=NY) and found[1] == "after 3pm"
    assert find_time("no time given here", NOW, NY) is None
