"""Webhook endpoints an admin registers, and the log of every delivery to them."""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

EVENTS = {
    "case.opened": "A case was opened (any channel)",
    "case.updated": "Anything was added to a case's record (replies, notes, status, owner...)",
    "customer.replied": "A customer wrote on an existing case",
    "case.resolved": "A case was resolved",
    "survey.answered": "A customer answered a satisfaction survey",
    "credit.decided": "A credit request was granted, offered or declined",
}
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def check_url(url: str) -> None:
    """HTTPS only; plain HTTP only to this machine (a receiver on 127.0.0.1 in tests or
    behind a local proxy), because the payloads name customers and their cases."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOOPBACK:
        return
    raise ValidationError("Use an https:// address (plain http only to 127.0.0.1 or localhost).")


def check_events(value: object) -> None:
    if not isinstance(value, list) or not value or not all(isinstance(e, str) and e in EVENTS for e in value):
        raise ValidationError(f"Choose one or more of: {', '.join(EVENTS)}.")


class Endpoint(models.Model):
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500, validators=[check_url], help_text="Where events are POSTed (https).")
    events = models.JSONField(default=list, validators=[check_events])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Events are sent only about cases this person may see.",
    )
    secret = models.CharField(max_length=100, default=new_secret, help_text="Signs every delivery (see README).")
    active = models.BooleanField(default=True)
    failures_in_a_row = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up after retries)"
        SKIPPED = "skipped", "Not sent"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["endpoint", "-created_at"], name="delivery_endpoint_time")]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint}"
