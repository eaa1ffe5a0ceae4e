"""Admin pages for people and accounts: roles, departments, customer accounts, tokens."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from honeydesk.accounts.models import ApiToken, Contact, ContactPoint, CustomerAccount, Department, User


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    fieldsets = (*BaseUserAdmin.fieldsets, ("honeydesk", {"fields": ("role", "departments")}))  # type: ignore[misc]
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("honeydesk", {"fields": ("role", "departments")}))
    list_display = ("username", "first_name", "last_name", "email", "role", "is_active")
    list_filter = ("role", "is_active", "departments")
    filter_horizontal = (*BaseUserAdmin.filter_horizontal, "departments")


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

    def has_add_permission(self, request: object) -> bool:
        return False
