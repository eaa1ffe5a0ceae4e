"""Notifications in the admin: read-only (the app writes them; people mark them read)."""

from __future__ import annotations

from django.contrib import admin

from honeydesk.lib.admin import ReadOnlyAdmin
from honeydesk.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin[Notification]):
    list_display = ("id", "user", "kind", "title", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("title", "user__username")
