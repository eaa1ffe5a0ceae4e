"""Macros: who sees which (the door), saving them, and applying one to a case.

Applying a macro runs every action it names through the case layer's own actions, in
ONE transaction: when any of them is refused (a status the case cannot take, an owner
outside the department...) nothing is applied. The reply text is not sent: it is put
in the composer, placeholders filled in, and goes through the listening coach like any
draft before the rep sends it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from honeydesk.accounts.models import Department, User
from honeydesk.cases import actions as case_actions
from honeydesk.cases import properties
from honeydesk.cases.access import can_see, require_staff
from honeydesk.cases.models import Case, Priority, Status, TimelineEntry
from honeydesk.cases.timeline import add_event, lock, touch
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput, NotFound
from honeydesk.macros.models import Macro, MacroUse
from honeydesk.policy import sla
from honeydesk.policy.calendars import hours_for

Scope = Macro.Scope
PLACEHOLDERS = {
    "first_name": "the customer's first name",
    "case_ref": "the case reference",
    "owner_name": "the case owner's first name",
    "due_time": "when the next service-level target is due",
    "department_hours": "the department's opening hours",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
NAME_CHARS = 100
TEXT_CHARS = 10_000


# --- the door ----------------------------------------------------------------------------


def macros_visible_to(user: User) -> QuerySet[Macro]:
    """Shared macros, the person's own, and their departments' (supervisors: every
    department's). Staff only."""
    require_staff(user)
    mine = Q(scope=Scope.SHARED) | Q(scope=Scope.PERSONAL, owner=user)
    if user.sees_everything:
        mine |= Q(scope=Scope.DEPARTMENT)
    else:
        mine |= Q(scope=Scope.DEPARTMENT, department__in=user.departments.all())
    return Macro.objects.filter(mine, active=True)


def macro_for(user: User, pk: int) -> Macro:
    found = macros_visible_to(user).select_related("assign_to", "transfer_to").filter(pk=pk).first()
    if found is None:
        raise NotFound("No such macro.")
    return found


def may_edit(user: User, macro: Macro) -> bool:
    if macro.scope == Scope.PERSONAL:
        return macro.owner_id == user.pk
    return user.sees_everything


# --- saving ------------------------------------------------------------------------------


@dataclass
class Draft:
    """What a person typed for a macro (forms and API alike)."""

    name: str
    scope: str = Scope.PERSONAL
    department: Department | None = None
    reply: str = ""
    set_status: str = ""
    resolution_note: str = ""
    set_priority: str = ""
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    assign_to: User | None = None
    assign_to_self: bool = False
    transfer_to: Department | None = None
    handoff: str = ""
    note: str = ""


def _check_text(problems: dict[str, list[str]], name: str, value: str, limit: int = TEXT_CHARS) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        problems.setdefault(name, []).append(f"At most {limit} characters.")
    if "\x00" in value:
        problems.setdefault(name, []).append("Text may not contain NUL characters.")
    unknown = sorted({m for m in _PLACEHOLDER.findall(value) if m not in PLACEHOLDERS})
    if unknown:
        known = ", ".join("{" + k + "}" for k in PLACEHOLDERS)
        problems.setdefault(name, []).append(f"Unknown placeholder {{{unknown[0]}}}; use {known}.")
    return value


def do_save_macro(draft: Draft, *, acting_user: User, macro: Macro | None = None) -> Macro:
    """Create (macro None) or change a macro. Personal macros are their owner's; department
    and shared ones are kept by supervisors and admins."""
    require_staff(acting_user)
    if macro is not None and not may_edit(acting_user, macro):
        raise NotFound("No such macro.")
    problems: dict[str, list[str]] = {}
    name = _check_text(problems, "name", draft.name, NAME_CHARS)
    if not name:
        problems.setdefault("name", []).append("Give the macro a name.")
    if draft.scope not in Scope.values:
        problems.setdefault("scope", []).append(f"Scope must be one of {', '.join(Scope.values)}.")
    elif draft.scope != Scope.PERSONAL and not acting_user.sees_everything:
        problems.setdefault("scope", []).append("Only supervisors and admins keep department and shared macros.")
    if draft.scope == Scope.DEPARTMENT and draft.department is None:
        problems.setdefault("department", []).append("Choose the department whose staff use it.")
    fields = {k: _check_text(problems, k, getattr(draft, k)) for k in ("reply", "resolution_note", "handoff", "note")}
    if draft.set_status not in Macro.SetStatus.values:
        problems.setdefault("set_status", []).append("Status must be pending or resolved.")
    if draft.set_status == Macro.SetStatus.RESOLVED and not fields["resolution_note"]:
        problems.setdefault("resolution_note", []).append("A macro that resolves needs the resolution note.")
    if draft.set_status == Macro.SetStatus.RESOLVED and draft.transfer_to is not None:
        problems.setdefault("transfer_to", []).append("A macro cannot both resolve and transfer a case.")
    if draft.set_priority and draft.set_priority not in Priority.values:
        problems.setdefault("set_priority", []).append(f"Priority must be one of {', '.join(Priority.values)}.")
    if draft.transfer_to is not None and not fields["handoff"]:
        problems.setdefault("handoff", []).append("A transfer needs its hand-off summary.")
    if draft.assign_to is not None and (draft.assign_to_self or not draft.assign_to.is_staff_member):
        problems.setdefault("assign_to", []).append("Assign to one active member of staff, or to whoever applies it.")
    try:
        add, remove = (
            properties.tag_names(draft.add_tags, "add_tags"),
            properties.tag_names(draft.remove_tags, "remove_tags"),
        )
    except InvalidInput as exc:
        for key, messages in exc.fields.items():
            problems.setdefault(key, []).extend(messages)
        add, remove = [], []
    does = [fields["reply"], draft.set_status, draft.set_priority, add, remove, draft.assign_to, draft.transfer_to]
    if not any(does) and not draft.assign_to_self and not fields["note"]:
        problems.setdefault("reply", []).append("A macro needs a reply or at least one action.")
    if problems:
        raise InvalidInput("The macro was not saved.", fields=problems)
    target = macro or Macro(created_by=acting_user)
    target.name = name
    target.scope = draft.scope
    target.owner = acting_user if draft.scope == Scope.PERSONAL else None
    target.department = draft.department if draft.scope == Scope.DEPARTMENT else None
    target.set_status, target.set_priority = draft.set_status, draft.set_priority
    target.add_tags, target.remove_tags = add, remove
    target.assign_to, target.assign_to_self, target.transfer_to = (
        draft.assign_to,
        draft.assign_to_self,
        draft.transfer_to,
    )
    for key, value in fields.items():
        setattr(target, key, value)
    target.updated_at = clock.now()
    target.save()
    return target


def do_retire_macro(macro: Macro, *, acting_user: User) -> None:
    require_staff(acting_user)
    if not may_edit(acting_user, macro):
        raise NotFound("No such macro.")
    Macro.objects.filter(pk=macro.pk).update(active=False, updated_at=clock.now())


# --- applying ------------------------------------------------------------------------------


def render(text: str, case: Case) -> str:
    """`text` with its placeholders filled in for `case` (unknown ones left as typed)."""
    if "{" not in text:
        return text
    hours = hours_for(case.department_id)
    due = min(sla.running(case).values(), default=None)
    contact = case.contact.name if case.contact_id and case.contact else ""
    values = {
        "first_name": (contact or case.account.name).split()[0] if (contact or case.account.name).split() else "",
        "case_ref": case.ref,
        "owner_name": (case.owner.first_name or case.owner.display_name) if case.owner else "our team",
        "due_time": f"{due.astimezone(hours.tz):%A %d %B, %H:%M}" if due else "as soon as we can",
        "department_hours": hours.describe(),
    }
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def do_apply_macro(
    case: Case, macro: Macro, *, acting_user: User, expected_version: int | None = None
) -> tuple[Case, str]:
    """Apply every action of `macro` to `case` in one transaction; returns the case and
    the reply text for the composer. One action refused: nothing applied. A transfer
    that takes the case out of the rep's sight leaves the reply as an internal note for
    the new department (the rep has no composer on the case any more)."""
    require_staff(acting_user)
    done: list[str] = []
    with transaction.atomic():
        case = lock(case, expected_version)
        if macro.note:
            case_actions.do_add_note(case, body=render(macro.note, case), acting_user=acting_user)
            done.append("internal note")
        if macro.set_priority and macro.set_priority != case.priority:
            case = properties.do_set_priority(case, macro.set_priority, acting_user=acting_user)
            done.append(f"priority {macro.set_priority}")
        if macro.add_tags or macro.remove_tags:
            properties.do_change_tags(case, add=macro.add_tags, remove=macro.remove_tags, acting_user=acting_user)
            done.append("tags " + " ".join([*(f"+{t}" for t in macro.add_tags), *(f"-{t}" for t in macro.remove_tags)]))
        owner = acting_user if macro.assign_to_self else macro.assign_to
        case = lock(case)
        if owner is not None and case.owner_id != owner.pk:
            case = case_actions.do_assign(case, owner, acting_user=acting_user)
            done.append(f"assigned to {owner.display_name}")
        if macro.set_status == Macro.SetStatus.PENDING and case.status != Status.PENDING:
            case = case_actions.do_set_pending(case, acting_user=acting_user)
            done.append("waiting on the customer")
        if macro.set_status == Macro.SetStatus.RESOLVED:
            case = case_actions.do_resolve(case, note=render(macro.resolution_note, case), acting_user=acting_user)
            done.append("resolved")
        if macro.transfer_to is not None and macro.transfer_to.pk != case.department_id:
            case = case_actions.do_transfer(
                case, macro.transfer_to, summary=render(macro.handoff, case), acting_user=acting_user
            )
            done.append(f"transferred to {macro.transfer_to.name}")
            if macro.reply.strip() and not can_see(acting_user, case):
                # The rep no longer sees the case, so the composer cannot take the reply:
                # it waits, unsent, for the new department to check and send.
                reply = render(macro.reply, lock(case))
                kept = f"Reply from the macro “{macro.name}”, not sent: check it and send it.\n\n{reply}"
                case_actions.do_add_note(case, body=kept, acting_user=acting_user)
                done.append(f"reply kept as a note for {macro.transfer_to.name}")
        case = lock(case)
        add_event(
            case,
            TimelineEntry.Event.MACRO_APPLIED,
            acting_user=acting_user,
            channel="workspace",
            body=f"Macro “{macro.name}” applied" + (f": {', '.join(done)}." if done else " (reply text only)."),
            data={"macro": macro.pk, "name": macro.name, "done": done},
        )
        touch(case, [])
        MacroUse.objects.create(macro=macro, user=acting_user, case=case)
    fresh = Case.objects.select_related("account", "contact", "owner", "department").get(pk=case.pk)
    return fresh, render(macro.reply, fresh)


def usage_counts(macros: QuerySet[Macro], *, days: int = 30) -> dict[int, tuple[int, int]]:
    """Per macro: (uses in the last `days` days, uses in all). One query."""
    since = clock.now() - timedelta(days=days)
    rows = macros.annotate(recent=Count("uses", filter=Q(uses__used_at__gte=since)), total=Count("uses"))
    return {pk: (recent, total) for pk, recent, total in rows.values_list("pk", "recent", "total")}
