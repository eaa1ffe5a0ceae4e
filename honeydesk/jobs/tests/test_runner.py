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
