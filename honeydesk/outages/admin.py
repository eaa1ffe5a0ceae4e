"""Admin: the detection settings (N reports within T minutes, which request types are
outage reports, the service families) are edited here; incidents are worked in the
workspace (`/desk/incidents/`), so the admin only shows them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from honeydesk.lib.admin import ReadOnlyAdmin
from honeydesk.outages.models import DetectionSettings, Incident


@admin.register(DetectionSettings)
class DetectionSettingsAdmin(admin.ModelAdmin[DetectionSettings]):
    list_display = ("__str__",)
    filter_horizontal = ("request_types",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One row: `honeydesk migrate` creates it.
        return not DetectionSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin[Incident]):
    list_display = ("id", "title", "service", "area", "status", "reported_at", "resolved_at")
    list_filter = ("status", "area", "service")
