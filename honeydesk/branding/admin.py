from django import forms
from django.contrib import admin
from django.http import HttpRequest

from honeydesk.branding.models import Brand


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin[Brand]):
    """One brand: it can be changed, not added twice or deleted."""

    list_display = ["name", "colour", "updated_at"]
    fields = ["name", "colour", "logo"]

    def get_form(self, request: HttpRequest, obj: Brand | None = None, change: bool = False, **kwargs: object) -> type:
        form = super().get_form(request, obj, change=change, **kwargs)
        # The browser's colour picker; it sends "#rrggbb" like the field expects.
        form.base_fields["colour"].widget = forms.TextInput(attrs={"type": "color"})
        return form

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not Brand.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Brand | None = None) -> bool:
        return False
