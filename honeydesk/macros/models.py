"""Macros: a saved reply with placeholders plus the actions it applies to a case in one
transaction (honeydesk.macros.actions). Personal (their owner's), department (that
department's staff) or shared (all staff)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from honeydesk.accounts.models import Department
from honeydesk.lib import clock


class Macro(models.Model):
    class Scope(models.TextChoices):
        PERSONAL = "personal", "Personal"
        DEPARTMENT = "department", "Department"
        SHARED = "shared", "Shared"

    class SetStatus(models.TextChoices):
        KEEP = "", "Leave as is"
        PENDING = "pending", "Waiting on the customer"
        RESOLVED = "resolved", "Resolved"

    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.PERSONAL)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="macros"
    )
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.CASCADE, related_name="macros")
    reply = models.TextField(blank=True, help_text="Put in the composer, placeholders filled in, for the rep to send.")
    set_status = models.CharField(max_length=10, choices=SetStatus.choices, blank=True, default="")
    resolution_note = models.TextField(blank=True, help_text="When the macro resolves the case (the customer sees it).")
    set_priority = models.CharField(max_length=8, blank=True, default="")
    add_tags = models.JSONField(default=list, blank=True)
    remove_tags = models.JSONField(default=list, blank=True)
    assign_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assign_to_self = models.BooleanField(default=False)
    transfer_to = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    handoff = models.TextField(blank=True, help_text="The hand-off summary of the transfer.")
    note = models.TextField(blank=True, help_text="An internal note added to the case.")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["scope", "active"], name="macro_scope")]

    def __str__(self) -> str:
        return self.name


class MacroUse(models.Model):
    """One application of a macro (usage counts for supervisors)."""

    macro = models.ForeignKey(Macro, on_delete=models.CASCADE, related_name="uses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["macro", "used_at"], name="macro_use_by_macro")]

    def __str__(self) -> str:
        return f"{self.macro_id} on {self.case_id}"
