"""The e-mail channel's records: every message in and out, the quarantine, the mailboxes.

`Message` keeps the raw bytes of every message we received or sent, so the record is
complete even when parsing improves later. Its `dedupe_key` is unique: the Message-ID
when there is one, otherwise a hash of the content, so the same message delivered twice
(two mailboxes, a re-poll after a crash, a forwarding service retrying) is stored once.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.db import models

from honeydesk.accounts.models import Department
from honeydesk.cases.models import Case, RequestType, TimelineEntry


class Message(models.Model):
    class Direction(models.TextChoices):
        IN = "in", "Received"
        OUT = "out", "Sent"

    class State(models.TextChoices):
        STORED = "stored", "Stored on a case"
        NOISE = "noise", "Recorded only (auto-reply, bounce, bulk, own address)"
        QUEUED = "queued", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Sending failed"

    direction = models.CharField(max_length=3, choices=Direction.choices)
    state = models.CharField(max_length=8, choices=State.choices)
    dedupe_key = models.CharField(max_length=255, unique=True)
    message_id = models.CharField(max_length=255, blank=True, db_index=True, help_text="Normalised, no <>.")
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True, help_text="Normalised Message-IDs, space-separated.")
    # Lookups by sender and by case are served by the composite indexes below (one index
    # fewer to write per message each; migration 0002).
    sender = models.CharField(max_length=254, blank=True)
    recipients = models.TextField(blank=True, help_text="Addresses, space-separated, lower-case.")
    subject = models.CharField(max_length=255, blank=True)
    auto_reason = models.CharField(max_length=60, blank=True, help_text="Why it counts as automatic, if it does.")
    source = models.CharField(max_length=80, blank=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="email_messages", db_index=False
    )
    entry = models.ForeignKey(TimelineEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    raw = models.BinaryField(blank=True)
    size = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict, blank=True, help_text="Outbound: template and context; notes.")
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["case", "direction", "id"], name="emailmsg_case"),
            models.Index(fields=["sender", "direction", "created_at"], name="emailmsg_sender_rate"),
        ]
        permissions = [("post_inbound", "Can post inbound e-mail through the API")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.message_id or self.dedupe_key}"


class Quarantine(models.Model):
    """A message that could not be processed, kept with the reason, retryable by admins;
    or (kind HELD) one that failed the sender checks (authenticity.py), waiting for staff
    to confirm it before it joins a customer's case."""

    class Kind(models.TextChoices):
        ERROR = "error", "Could not be processed"
        HELD = "held", "Held: the sender could not be verified"

    raw = models.BinaryField()
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.ERROR)
    verdict = models.JSONField(default=dict, blank=True, help_text="SPF/DKIM/DMARC findings of a held message.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    released = models.BooleanField(default=False, help_text="Staff confirmed the sender and let it through.")
    dedupe_key = models.CharField(max_length=255, db_index=True)
    reason = models.TextField()
    source = models.CharField(max_length=80, blank=True)
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    retried_at = models.DateTimeField(null=True, blank=True)
    retries = models.PositiveIntegerField(default=0)
    resolved = models.BooleanField(default=False)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "quarantine"
        indexes = [models.Index(fields=["kind", "resolved", "-id"], name="quarantine_kind_open")]

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'}: {self.reason[:60]}"


class Mailbox(models.Model):
    """An IMAP mailbox the worker polls. The password comes from the field or, better,
    from the environment variable named in `password_env`."""

    name = models.CharField(max_length=80, unique=True)
    host = models.CharField(max_length=200)
    port = models.PositiveIntegerField(default=993)
    use_ssl = models.BooleanField(default=True)
    username = models.CharField(max_length=200)
    password = models.CharField(max_length=200, blank=True)
    password_env = models.CharField(max_length=100, blank=True, help_text="Environment variable holding the password.")
    folder = models.CharField(max_length=200, default="INBOX")
    processed_folder = models.CharField(
        max_length=200, blank=True, help_text="Move stored messages here (blank: only flag them \\Seen)."
    )
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    request_type = models.ForeignKey(
        RequestType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Request type of new cases from this mailbox.",
    )
    active = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return self.name

    def get_password(self) -> str:
        if self.password_env:
            return os.environ.get(self.password_env, "")
        return self.password
