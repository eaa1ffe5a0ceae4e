"""Demo data for metrics: the composer's typing time on the demo's replies, the wait the
telephony system would report on its calls, and the roll-ups built at the end.

Deterministic without a random generator of its own (the company's generator is not
drawn from, so the rest of the demo is unchanged): each figure is a function of the case
and the moment. Calls wait less Tuesday to Thursday in the afternoon, as on a real desk
whose lunch cover is thin on Mondays and Fridays, so the best-time-to-call heatmap has a
shape to find.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from honeydesk.metrics import rollups


def compose_seconds(case_id: int, body: str) -> int:
    """Focused typing time for a reply: about 3 characters a second, plus reading time."""
    return 20 + len(body) // 3 + (case_id * 37) % 90


def call_data(case_id: int, moment: datetime) -> dict[str, Any]:
    local = timezone.localtime(moment)
    quiet = local.weekday() in (1, 2, 3) and 13 <= local.hour < 17
    return {"wait_seconds": (15 if quiet else 90) + (case_id * 53 + local.hour * 7) % 60}


def build(builder: Any) -> None:
    """After the history is replayed: the roll-ups, from the record."""
    rollups.rebuild()
