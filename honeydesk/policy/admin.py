"""Admins edit calendars (opening hours, closures, which departments use them) and
service levels here."""

from __future__ import annotations

from django.contrib import admin

from honeydesk.policy.models import (
    BusinessCalendar,
    Closure,
    DepartmentCalendar,
    HolidayYear,
    OpeningHours,
    ServiceLevel,
)


class OpeningHoursInline(admin.TabularInline[OpeningHours, BusinessCalendar]):
    model = OpeningHours
    extra = 1


class ClosureInline(admin.TabularInline[Closure, BusinessCalendar]):
    model = Closure
    extra = 1


class DepartmentCalendarInline(admin.TabularInline[DepartmentCalendar, BusinessCalendar]):
    model = DepartmentCalendar
    extra = 1
    verbose_name = "department using this calendar"
    verbose_name_plural = "departments using this calendar"


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin[BusinessCalendar]):
    list_display = ("name", "time_zone", "holiday_country", "holiday_region", "is_default")
    inlines = [OpeningHoursInline, ClosureInline, DepartmentCalendarInline]


@admin.register(ServiceLevel)
class ServiceLevelAdmin(admin.ModelAdmin[ServiceLevel]):
    list_display = (
        "request_type",
        "priority",
        "first_response_hours",
        "next_response_hours",
        "resolution_hours",
        "warn_before_hours",
    )
    list_filter = ("request_type__department", "priority")


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin[HolidayYear]):
    """The public holidays the calendars use, as filled from the `holidays` library: shown so
    an admin can see which days close the desk; a closure of the desk's own is a `Closure`."""

    list_display = ("country", "region", "year", "holiday_list", "filled_at")
    list_filter = ("country", "year")
    readonly_fields = ("country", "region", "year", "days", "filled_at")

    @admin.display(description="holidays")
    def holiday_list(self, row: HolidayYear) -> str:
        return "; ".join(f"{day}: {name}" for day, name in sorted(row.days.items()))

    def has_add_permission(self, request: object) -> bool:
        return False
