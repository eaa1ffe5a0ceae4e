"""What the telephony system told us, and the call-backs we owe.

A `CallEvent` is one event of one call as the CTI reported it. `(call_id, event)` is the
idempotency key: the same event delivered twice is stored once, and the second delivery
gets the first one's answer.

A `CallbackTask` is a promise to call a customer back (PRODUCT.md practice 7): it has a
due time, an owner who is reminded, and an outcome. Missed and abandoned calls create
them for the department that the call was meant for.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from honeydesk.accounts.models import Contact, Department


class CallEventKind(models.TextChoices):
    RINGING = "ringing", "Ringing"
    ANSWERED = "answered", "Answered"
    ENDED = "ended", "Ended"
    MISSED = "missed", "Missed"
    ABANDONED = "abandoned", "Abandoned"
    # The rep's after-call work (wrap-up) on an answered call ended: the call's handle
    # time is its talk plus this wrap-up (honeydesk.metrics.definitions).
    WRAPUP_ENDED = "wrapup_ended", "Wrap-up ended"


class CallbackReason(models.TextChoices):
    MISSED = "missed", "Missed call"
    ABANDONED = "abandoned", "Caller hung up waiting"
    PROMISED = "promised", "Promised by an agent"
    REQUESTED = "requested", "Asked for by the customer"


class CallbackOutcome(models.TextChoices):
    REACHED = "reached", "Reached the customer"
    VOICEMAIL = "voicemail", "Left a voicemail"
    NO_ANSWER = "no_answer", "No answer"
    NOT_NEEDED = "not_needed", "Not needed any more"
    CALLED = "called", "Call logged on the case"
    REPLIED = "replied", "Answered in writing"


class PromiseState(models.TextChoices):
    OPEN = "open", "Open"
    KEPT = "kept", "Kept"
    BROKEN = "broken", "Broken"
    RELEASED = "released", "Not needed"


class CallbackTask(models.Model):
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="callback_tasks")
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="callback_tasks"
    )
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    phone = models.CharField(max_length=32, help_text="The number to call, in E.164.")
    reason = models.CharField(max_length=10, choices=CallbackReason.choices)
    attempts = models.PositiveIntegerField(
        default=1, help_text="Missed or abandoned calls from this number folded into this task."
    )
    due_at = models.DateTimeField()
    created_at = models.DateTimeField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="callback_tasks"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=CallbackOutcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    # The promise: who made it and what became of it (kept: contact before the due time;
    # broken: not, with the reason). A broken promise still has a call to make: the task
    # stays to do until the call is recorded.
    promised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    about = models.TextField(blank=True, help_text="What the call is about.")
    promise_state = models.CharField(max_length=8, choices=PromiseState.choices, default=PromiseState.OPEN)
    settled_at = models.DateTimeField(null=True, blank=True)
    broken_reason = models.TextField(blank=True)
    kept_by = models.ForeignKey(
        "cases.TimelineEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The call log or reply that kept the promise.",
    )
    # Claimed once each by the worker's scan: a reminder before the due time, the overdue notice.
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done_at__isnull=True, outcome="") | (Q(done_at__isnull=False) & ~Q(outcome="")),
                name="callback_done_has_outcome",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "done_at", "due_at"], name="callback_dept_queue"),
            models.Index(fields=["done_at", "due_at"], name="callback_due"),
            models.Index(fields=["phone", "done_at"], name="callback_phone_open"),
            models.Index(fields=["promise_state", "due_at"], name="callback_promise_due"),
            models.Index(fields=["owner", "done_at", "due_at"], name="callback_owner_queue"),
            models.Index(fields=["case", "done_at"], name="callback_case_open"),
        ]

    def __str__(self) -> str:
        return f"call-back {self.pk} {self.phone}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def kept(self) -> bool | None:
        """Was the promise kept? None while it is open (or released as not needed)."""
        if self.promise_state == PromiseState.KEPT:
            return True
        if self.promise_state == PromiseState.BROKEN:
            return False
        return None


class CallEvent(models.Model):
    call_id = models.CharField(max_length=100, help_text="The telephony system's identifier of the call.")
    event = models.CharField(max_length=16, choices=CallEventKind.choices)
    caller_raw = models.CharField(max_length=64, blank=True, help_text="The number as the CTI sent it.")
    caller_e164 = models.CharField(max_length=32, blank=True, help_text="Empty when the number was withheld.")
    queue = models.CharField(max_length=80, blank=True)
    agent_username = models.CharField(max_length=150, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The staff member the agent username matched, if any.",
    )
    wait_seconds = models.PositiveIntegerField(null=True, blank=True)
    talk_seconds = models.PositiveIntegerField(null=True, blank=True)
    wrapup_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="After-call work, as the CTI reported it with wrapup_ended (else from the ended event's time).",
    )
    recording_url = models.URLField(max_length=500, blank=True)
    occurred_at = models.DateTimeField(help_text="When it happened, as the CTI said (or when we received it).")
    received_at = models.DateTimeField()
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey("cases.TimelineEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    callback = models.ForeignKey(
        CallbackTask, null=True, blank=True, on_delete=models.PROTECT, related_name="call_events"
    )

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [models.UniqueConstraint(fields=["call_id", "event"], name="callevent_idempotency_key")]
        indexes = [models.Index(fields=["caller_e164", "-received_at"], name="callevent_caller")]

    def __str__(self) -> str:
        return f"{self.call_id}:{self.event}"
