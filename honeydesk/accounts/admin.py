"""Admin pages for people and accounts: roles, departments, customer accounts, tokens,
the security policy and the audit log (read-only)."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from honeydesk.accounts import audit
from honeydesk.accounts.models import (
    ApiToken,
    AuditEvent,
    Contact,
    ContactPoint,
    CustomerAccount,
    Department,
    SecurityPolicy,
    User,
)
from honeydesk.lib import clock
from honeydesk.lib.admin import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    fieldsets = (*BaseUserAdmin.fieldsets, ("honeydesk", {"fields": ("role", "departments")}))  # type: ignore[misc]
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("honeydesk", {"fields": ("role", "departments")}))
    list_display = ("username", "first_name", "last_name", "email", "role", "is_active")
    list_filter = ("role", "is_active", "departments")
    filter_horizontal = (*BaseUserAdmin.filter_horizontal, "departments")

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm[User], change: bool) -> None:
        before = User.objects.filter(pk=obj.pk).values_list("role", flat=True).first() if change else None
        super().save_model(request, obj, form, change)
        if before != obj.role:
            audit.record(
                audit.Action.ROLE_CHANGED,
                actor=request.user,  # type: ignore[arg-type]
                target=f"user {obj.username}",
                request=request,
                data={"from": before, "to": obj.role},
            )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ("name", "slug", "email_from")
    prepopulated_fields = {"slug": ("name",)}


class ContactPointInline(admin.TabularInline[ContactPoint, Contact]):
    model = ContactPoint
    extra = 1


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin[Contact]):
    list_display = ("name", "account", "user")
    search_fields = ("name", "account__number", "points__value")
    raw_id_fields = ("account", "user")
    inlines = [ContactPointInline]


class ContactInline(admin.TabularInline[Contact, CustomerAccount]):
    model = Contact
    extra = 0
    raw_id_fields = ("user",)


@admin.register(CustomerAccount)
class CustomerAccountAdmin(admin.ModelAdmin[CustomerAccount]):
    list_display = ("number", "name", "service_area")
    search_fields = ("number", "name")
    inlines = [ContactInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    # Tokens are issued with `honeydesk createtoken`; here they can only be revoked.
    readonly_fields = ("user", "prefix", "digest", "created_at", "last_used_at")

    actions = ["revoke"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiToken, form: ModelForm[ApiToken], change: bool) -> None:
        was_revoked = ApiToken.objects.filter(pk=obj.pk).values_list("revoked", flat=True).first()
        super().save_model(request, obj, form, change)
        if obj.revoked and not was_revoked:
            _audit_revoked(request, obj)

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        tokens = list(queryset.filter(revoked=False).select_related("user"))
        ApiToken.objects.filter(pk__in=[t.pk for t in tokens]).update(revoked=True)
        for token in tokens:
            _audit_revoked(request, token)
        self.message_user(request, f"{len(tokens)} token(s) revoked.", messages.INFO)


def _audit_revoked(request: HttpRequest, token: ApiToken) -> None:
    audit.record(
        audit.Action.TOKEN_REVOKED,
        actor=request.user,  # type: ignore[arg-type]
        target=f"token {token.prefix}… of {token.user.username}",
        request=request,
    )


@admin.register(SecurityPolicy)
class SecurityPolicyAdmin(admin.ModelAdmin[SecurityPolicy]):
    """One row; every change is in the audit log (through the admin's own log)."""

    list_display = ("__str__", "second_factor_required_for", "updated_at")
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SecurityPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: SecurityPolicy, form: ModelForm[SecurityPolicy], change: bool
    ) -> None:
        obj.updated_at = clock.now()
        super().save_model(request, obj, form, change)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin[AuditEvent]):
    """The audit log, for admins: looked at, never changed."""

    list_display = ("at", "action", "actor_name", "target", "ip")
    list_filter = ("action",)
    search_fields = ("actor_name", "target", "ip")
    date_hierarchy = "at"
    show_full_result_count = False
