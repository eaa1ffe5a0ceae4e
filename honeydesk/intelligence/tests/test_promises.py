from datetime import datetime
from zoneinfo import ZoneInfo

from honeydesk.intelligence.promises import find_promise

TZ = ZoneInfo("America/New_York")
# A Wednesday, 11:00 in New York.
NOW = datetime(2026, 12, 2, 11, 0, tzinfo=TZ)


def test_it_reads_a_call_back_by_a_clock_time_today():
    p = find_promise("Thanks Sam. I'll call you back by 3pm to confirm.", NOW, TZ)
    assert p is not None
    assert p.kind == "call"
    assert p.due == datetime(2026, 12, 2, 15, 0, tzinfo=TZ)
    assert "call you back by 3pm" in p.phrase


def test_it_moves_a_passed_clock_time_to_tomorrow():
    p = find_promise("I will ring you at 9am.", NOW, TZ)
    assert p is not None and p.due == datetime(2026, 12, 3, 9, 0, tzinfo=TZ)


def test_it_reads_tomorrow_morning_by_the_stated_convention():
    p = find_promise("We'll send you an update tomorrow morning.", NOW, TZ)
    assert p is not None
    assert p.kind == "update"
    assert p.due == datetime(2026, 12, 3, 10, 0, tzinfo=TZ)


def test_it_reads_a_window_in_hours():
    p = find_promise("I'll get back to you within 24 hours.", NOW, TZ)
    assert p is not None and p.due == datetime(2026, 12, 3, 11, 0, tzinfo=TZ)


def test_it_reads_a_weekday_as_the_next_one():
    p = find_promise("I'll email the refund confirmation by Friday.", NOW, TZ)
    assert p is not None and p.due == datetime(2026, 12, 4, 17, 0, tzinfo=TZ)


def test_it_ignores_vague_and_past_times():
    assert find_promise("We'll look into it as soon as possible.", NOW, TZ) is None
    assert find_promise("I called you at 3pm but there was no answer.", NOW, TZ) is None
    assert find_promise("Your ticket 4471 is open.", NOW, TZ) is None


def test_it_accepts_a_naive_or_utc_now():
    utc = datetime(2026, 12, 2, 16, 0, tzinfo=ZoneInfo("UTC"))  # 11:00 in New York
    p = find_promise("I'll call you this afternoon.", utc, TZ)
    assert p is not None and p.due == datetime(2026, 12, 2, 15, 0, tzinfo=TZ)
