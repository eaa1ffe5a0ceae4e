""" "What happens next" in the customer portal: one sentence per case that says who has the
case now and what they wait for, true after an escalation, a transfer, a promised call-back
or a question to the customer, with an estimate only when there is enough history to make
one believable.

Built for lists: `Situation.for_cases` reads what every listed case needs in a fixed
number of queries (the portal home shows up to 100 cases).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from django.conf import settings

from honeydesk.cases.models import Case, Status
from honeydesk.channels.phone import callbacks
from honeydesk.channels.phone.models import CallbackTask
from honeydesk.lib import clock
from honeydesk.policy.calendars import hours_for
from honeydesk.policy.hours import Hours

# Fewer answered cases than this and a median says more about chance than about the team.
MIN_SAMPLES = 5
SAMPLE_SIZE = 100


def typical_first_response(department_id: int) -> timedelta | None:
    """Median time to first response over the department's last 100 answered cases, or
    None when fewer than MIN_SAMPLES were answered."""
    rows = (
        Case.objects.filter(department_id=department_id, first_response_at__isnull=False)
        .order_by("-id")
        .values_list("created_at", "first_response_at")[:SAMPLE_SIZE]
    )
    waits = [(answered - created).total_seconds() for created, answered in rows if answered and answered >= created]
    if len(waits) < MIN_SAMPLES:
        return None
    return timedelta(seconds=median(waits))


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


def estimate(delta: timedelta | None) -> str | None:
    """ "within about 20 minutes", rounded the way a person would say it; None without data."""
    if delta is None:
        return None
    minutes = delta.total_seconds() / 60
    if minutes < 10:
        return "within a few minutes"
    if minutes < 60:
        return f"within about {_plural(int(5 * round(minutes / 5)), 'minute')}"
    hours = minutes / 60
    if hours < 1.5:
        return "within about an hour"
    if hours < 36:
        return f"within about {_plural(round(hours), 'hour')}"
    return f"within about {_plural(round(hours / 24), 'day')}"


@dataclass
class Situation:
    """What the sentences need beyond the case row, shared across a list of cases."""

    now: datetime
    typical: dict[int, timedelta | None] = field(default_factory=dict)
    hours: dict[int, Hours] = field(default_factory=dict)
    calls: dict[int, CallbackTask] = field(default_factory=dict)

    @classmethod
    def for_cases(cls, cases: Sequence[Case]) -> Situation:
        now = clock.now()
        calls: dict[int, CallbackTask] = {}
        upcoming = CallbackTask.objects.filter(
            case_id__in=[c.pk for c in cases if c.is_active], done_at__isnull=True, due_at__gt=now
        ).order_by("-due_at")
        for task in upcoming:  # the earliest call per case wins (latest written last)
            if task.case_id is not None:
                calls[task.case_id] = task
        return cls(now=now, calls=calls)

    def typical_for(self, department_id: int) -> timedelta | None:
        if department_id not in self.typical:
            self.typical[department_id] = typical_first_response(department_id)
        return self.typical[department_id]

    def hours_for(self, department_id: int) -> Hours:
        if department_id not in self.hours:
            self.hours[department_id] = hours_for(department_id)
        return self.hours[department_id]


class Stage(enum.Enum):
    """Where a case is, as the customer should understand it. The badge and the "What
    happens next" sentence are both read from it, so they cannot tell different stories
    (a transfer once showed "New" beside "passed to our Repair team")."""

    WAITING_ON_YOU = "waiting"
    SOLVED = "solved"
    CLOSED = "closed"
    WITH_SUPERVISOR = "supervisor"
    PASSED_ON = "passed"
    RECEIVED = "received"
    IN_PROGRESS = "progress"


def stage(case: Case) -> Stage:
    if case.status == Status.PENDING:
        return Stage.WAITING_ON_YOU
    if case.status == Status.RESOLVED:
        return Stage.SOLVED
    if case.status == Status.CLOSED:
        return Stage.CLOSED
    if case.escalated:
        return Stage.WITH_SUPERVISOR
    if case.status == Status.NEW and case.first_response_at is not None:
        # Answered before, now back in a queue: passed on to another team (or to a new owner).
        return Stage.PASSED_ON
    if case.status == Status.NEW:
        return Stage.RECEIVED
    return Stage.IN_PROGRESS


@dataclass(frozen=True)
class Badge:
    label: str
    tone: str  # one of the status-* looks in app.css


def badge(case: Case) -> Badge:
    """The customer's status badge: the same stage as the sentence, in two or three words
    (the staff's status names, like "New" for a transferred case, mean nothing to them)."""
    current = stage(case)
    if current is Stage.WAITING_ON_YOU:
        return Badge("Waiting for your answer", "pending")
    if current is Stage.SOLVED:
        return Badge("Solved", "resolved")
    if current is Stage.CLOSED:
        return Badge("Closed", "closed")
    if current is Stage.WITH_SUPERVISOR:
        return Badge("With a supervisor", "open")
    if current is Stage.PASSED_ON:
        return Badge(f"Passed to {case.department.name}", "new")
    if current is Stage.RECEIVED:
        return Badge("Received", "new")
    return Badge("In progress", "open")


def next_step(case: Case, situation: Situation | None = None) -> str:
    """What happens next, in the customer's words."""
    situation = situation or Situation.for_cases([case])
    team = case.department.name
    call = situation.calls.get(case.pk)
    call_text = ""
    if call is not None:
        hours = situation.hours_for(case.department_id)
        call_text = f" We will call you on {callbacks.local(call.due_at, hours)} ({hours.tz} time)."
    current = stage(case)
    if current is Stage.WAITING_ON_YOU:
        return "We are waiting for your answer. Reply below and your case moves straight back to us." + call_text
    if current is Stage.SOLVED:
        return (
            f"We believe this is solved. If it is not, reply within {settings.REOPEN_WINDOW_DAYS} days "
            "and we reopen it."
        )
    if current is Stage.CLOSED:
        return "This case is closed. If the problem is back, write a new request and we link it to this one."
    if current is Stage.WITH_SUPERVISOR:
        return f"A supervisor from {team} has been asked to review your case and will contact you." + call_text
    if current is Stage.PASSED_ON:
        return (
            f"Your case has been passed to our {team} team, who are best placed to help. "
            "The next person from that team to pick it up reads everything so far; you do not need to repeat it."
            + call_text
        )
    if current is Stage.RECEIVED:
        expected = estimate(situation.typical_for(case.department_id))
        when = f" They usually answer {expected}." if expected else " They answer as soon as they can."
        return f"Your request is with our {team} team.{when}" + call_text
    who = case.owner.first_name if case.owner and case.owner.first_name else "A specialist"
    return f"{who} from {team} owns your case and is working on it." + call_text
