"""What staff set on a case besides its workflow: priority, tags and custom fields.

Each change is an action (one transaction, the case row locked, the change recorded on
the timeline as an internal event with what changed) like those in
`honeydesk.cases.actions`; they live here to keep that module readable. `acting_user`
may be None when honeydesk changes the case on its own account (a rule, see
honeydesk.rules): `author_name` then says who did it ("Rule: VIP accounts").

Admins rename and merge tags (`do_rename_tag`, `do_merge_tags`): those change the
vocabulary, not a case's record, and go to the audit log; the timeline keeps the names
a case's tags had when they were added.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from honeydesk.accounts.audit import record as audit
from honeydesk.accounts.models import AuditEvent, Role, User
from honeydesk.cases.access import require_staff
from honeydesk.cases.models import ACTIVE_STATUSES, Case, CaseField, CaseTag, Channel, Priority, Tag, TimelineEntry
from honeydesk.cases.timeline import add_event, check_staff, lock, touch
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput, InvalidTransition, NotFound

Event = TimelineEntry.Event

TAG_CHARS = 50
MAX_TAGS_PER_CASE = 30
TEXT_FIELD_CHARS = 500
_TAG_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


def _check_actor(acting_user: User | None, author_name: str) -> None:
    """Staff change these, or honeydesk itself under a name that says who (a rule)."""
    if acting_user is not None:
        check_staff(acting_user, "user")
    elif not author_name:
        raise InvalidInput.field("user", "Say who changes the case.")


# --- priority -----------------------------------------------------------------------------


def do_set_priority(
    case: Case,
    priority: str,
    *,
    acting_user: User | None,
    author_name: str = "",
    expected_version: int | None = None,
    channel: str = Channel.WORKSPACE,
) -> Case:
    """Change the priority of an open case, on record ("Priority: Normal → High")."""
    if priority not in Priority.values:
        raise InvalidInput.field("priority", f"Priority must be one of {', '.join(Priority.values)}.")
    _check_actor(acting_user, author_name)
    with transaction.atomic():
        case = lock(case, expected_version)
        if case.status not in ACTIVE_STATUSES:
            raise InvalidTransition(f"{case.ref} is {case.get_status_display().lower()}; reopen it first.")
        if case.priority == priority:
            raise InvalidTransition(f"{case.ref} is already {Priority(priority).label.lower()} priority.")
        before = case.priority
        case.priority = priority
        add_event(
            case,
            Event.PRIORITY_CHANGED,
            acting_user=acting_user,
            author_name=author_name,
            channel=channel,
            body=f"Priority: {Priority(before).label} → {Priority(priority).label}",
            data={"from": before, "to": priority},
        )
        touch(case, ["priority"])
    return case


# --- tags ---------------------------------------------------------------------------------


def tag_name(raw: str, field: str = "tags") -> str:
    """A tag as stored: lower case, spaces as hyphens ("Billing dispute" -> "billing-dispute")."""
    name = "-".join((raw or "").strip().lower().split())
    if not name:
        raise InvalidInput.field(field, "A tag cannot be empty.")
    if len(name) > TAG_CHARS:
        raise InvalidInput.field(field, f"Tag {name[:20]!r}… is too long ({TAG_CHARS} characters at most).")
    if not _TAG_RE.match(name):
        raise InvalidInput.field(
            field, f"Tag {name!r} may hold letters a-z, digits, '-' and '_' only, and start with a letter or digit."
        )
    return name


def tag_names(raw: Iterable[str], field: str = "tags") -> list[str]:
    return list(dict.fromkeys(tag_name(r, field) for r in raw))


def tags_of(case: Case) -> list[str]:
    return list(Tag.objects.filter(case_tags__case=case).order_by("name").values_list("name", flat=True))


def do_change_tags(
    case: Case,
    *,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    acting_user: User | None,
    author_name: str = "",
    expected_version: int | None = None,
    channel: str = Channel.WORKSPACE,
) -> list[str]:
    """Add and remove tags in one change; returns the tags the case has now. Adding a tag
    the case has, or removing one it has not, is no change (and no entry)."""
    _check_actor(acting_user, author_name)
    wanted, unwanted = tag_names(add, "add"), tag_names(remove, "remove")
    both = set(wanted) & set(unwanted)
    if both:
        raise InvalidInput.field("remove", f"{', '.join(sorted(both))}: both added and removed.")
    if not wanted and not unwanted:
        raise InvalidInput.field("add", "Name the tags to add or remove.")
    now = clock.now()
    with transaction.atomic():
        case = lock(case, expected_version)
        has = set(tags_of(case))
        added = [n for n in wanted if n not in has]
        removed = [n for n in unwanted if n in has]
        if len(has) + len(added) - len(removed) > MAX_TAGS_PER_CASE:
            raise InvalidInput.field("add", f"A case has at most {MAX_TAGS_PER_CASE} tags.")
        if added:
            existing = {t.name: t for t in Tag.objects.filter(name__in=added)}
            fresh = [Tag(name=n, created_at=now) for n in added if n not in existing]
            if fresh:
                Tag.objects.bulk_create(fresh, ignore_conflicts=True)
                existing = {t.name: t for t in Tag.objects.filter(name__in=added)}
            CaseTag.objects.bulk_create([CaseTag(case=case, tag=existing[n], added_at=now) for n in added])
        if removed:
            CaseTag.objects.filter(case=case, tag__name__in=removed).delete()
        if added or removed:
            words = [f"added {', '.join(added)}"] if added else []
            words += [f"removed {', '.join(removed)}"] if removed else []
            add_event(
                case,
                Event.TAGS_CHANGED,
                acting_user=acting_user,
                author_name=author_name,
                channel=channel,
                body="Tags " + "; ".join(words),
                data={"added": added, "removed": removed},
            )
            touch(case, [], now)
    return sorted((has | set(added)) - set(removed))


def require_admin(user: User) -> None:
    if not (user.is_authenticated and user.is_active and user.role == Role.ADMIN):
        raise NotFound("Not found.")


def tag_for(user: User, name: str) -> Tag:
    """A tag by name, for staff (customers never learn the desk's labels)."""
    require_staff(user)
    found = Tag.objects.filter(name="-".join((name or "").strip().lower().split())).first()
    if found is None:
        raise NotFound("No such tag.")
    return found


def do_rename_tag(tag: Tag, new_name: str, *, acting_user: User) -> Tag:
    """Rename a tag on every case that has it (admins). A name another tag has already
    is a merge, which says so."""
    require_admin(acting_user)
    name = tag_name(new_name, "name")
    with transaction.atomic():
        if Tag.objects.filter(name=name).exclude(pk=tag.pk).exists():
            raise InvalidInput.field("name", f"Tag {name!r} exists already: merge {tag.name!r} into it instead.")
        before = tag.name
        Tag.objects.filter(pk=tag.pk).update(name=name)
        tag.name = name
        audit(AuditEvent.Action.ADMIN_CHANGE, actor=acting_user, target=f"tag {before} renamed to {name}")
    return tag


def do_merge_tags(source: Tag, into: Tag, *, acting_user: User) -> int:
    """Every case tagged `source` is tagged `into` instead; `source` goes. Returns the
    number of cases that had `source`."""
    require_admin(acting_user)
    if source.pk == into.pk:
        raise InvalidInput.field("into", "A tag cannot be merged into itself.")
    with transaction.atomic():
        cases = list(CaseTag.objects.filter(tag=source).values_list("case_id", flat=True))
        already = set(CaseTag.objects.filter(tag=into, case_id__in=cases).values_list("case_id", flat=True))
        now = clock.now()
        CaseTag.objects.bulk_create(
            [CaseTag(case_id=c, tag=into, added_at=now) for c in cases if c not in already], batch_size=500
        )
        CaseTag.objects.filter(tag=source).delete()
        Tag.objects.filter(pk=source.pk).delete()
        audit(
            AuditEvent.Action.ADMIN_CHANGE,
            actor=acting_user,
            target=f"tag {source.name} merged into {into.name}",
            data={"cases": len(cases)},
        )
    return len(cases)


def with_tag(cases: QuerySet[Case], name: str) -> QuerySet[Case]:
    """`cases` narrowed to those with the tag `name` (none for a name no tag has)."""
    wanted = "-".join(name.strip().lower().split())
    return cases.filter(pk__in=CaseTag.objects.filter(tag__name=wanted).values("case_id"))


# --- custom fields ------------------------------------------------------------------------


def fields_for(case: Case) -> list[CaseField]:
    """The active custom fields of the case's request type, in order."""
    return list(
        CaseField.objects.filter(active=True)
        .filter(Q(request_types=case.request_type_id) | Q(request_types__isnull=True))
        .distinct()
        .order_by("position", "id")
    )


def clean_value(field: CaseField, raw: Any) -> Any:
    """The value as stored for `field` (None: empty, the field is cleared), or
    InvalidInput naming the field. Accepts form strings and JSON values alike."""
    name = f"fields.{field.key}"
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return False if field.kind == CaseField.Kind.CHECKBOX else None
    if field.kind == CaseField.Kind.CHECKBOX:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("1", "true", "on", "yes"):
            return True
        if isinstance(raw, str) and raw.strip().lower() in ("0", "false", "off", "no"):
            return False
        raise InvalidInput.field(name, f"{field.label}: tick it or not (true or false).")
    if field.kind == CaseField.Kind.NUMBER:
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise InvalidInput.field(name, f"{field.label} must be a number.")
        try:
            number = Decimal(str(raw).strip().replace(",", ""))
        except InvalidOperation:
            raise InvalidInput.field(name, f"{field.label} must be a number, such as 12 or 12.5.") from None
        if not number.is_finite() or abs(number) >= Decimal("1e15"):
            raise InvalidInput.field(name, f"{field.label} must be a number below a million billion.")
        return int(number) if number == number.to_integral_value() else float(number)
    if not isinstance(raw, str):
        raise InvalidInput.field(name, f"{field.label} must be text.")
    text = raw.strip()
    if "\x00" in text:
        raise InvalidInput.field(name, f"{field.label} contains a NUL character.")
    if field.kind == CaseField.Kind.DATE:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise InvalidInput.field(name, f"{field.label} must be a date such as 2026-03-31.") from None
    if field.kind == CaseField.Kind.CHOICE:
        options = [str(c) for c in field.choices or []]
        if text not in options:
            raise InvalidInput.field(name, f"{field.label} must be one of: {', '.join(options)}.")
        return text
    if len(text) > TEXT_FIELD_CHARS:
        raise InvalidInput.field(name, f"{field.label} is too long ({TEXT_FIELD_CHARS} characters at most).")
    return text


def shown(field: CaseField, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if field.kind == CaseField.Kind.CHECKBOX:
        return "yes" if value else "no"
    return str(value)


def do_set_fields(
    case: Case,
    values: Mapping[str, Any],
    *,
    acting_user: User | None,
    author_name: str = "",
    expected_version: int | None = None,
    channel: str = Channel.WORKSPACE,
) -> Case:
    """Set custom fields by key (an empty value clears one). Every value is checked first,
    and every problem named, before anything is written."""
    _check_actor(acting_user, author_name)
    with transaction.atomic():
        case = lock(case, expected_version)
        known = {f.key: f for f in fields_for(case)}
        problems: dict[str, list[str]] = {}
        cleaned: dict[str, Any] = {}
        for key, raw in values.items():
            field = known.get(key)
            if field is None:
                problems.setdefault(f"fields.{key}", []).append(
                    f"{case.request_type.name} cases have no field {key!r}."
                )
                continue
            try:
                cleaned[key] = clean_value(field, raw)
            except InvalidInput as exc:
                for name, messages in exc.fields.items():
                    problems.setdefault(name, []).extend(messages)
        if problems:
            raise InvalidInput("Some fields are not valid.", fields=problems)
        custom = dict(case.custom or {})
        changes = []
        for key, value in cleaned.items():
            before = custom.get(key)
            if value is None or (value is False and before in (None, False)):
                if key in custom:
                    del custom[key]
                    changes.append((key, before, None))
                continue
            if before != value:
                custom[key] = value
                changes.append((key, before, value))
        if not changes:
            return case
        case.custom = custom
        lines = [f"{known[k].label}: {shown(known[k], a)} → {shown(known[k], b)}" for k, a, b in changes]
        add_event(
            case,
            Event.FIELDS_CHANGED,
            acting_user=acting_user,
            author_name=author_name,
            channel=channel,
            body="\n".join(lines),
            data={"changes": [{"key": k, "from": a, "to": b} for k, a, b in changes]},
        )
        touch(case, ["custom"])
    return case


def missing_for_resolution(case: Case) -> dict[str, list[str]]:
    """The fields a case needs before it is resolved, by `fields.<key>`, with the message."""
    custom = case.custom or {}
    missing: dict[str, list[str]] = {}
    for field in fields_for(case):
        if not field.required_at_resolution:
            continue
        value = custom.get(field.key)
        empty = value is not True if field.kind == CaseField.Kind.CHECKBOX else value in (None, "")
        if empty:
            verb = "ticked" if field.kind == CaseField.Kind.CHECKBOX else "filled in"
            missing[f"fields.{field.key}"] = [f"{field.label} must be {verb} before the case is resolved."]
    return missing


def check_resolvable(case: Case) -> None:
    """The rule `do_resolve` applies: every field required at resolution is set."""
    missing = missing_for_resolution(case)
    if missing:
        labels = ", ".join(m[0].split(" must be ")[0] for m in missing.values())
        raise InvalidInput(f"{case.ref} cannot be resolved yet: fill in {labels} first.", fields=missing)


def with_field(cases: QuerySet[Case], field: CaseField, raw: str, error_field: str = "") -> QuerySet[Case]:
    """`cases` narrowed to a custom field's value (text: contains, others: equal; an
    empty value: cases without one). A value the field cannot hold is InvalidInput
    under `error_field` (the filter's name)."""
    if field.kind == CaseField.Kind.TEXT and raw.strip():
        return cases.filter(**{f"custom__{field.key}__icontains": raw.strip()})
    try:
        value = clean_value(field, raw)
    except InvalidInput as exc:
        if not error_field:
            raise
        raise InvalidInput.field(
            error_field, exc.message if not exc.fields else next(iter(exc.fields.values()))[0]
        ) from None
    if value is None:
        return cases.filter(**{f"custom__{field.key}__isnull": True})
    if value is False:
        # Unticked: never set, or set and cleared (a JSON NULL compares as unknown, so
        # not "exclude ticked").
        return cases.filter(Q(**{f"custom__{field.key}__isnull": True}) | Q(**{f"custom__{field.key}": False}))
    return cases.filter(**{f"custom__{field.key}": value})
