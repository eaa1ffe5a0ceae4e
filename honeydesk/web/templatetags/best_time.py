"""`{% best_time_to_call request_type as line %}`: the plain-words best time to call
(honeydesk.metrics.besttime.advice), or "" when the data cannot honestly say it."""

from __future__ import annotations

from django import template

from honeydesk.cases.models import RequestType
from honeydesk.lib import clock
from honeydesk.metrics import besttime

register = template.Library()


@register.simple_tag
def best_time_to_call(request_type: RequestType | None) -> str:
    if request_type is None:
        return ""
    return besttime.advice(request_type, clock.now().date()) or ""
