from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "honeydesk.policy"
    label = "policy"
    verbose_name = "Business calendars and service levels"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from honeydesk.cases import hooks
        from honeydesk.jobs import schedule
        from honeydesk.policy import calendars, sla
        from honeydesk.policy.models import (
            BusinessCalendar,
            Closure,
            DepartmentCalendar,
            HolidayYear,
            OpeningHours,
            ServiceLevel,
        )

        # Calendars and service levels are kept in the process; a saved row drops them.
        for model in (BusinessCalendar, OpeningHours, Closure, DepartmentCalendar, HolidayYear):
            for signal in (post_save, post_delete):
                signal.connect(calendars.known_hours.forget, sender=model, dispatch_uid=f"hours-{model.__name__}")
        for signal in (post_save, post_delete):
            signal.connect(sla.known_levels.forget, sender=ServiceLevel, dispatch_uid="service-levels")

        # A calendar's public holidays are written as rows when it is saved and daily.
        post_save.connect(calendars.calendar_saved, sender=BusinessCalendar, dispatch_uid="holiday-years")
        schedule.every("public-holidays", 24 * 3600)(calendars.periodic_fill)
        hooks.on_opening("policy.sla")(sla.opening)
        hooks.on_entries("policy.sla")(sla.entries_added)
        schedule.every("service-levels", 60)(sla.periodic_scan)
