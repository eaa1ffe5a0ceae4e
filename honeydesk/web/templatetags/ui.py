"""The design system's template helpers: icons from the app's own sprite, and readable
durations and labels.

    {% load ui %}
    {% icon "inbox" %}                      decorative (hidden from screen readers)
    {% icon "bell" label="Notifications" %} an icon that stands alone and needs a name
    {{ entry.data.duration_seconds|duration }}   "4 min", "1 h 5 min", "40 s"
    {{ reason.kind|label }}                  "request_type" -> "Request type"
    {{ reason.kind|tone_reason }}            "cursing_at_person" -> "Cursing at a person"
    {{ point.value|phone }}                  "+14155550101" -> "(415) 555-0101"
"""

from __future__ import annotations

from typing import Any

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

from honeydesk.intelligence.tone import REASON_LABELS
from honeydesk.lib import phones

register = template.Library()

SPRITE = "honeydesk/icons/lucide.svg"


@register.simple_tag
def icon(name: str, label: str = "", size: str = "") -> SafeString:
    href = f"{static(SPRITE)}#{name}"
    classes = f"icon {size}".strip()
    if label:
        return format_html(
            '<svg class="{}" role="img" aria-label="{}"><use href="{}"></use></svg>', classes, label, href
        )
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false"><use href="{}"></use></svg>', classes, href
    )


@register.filter
def duration(seconds: Any) -> str:
    """A length of time as people say it: "40 s", "4 min", "1 h 5 min", "2 days 3 h"."""
    try:
        total = int(seconds)
    except (TypeError, ValueError):
        return ""
    if total < 0:
        return ""
    if total < 60:
        return f"{total} s"
    minutes = round(total / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    unit = "day" if days == 1 else "days"
    return f"{days} {unit} {hours} h" if hours else f"{days} {unit}"


@register.filter
def label(value: Any) -> str:
    """A machine name as a label: underscores and dashes become spaces, first letter capital."""
    text = str(value or "").replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


@register.filter
def tone_reason(kind: Any) -> str:
    """Why a message got its tone, as a rep reads it ("Cursing at a person")."""
    return REASON_LABELS.get(str(kind), label(kind))


@register.filter
def phone(e164: Any) -> str:
    """A stored (E.164) number as people write it: "(415) 555-0101"."""
    return phones.readable(str(e164 or ""))
