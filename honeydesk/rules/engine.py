"""Running the rules: hearing what happened to a case, deciding which rules fit, acting.

The case layer tells this module about a new case (`signals.case_opened`) and about new
entries (`hooks.entries_added`: a customer's message, tags added). Those listeners run
inside the change's transaction with the case locked, so they only write a job
(`run`), which the worker (or the process, right after the commit) runs in a
transaction of its own: a rule's changes are then made on the case as committed, never
under the feet of the action that is still running.

`run` takes the active rules for the occasion in their order (position, then id) and
fires each that fits, at most `MAX_FIRINGS` per occasion. Each firing is one
transaction: the case locked, the `Firing` row (once per rule, case and occasion, so a
job run twice fires nothing twice), the actions through the case layer's `do_*`
functions under the rule's name, and an internal "rule fired" entry saying what was
done or why a step was skipped.

No loops: while a rule acts, the rules behind the change (`_chain`) ride on the jobs its
entries cause; a rule in that chain is not fired again by its own change, however
indirect, and a chain stops after `MAX_DEPTH` rules.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save

from honeydesk.accounts.models import Role, User
from honeydesk.cases import actions, properties, tone_guard
from honeydesk.cases.models import ACTIVE_STATUSES, Case, Channel, TimelineEntry, Tone
from honeydesk.cases.timeline import add_entry, add_event, lock, touch
from honeydesk.jobs.runner import enqueue
from honeydesk.jobs.schedule import Stop
from honeydesk.lib import clock
from honeydesk.lib.cache import Recent
from honeydesk.lib.errors import InvalidInput, InvalidTransition
from honeydesk.macros.actions import render
from honeydesk.macros.models import Macro
from honeydesk.notifications.actions import notify, supervisors_of
from honeydesk.notifications.models import Kind as NoticeKind
from honeydesk.policy.calendars import hours_for
from honeydesk.rules.models import Assign, Availability, BusinessHours, Firing, Notify, RoundRobin, Rule, Trigger

log = logging.getLogger(__name__)

Kind = TimelineEntry.Kind
Event = TimelineEntry.Event

MAX_DEPTH = 3  # rules in one chain of changes (a rule's tag firing another rule ...)
MAX_FIRINGS = 10  # rules fired on one occasion
UNTOUCHED_BATCH = 200  # cases looked at per untouched rule per round
TONE_RANK = {Tone.CALM: 0, Tone.FRUSTRATED: 1, Tone.ANGRY: 2, Tone.ABUSIVE: 3}

# The rules whose change is being made in this thread (outermost first).
_chain: ContextVar[tuple[int, ...]] = ContextVar("rules_chain", default=())


def _load_triggers() -> frozenset[str]:
    """The triggers of the active rules, and "tag:<name>" for each tag that fires one."""
    rows = Rule.objects.filter(active=True).values_list("trigger", "trigger_tag")
    return frozenset(
        name for trigger, tag in rows for name in (trigger, f"tag:{tag.strip().lower()}" if tag.strip() else "") if name
    )


# Every change to a case asks this; rules change rarely (forgotten on save below).
active_triggers: Recent[frozenset[str]] = Recent(_load_triggers)
post_save.connect(active_triggers.forget, sender=Rule, dispatch_uid="rules-forget-save")
post_delete.connect(active_triggers.forget, sender=Rule, dispatch_uid="rules-forget-delete")


# --- hearing what happened ---------------------------------------------------------------


def _later(case: Case, trigger: str, key: str, *, entry_id: int | None = None, tags: Sequence[str] = ()) -> None:
    if trigger not in active_triggers.get():
        return
    payload: dict[str, Any] = {"case_id": case.pk, "trigger": trigger, "key": key, "chain": list(_chain.get())}
    if entry_id is not None:
        payload["entry_id"] = entry_id
    if tags:
        payload["tags"] = list(tags)
    enqueue(run, payload)


def on_case_opened(sender: Any, case: Case, message: TimelineEntry, **kwargs: Any) -> None:
    _later(case, Trigger.OPENED, "opened", entry_id=message.pk)


def entries_added(case: Case, entries: Sequence[TimelineEntry]) -> None:
    triggers = active_triggers.get()
    if not triggers:
        return
    opened = any(e.kind == Kind.EVENT and e.event == Event.OPENED for e in entries)
    for entry in entries:
        # A customer's message on an existing case; an automatic one (auto-reply) is internal.
        if entry.kind == Kind.INBOUND and entry.visibility == TimelineEntry.Visibility.PUBLIC and not opened:
            _later(case, Trigger.CUSTOMER_REPLIED, f"entry:{entry.pk}", entry_id=entry.pk)
        elif entry.kind == Kind.EVENT and entry.event == Event.TAGS_CHANGED:
            added = entry.data.get("added") or []
            if any(f"tag:{name}" in triggers for name in added):  # only tags that fire a rule
                _later(case, Trigger.TAG_ADDED, f"tags:{entry.pk}", tags=added)


# --- deciding ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the conditions read: the case, the customer's message of the occasion (or
    their latest), the tags just added, and the time."""

    case: Case
    text: str
    tone: str
    now: datetime
    tags_added: tuple[str, ...] = ()


def facts_for(case: Case, message: TimelineEntry | None, *, now: datetime, tags: Sequence[str] = ()) -> Facts:
    tone = tone_guard.tone_of(message) if message is not None else case.attention
    text = f"{case.subject}\n{message.body if message is not None else ''}"
    return Facts(case=case, text=text.lower(), tone=tone, now=now, tags_added=tuple(tags))


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None


def matches(rule: Rule, facts: Facts) -> bool:
    """All the rule's conditions hold (an empty condition holds for any case)."""
    case = facts.case
    if rule.trigger == Trigger.TAG_ADDED and rule.trigger_tag.strip().lower() not in facts.tags_added:
        return False
    if rule.channel and case.channel != rule.channel:
        return False
    if rule.request_type_id and case.request_type_id != rule.request_type_id:
        return False
    if rule.department_id and case.department_id != rule.department_id:
        return False
    if rule.tone_at_least and TONE_RANK.get(Tone(facts.tone), 0) < TONE_RANK[Tone(rule.tone_at_least)]:
        return False
    words = rule.word_list()
    if words and not any(_has_word(facts.text, w) for w in words):
        return False
    if rule.account_service_area and case.account.service_area.lower() != rule.account_service_area.strip().lower():
        return False
    if rule.account_service and rule.account_service.strip().lower() not in {
        str(s).lower() for s in case.account.services or []
    }:
        return False
    if rule.business_hours:
        is_open = hours_for(case.department_id).is_open(facts.now)
        if is_open != (rule.business_hours == BusinessHours.OPEN):
            return False
    return True


def rules_for(trigger: str) -> QuerySet[Rule]:
    """The active rules of one trigger in the order they run."""
    return (
        Rule.objects.filter(active=True, trigger=trigger)
        .select_related("transfer_to", "apply_macro__transfer_to", "apply_macro__assign_to")
        .order_by("position", "id")
    )


# --- whom to give a case ------------------------------------------------------------------


def available_reps(department_id: int, request_type_id: int | None = None) -> list[User]:
    """The department's active agents who are not away (with a skill for the request
    type when one is given), in a fixed order."""
    reps = User.objects.filter(role=Role.AGENT, is_active=True, departments=department_id).exclude(
        availability__away=True
    )
    if request_type_id is not None:
        reps = reps.filter(skills__request_type_id=request_type_id)
    return list(reps.distinct().order_by("id"))


def after(reps: Sequence[User], last_user_id: int) -> User:
    """The rep whose turn follows `last_user_id` (reps in id order; wraps round)."""
    return next((r for r in reps if r.pk > last_user_id), reps[0])


def next_in_turn(department_id: int, reps: Sequence[User]) -> User | None:
    """Round-robin: the next rep, with the department's turn moved on. The turn row is
    locked until the transaction ends, so two workers never give the same turn twice."""
    if not reps:
        return None
    RoundRobin.objects.bulk_create([RoundRobin(department_id=department_id)], ignore_conflicts=True)
    turn = RoundRobin.objects.select_for_update().get(department_id=department_id)
    chosen = after(reps, turn.last_user_id)
    RoundRobin.objects.filter(pk=department_id).update(last_user_id=chosen.pk)
    return chosen


def loads(reps: Sequence[User]) -> dict[int, int]:
    """Active cases owned, per rep (one query)."""
    rows = Case.objects.filter(owner__in=reps, active=1).values("owner").annotate(n=Count("id"))
    return {row["owner"]: row["n"] for row in rows}


def least_loaded(reps: Sequence[User], load: dict[int, int]) -> User | None:
    return min(reps, key=lambda r: (load.get(r.pk, 0), r.pk)) if reps else None


def owner_needed(case: Case, away: set[int]) -> bool:
    """A rule assigns a case nobody owns, or one whose owner is away."""
    return case.owner_id is None or case.owner_id in away


def away_ids(user_ids: Sequence[int | None]) -> set[int]:
    ids = [i for i in user_ids if i is not None]
    return set(Availability.objects.filter(user_id__in=ids, away=True).values_list("user_id", flat=True))


def is_away(user: OuterRef) -> Exists:
    """The same question as `away_ids`, as an expression a query of people can annotate."""
    return Exists(Availability.objects.filter(user_id=user, away=True))


# --- acting ------------------------------------------------------------------------------


@contextmanager
def acting(rule: Rule) -> Iterator[None]:
    token = _chain.set((*_chain.get(), rule.pk))
    try:
        yield
    finally:
        _chain.reset(token)


def _step(done: list[str], what: str, func: Any, *args: Any, **kwargs: Any) -> Any:
    """One action; a refused one (already so, not allowed now) is noted, not fatal."""
    try:
        result = func(*args, **kwargs)
    except (InvalidInput, InvalidTransition) as refused:
        done.append(f"{what} skipped: {refused}")
        return None
    done.append(what)
    return result


def act(rule: Rule, case: Case) -> list[str]:
    """Do what `rule` says to a locked case, through the case layer's actions; returns
    what was done (and what was skipped, and why)."""
    by: dict[str, Any] = {"acting_user": None, "author_name": rule.author_name, "channel": Channel.SYSTEM}
    done: list[str] = []
    if rule.transfer_to_id and rule.transfer_to_id != case.department_id:
        assert rule.transfer_to is not None
        summary = f"Moved by the rule “{rule.name}”."
        _step(
            done,
            f"transferred to {rule.transfer_to.name}",
            actions.do_transfer,
            case,
            rule.transfer_to,
            summary=summary,
            **by,
        )
        case = lock(case)
    if rule.assign:
        case = _assign(rule, case, done, by)
    if rule.set_priority and rule.set_priority != case.priority:
        _step(done, f"priority {rule.set_priority}", properties.do_set_priority, case, rule.set_priority, **by)
        case = lock(case)
    if rule.add_tags:
        tags = rule.tags_to_add()
        _step(done, "tags " + " ".join(f"+{t}" for t in tags), properties.do_change_tags, case, add=tags, **by)
        case = lock(case)
    macro = rule.apply_macro
    if macro is not None and macro.active:
        case = _apply_macro(rule, macro, case, done, by)
    if rule.notify:
        told = _notify(rule, case)
        done.append(f"told {', '.join(told)}" if told else "nobody to tell")
    if rule.escalate:
        reason = rule.escalate_reason.strip() or "Escalated automatically."
        _step(done, "escalated", actions.do_escalate, case, reason=f"Rule “{rule.name}”: {reason}", **by)
    return done


def _note(case: Case, body: str, by: dict[str, Any]) -> None:
    """An internal note under the rule's name (a locked case)."""
    add_entry(case, Kind.NOTE, visibility=TimelineEntry.Visibility.INTERNAL, body=body[:10_000], **by)
    touch(case, [])


def _apply_macro(rule: Rule, macro: Macro, case: Case, done: list[str], by: dict[str, Any]) -> Case:
    """The macro's actions in the order a rep's application runs them, each under the
    rule's name. A rule never writes to the customer without a person: the reply is left
    as an internal suggestion for the owner to check and send, and waiting on the
    customer or resolving (each sends the customer a message) is skipped."""
    what = f"macro “{macro.name}”"
    if macro.note.strip():
        _note(case, render(macro.note, case), by)
        done.append(f"{what}: internal note")
    if macro.set_priority and macro.set_priority != case.priority:
        priority = macro.set_priority
        _step(done, f"{what}: priority {priority}", properties.do_set_priority, case, priority, **by)
        case = lock(case)
    if macro.add_tags or macro.remove_tags:
        change = " ".join([*(f"+{t}" for t in macro.add_tags), *(f"-{t}" for t in macro.remove_tags)])
        tags = {"add": macro.add_tags, "remove": macro.remove_tags}
        _step(done, f"{what}: tags {change}", properties.do_change_tags, case, **tags, **by)
        case = lock(case)
    if macro.assign_to_self:
        done.append(f"{what}: assignment skipped: it assigns whoever applies it, and a rule is nobody")
    elif macro.assign_to is not None and macro.assign_to.pk != case.owner_id:
        assigned = f"{what}: assigned to {macro.assign_to.display_name}"
        _step(done, assigned, actions.do_assign, case, macro.assign_to, **by)
        case = lock(case)
    if macro.set_status:
        done.append(f"{what}: {macro.get_set_status_display().lower()} skipped: it would write to the customer")
    if macro.transfer_to is not None and macro.transfer_to.pk != case.department_id:
        summary = render(macro.handoff, case).strip() or f"Moved by the rule “{rule.name}”."
        moved = f"{what}: transferred to {macro.transfer_to.name}"
        _step(done, moved, actions.do_transfer, case, macro.transfer_to, summary=summary, **by)
        case = lock(case)
    if macro.reply.strip():
        reply = render(macro.reply, case)
        _note(case, f"Suggested reply from the macro “{macro.name}”, not sent: check it and send it.\n\n{reply}", by)
        done.append(f"{what}: reply left as a suggestion, not sent")
    return case


def _assign(rule: Rule, case: Case, done: list[str], by: dict[str, Any]) -> Case:
    if not owner_needed(case, away_ids([case.owner_id])):
        owner = case.owner.display_name if case.owner else ""
        done.append(f"assignment skipped: {owner} owns the case")
        return case
    reps = available_reps(case.department_id, case.request_type_id if rule.use_skills else None)
    if rule.assign == Assign.ROUND_ROBIN:
        chosen = next_in_turn(case.department_id, reps)
    else:
        chosen = least_loaded(reps, loads(reps))
    if chosen is None:
        done.append("assignment skipped: no available rep")
        return case
    how = "round-robin" if rule.assign == Assign.ROUND_ROBIN else "least loaded"
    _step(done, f"assigned to {chosen.display_name} ({how})", actions.do_assign, case, chosen, **by)
    return lock(case)


def _notify(rule: Rule, case: Case) -> list[str]:
    people: list[User]
    if rule.notify == Notify.OWNER:
        people = [case.owner] if case.owner else []
    elif rule.notify == Notify.SUPERVISORS:
        people = supervisors_of(case.department_id)
    else:
        people = list(User.objects.filter(is_active=True, departments=case.department_id).exclude(role=Role.CUSTOMER))
    told = notify(
        people,
        NoticeKind.RULE,
        key=f"rule:{rule.pk}:{case.pk}:{case.version}",
        title=f"{case.ref}: {rule.name}"[:200],
        body=case.subject,
        case=case,
    )
    return [n.user.display_name for n in told]


def fire(rule: Rule, case: Case, key: str) -> list[str] | None:
    """Fire `rule` on `case` for the occasion `key`, once: None when it had fired."""
    with transaction.atomic():
        case = lock(case)
        if Firing.objects.filter(rule=rule, case=case, key=key).exists():
            return None
        with acting(rule):
            done = act(rule, case)
            case = lock(case)
            add_event(
                case,
                Event.RULE_FIRED,
                acting_user=None,
                author_name=rule.author_name,
                channel=Channel.SYSTEM,
                body=f"Rule “{rule.name}” fired" + (f": {'; '.join(done)}." if done else "."),
                data={"rule": rule.pk, "name": rule.name, "key": key, "done": done},
            )
            touch(case, [])
        Firing.objects.create(rule=rule, case=case, key=key, fired_at=clock.now(), done=done)
    return done


def run(
    case_id: int,
    trigger: str,
    key: str,
    chain: Sequence[int] = (),
    entry_id: int | None = None,
    tags: Sequence[str] = (),
) -> int:
    """The job: fire the rules of `trigger` that fit the case, in order. Returns how many fired."""
    if len(chain) >= MAX_DEPTH:
        log.warning("rules: chain %s on case %s stopped at depth %s", list(chain), case_id, MAX_DEPTH)
        return 0
    case = Case.objects.select_related("account").filter(pk=case_id).first()
    if case is None or case.status not in ACTIVE_STATUSES:
        return 0
    message = TimelineEntry.objects.filter(pk=entry_id, case_id=case_id).first() if entry_id else None
    facts = facts_for(case, message, now=clock.now(), tags=tags)
    fired = 0
    token = _chain.set(tuple(chain))
    try:
        for rule in rules_for(trigger).exclude(pk__in=list(chain)):
            if fired >= MAX_FIRINGS:
                log.warning("rules: %s firings on case %s for %s; the rest wait", fired, case_id, key)
                break
            if matches(rule, facts) and fire(rule, case, key) is not None:
                fired += 1
                case = Case.objects.select_related("account").get(pk=case_id)
                facts = Facts(case, facts.text, facts.tone, facts.now, facts.tags_added)
    finally:
        _chain.reset(token)
    return fired


# --- untouched cases ----------------------------------------------------------------------


def people_activity() -> Subquery:
    """When a person last did something on the case (for `.annotate`): the customer's
    message, or any entry someone signed in wrote (staff or customer). Entries honeydesk
    writes on its own account (a rule's changes and its "rule fired" entry, service-level
    events, auto-replies) have no author and do not count: a rule's own change never
    starts a new quiet spell. Read backwards on the entry_case_time index."""
    entries = TimelineEntry.objects.filter(case=OuterRef("pk")).filter(
        Q(author__isnull=False) | Q(kind=Kind.INBOUND, visibility=TimelineEntry.Visibility.PUBLIC)
    )
    return Subquery(entries.order_by("-created_at", "-id").values("created_at")[:1])


def quiet_since() -> Coalesce:
    """When a case's quiet spell began (for `.annotate`): the last people's activity, or
    its opening."""
    return Coalesce(people_activity(), F("created_at"))


def untouched_key(quiet_since: datetime) -> str:
    """The occasion of an untouched rule: one quiet spell, named by when it began."""
    return f"quiet:{quiet_since.timestamp():.0f}"


def untouched_cases(rule: Rule, now: datetime) -> list[tuple[Case, datetime]]:
    """Active cases nobody has touched for the rule's business hours and that the rule
    has not fired on since (once per quiet spell), with when their quiet spell began:
    newest quiet first, a batch at a time. Business time never runs faster than the
    clock, so only cases quiet for that long by the clock are read."""
    hours = rule.untouched_hours or 0
    cutoff = now - timedelta(hours=hours)
    quiet = Case.objects.filter(active=1, created_at__lte=cutoff)
    if rule.department_id:
        quiet = quiet.filter(department_id=rule.department_id)
    already = Firing.objects.filter(rule=rule, case=OuterRef("pk"), fired_at__gte=OuterRef("quiet_since"))
    batch = (
        quiet.annotate(quiet_since=quiet_since())
        .filter(quiet_since__lte=cutoff)
        .exclude(Exists(already))
        .select_related("account")
        .order_by("-quiet_since", "-id")[:UNTOUCHED_BATCH]
    )
    due: list[tuple[Case, datetime]] = []
    for case in batch:
        since: datetime = case.quiet_since
        if hours_for(case.department_id).between(since, now) >= timedelta(hours=hours):
            due.append((case, since))
    return due


def latest_messages(case_ids: Sequence[int], *, first: bool = False) -> dict[int, TimelineEntry]:
    """The customer's latest (or `first`) message on each case (one query)."""
    order = ("created_at", "id") if first else ("-created_at", "-id")
    rows = TimelineEntry.objects.filter(
        case_id__in=case_ids, kind=Kind.INBOUND, visibility=TimelineEntry.Visibility.PUBLIC
    ).order_by("case_id", *order)
    latest: dict[int, TimelineEntry] = {}
    for entry in rows:
        latest.setdefault(entry.case_id, entry)
    return latest


def periodic_untouched(stop: Stop) -> bool:
    """The worker's round: fire the 'untouched' rules on the cases that went quiet."""
    if Trigger.UNTOUCHED not in active_triggers.get():
        return True
    now = clock.now()
    for rule in rules_for(Trigger.UNTOUCHED):
        cases = untouched_cases(rule, now)
        messages = latest_messages([c.pk for c, _ in cases])
        for case, quiet_since in cases:
            if stop():
                return False
            if matches(rule, facts_for(case, messages.get(case.pk), now=now)):
                fire(rule, case, untouched_key(quiet_since))
    return True
