"""Admins keep the rule list here: in the order it runs (position, then id), with the
active flag and the position editable in the list, and a dry run for each rule.
Only admins (role) see or change rules; reps' skills and availability are here too."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from honeydesk.lib import clock
from honeydesk.lib.admin import LabelledListEditable
from honeydesk.rules.actions import may_edit_rules
from honeydesk.rules.dryrun import dry_run
from honeydesk.rules.models import Availability, Firing, Rule, Skill


class AdminsOnly:
    """Rules change how every case is handled: admins only, whatever their Django rights."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_edit_rules(request.user)  # type: ignore[arg-type]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_edit_rules(request.user)  # type: ignore[arg-type]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return may_edit_rules(request.user)  # type: ignore[arg-type]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_edit_rules(request.user)  # type: ignore[arg-type]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_edit_rules(request.user)  # type: ignore[arg-type]


@admin.register(Rule)
class RuleAdmin(AdminsOnly, LabelledListEditable[Rule]):
    list_display = ("position", "name", "trigger", "summary", "active", "dry_run_link")
    list_display_links = ("name",)
    list_editable = ("position", "active")
    list_filter = ("active", "trigger")
    ordering = ("position", "id")
    actions = ["dry_run_selected"]
    readonly_fields = ("dry_run_link",)
    fieldsets = (
        (None, {"fields": ("name", "position", "active", "dry_run_link")}),
        ("When", {"fields": ("trigger", "untouched_hours", "trigger_tag")}),
        (
            "If (every condition that is set must hold)",
            {
                "fields": (
                    "channel",
                    "request_type",
                    "department",
                    "tone_at_least",
                    "words",
                    "account_service_area",
                    "account_service",
                    "business_hours",
                )
            },
        ),
        (
            "Then (in this order)",
            {
                "fields": (
                    "transfer_to",
                    "assign",
                    "use_skills",
                    "set_priority",
                    "add_tags",
                    "apply_macro",
                    "notify",
                    "escalate",
                    "escalate_reason",
                )
            },
        ),
    )

    @admin.display(description="does")
    def summary(self, rule: Rule) -> str:
        parts = [rule.get_assign_display()] if rule.assign else []
        parts += [f"priority {rule.set_priority}"] if rule.set_priority else []
        parts += [f"tags {rule.add_tags}"] if rule.add_tags else []
        parts += ["transfer"] if rule.transfer_to_id else []
        parts += ["macro"] if rule.apply_macro_id else []
        parts += [f"notify {rule.notify}"] if rule.notify else []
        parts += ["escalate"] if rule.escalate else []
        return "; ".join(parts)

    @admin.display(description="dry run")
    def dry_run_link(self, rule: Rule) -> str:
        if rule.pk is None:
            return "Save the rule first."
        return format_html('<a href="{}">What it would do</a>', reverse("admin:rules_rule_dry_run", args=[rule.pk]))

    # What the engine does now; said here rather than in the model's help_text, which
    # would need a migration for words only.
    help_texts = {
        "untouched_hours": (
            "For 'untouched': business hours since the customer or staff last did anything on the case. "
            "A rule's own changes do not count, so it fires once per quiet spell."
        ),
        "apply_macro": (
            "Its note, priority, tags, named owner and transfer are applied under the rule's name. A rule "
            "never writes to the customer: the reply is left as an internal suggestion, unsent, and waiting "
            "on the customer or resolving (each sends the customer a message) is skipped, as is 'assign to "
            "whoever applies it'."
        ),
    }

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["help_texts"] = {**self.help_texts, **kwargs.get("help_texts", {})}
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Rule, form: Any, change: bool) -> None:
        obj.updated_at = clock.now()
        super().save_model(request, obj, form, change)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:pk>/dry-run/",
                self.admin_site.admin_view(self.dry_run_view),
                name="rules_rule_dry_run",
            )
        ]
        return own + super().get_urls()

    def dry_run_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=404)
        rule = get_object_or_404(Rule.objects.select_related("transfer_to", "apply_macro"), pk=pk)
        previews = dry_run(rule)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Dry run: {rule.name}",
            "rule": rule,
            "previews": previews,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/rules/rule/dry_run.html", context)

    @admin.action(description="Dry run: what the rule would do to the last 100 matching cases")
    def dry_run_selected(self, request: HttpRequest, queryset: QuerySet[Rule]) -> HttpResponseRedirect | None:
        rule = queryset.order_by("position", "id").first()
        if rule is None:
            return None
        return HttpResponseRedirect(reverse("admin:rules_rule_dry_run", args=[rule.pk]))


@admin.register(Firing)
class FiringAdmin(AdminsOnly, admin.ModelAdmin[Firing]):
    list_display = ("fired_at", "rule", "case", "key")
    list_filter = ("rule",)
    list_select_related = ("rule", "case")
    readonly_fields = ("rule", "case", "key", "fired_at", "done")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Skill)
class SkillAdmin(AdminsOnly, admin.ModelAdmin[Skill]):
    list_display = ("user", "request_type")
    list_select_related = ("user", "request_type")
    autocomplete_fields = ()


@admin.register(Availability)
class AvailabilityAdmin(AdminsOnly, admin.ModelAdmin[Availability]):
    list_display = ("user", "away", "changed_at")
    list_filter = ("away",)
    list_select_related = ("user",)
