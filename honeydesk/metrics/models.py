"""Roll-ups: the figures the dashboards read, summed per day x rep x department x
request type x channel (and the local hour, for the measures read by hour).

`CaseFact` holds what each case contributes (one row per key and measure); `Rollup` is
their sum. A case's facts are recomputed whole when it changes and the difference is
added to the roll-up, so the roll-up always equals the sum of the facts, and the facts
equal what `definitions.facts_for` says from the record (`honeydesk rollups --rebuild`
recomputes everything). Reps, departments and request types are plain ids, not foreign
keys: a roll-up row is a number about the past and must not stop anyone being removed,
and rep 0 means "nobody" (contacts not yet anyone's) without a nullable key column.
"""

from __future__ import annotations

from django.db import models


class Cut(models.Model):
    """One measure's count and total for one cut (day, hour, rep, department, request type,
    channel): the shape of a roll-up row and of a case's contribution to it."""

    day = models.DateField()
    hour = models.PositiveSmallIntegerField(default=0)  # local hour, for hourly measures; else 0
    rep_id = models.PositiveIntegerField(default=0)
    department_id = models.PositiveIntegerField()
    request_type_id = models.PositiveIntegerField()
    channel = models.CharField(max_length=10)
    measure = models.CharField(max_length=24)
    count = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class Rollup(Cut):
    hour = models.PositiveSmallIntegerField(default=0, help_text="Local hour, for hourly measures; else 0.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "hour", "rep_id", "department_id", "request_type_id", "channel", "measure"],
                name="rollup_key",
            )
        ]
        # The dashboard reads a period of one measure set, then cuts it.
        indexes = [models.Index(fields=["day", "measure"], name="rollup_day_measure")]

    def __str__(self) -> str:
        return f"{self.day} {self.measure} {self.count}/{self.total}"


class Level(models.TextChoices):
    DAY = "d", "Day"
    WEEK = "w", "Week (from Monday)"
    MONTH = "m", "Month"


class PeriodRollup(models.Model):
    """`Rollup` summed per day, week and month, without the hour: what the dashboards
    read. A period of any length is covered by whole months or weeks plus a few days
    (`queries.cover`), so a year reads about as many rows as a fortnight. Derived from
    `Rollup` (kept with it by `rollups`, rebuilt from it by `rollups.derive`)."""

    level = models.CharField(max_length=1, choices=Level.choices)
    start = models.DateField(help_text="The day, the Monday of the week or the first of the month.")
    rep_id = models.PositiveIntegerField(default=0)
    department_id = models.PositiveIntegerField()
    request_type_id = models.PositiveIntegerField()
    channel = models.CharField(max_length=10)
    measure = models.CharField(max_length=24)
    count = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["level", "start", "rep_id", "department_id", "request_type_id", "channel", "measure"],
                name="periodrollup_key",
            )
        ]
        indexes = [models.Index(fields=["level", "start", "measure"], name="periodrollup_read")]

    def __str__(self) -> str:
        return f"{self.level}{self.start} {self.measure} {self.count}/{self.total}"


class HourRollup(models.Model):
    """The hourly measures (contacts, answered calls' wait) per weekday x local hour and
    day, week or month: the contact heatmap and the best time to call read this small
    table, never the case-level rows. Derived from `Rollup` like `PeriodRollup`."""

    level = models.CharField(max_length=1, choices=Level.choices)
    start = models.DateField()
    weekday = models.PositiveSmallIntegerField(help_text="ISO weekday, Monday 1.")
    hour = models.PositiveSmallIntegerField()
    rep_id = models.PositiveIntegerField(default=0)
    department_id = models.PositiveIntegerField()
    request_type_id = models.PositiveIntegerField()
    channel = models.CharField(max_length=10)
    measure = models.CharField(max_length=24)
    count = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "level", "start", "weekday", "hour", "rep_id", "department_id", "request_type_id", "channel",
                    "measure",
                ],
                name="hourrollup_key",
            )
        ]  # fmt: skip
        indexes = [models.Index(fields=["level", "start", "measure"], name="hourrollup_read")]

    def __str__(self) -> str:
        return f"{self.level}{self.start} {self.weekday}/{self.hour} {self.measure} {self.count}/{self.total}"


class CaseFact(Cut):
    case_id = models.PositiveBigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["case_id"], name="casefact_case")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.measure}"


class StaleCase(models.Model):
    """A case whose facts must be recomputed (written by the hook, claimed by the worker)."""

    case_id = models.PositiveBigIntegerField(primary_key=True)
    marked_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.case_id)
