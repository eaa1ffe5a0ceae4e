"""Business time: the one place that counts it.

`Hours` is a business calendar in memory: a time zone, opening ranges per weekday
(several a day allowed), and a test for closed days (public holidays and the desk's own
closures). It answers the two questions every rule asks — "`start` plus N business
hours" (`add`) and "how much business time lies between two moments" (`between`) —
for service levels, call-backs and anything later that keeps time.

DST: opening ranges are local wall-clock times, turned into UTC moments day by day with
zoneinfo, and all arithmetic is done on those UTC moments. Business time is therefore
real elapsed time while the desk is open: a 09:00-17:00 day is 8 hours on either side of
a clock change, and a desk open through the night of a change gets 23 or 25 hours.
(Python's `aware + timedelta` on a local time is wall-clock arithmetic and would be off
by an hour across a change; nothing here does that.)

No Django state: `honeydesk.policy.calendars` builds an `Hours` from the admin's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

Range = tuple[time, time]  # opens, closes; closes == time(0) means midnight at the end of the day

# Ten years of days: a guard against a calendar with no opening at all in reach.
MAX_DAYS = 3660


class NeverOpen(ValueError):
    """The calendar has no opening hours within reach."""


def _never_closed(day: date) -> bool:
    return False


def merged(ranges: Sequence[Range]) -> list[Range]:
    """Ranges of one day sorted, overlapping or touching ones joined, empty ones dropped."""
    spans: list[tuple[int, int]] = []
    for opens, closes in ranges:
        start = opens.hour * 60 + opens.minute
        end = 24 * 60 if closes == time(0) else closes.hour * 60 + closes.minute
        if end > start:
            spans.append((start, end))
    spans.sort()
    out: list[list[int]] = []
    for start, end in spans:
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])

    def clock(minutes: int) -> time:
        return time(0) if minutes == 24 * 60 else time(minutes // 60, minutes % 60)

    return [(clock(s), clock(e)) for s, e in out]


@dataclass(frozen=True)
class Hours:
    """A business calendar. `week[d]` lists the opening ranges of weekday d (Monday 0)."""

    tz: tzinfo
    week: Mapping[int, Sequence[Range]]
    closed: Callable[[date], bool] = field(default=_never_closed)

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def _at(self, day: date, t: time, end: bool) -> datetime:
        if end and t == time(0):
            day, t = day + timedelta(days=1), time(0)
        # fold=0: a wall time in a DST gap or overlap takes the offset before the change.
        return datetime.combine(day, t, tzinfo=self.tz).astimezone(UTC)

    def ranges_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's opening ranges as UTC moments (none on a closed day)."""
        if self.closed(day):
            return []
        return [(self._at(day, o, False), self._at(day, c, True)) for o, c in merged(self.week.get(day.weekday(), ()))]

    def _ranges_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Opening ranges that end after `moment`, in order."""
        day = self.local_day(moment) - timedelta(days=1)  # a range of yesterday may run past midnight UTC
        for _ in range(MAX_DAYS):
            for start, end in self.ranges_on(day):
                if end > moment:
                    yield start, end
            day += timedelta(days=1)
        raise NeverOpen("The business calendar has no opening hours in the next ten years.")

    def _ranges_before(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Opening ranges that start before `moment`, latest first."""
        day = self.local_day(moment) + timedelta(days=1)
        for _ in range(MAX_DAYS):
            for start, end in reversed(self.ranges_on(day)):
                if start < moment:
                    yield start, end
            day -= timedelta(days=1)
        raise NeverOpen("The business calendar has no opening hours in the last ten years.")

    def is_open(self, moment: datetime) -> bool:
        return any(start <= moment < end for start, end in self.ranges_on(self.local_day(moment)))

    def next_open(self, moment: datetime) -> datetime:
        """`moment` if the desk is open then, else when it next opens."""
        moment = moment.astimezone(UTC)
        for start, _end in self._ranges_from(moment):
            return max(start, moment)
        raise NeverOpen("unreachable")  # pragma: no cover (_ranges_from raises first)

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """`start` plus `amount` of business time. Zero gives the next open moment; the
        result may be a closing time (15:00 plus 2 hours on a day closing at 17:00 is 17:00)."""
        if amount < timedelta(0):
            raise ValueError("Business time to add must not be negative.")
        start = start.astimezone(UTC)  # arithmetic on UTC moments only (module docstring)
        remaining = amount
        for range_start, range_end in self._ranges_from(start):
            cursor = max(start, range_start)
            available = range_end - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        raise NeverOpen("unreachable")  # pragma: no cover

    def back(self, end: datetime, amount: timedelta) -> datetime:
        """The moment `amount` of business time before `end` (when to warn before a due time)."""
        if amount < timedelta(0):
            raise ValueError("Business time to go back must not be negative.")
        end = end.astimezone(UTC)
        remaining = amount
        for range_start, range_end in self._ranges_before(end):
            cursor = min(end, range_end)
            available = cursor - range_start
            if remaining <= available:
                return cursor - remaining
            remaining -= available
        raise NeverOpen("unreachable")  # pragma: no cover

    def add_hours(self, start: datetime, hours: float) -> datetime:
        return self.add(start, timedelta(hours=hours))

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time from `start` to `end`; negative when `end` comes first."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end < start:
            return -self.between(end, start)
        total = timedelta(0)
        for range_start, range_end in self._ranges_from(start):
            if range_start >= end:
                break
            total += min(range_end, end) - max(range_start, start)
        return total

    def describe(self) -> str:
        """'Mon-Fri 09:00-17:00' style summary for messages to people."""
        names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        groups: list[tuple[list[int], str]] = []
        for d in range(7):
            spans = merged(self.week.get(d, ()))
            if not spans:
                continue
            text = ", ".join(f"{o:%H:%M}-{'24:00' if c == time(0) else f'{c:%H:%M}'}" for o, c in spans)
            if groups and groups[-1][1] == text and groups[-1][0][-1] == d - 1:
                groups[-1][0].append(d)
            else:
                groups.append(([d], text))
        parts = [f"{names[days[0]]}{'-' + names[days[-1]] if len(days) > 1 else ''} {text}" for days, text in groups]
        return "; ".join(parts) or "never"
