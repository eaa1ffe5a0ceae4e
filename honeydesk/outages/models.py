"""Outages: incidents by service and area, the customer reports they group, and the
accounts on record as affected.

An *incident* is one failure of one service in one service area. Staff report one, or
the system proposes one when enough customer reports (cases of outage-related request
types) about the same service in the same area arrive close together; supervisors
confirm or dismiss a proposal. A confirmed incident links its reports, shows a banner to
customers in the area, and records the accounts in the area that hold the service as
affected — the record the credit policy reads. On resolution every linked customer is
told on their case, once (`ResolutionNotice`).

Reports, links, affected accounts and notices are rows of this app that point at cases
and accounts; nothing here adds a column to the case layer's tables.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from honeydesk.accounts.models import CustomerAccount
from honeydesk.cases.models import Case, RequestType, TimelineEntry


class DetectionSettings(models.Model):
    """How the system spots an outage: N reports within T minutes about one service in
    one area (one row, edited in the admin)."""

    reports_needed = models.PositiveIntegerField(
        default=3,
        validators=[MinValueValidator(2)],
        help_text="N: how many customer reports about one service in one area propose an incident.",
    )
    window_minutes = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(1)],
        help_text="T: the reports must all arrive within this many minutes.",
    )
    request_types = models.ManyToManyField(
        RequestType,
        blank=True,
        related_name="+",
        help_text="Request types whose cases count as outage reports (from any channel).",
    )
    services = models.JSONField(
        default=list,
        blank=True,
        help_text='Service families incidents are about, e.g. ["Internet", "TV", "Home Phone"]. An account '
        'service "Internet 300" belongs to the family "Internet".',
    )

    class Meta:
        verbose_name = "outage detection settings"
        verbose_name_plural = "outage detection settings"

    def __str__(self) -> str:
        return f"{self.reports_needed} reports within {self.window_minutes} minutes"


class Incident(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        CONFIRMED = "confirmed", "Confirmed"
        DISMISSED = "dismissed", "Dismissed"
        RESOLVED = "resolved", "Resolved"

    OPEN_STATUSES = (Status.PROPOSED, Status.CONFIRMED)
    # Incidents that happened: the credit policy and the banner read only these.
    REAL_STATUSES = (Status.CONFIRMED, Status.RESOLVED)

    title = models.CharField(max_length=200)
    service = models.CharField(max_length=80)
    area = models.CharField(max_length=80, help_text="A customer account's service area, as written there.")
    status = models.CharField(max_length=10, choices=Status.choices)
    summary = models.TextField(blank=True, help_text="What customers are told (the banner and their cases).")
    started_at = models.DateTimeField(help_text="When the service failed (as far as we know).")
    reported_at = models.DateTimeField(help_text="When we knew: reported by staff, or proposed by the system.")
    next_update_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the system proposed it.",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dismiss_reason = models.TextField(blank=True, help_text="Internal: why it was not an outage.")
    resolved_at = models.DateTimeField(null=True, blank=True, help_text="When the service was back.")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-reported_at", "-id"]
        constraints = [
            # One open incident per service and area: new reports have one place to go.
            models.UniqueConstraint(
                fields=["area", "service"],
                condition=Q(status__in=["proposed", "confirmed"]),
                name="incident_one_open_per_area_service",
            ),
        ]
        indexes = [models.Index(fields=["status", "area", "service"], name="incident_status_area")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class IncidentUpdate(models.Model):
    """A public update on an incident (the banner shows the latest)."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="updates")
    body = models.TextField()
    next_update_at = models.DateTimeField(null=True, blank=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField()

    class Meta:
        ordering = ["posted_at", "id"]

    def __str__(self) -> str:
        return f"Update on incident {self.incident_id}"


class OutageReport(models.Model):
    """A case that reports (or was linked to) an outage: its area and service, and the
    incident it belongs to once it has one."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="+")
    area = models.CharField(max_length=80)
    service = models.CharField(max_length=80, blank=True, help_text="Empty when it could not be told.")
    reported_at = models.DateTimeField()
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="reports")
    linked_at = models.DateTimeField(null=True, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when linked automatically.",
    )

    class Meta:
        ordering = ["reported_at", "id"]
        indexes = [models.Index(fields=["area", "service", "reported_at"], name="report_area_service_time")]

    def __str__(self) -> str:
        return f"Report on case {self.case_id}"


class AffectedAccount(models.Model):
    """An account in the incident's area, holding its service, while it lasted."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="affected")
    account = models.ForeignKey(CustomerAccount, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "account"], name="affected_once")]
        indexes = [models.Index(fields=["account", "incident"], name="affected_account")]

    def __str__(self) -> str:
        return f"Account {self.account_id} in incident {self.incident_id}"


class ResolutionNotice(models.Model):
    """The customer on `case` was told that `incident` is fixed: written with the entry
    that tells them, so a job that runs twice tells nobody twice."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="notices")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(TimelineEntry, on_delete=models.PROTECT, related_name="+")
    told_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "case"], name="resolution_told_once")]

    def __str__(self) -> str:
        return f"Case {self.case_id} told of incident {self.incident_id}"
