"""Best time to call: when calls are answered fastest, from the call records.

`pattern` reads the answered calls of the last `WEEKS` weeks (the roll-ups' `call_wait`
measure: calls whose wait the telephony system reported, by local weekday and hour) and
gives, per weekday x hour, the calls per week and the average wait. The forecast for
the coming week is that same average per weekday and hour (a seasonal mean: contact
centres' volume repeats by weekday and hour far more than it trends week to week).

`advice` turns it into one plain sentence for customers — "Calls are answered fastest
Tuesday to Thursday, 2-4 pm." — only for request types best handled by phone and only
when the data can say it honestly: calls in at least `MIN_WEEKS` different weeks, at
least `MIN_CALLS` calls in all, at least `MIN_SLOT_CALLS` in each hour and weekday it
names, and a window (those weekdays at those hours) that is really faster: at most `FASTER` of
the average wait.
Otherwise nothing is said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Sum

from honeydesk.cases.models import Case, RequestType
from honeydesk.lib import clock
from honeydesk.lib.cache import Recent
from honeydesk.metrics.models import HourRollup
from honeydesk.metrics.queries import bucket_of, cover

WEEKS = 8
MIN_WEEKS = 4
MIN_CALLS = 100
MIN_SLOT_CALLS = 10
FASTER = 0.8
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@dataclass(frozen=True)
class Slot:
    calls: int
    wait_seconds: int

    @property
    def average_wait(self) -> float | None:
        return self.wait_seconds / self.calls if self.calls else None


@dataclass(frozen=True)
class Pattern:
    start: date
    end: date
    weeks_with_calls: int
    grid: list[list[Slot]]  # [weekday][hour]

    @property
    def calls(self) -> int:
        return sum(s.calls for row in self.grid for s in row)

    def forecast(self) -> list[list[float]]:
        """Expected calls per weekday and hour in the coming week."""
        return [[round(s.calls / WEEKS, 1) for s in row] for row in self.grid]


def pattern(today: date, *, department_id: int | None = None, request_type_id: int | None = None) -> Pattern:
    end = today - timedelta(days=1)
    start = end - timedelta(days=7 * WEEKS - 1)
    # One query over the weekday x hour table, by week (and the days of a week not
    # whole in the range), so the weeks with calls can be counted from the same rows.
    rows = HourRollup.objects.filter(cover(start, end, by="week"), measure="call_wait")
    if department_id is not None:
        rows = rows.filter(department_id=department_id)
    if request_type_id is not None:
        rows = rows.filter(request_type_id=request_type_id)
    sums = [[(0, 0)] * 24 for _ in range(7)]
    weeks: set[date] = set()
    for row in rows.values("level", "start", "weekday", "hour").annotate(c=Sum("count"), t=Sum("total")).order_by():
        c, t = sums[int(row["weekday"]) - 1][int(row["hour"])]
        sums[int(row["weekday"]) - 1][int(row["hour"])] = (c + int(row["c"]), t + int(row["t"]))
        if row["c"]:
            weeks.add(bucket_of(row["start"], "week"))
    grid = [[Slot(c, t) for c, t in row] for row in sums]
    return Pattern(start, end, len(weeks), grid)


def _clock(hour: int) -> str:
    h = hour % 12 or 12
    return f"{h} {'am' if hour < 12 else 'pm'}"


def _span(first: int, last: int) -> str:
    a, b = _clock(first), _clock(last + 1)
    if a[-2:] == b[-2:]:
        a = a[:-3]
    return f"{a}-{b}"


def advice_from(p: Pattern) -> str | None:
    """The sentence for customers, or None when the data cannot honestly say it."""
    if p.weeks_with_calls < MIN_WEEKS or p.calls < MIN_CALLS:
        return None
    overall = sum(s.wait_seconds for row in p.grid for s in row) / p.calls
    days = [Slot(sum(s.calls for s in row), sum(s.wait_seconds for s in row)) for row in p.grid]
    hours = [
        Slot(sum(p.grid[d][h].calls for d in range(7)), sum(p.grid[d][h].wait_seconds for d in range(7)))
        for h in range(24)
    ]

    def best_run(slots: list[Slot], longest: int) -> tuple[int, int, float] | None:
        best: tuple[int, int, float] | None = None
        for length in range(longest, 0, -1):
            for first in range(len(slots) - length + 1):
                run = slots[first : first + length]
                if any(s.calls < MIN_SLOT_CALLS for s in run):
                    continue
                wait = sum(s.wait_seconds for s in run) / sum(s.calls for s in run)
                if best is None or wait < best[2] * 0.95:
                    best = (first, first + length - 1, wait)
        return best

    day_run = best_run(days, 3)
    hour_run = best_run(hours, 2)
    if day_run is None or hour_run is None:
        return None
    # Said only when the window it names (those days at those hours) is really faster.
    cells = [p.grid[d][h] for d in range(day_run[0], day_run[1] + 1) for h in range(hour_run[0], hour_run[1] + 1)]
    calls = sum(s.calls for s in cells)
    if calls < MIN_SLOT_CALLS or sum(s.wait_seconds for s in cells) / calls > FASTER * overall:
        return None
    d0, d1 = DAYS[day_run[0]], DAYS[day_run[1]]
    days_text = d0 if d0 == d1 else f"{d0} to {d1}"
    return f"Calls are answered fastest {days_text}, {_span(hour_run[0], hour_run[1])}."


# The advice of each (day, department), kept for five minutes: every acknowledgement of a
# new case asks for it, and it reads whole past weeks that change only when a late call
# is folded into them (one query per department and day instead of one per new case).
_advice: Recent[dict[tuple[date, int], str | None]] = Recent(dict, seconds=300)


def advice(request_type: RequestType, today: date) -> str | None:
    """For a request type best handled by phone: the best time to call, or None."""
    if request_type.best_channel != RequestType.BestChannel.CALL:
        return None
    known = _advice.get()
    key = (today, request_type.department_id)
    if key not in known:
        known[key] = advice_from(pattern(today, department_id=request_type.department_id))
    return known[key]


def forget_advice() -> None:
    """The hour table changed in this process (a fold or a rebuild): advise from it anew."""
    _advice.forget()


def acknowledgement_context(case: Case) -> dict[str, Any]:
    """The acknowledgement's "best_time" (absent when there is nothing honest to say)."""
    line = advice(case.request_type, clock.now().date())
    return {"best_time": line} if line else {}
