"""Job rows: claimed once, retried with backoff, re-run after a dead worker's lease."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from honeydesk.jobs.models import Job
from honeydesk.jobs.runner import claim, enqueue, run, run_pending

pytestmark = pytest.mark.django_db

CALLS: list[dict] = []


def record(**kwargs):
    CALLS.append(kwargs)


def explode(**kwargs):
    raise RuntimeError("smtp down")


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()


def test_it_runs_a_job_once():
    enqueue(record, {"n": 1}, run_after_commit=False)
    assert run_pending("w1") == 1 and run_pending("w2") == 0
    assert CALLS == [{"n": 1}] and Job.objects.get().state == Job.State.DONE


def test_a_claimed_job_is_not_claimed_again_while_its_lease_holds():
    enqueue(record, {}, run_after_commit=False)
    assert len(claim("w1")) == 1
    assert claim("w2") == []


def test_a_dead_workers_job_is_taken_over_after_the_lease():
    job = enqueue(record, {"n": 2}, run_after_commit=False)
    claim("dead-worker")
    Job.objects.filter(pk=job.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    [taken] = claim("w2")
    assert taken.attempts == 2
    run(taken)
    assert CALLS == [{"n": 2}]


def test_a_failing_job_is_retried_with_backoff_then_failed():
    job = enqueue(explode, {}, max_attempts=2, run_after_commit=False)
    run_pending("w")
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED and job.run_after > timezone.now() + timedelta(seconds=10)
    assert "smtp down" in job.last_error
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now())
    run_pending("w")
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and job.attempts == 2 and job.finished_at


def test_a_delayed_job_waits():
    enqueue(record, {}, delay=60, run_after_commit=False)
    assert run_pending("w") == 0


def test_the_worker_command_runs_due_jobs_once(settings):
    enqueue(record, {"n": 3}, run_after_commit=False)
    call_command("worker", "--once", "--no-mail")
    assert CALLS == [{"n": 3}]


def test_a_job_runs_right_after_the_commit(django_capture_on_commit_callbacks, settings):
    settings.JOBS_RUN_AFTER_COMMIT = True  # the inline mode under test
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(record, {"n": 4})
    assert CALLS == [{"n": 4}] and Job.objects.get().state == Job.State.DONE


def test_jobs_of_a_batch_are_written_together_at_its_end_in_the_transaction():
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from honeydesk.jobs.runner import jobs_per_batch

    with CaptureQueriesContext(connection) as queries, transaction.atomic(), jobs_per_batch():
        first = enqueue(record, {"n": 1}, run_after_commit=False)
        second = enqueue(record, {"n": 2}, run_after_commit=False)
        assert Job.objects.count() == 0 and first.pk is None  # not written yet
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "jobs_job"')]
    assert len(inserts) == 1 and first.pk is not None and second.pk is not None
    assert run_pending("w") == 2 and CALLS == [{"n": 1}, {"n": 2}]


def test_a_failed_batch_writes_no_job_and_a_nested_one_writes_its_own():
    from django.db import transaction

    from honeydesk.jobs.runner import jobs_per_batch

    with pytest.raises(RuntimeError), transaction.atomic(), jobs_per_batch():
        enqueue(record, {"n": 1}, run_after_commit=False)
        raise RuntimeError("the change failed")
    assert Job.objects.count() == 0
    with transaction.atomic(), jobs_per_batch():
        enqueue(record, {"outer": 1}, run_after_commit=False)
        with jobs_per_batch():
            enqueue(record, {"inner": 1}, run_after_commit=False)
        assert list(Job.objects.values_list("payload", flat=True)) == [{"inner": 1}]
    assert Job.objects.count() == 2


def test_a_batched_job_still_runs_right_after_the_commit_when_asked(django_capture_on_commit_callbacks):
    from django.db import transaction

    from honeydesk.jobs.runner import jobs_per_batch

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic(), jobs_per_batch():
        enqueue(record, {"n": 3}, run_after_commit=True)
    assert CALLS == [{"n": 3}] and Job.objects.get().state == Job.State.DONE
