from django.contrib import admin, messages

from honeydesk.channels.email.models import Mailbox, Message, Quarantine


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin[Message]):
    list_display = ["id", "direction", "state", "sender", "subject", "case", "auto_reason", "source", "created_at"]
    list_filter = ["direction", "state", "source"]
    search_fields = ["message_id", "sender", "subject"]
    exclude = ["raw"]
    readonly_fields = [f.name for f in Message._meta.fields if f.name != "raw"]
    list_select_related = ["case"]


@admin.register(Quarantine)
class QuarantineAdmin(admin.ModelAdmin[Quarantine]):
    list_display = ["id", "created_at", "sender", "subject", "reason", "source", "retries", "resolved"]
    list_filter = ["resolved", "source"]
    search_fields = ["sender", "subject", "reason"]
    exclude = ["raw"]
    readonly_fields = [f.name for f in Quarantine._meta.fields if f.name != "raw"]
    actions = ["retry"]

    @admin.action(description="Retry the selected messages")
    def retry(self, request, queryset):  # type: ignore[no-untyped-def]
        from honeydesk.channels.email.inbound import retry_quarantined

        outcomes: dict[str, int] = {}
        for row in queryset.filter(resolved=False):
            status = retry_quarantined(row).status
            outcomes[status] = outcomes.get(status, 0) + 1
        summary = ", ".join(f"{n} {status}" for status, n in outcomes.items()) or "nothing to retry"
        self.message_user(request, f"Retried: {summary}.", messages.INFO)


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin[Mailbox]):
    list_display = ["name", "host", "port", "username", "folder", "department", "active", "last_polled_at"]
    list_filter = ["active"]
    readonly_fields = ["last_polled_at", "last_error"]
