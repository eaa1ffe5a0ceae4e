from django.contrib import admin

from honeydesk.quality.models import QualitySettings, Recovery, Survey, SurveyOptOut


@admin.register(QualitySettings)
class QualitySettingsAdmin(admin.ModelAdmin[QualitySettings]):
    list_display = ["__str__", "survey_reminder_hours", "survey_days"]


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
