"""Admin: the written credit policy is edited here — its rules, in order, and each
role's authority limits. Every save records a new policy version when anything changed
(`policy.record_version`); decisions keep the version they were taken under. Versions,
requests and the ledger are shown, never edited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.forms import BaseInlineFormSet
from django.http import HttpRequest

from honeydesk.credits.models import (
    AuthorityLimit,
    CreditPolicy,
    CreditRequest,
    LedgerEntry,
    PolicyRule,
    PolicyVersion,
)
from honeydesk.credits.policy import record_version
from honeydesk.lib.admin import ReadOnlyAdmin
from honeydesk.lib.errors import InvalidTransition


class RuleInline(admin.StackedInline[PolicyRule, CreditPolicy]):
    model = PolicyRule
    extra = 0
    fields = (("position", "condition", "outcome", "cap"), "plain_words", "what_would_change")


class LimitInline(admin.TabularInline[AuthorityLimit, CreditPolicy]):
    model = AuthorityLimit
    extra = 0


@admin.register(CreditPolicy)
class CreditPolicyAdmin(admin.ModelAdmin[CreditPolicy]):
    list_display = ("name", "currency", "repeat_window_days", "max_amount", "version_in_force")
    inlines = [RuleInline, LimitInline]

    @admin.display(description="Version in force")
    def version_in_force(self, obj: CreditPolicy) -> str:
        latest = obj.versions.order_by("-number").first()
        return f"v{latest.number}" if latest else "none yet"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not CreditPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_related(
        self, request: HttpRequest, form: Any, formsets: list[BaseInlineFormSet[Any, Any, Any]], change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        try:
            version = record_version(form.instance, acting_user=request.user)  # type: ignore[arg-type]
        except InvalidTransition as exc:
            messages.warning(
                request, f"Saved, but no version recorded: {exc.message} The previous version stays in force."
            )
        else:
            messages.info(request, f"Version {version.number} of the policy is in force.")


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin[PolicyVersion]):
    list_display = ("policy", "number", "created_at", "created_by")


@admin.register(CreditRequest)
class CreditRequestAdmin(ReadOnlyAdmin[CreditRequest]):
    list_display = ("id", "case", "amount", "currency", "status", "created_at")
    list_filter = ("status",)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin[LedgerEntry]):
    list_display = ("granted_at", "account", "case", "amount", "currency", "approver")
    list_select_related = ("account", "case", "approver")
