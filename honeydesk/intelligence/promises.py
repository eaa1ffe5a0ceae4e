"""Find a timed promise in a reply the rep sent, so the case can be followed up (issue 11).

``find_promise(text, now, tz)`` returns the first promise that carries a time, or None.

What it understands:

- Who promises: a first-person or team commitment, "I'll / I will / I am going to / we'll /
  we will / you'll hear from me / expect a call from me", followed within the same sentence
  by the time. Past actions ("I called you at 3pm") and the customer's own times are not
  promises.
- Kind: ``"call"`` when the promise is to call, ring, phone or call back; ``"update"`` for
  anything else (an e-mail, an update, a follow-up, "get back to you", "confirm").
- Times (all in ``tz``; the due datetime is timezone-aware):
  - a clock time, "by 3pm", "at 3:30 pm", "before 15:00", "at noon": today at that time, or
    tomorrow if it has already passed; with "tomorrow" or a weekday in the sentence, that day;
  - "today" alone: 17:00 today (the end of the working day), or in 2 hours if that has passed;
  - "tonight" / "this evening": 19:00 today;
  - "this afternoon": 15:00 today; "this morning": 12:00 today (or in 2 hours if past);
  - "tomorrow morning": tomorrow 10:00; "tomorrow afternoon": 15:00; "tomorrow" alone:
    tomorrow 17:00 (our convention: a part of the day means its usual working-hours slot,
    a bare day means the end of that working day);
  - "by Friday" / "on Monday": the next such weekday (today counts only if it is still before
    17:00), at the clock time given or 17:00;
  - "within 24 hours", "in 2 hours", "within 3 days", "within 30 minutes": now plus that;
  - "within the hour" / "in an hour": now plus 1 hour; "end of day" / "EOD": 17:00 today.
- Vague words ("soon", "ASAP", "shortly", "as soon as possible") are not times: no promise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from . import lexicons as lx

END_OF_DAY = time(17, 0)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class Promise:
    phrase: str  # the sentence part that holds the promise, as written
    kind: str  # "call" or "update"
    due: datetime  # aware, in the tz given


# The wording (who promises, call words, vague times, ...) is data: data/lexicons/promises.txt.
_COMMIT_RE = re.compile(r"\b(?:" + lx.either(lx.COMMITMENT) + r")\b", re.IGNORECASE)
_CALL_RE = re.compile(r"\b(?:" + lx.either(lx.CALL_WORDS) + r")\b", re.IGNORECASE)
# The clock time itself, the numbers and the units below stay here: they are parsed into a
# time (``_WORDS`` gives each number word its value, ``_due`` each unit its length).
_CLOCK_RE = re.compile(
    r"\b(?:" + lx.either(lx.CLOCK_LEAD) + r")?\s*"
    r"(?P<h>[01]?\d|2[0-3])(?:[:.](?P<m>[0-5]\d))?\s*(?P<ap>a\.?m\.?|p\.?m\.?)?(?=\W|$)",
    re.IGNORECASE,
)
_NOON_RE = re.compile(r"\b(?:" + lx.either(lx.NOON) + r")\b", re.IGNORECASE)
_WITHIN_RE = re.compile(
    r"\b(?:" + lx.either(lx.DURATION_LEAD) + r")\s+(?:the next\s+)?"
    r"(?P<n>\d+|an?|one|two|three|four|five|six|twelve|twenty-four|forty-eight)\s+"
    r"(?P<unit>minutes?|mins?|hours?|hrs?|days?|working days?|business days?)\b",
    re.IGNORECASE,
)
_WITHIN_HOUR_RE = re.compile(r"\bwithin the (?:next )?hour\b", re.IGNORECASE)
_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "twelve": 12}
_WORDS |= {"twenty-four": 24, "forty-eight": 48}
_SENTENCE_RE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
_VAGUE_RE = re.compile(r"\b(?:" + lx.either(lx.VAGUE_TIME) + r")\b")
_EVENING_RE = re.compile(r"\b(?:" + lx.either(lx.THIS_EVENING) + r")\b")
_END_OF_TODAY_RE = re.compile(r"\b(?:" + lx.either(lx.END_OF_TODAY) + r")\b")


def _clock(sentence: str) -> time | None:
    if _NOON_RE.search(sentence):
        return time(12, 0)
    for m in _CLOCK_RE.finditer(sentence):
        ap = (m.group("ap") or "").lower().replace(".", "")
        minute = int(m.group("m") or 0)
        hour = int(m.group("h"))
        if not ap and m.group("m") is None:
            continue  # a bare number ("2 days", "ticket 4") is not a clock time
        if ap == "pm" and hour < 12:
            hour += 12
        elif ap == "am" and hour == 12:
            hour = 0
        if hour > 23:
            continue
        return time(hour, minute)
    return None


def _due(sentence: str, now: datetime) -> datetime | None:
    low = sentence.lower()
    if _VAGUE_RE.search(low) and not re.search(r"\d|tomorrow|today", low):
        return None
    if _WITHIN_HOUR_RE.search(low):
        return now + timedelta(hours=1)
    m = _WITHIN_RE.search(low)
    if m:
        n = _WORDS.get(m.group("n")) or int(m.group("n"))
        unit = m.group("unit")
        if unit.startswith("min"):
            return now + timedelta(minutes=n)
        if unit.startswith(("hour", "hr")):
            return now + timedelta(hours=n)
        return now + timedelta(days=n)
    clock = _clock(sentence)
    today = now.date()
    day = None
    if "tomorrow" in low:
        day = today + timedelta(days=1)
        if clock is None:
            if "morning" in low:
                clock = time(10, 0)
            elif "afternoon" in low:
                clock = time(15, 0)
            elif "evening" in low or "night" in low:
                clock = time(19, 0)
            else:
                clock = END_OF_DAY
    else:
        for i, name in enumerate(WEEKDAYS):
            if re.search(rf"\b{name}\b", low):
                ahead = (i - today.weekday()) % 7
                candidate_clock = clock or END_OF_DAY
                if ahead == 0 and now.timetz().replace(tzinfo=None) >= candidate_clock:
                    ahead = 7
                day, clock = today + timedelta(days=ahead), candidate_clock
                break
    if day is None:
        if clock is None:
            if _EVENING_RE.search(low):
                clock = time(19, 0)
            elif "this afternoon" in low:
                clock = time(15, 0)
            elif "this morning" in low:
                clock = time(12, 0)
            elif _END_OF_TODAY_RE.search(low):
                clock = END_OF_DAY
            else:
                return None
            due = datetime.combine(today, clock, tzinfo=now.tzinfo)
            return due if due > now else now + timedelta(hours=2)
        due = datetime.combine(today, clock, tzinfo=now.tzinfo)
        return due if due > now else due + timedelta(days=1)
    return datetime.combine(day, clock or END_OF_DAY, tzinfo=now.tzinfo)


def find_promise(text: str, now: datetime, tz: ZoneInfo) -> Promise | None:
    """The first timed promise in ``text`` (a reply we sent), with its due time in ``tz``."""
    now = now.astimezone(tz) if now.tzinfo else now.replace(tzinfo=tz)
    for sm in _SENTENCE_RE.finditer(text or ""):
        sentence = sm.group()
        commit = _COMMIT_RE.search(sentence)
        if not commit:
            continue
        clause = sentence[commit.start() :]
        due = _due(clause, now)
        if due is None:
            continue
        kind = "call" if _CALL_RE.search(clause) else "update"
        return Promise(phrase=clause.strip().rstrip(".!?").strip(), kind=kind, due=due)
    return None
