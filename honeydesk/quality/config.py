"""The admin's quality settings (one row; the defaults until the admin saves one)."""

from __future__ import annotations

from datetime import timedelta

from honeydesk.quality.models import QualitySettings


def current() -> QualitySettings:
    """The saved row, else an unsaved one holding the defaults (reading writes nothing)."""
    return QualitySettings.objects.order_by("id").first() or QualitySettings()


def survey_lifetime() -> timedelta:
    return timedelta(days=current().survey_days)
