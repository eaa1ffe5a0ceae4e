"""Demo data for merge and split (issue 17, part 3): a customer with two open requests
(of the same kind when there are such), the later merged into the earlier by a supervisor, so the earlier
case's timeline shows both, each entry marked with its case. Through the real actions,
at a replayed time. No new case is made (the demo's case count and order stay as asked).
Deterministic: the first account, in id order, with two such cases; run twice it changes
nothing (a merged case already there is left alone)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count

from honeydesk.cases import merging
from honeydesk.cases.models import ACTIVE_STATUSES, Case
from honeydesk.lib import clock


def build(builder: Any) -> Case | None:
    """The surviving case of the demo's merged pair (None when there is no such pair)."""
    if Case.objects.filter(merged_into__isnull=False).exists():
        return None
    active = Case.objects.filter(status__in=ACTIVE_STATUSES, escalated=False, contact__isnull=False)
    # Two requests of the same kind from one account if there are; else any two of one account.
    for keys in (("account_id", "request_type_id"), ("account_id",)):
        pair = active.values(*keys).annotate(n=Count("id")).filter(n__gte=2).order_by(*keys).first()
        if pair is not None:
            break
    else:
        return None
    survivor, duplicate = active.filter(**{k: pair[k] for k in keys}).order_by("id")[:2]
    last = max(survivor.updated_at, duplicate.updated_at) + timedelta(seconds=1)
    with clock.at(max(last, min(builder.now - timedelta(minutes=1), last + timedelta(minutes=20)))):
        merging.do_merge_cases(duplicate, survivor, acting_user=builder.staff["diane"])
    return survivor
