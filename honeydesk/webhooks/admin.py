"""Admins register endpoints, choose their events, read the delivery log, send a test."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from honeydesk.jobs.runner import enqueue
from honeydesk.lib.admin import ReadOnlyAdmin
from honeydesk.webhooks import events
from honeydesk.webhooks.models import EVENTS, Delivery, Endpoint, check_url


class EndpointForm(forms.ModelForm[Endpoint]):
    url = forms.URLField(assume_scheme="https", max_length=500, validators=[check_url], label="URL")
    events = forms.MultipleChoiceField(
        choices=list(EVENTS.items()), widget=forms.CheckboxSelectMultiple, help_text="What this endpoint receives."
    )

    class Meta:
        model = Endpoint
        fields = ["name", "url", "events", "owner", "active"]


class RecentDeliveries(admin.TabularInline[Delivery, Endpoint]):
    model = Delivery
    fields = ("created_at", "event", "status", "attempts", "status_code", "response_ms", "error")
    readonly_fields = fields
    ordering = ("-created_at", "-id")
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = "Recent deliveries (the full log: Webhooks → Deliveries)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        return super().get_queryset(request).order_by("-created_at", "-id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin[Endpoint]):
    form = EndpointForm
    list_display = ("name", "url", "active", "failures_in_a_row", "disabled_reason")
    list_filter = ("active",)
    readonly_fields = ("secret", "failures_in_a_row", "disabled_at", "disabled_reason")
    inlines = [RecentDeliveries]
    actions = ["send_test_event"]

    def save_model(self, request: HttpRequest, obj: Endpoint, form: Any, change: bool) -> None:
        if change and "active" in form.changed_data and obj.active:
            # Ticked Active again after it was disabled: start counting failures afresh.
            obj.failures_in_a_row, obj.disabled_at, obj.disabled_reason = 0, None, ""
        super().save_model(request, obj, form, change)

    @admin.action(description="Send a test event (ping)")
    def send_test_event(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        sent = 0
        for endpoint in queryset.filter(active=True):
            delivery = events.new_ping(endpoint)
            enqueue("honeydesk.webhooks.send.deliver", {"delivery_id": delivery.pk}, max_attempts=events.ATTEMPTS + 2)
            sent += 1
        messages.info(request, f"Test event queued for {sent} active endpoint(s); see their deliveries.")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin[Delivery]):
    list_display = ("created_at", "endpoint", "event", "status", "attempts", "status_code", "response_ms", "error")
    list_filter = ("status", "event", "endpoint")
    list_select_related = ("endpoint",)
    show_full_result_count = False
