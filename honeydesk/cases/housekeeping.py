"""Upkeep that `honeydesk worker` runs at start and then every --housekeeping-interval
(registered with honeydesk.jobs.schedule in cases/apps.py).

- Resolved cases whose reopen window has passed are closed (`actions.do_close` with no
  acting user: the timeline says the window passed). Until then a customer's message
  reopens the case; after, it opens a new, linked one (`actions.check_customer_writes`
  decides by the window either way, so a late close changes no outcome — it tidies the
  queues and records when the case ended).
  A round stops after about ROUND_SECONDS and the worker comes back for the rest
  after its next round of mail and jobs, so a backlog never holds up the mail.
- SQLite's planner statistics are refreshed (`PRAGMA optimize`), as after each migrate
  (see `cases.apps`): the queue indexes are only chosen when the statistics show them
  selective, and a database that grew from ten cases to a million needs new ones.
  PostgreSQL's autovacuum analyses by itself.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction

from honeydesk.cases import actions
from honeydesk.cases.models import Case, Status
from honeydesk.cases.timeline import reopen_window
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
    # The boundary of timeline.past_reopen_window: past it when now > resolved_at + window.
    cutoff = moment - reopen_window()
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


# One round's time for closing cases. A first deployment with years of resolved cases
# would otherwise keep the worker from the mail for as long as closing them all takes;
# the worker comes back for the rest after its next round of mail and jobs.
ROUND_SECONDS = 20.0


@dataclass
class Round:
    closed: int
    finished: bool  # False: time ran out (or a stop was asked) with cases still to close


def run(*, stop: Callable[[], bool] = lambda: False, seconds: float = ROUND_SECONDS) -> Round:
    """One housekeeping round of at most about `seconds`; each part failing alone."""
    deadline = time.monotonic() + seconds
    late = [False]

    def should_stop() -> bool:
        late[0] = late[0] or time.monotonic() > deadline
        return late[0] or stop()

    closed, finished = 0, True
    try:
        closed = close_resolved_past_window(stop=should_stop)
        finished = not late[0] and not stop()
    except Exception:
        log.exception("housekeeping: closing resolved cases failed")
    try:
        refresh_planner_statistics()
    except Exception:
        log.exception("housekeeping: refreshing the planner statistics failed")
    if not finished:
        log.info("housekeeping: closed %s case(s) this round; more are due, continuing after the mail", closed)
    return Round(closed, finished)


def periodic_round(stop: Callable[[], bool]) -> bool:
    """The worker's periodic task (registered in cases/apps.py): one round; True when
    nothing was left for the next."""
    return run(stop=stop).finished
