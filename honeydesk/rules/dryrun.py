"""What a rule would have done to the last cases it fits, changing nothing.

A rule for openings is tried on the newest cases as they were when they opened (nobody
owned them yet), whatever their status now; other rules on the active cases as they are.

Admins read this before switching a rule on (admin: Rules → "Dry run"). The newest cases
are read in batches and the rule's conditions tried on each (with the customer's first
message for openings, their latest for the rest) until `limit` fit or `SCAN` cases were read;
the assignment is worked out as the rule would have made it, one case after another
(the round-robin turn moving on in memory, the loads growing), from what the database
holds now. A fixed number of queries per batch, whatever the rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from honeydesk.accounts.models import User
from honeydesk.cases.models import Case, CaseTag
from honeydesk.lib import clock
from honeydesk.policy.calendars import hours_for
from honeydesk.rules import engine
from honeydesk.rules.models import Assign, RoundRobin, Rule, Trigger

BATCH = 200
SCAN = 2000


@dataclass
class Preview:
    case: Case
    would: list[str] = field(default_factory=list)


@dataclass
class _Turns:
    """The assignment state the rule would have moved on, kept in memory."""

    last: dict[int, int] = field(default_factory=dict)
    reps: dict[tuple[int, int | None], list[User]] = field(default_factory=dict)
    load: dict[int, int] = field(default_factory=dict)


def dry_run(rule: Rule, limit: int = 100) -> list[Preview]:
    now = clock.now()
    previews: list[Preview] = []
    turns = _Turns(last=dict(RoundRobin.objects.values_list("department_id", "last_user_id")))
    cases = Case.objects.select_related("account", "owner", "department").order_by("-id")
    if rule.trigger != Trigger.OPENED:
        # Rules act on active cases; a rule for openings is shown on the cases as they opened.
        cases = cases.filter(active=1)
    if rule.department_id:
        cases = cases.filter(department_id=rule.department_id)
    if rule.trigger == Trigger.UNTOUCHED:
        cases = cases.annotate(quiet_since=engine.quiet_since())
    if rule.trigger == Trigger.TAG_ADDED:
        cases = cases.filter(tags__name=rule.trigger_tag.strip().lower())
    read = 0
    while len(previews) < limit and read < SCAN:
        batch = list(cases[read : read + BATCH])
        if not batch:
            break
        read += len(batch)
        messages = engine.latest_messages([c.pk for c in batch], first=rule.trigger == Trigger.OPENED)
        tags = {rule.trigger_tag.strip().lower()} if rule.trigger == Trigger.TAG_ADDED else set[str]()
        away = engine.away_ids([c.owner_id for c in batch])
        for case in batch:
            if rule.trigger == Trigger.UNTOUCHED and hours_for(case.department_id).between(
                getattr(case, "quiet_since"),  # noqa: B009 (an annotation, unknown to the type)
                now,
            ) < timedelta(hours=rule.untouched_hours or 0):
                continue
            facts = engine.facts_for(case, messages.get(case.pk), now=now, tags=sorted(tags))
            if not engine.matches(rule, facts):
                continue
            previews.append(Preview(case, _would(rule, case, away, turns)))
            if len(previews) >= limit:
                break
    _existing_tags(previews, rule)
    return previews


def _would(rule: Rule, case: Case, away: set[int], turns: _Turns) -> list[str]:
    would: list[str] = []
    department_id = case.department_id
    if rule.transfer_to_id and rule.transfer_to_id != case.department_id:
        assert rule.transfer_to is not None
        would.append(f"transfer to {rule.transfer_to.name}")
        department_id = rule.transfer_to_id
    owner_id = None if rule.trigger == Trigger.OPENED else case.owner_id  # nobody owns a case as it opens
    if rule.assign:
        if owner_id is not None and owner_id not in away and department_id == case.department_id:
            would.append(f"leave the owner ({case.owner.display_name if case.owner else ''})")
        else:
            key = (department_id, case.request_type_id if rule.use_skills else None)
            if key not in turns.reps:
                turns.reps[key] = engine.available_reps(*key)
                turns.load.update(engine.loads(turns.reps[key]))
            reps = turns.reps[key]
            if not reps:
                would.append("assign nobody (no available rep)")
            elif rule.assign == Assign.ROUND_ROBIN:
                chosen = engine.after(reps, turns.last.get(department_id, 0))
                turns.last[department_id] = chosen.pk
                would.append(f"assign to {chosen.display_name} (round-robin)")
            else:
                fewest = engine.least_loaded(reps, turns.load)
                assert fewest is not None
                turns.load[fewest.pk] = turns.load.get(fewest.pk, 0) + 1
                would.append(f"assign to {fewest.display_name} (least loaded)")
    if rule.set_priority and rule.set_priority != case.priority:
        would.append(f"set priority {rule.set_priority}")
    if rule.add_tags:
        would.append("add tags " + ", ".join(rule.tags_to_add()))
    if rule.apply_macro_id and rule.apply_macro is not None:
        would.append(f"apply macro “{rule.apply_macro.name}”")
    if rule.notify:
        would.append(f"notify {rule.get_notify_display().lower()}")
    if rule.escalate and not case.escalated:
        would.append("escalate")
    return would or ["nothing (already as the rule wants)"]


def _existing_tags(previews: list[Preview], rule: Rule) -> None:
    """Tags the case has already are no change: say so (one query)."""
    wanted = rule.tags_to_add()
    if not wanted or not previews:
        return
    has: dict[int, set[str]] = {}
    for case_id, name in CaseTag.objects.filter(
        case_id__in=[p.case.pk for p in previews], tag__name__in=wanted
    ).values_list("case_id", "tag__name"):
        has.setdefault(case_id, set()).add(name)
    for preview in previews:
        already = has.get(preview.case.pk, set())
        if already >= set(wanted):
            preview.would = [w for w in preview.would if not w.startswith("add tags")] or ["nothing"]
        elif already:
            missing = [t for t in wanted if t not in already]
            preview.would = [f"add tags {', '.join(missing)}" if w.startswith("add tags") else w for w in preview.would]
