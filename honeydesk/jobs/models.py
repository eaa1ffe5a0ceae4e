"""Job rows: background work that must survive a crash.

A job is a row naming a function (dotted path) and its JSON arguments. It is written in
the same transaction as the change that needs it, so either both exist or neither does.
Workers claim jobs atomically (see `runner.claim`); a claim is a lease: a worker that
dies holding a job loses it when the lease runs out and another worker runs it again.
Jobs therefore run *at least once* and their functions must be idempotent.
"""

from __future__ import annotations

from django.db import models


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    func = models.CharField(max_length=200, help_text="Dotted path of the function to call.")
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    run_after = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=8)
    locked_by = models.CharField(max_length=100, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["state", "run_after"], name="job_due"),
            models.Index(fields=["state", "locked_until"], name="job_lease"),
        ]

    def __str__(self) -> str:
        return f"{self.func} #{self.pk} ({self.state})"
