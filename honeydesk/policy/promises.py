"""Promised times in what people write, read against the business calendar.

Two readers, each with a narrow interface so a better text reader can replace the
first at any time (the intelligence package's `find_promise(text, now, tz)` has the same
signature and returns the same fields):

- `find_promise(text, now, tz)`: a timed commitment a rep wrote ("I'll call you back
  by 3pm", "you'll hear from me tomorrow morning", "I will update you within 2 hours"):
  the kind (a call, or an update by any means), when, and the words. None when the
  text commits to nothing timed;
- `find_time(text, now, tz)`: the first time a customer named ("the best time to call
  is after 3pm", "tomorrow morning works"), for the call-back form's default.

`business_time(moment, hours)` then moves a moment the desk is closed at to the next
opening, for times the desk chooses (a customer's "any time tomorrow").

Times are read in the desk's time zone `tz`: "3pm" today if that is still ahead, else
tomorrow; "morning" ends at noon, "afternoon" at 17:00, "end of day" at 17:00;
"tomorrow" alone is the end of tomorrow's day; a weekday is the next such day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from honeydesk.policy.hours import Hours


@dataclass(frozen=True)
class Promise:
    kind: str  # "call" or "update"
    due: datetime
    phrase: str


_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_DAY = r"(?P<day>today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_CLOCK = r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)?"
_PART = r"(?P<part>morning|afternoon|evening|noon|midday|end of (?:the )?(?:day|business)|close of business|eod|cob)"
_RELATIVE = (
    r"(?:within|in)\s+(?:the\s+next\s+)?(?P<n>\d{1,3}|an?|one|two|three|four|half an?)"
    r"\s*(?P<unit>minutes?|mins?|hours?|hrs?)"
)

_TIME_RE = re.compile(
    r"\b(?:"
    + _RELATIVE
    + r"|(?:(?:by|at|before|around|after|from|on|this|later)\s+)?(?:"
    + _DAY
    + r"\s+)?(?:(?:by|at|before|around|after|in\s+the|this)\s+)?(?:"
    + _PART
    + r"|"
    + _CLOCK
    + r")(?:\s+(?:on\s+)?"
    + _DAY.replace("?P<day>", "?P<day2>")
    + r")?"
    + r"|(?:(?:by|on|this|until)\s+)?"
    + _DAY.replace("?P<day>", "?P<day3>")
    + r")\b",
    re.IGNORECASE,
)

_CALL_RE = re.compile(r"\b(?:call|ring|phone|give you a (?:call|ring))\b", re.IGNORECASE)
_COMMIT_RE = re.compile(
    r"\b(?:(?:i|we)(?:'ll| will| shall| am going to|'m going to| are going to|'re going to)|"
    r"(?:someone|a (?:technician|supervisor|colleague)) will)"
    r"\b[^.!?\n]{0,80}?\b(?:call|ring|phone|update|get back|follow up|let you know|write|e-?mail|"
    r"contact|reach out|confirm|send)"
    r"|\byou(?:'ll| will) (?:hear (?:back )?from|get (?:a call|an update|a reply))",
    re.IGNORECASE,
)
_SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]?")
_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4}
_PART_END = {"morning": time(12), "noon": time(12), "midday": time(12), "afternoon": time(17), "evening": time(20)}


def _day_offset(word: str, today: int) -> int:
    word = word.lower()
    if word in ("today", "tonight"):
        return 0
    if word == "tomorrow":
        return 1
    target = _WEEKDAYS.index(word)
    return (target - today) % 7 or 7


def _clock_time(m: re.Match[str]) -> time | None:
    hour = int(m.group("hour"))
    minute = int(m.group("minute") or 0)
    ampm = (m.group("ampm") or "").replace(".", "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    elif not ampm and not m.group("minute") and 1 <= hour <= 7:
        hour += 12  # "by 3" in a working day means the afternoon
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    if not ampm and not m.group("minute") and hour < 8:
        return None  # a bare small number is not a time ("in 3 days" is caught elsewhere)
    return time(hour, minute)


def _resolve(m: re.Match[str], now: datetime, tz: tzinfo) -> datetime | None:
    local = now.astimezone(tz)
    if m.group("n"):
        raw = m.group("n").lower()
        if raw.startswith("half"):
            n = 0.5
        elif raw.isdigit():
            n = float(raw)
        else:
            n = float(_WORDS[raw])
        unit = m.group("unit").lower()
        return now + (timedelta(hours=n) if unit.startswith("h") else timedelta(minutes=n))
    day_word = m.group("day") or m.group("day2") or m.group("day3")
    offset = _day_offset(day_word, local.weekday()) if day_word else 0
    part = (m.group("part") or "").lower()
    at: time | None
    if part:
        at = _PART_END.get(part, time(17))
    elif m.group("hour"):
        at = _clock_time(m)
        if at is None:
            return None
    elif day_word:
        at = time(17) if day_word.lower() not in ("tonight",) else time(20)
    else:
        return None
    day = local.date() + timedelta(days=offset)
    moment = datetime.combine(day, at, tzinfo=tz)
    if moment <= now and not day_word:
        moment = datetime.combine(day + timedelta(days=1), at, tzinfo=tz)
    return moment.astimezone(now.tzinfo) if now.tzinfo else moment


def find_time(text: str, now: datetime, tz: tzinfo) -> tuple[datetime, str] | None:
    """The first future time named in `text`, and its words."""
    for m in _TIME_RE.finditer(text or ""):
        if not m.group().strip():
            continue
        moment = _resolve(m, now, tz)
        if moment is not None and moment > now:
            return moment, " ".join(m.group().split())
    return None


def find_promise(text: str, now: datetime, tz: tzinfo) -> Promise | None:
    """A timed commitment in a rep's reply (see the module docstring)."""
    for sentence in _SENTENCE_RE.findall(text or ""):
        commit = _COMMIT_RE.search(sentence)
        if commit is None:
            continue
        found = find_time(sentence, now, tz)
        if found is None:
            continue
        kind = "call" if _CALL_RE.search(sentence) else "update"
        return Promise(kind=kind, due=found[0], phrase=" ".join(sentence.split())[:300])
    return None


def business_time(moment: datetime, hours: Hours) -> datetime:
    """`moment`, or the next opening when the desk is closed then."""
    return hours.next_open(moment)
