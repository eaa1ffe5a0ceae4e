"""Upkeep that `honeydesk worker` runs at start and then every --housekeeping-interval.

- Resolved cases whose reopen window has passed are closed (`actions.do_close` with no
  acting user: the timeline says the window passed). Until then a customer's message
  reopens the case; after, it opens a new, linked one (`actions.check_customer_writes`
  decides by the window either way, so a late close changes no outcome — it tidies the
  queues and records when the case ended).
- SQLite's planner statistics are refreshed (`PRAGMA optimize`), as after each migrate
  (see `cases.apps`): the queue indexes are only chosen when the statistics show them
  selective, and a database that grew from ten cases to a million needs new ones.
  PostgreSQL's autovacuum analyses by itself.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction

from honeydesk.cases import actions
from honeydesk.cases.models import Case, Status
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidTransition

log = logging.getLogger(__name__)

BATCH = 200


def close_resolved_past_window(
    now: datetime | None = None, *, batch: int = BATCH, stop: Callable[[], bool] = lambda: False
) -> int:
    """Close every resolved case resolved before `now` minus the reopen window, each in
    its own transaction, `batch` rows read at a time. A case that fails is logged and
    skipped; the next run tries it again. Returns how many were closed."""
    moment = now or clock.now()
    # The same boundary as actions.reopen_deadline: past the window when now > resolved_at + window.
    cutoff = moment - timedelta(days=settings.REOPEN_WINDOW_DAYS)
    due = Case.objects.filter(status=Status.RESOLVED, resolved_at__lt=cutoff)
    closed = 0
    last_pk = 0
    while not stop():
        # Keyset pages (pk > last): a case that failed is not read again in this run.
        pks = list(due.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:batch])
        if not pks:
            break
        for pk in pks:
            if stop():
                return closed
            last_pk = pk
            try:
                if _close(pk, cutoff, moment if now else None):
                    closed += 1
            except Exception:
                log.exception("housekeeping: closing case %s failed; skipped until the next run", pk)
    if closed:
        log.info("housekeeping: closed %s case(s) past the %s-day reopen window", closed, settings.REOPEN_WINDOW_DAYS)
    return closed


def _close(pk: int, cutoff: datetime, moment: datetime | None) -> bool:
    with transaction.atomic():
        # Read again under the row lock: the customer may have written (reopened) and an
        # agent resolved it again since the page was read; do_close itself only checks
        # the status, not the window.
        case = (
            Case.objects.select_for_update(of=("self",))
            .filter(pk=pk, status=Status.RESOLVED, resolved_at__lt=cutoff)
            .first()
        )
        if case is None:
            return False
        with clock.at(moment) if moment else contextlib.nullcontext():
            try:
                actions.do_close(case, acting_user=None)
            except InvalidTransition:  # changed under us after all: nothing to close
                return False
    return True


def refresh_planner_statistics() -> None:
    """SQLite: `PRAGMA optimize` (analyses only the tables whose statistics are missing
    or stale, so it is cheap to run often). PostgreSQL: nothing, autovacuum analyses."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")


def run(*, stop: Callable[[], bool] = lambda: False) -> int:
    """One housekeeping round; each part failing alone. Returns the cases closed."""
    closed = 0
    try:
        closed = close_resolved_past_window(stop=stop)
    except Exception:
        log.exception("housekeeping: closing resolved cases failed")
    try:
        refresh_planner_statistics()
    except Exception:
        log.exception("housekeeping: refreshing the planner statistics failed")
    return closed
