from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from honeydesk.accounts.models import Role, User
from honeydesk.lib.admin import LabelledListEditable
from honeydesk.quality.models import (
    Criterion,
    QualitySettings,
    Recovery,
    Review,
    Sample,
    ScorecardVersion,
    Survey,
    SurveyOptOut,
)


@admin.register(QualitySettings)
class QualitySettingsAdmin(admin.ModelAdmin[QualitySettings]):
    list_display = ["__str__", "survey_reminder_hours", "survey_days", "monitoring_sample_size"]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin[Survey]):
    """Read only: answers are the customer's, written by the survey actions."""

    list_display = ["id", "case", "created_at", "answered_at", "rating", "solved"]
    list_filter = ["solved", "rating"]
    readonly_fields = [f.name for f in Survey._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(Recovery)
class RecoveryAdmin(admin.ModelAdmin[Recovery]):
    list_display = ["id", "case", "due_at", "closed_at", "outcome"]
    readonly_fields = [f.name for f in Recovery._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(SurveyOptOut)
class SurveyOptOutAdmin(admin.ModelAdmin[SurveyOptOut]):
    list_display = ["contact", "via", "created_at"]


@admin.register(Criterion)
class CriterionAdmin(LabelledListEditable[Criterion]):
    """The scorecard's criteria. Editing them changes new reviews only: each review keeps
    the scorecard version it was scored on."""

    list_display = ["name", "weight", "active", "position"]
    list_editable = ["weight", "active", "position"]


@admin.register(ScorecardVersion)
class ScorecardVersionAdmin(admin.ModelAdmin[ScorecardVersion]):
    list_display = ["number", "created_at"]
    readonly_fields = [f.name for f in ScorecardVersion._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(Sample)
class SampleAdmin(admin.ModelAdmin[Sample]):
    """Read only but for the reviewer: drawn by the weekly task or a supervisor, with its
    seed on record. An admin may hand a sample to another active supervisor (say, when
    the one assigned has left); the draw itself never changes."""

    list_display = ["id", "rep", "week_start", "size", "drawn_at", "drawn_by", "reviewer"]
    list_filter = ["week_start"]
    readonly_fields = [f.name for f in Sample._meta.fields if f.name != "reviewer"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "reviewer":
            kwargs["queryset"] = User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("first_name", "id")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin[Review]):
    list_display = ["id", "rep", "week_start", "reviewer", "total", "state"]
    list_filter = ["state", "week_start"]
    readonly_fields = [f.name for f in Review._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
