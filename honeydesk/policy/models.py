"""Business calendars and service levels: rows admins edit.

A `BusinessCalendar` has a time zone, opening ranges per weekday (several a day), the
public holidays of a country (and region) from the `holidays` library (kept per year in
`HolidayYear`, see `calendars`), and the desk's own closure days. Each department uses
one calendar (`DepartmentCalendar`); a department without one uses the default calendar,
and with no calendar at all the desk keeps Monday-Friday 09:00-17:00 in settings.TIME_ZONE.

A `ServiceLevel` gives the targets for a request type and priority (blank priority: any
priority without its own row), in business hours of the case's department. The due
times they give are written on the case when its clock starts; editing a target later
never changes cases already running (see `honeydesk.policy.sla`).

`SlaEvent` records each warning and breach once per case, target and due time, so a
worker that runs twice, or two workers at once, never warn or record twice. A breach
row gets the final overrun when the target is finally met.
"""

from __future__ import annotations

import zoneinfo
from datetime import time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from honeydesk.accounts.models import Department
from honeydesk.cases.models import Case, Priority, RequestType


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a time zone name such as Europe/London or America/New_York.")


class BusinessCalendar(models.Model):
    name = models.CharField(max_length=80, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    holiday_country = models.CharField(
        max_length=3, blank=True, help_text="ISO country code whose public holidays close the desk (e.g. US, GB, DE)."
    )
    holiday_region = models.CharField(
        max_length=10, blank=True, help_text="State or region within the country (e.g. CA, ENG, BY); optional."
    )
    is_default = models.BooleanField(default=False, help_text="Used by departments that have no calendar of their own.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_calendar")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.holiday_country = self.holiday_country.strip().upper()
        self.holiday_region = self.holiday_region.strip().upper()
        if self.holiday_region and not self.holiday_country:
            raise ValidationError({"holiday_region": "Choose the country first."})
        if self.holiday_country:
            # Imported here: the library loads every country's module (about 7 MB), and only
            # this check and `calendars.fill_public_holidays` need it.
            import holidays as holidays_lib

            supported = holidays_lib.list_supported_countries()
            if self.holiday_country not in supported:
                raise ValidationError(
                    {"holiday_country": f"No public holidays are known for {self.holiday_country!r}."}
                )
            regions = supported[self.holiday_country]
            if self.holiday_region and self.holiday_region not in regions:
                raise ValidationError(
                    {"holiday_region": f"{self.holiday_country} has no region {self.holiday_region!r}."}
                )


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class OpeningHours(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField(help_text="00:00 means midnight at the end of the day.")

    class Meta:
        ordering = ["calendar", "weekday", "opens"]
        verbose_name_plural = "opening hours"

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens is not None and self.closes is not None and self.closes != time(0) and self.closes <= self.opens:
            raise ValidationError({"closes": "Closing time must be after opening time (00:00 for midnight)."})


class Closure(models.Model):
    """A day the desk is closed besides public holidays (a company day, a move)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    name = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="one_closure_per_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


class HolidayYear(models.Model):
    """The public holidays of one country (and region) in one year, as the `holidays`
    library gave them when `calendars.fill_public_holidays` last ran (on a calendar's save
    and daily in `honeydesk worker`). Every process that works out business hours reads
    these rows instead of the library, whose first use loads all 278 countries' modules
    (7 MB in each server worker, whichever country is asked; bench/worker_memory.py)."""

    country = models.CharField(max_length=3)
    region = models.CharField(max_length=10, blank=True)
    year = models.PositiveSmallIntegerField()
    # ISO date -> the holiday's name, e.g. {"2026-12-25": "Christmas Day"}.
    days = models.JSONField(default=dict)
    filled_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country", "region", "year"]
        constraints = [models.UniqueConstraint(fields=["country", "region", "year"], name="one_holiday_year")]

    def __str__(self) -> str:
        return f"{self.country}{'-' + self.region if self.region else ''} {self.year}: {len(self.days)} holidays"


class DepartmentCalendar(models.Model):
    department = models.OneToOneField(Department, on_delete=models.CASCADE, related_name="business_calendar")
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="departments")

    def __str__(self) -> str:
        return f"{self.department} uses {self.calendar}"


def _hours_field(help_text: str, default: str | None = None, blank: bool = False) -> Any:
    return models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=blank,
        blank=blank,
        default=Decimal(default) if default is not None else None,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=help_text,
    )


class ServiceLevel(models.Model):
    request_type = models.ForeignKey(RequestType, on_delete=models.CASCADE, related_name="service_levels")
    priority = models.CharField(
        max_length=8, choices=Priority.choices, blank=True, help_text="Blank: every priority without a row of its own."
    )
    first_response_hours = _hours_field("Business hours to the first answer.", "8")
    next_response_hours = _hours_field(
        "Business hours to answer each later customer message (blank: no target).", blank=True
    )
    resolution_hours = _hours_field("Business hours to resolve, paused while waiting on the customer.", "40")
    warn_before_hours = _hours_field("Warn the owner this many business hours before a target is missed.", "1")

    class Meta:
        ordering = ["request_type", "priority"]
        constraints = [models.UniqueConstraint(fields=["request_type", "priority"], name="one_level_per_priority")]

    def __str__(self) -> str:
        return f"{self.request_type} / {self.get_priority_display() or 'any priority'}"


class Target(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_RESPONSE = "next_response", "Next response"
    RESOLUTION = "resolution", "Resolution"


class SlaEvent(models.Model):
    class Kind(models.TextChoices):
        WARNING = "warning", "Warning"
        BREACH = "breach", "Breach"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sla_events")
    target = models.CharField(max_length=16, choices=Target.choices)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    due_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    # A breach only: when the target was finally met (the answer sent, the case resolved)
    # and by how much business time it was late then; empty while still unmet.
    met_at = models.DateTimeField(null=True, blank=True)
    overrun_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Business time from the due time to the moment the target was met."
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "target", "kind", "due_at"], name="sla_event_once"),
        ]
        indexes = [models.Index(fields=["kind", "target", "recorded_at"], name="sla_event_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.target} on case {self.case_id}"
