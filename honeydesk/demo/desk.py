"""Demo data for the everyday desk tools (issue 17): macros (shared, department and
personal, with placeholders and actions), custom fields per request type
(one required to resolve a repair), a tidy tag vocabulary with a few cases tagged, and
priorities raised on record, all through the real actions. Deterministic: cases are
picked in id order; run twice it changes nothing (fields and tags are got-or-created,
and a case already tagged is left alone)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from honeydesk.cases import properties
from honeydesk.cases.models import ACTIVE_STATUSES, Case, CaseField, CaseTag, Priority
from honeydesk.lib import clock
from honeydesk.macros import actions as macros
from honeydesk.macros.models import Macro

FIELDS = [  # key, label, kind, choices, request types, required at resolution, help
    ("fault_cause", "Fault cause", "choice", ["Line", "Equipment", "Wiring in the home", "Outage"], ["repair"], True,
     "What the engineer or the line test found."),
    ("visit_date", "Engineer visit", "date", [], ["repair"], False, ""),
    ("disputed_amount", "Disputed amount ($)", "number", [], ["billing-explanation", "credit-request"], False, ""),
    ("order_number", "Order number", "text", [], ["order-tracking", "plan-change"], False, "As on the confirmation."),
    ("retention_offer", "Retention offer made", "checkbox", [], ["cancellation"], False, ""),
]  # fmt: skip

# Request type -> the tags its first open cases get, and whether the first is raised to high.
TAGS = {
    "repair": ["no-dial-tone", "engineer-visit"],
    "billing-explanation": ["bill-shock"],
    "credit-request": ["goodwill"],
    "cancellation": ["churn-risk"],
    "outage": ["area-outage"],
}
PER_TYPE = 3


# name, scope, department, reply, actions (Draft fields), kept by
MACROS: list[tuple[str, str, str | None, str, dict[str, Any], str]] = [
    ("Greeting with times", "shared", None,
     "Hi {first_name},\n\nThank you for getting in touch about {case_ref}. {owner_name} is looking after it; "
     "you will hear from us by {due_time}. We are open {department_hours}.", {}, "admin"),
    ("Refund on its way", "department", "billing",
     "Hi {first_name},\n\nI have refunded the duplicate charge; it reaches your account within 5 working days.",
     {"add_tags": ("refund",), "assign_to_self": True, "note": "Refund issued (macro)."}, "diane"),
    ("Engineer visit booked", "department", "repair",
     "Hi {first_name},\n\nAn engineer will visit; we will confirm the time. Reference: {case_ref}.",
     {"add_tags": ("engineer-visit",), "set_priority": "high", "assign_to_self": True}, "marcus"),
    ("Need more details", "personal", None,
     "Hi {first_name},\n\nCould you send a photo of the modem lights? I will pick it up as soon as it arrives.",
     {"set_status": "pending"}, "priya"),
]  # fmt: skip


def _macros(builder: Any) -> None:
    if Macro.objects.exists():
        return
    for name, scope, dept, reply, extra, keeper in MACROS:
        draft = macros.Draft(
            name=name, scope=scope, department=builder.depts[dept] if dept else None, reply=reply, **extra
        )
        macros.do_save_macro(draft, acting_user=builder.staff[keeper])


def build(builder: Any) -> None:
    _macros(builder)
    types = builder.types
    for position, (key, label, kind, choices, slugs, required, help_text) in enumerate(FIELDS):
        field, created = CaseField.objects.get_or_create(
            key=key,
            defaults=dict(label=label, kind=kind, choices=choices, required_at_resolution=required,
                          help_text=help_text, position=position),
        )  # fmt: skip
        if created:
            field.request_types.set([types[s] for s in slugs if s in types])
    if CaseTag.objects.exists():
        return
    supervisor = builder.staff["diane"]
    for slug, names in TAGS.items():
        if slug not in types:
            continue
        cases = list(
            Case.objects.filter(request_type=types[slug], status__in=ACTIVE_STATUSES).order_by("id")[:PER_TYPE]
        )
        for i, case in enumerate(cases):
            who = case.owner or supervisor
            # After the case's last entry, not after "now".
            at = max(case.updated_at + timedelta(seconds=1), min(builder.now, case.updated_at + timedelta(minutes=10)))
            with clock.at(at):
                properties.do_change_tags(case, add=names[: 1 + i % len(names)], acting_user=who)
                if i == 0 and case.priority in (Priority.LOW, Priority.NORMAL):
                    properties.do_set_priority(case, Priority.HIGH, acting_user=who)
                if slug == "repair" and i == 0:
                    properties.do_set_fields(case, {"fault_cause": "Line"}, acting_user=who)
