"""The desk tools' panel on the workspace's case page (issue 17): priority, tags and the
custom fields of the case's request type, each form posting to the case's actions
(honeydesk.web.views.desk_tools). Three queries, however many tags or fields."""

from __future__ import annotations

from typing import Any

from django import template

from honeydesk.cases import properties
from honeydesk.cases.models import ACTIVE_STATUSES, Case, CaseField, Priority

register = template.Library()


@register.inclusion_tag("desk/_case_properties.html", takes_context=True)
def case_properties(context: template.Context, case: Case) -> dict[str, Any]:
    custom = case.custom or {}
    fields = [
        {
            "field": f,
            "value": custom.get(f.key),
            "shown": properties.shown(f, custom.get(f.key)),
            "input": "text" if f.kind in (CaseField.Kind.TEXT, CaseField.Kind.NUMBER) else f.kind,
        }
        for f in properties.fields_for(case)
    ]
    return {
        "case": case,
        "csrf_token": context.get("csrf_token"),
        "active": case.status in ACTIVE_STATUSES,
        "priorities": Priority.choices,
        "tags": properties.tags_of(case),
        "fields": fields,
    }
