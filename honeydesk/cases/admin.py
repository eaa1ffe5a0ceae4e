"""Admin pages: request types are edited here; cases only looked at.

Cases change only through the workflow actions (which write the timeline), so the admin
shows them read-only, and timeline entries, append-only, are not in the admin at all.
"""

from django.contrib import admin

from honeydesk.cases.models import Case, RequestType
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
