"""Call events and call-backs in the admin: read-only records (the CTI and the
workspace write them), searchable by number and call id."""

from __future__ import annotations

from django.contrib import admin

from honeydesk.channels.phone.models import CallbackTask, CallEvent
from honeydesk.lib.admin import ReadOnlyAdmin


@admin.register(CallEvent)
class CallEventAdmin(ReadOnlyAdmin[CallEvent]):
    list_display = ("call_id", "event", "caller_e164", "queue", "agent_username", "occurred_at", "case")
    list_filter = ("event",)
    search_fields = ("call_id", "caller_e164", "agent_username")
    date_hierarchy = "occurred_at"


@admin.register(CallbackTask)
class CallbackTaskAdmin(ReadOnlyAdmin[CallbackTask]):
    list_display = ("id", "phone", "department", "reason", "due_at", "owner", "promise_state", "outcome", "done_at")
    list_filter = ("reason", "promise_state", "outcome", "department")
    search_fields = ("phone",)
