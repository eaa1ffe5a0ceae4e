"""The time actions stamp on the record.

Normally the wall clock. Data generators (the demo, benchmarks) replay months of history
by running the real actions inside `at(moment)`, so back-dated records are written the
same way live ones are — nothing is ever updated afterwards (timelines are append-only).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone

_override: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("honeydesk_clock", default=None)


def now() -> datetime:
    return _override.get() or timezone.now()


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    token = _override.set(moment)
    try:
        yield
    finally:
        _override.reset(token)
