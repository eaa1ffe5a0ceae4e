"""`{% customer_status case %}`: the portal's status badge, in the customer's words and
telling the same story as "What happens next" (honeydesk.web.views.portal_next)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from honeydesk.cases.models import Case
from honeydesk.web.views.portal_next import badge

register = template.Library()


@register.simple_tag
def customer_status(case: Case) -> SafeString:
    shown = badge(case)
    return format_html('<span class="status status-{}">{}</span>', shown.tone, shown.label)


@register.filter
def customer_status_text(case: Case) -> str:
    """The badge's words alone, for the printable record."""
    return badge(case).label
