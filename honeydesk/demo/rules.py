"""Demo rules (issue 17 part 4): Billing's new cases shared out round-robin among its
available reps, and cases that mention an outage tagged, with the rules fired through
the real engine on the demo's cases as they stand, so the timeline shows each firing.
Deterministic: cases in id order, each firing just after the case's last entry; run
twice it changes nothing (the rules are got-or-created and a rule fires once per case
and occasion)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from honeydesk.cases.models import Case, Status, TimelineEntry
from honeydesk.lib import clock
from honeydesk.rules import engine
from honeydesk.rules.models import Rule, Trigger

ROUND_ROBIN = "Billing: share new cases round-robin"
OUTAGE_WORDS = "Tag cases that mention an outage"


def build(builder: Any) -> None:
    Rule.objects.get_or_create(
        name=ROUND_ROBIN,
        defaults={"position": 10, "trigger": Trigger.OPENED, "department": builder.depts["billing"],
                  "assign": "round_robin"},
    )  # fmt: skip
    Rule.objects.get_or_create(
        name=OUTAGE_WORDS,
        defaults={"position": 20, "trigger": Trigger.OPENED, "words": "outage, no internet, down, offline",
                  "add_tags": "possible-outage"},
    )  # fmt: skip
    # What the rules would have done had they been there when these cases opened: the
    # new (unassigned) ones, as a customer opening a case in `make run` then sees live.
    new = Case.objects.filter(status=Status.NEW).order_by("id")
    firsts = dict(  # each case's first message (the lowest id comes last and stays)
        TimelineEntry.objects.filter(case__in=new, kind=TimelineEntry.Kind.INBOUND)
        .order_by("case_id", "-id")
        .values_list("case_id", "id")
    )
    for case in new:
        at = max(case.updated_at + timedelta(seconds=1), min(builder.now, case.updated_at + timedelta(minutes=2)))
        with clock.at(at):
            engine.run(case.pk, Trigger.OPENED, "opened", entry_id=firsts.get(case.pk))
