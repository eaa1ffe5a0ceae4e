"""Admin pages: request types are edited here; cases only looked at.

Cases change only through the workflow actions (which write the timeline), so the admin
shows them read-only, and timeline entries, append-only, are not in the admin at all.
"""

from django.contrib import admin

from honeydesk.cases.models import Case, CaseField, RequestType
from honeydesk.cases.needs_form import RequestTypeForm
from honeydesk.lib.admin import ReadOnlyAdmin


@admin.register(RequestType)
class RequestTypeAdmin(admin.ModelAdmin[RequestType]):
    form = RequestTypeForm
    list_display = (
        "name",
        "department",
        "best_channel",
        "intake_category",
        "active",
    )
    list_filter = ("department", "best_channel", "active")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin[Case]):
    list_display = ("ref", "subject", "status", "department", "owner", "updated_at")
    list_filter = ("status", "department", "escalated")
    search_fields = ("subject", "account__number")
    list_select_related = ("department", "owner")
    show_full_result_count = False


@admin.register(CaseField)
class CaseFieldAdmin(admin.ModelAdmin[CaseField]):
    """Custom case fields per request type (issue 17). Values live on the cases; a field
    no longer wanted is made inactive, so the values already recorded stay readable."""

    list_display = ("label", "key", "kind", "required_at_resolution", "position", "active")
    list_filter = ("kind", "required_at_resolution", "active", "request_types")
    filter_horizontal = ("request_types",)
