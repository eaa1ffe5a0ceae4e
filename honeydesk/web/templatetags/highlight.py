"""`{{ parts|highlighted }}`: search results' text with the matching words in <mark>.

A filter rather than an included template: a results page shows three such texts for
each of 50 cases, and 150 template includes took longer than the search itself."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def highlighted(parts: list[tuple[str, bool]]) -> SafeString:
    """Every piece escaped; matching words wrapped in <mark>."""
    return format_html_join("", "{}", ((format_html("<mark>{}</mark>", text) if hit else text,) for text, hit in parts))
