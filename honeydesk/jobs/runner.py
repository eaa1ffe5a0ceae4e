"""Enqueue, claim and run jobs.

Claiming is one short write transaction: pick due jobs (queued and due, or running with
an expired lease), mark them running with a lease and count the attempt. On PostgreSQL
the pick uses `SELECT ... FOR UPDATE SKIP LOCKED` so several workers never wait on, or
take, each other's jobs; on SQLite the IMMEDIATE transaction mode serialises writers, so
the pick-and-mark is atomic there too.
"""

from __future__ import annotations

import logging
import os
import socket
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from honeydesk.jobs.models import Job
from honeydesk.lib.batches import Batch, insert_all

log = logging.getLogger(__name__)


def lease() -> timedelta:
    """How long a claim lasts before another worker may take the job over
    (settings.JOBS_LEASE_SECONDS, HONEYDESK_JOB_LEASE_SECONDS; 300 s by default)."""
    return timedelta(seconds=getattr(settings, "JOBS_LEASE_SECONDS", 300))


State = Job.State


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


# Inside `jobs_per_batch`: the jobs enqueued so far, written when the block ends.
_jobs: Batch[Job] = Batch("pending_jobs")


def enqueue(
    func: str | Callable[..., Any],
    payload: dict[str, Any] | None = None,
    *,
    delay: float = 0,
    max_attempts: int = 8,
    run_after_commit: bool | None = None,
) -> Job:
    """Write a job row in the current transaction.

    With `run_after_commit` (default: settings.JOBS_RUN_AFTER_COMMIT, True) the job is
    also tried in this process right after the commit, for low latency; if that fails,
    or the process dies first, the worker retries it.
    """
    path = func if isinstance(func, str) else f"{func.__module__}.{func.__qualname__}"
    now = timezone.now()
    job = Job(
        func=path,
        payload=payload or {},
        run_after=now + timedelta(seconds=delay),
        max_attempts=max_attempts,
        created_at=now,
    )
    pending = _jobs.current()
    if pending is None:
        job.save(force_insert=True)
    else:
        pending.append(job)  # its id is set when the block writes it, before the commit
    eager = getattr(settings, "JOBS_RUN_AFTER_COMMIT", True) if run_after_commit is None else run_after_commit
    if eager and not delay:
        transaction.on_commit(lambda: run_job_now(job.pk))
    return job


@contextmanager
def jobs_per_batch() -> Iterator[None]:
    """Collect the jobs enqueued inside the block and write them with one INSERT when it
    ends without an error, still inside the caller's transaction, so they commit (or roll
    back) with the change that asked for them, as a job written at once would. For one
    action that enqueues several jobs (an API create: the webhook delivery and the rules)
    and for a batch of messages stored without savepoints (`inbound.ingest_many`). Never
    around code that rolls back a savepoint and carries on: the jobs of the undone part
    would still be written. If the block fails nothing is written; a nested block writes
    its own jobs when it ends (`honeydesk.lib.batches`)."""
    with _jobs.collect() as pending:
        yield
    insert_all(pending)


def _claimable(now: Any) -> Q:
    return Q(state=State.QUEUED, run_after__lte=now) | Q(
        state=State.RUNNING, locked_until__lt=now, attempts__lt=F("max_attempts")
    )


def claim(worker: str, limit: int = 10, *, job_id: int | None = None) -> list[Job]:
    now = timezone.now()
    with transaction.atomic():
        qs = Job.objects.filter(_claimable(now))
        if job_id is not None:
            qs = qs.filter(pk=job_id)
        qs = qs.order_by("run_after", "id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        # The filter is repeated so a row someone else claimed in between is not taken.
        Job.objects.filter(_claimable(now), id__in=ids).update(
            state=State.RUNNING, locked_by=worker, locked_until=now + lease(), attempts=F("attempts") + 1
        )
    return list(Job.objects.filter(id__in=ids, locked_by=worker, state=State.RUNNING))


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(15 * 2 ** max(attempts - 1, 0), 3600))


def run(job: Job) -> bool:
    """Run one claimed job; record the outcome. True when it succeeded."""
    try:
        func = import_string(job.func)
        func(**job.payload)
    except Exception as exc:
        now = timezone.now()
        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"[:5000]
        final = job.attempts >= job.max_attempts
        log.warning("job %s failed (attempt %s/%s): %s", job, job.attempts, job.max_attempts, exc)
        Job.objects.filter(pk=job.pk, locked_by=job.locked_by).update(
            state=State.FAILED if final else State.QUEUED,
            last_error=error,
            locked_until=None,
            run_after=now + backoff(job.attempts),
            finished_at=now if final else None,
        )
        return False
    Job.objects.filter(pk=job.pk, locked_by=job.locked_by).update(
        state=State.DONE, finished_at=timezone.now(), locked_until=None, last_error=""
    )
    return True


def run_job_now(job_id: int) -> None:
    """Claim one job by id and run it here (after the commit that created it)."""
    try:
        for job in claim(worker_name() + ":inline", 1, job_id=job_id):
            run(job)
    except Exception:  # the worker will pick it up
        log.exception("running job %s after commit failed; the worker will retry it", job_id)


def run_pending(worker: str | None = None, *, limit: int = 10, max_jobs: int | None = None) -> int:
    """Run due jobs until none are left (or max_jobs ran). Returns how many ran."""
    worker = worker or worker_name()
    done = 0
    while max_jobs is None or done < max_jobs:
        batch = claim(worker, limit if max_jobs is None else min(limit, max_jobs - done))
        if not batch:
            break
        for job in batch:
            run(job)
            done += 1
    return done


def expire_stale_failures() -> int:
    """Running jobs whose lease expired after their last attempt are failed for good."""
    now = timezone.now()
    return Job.objects.filter(state=State.RUNNING, locked_until__lt=now, attempts__gte=F("max_attempts")).update(
        state=State.FAILED, finished_at=now, last_error="The worker running it stopped on the last attempt."
    )
