from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "honeydesk.policy"
    label = "policy"
    verbose_name = "Business calendars and service levels"

    def ready(self) -> None:
        from honeydesk.cases import hooks
        from honeydesk.jobs import schedule
        from honeydesk.policy import sla

        hooks.on_entries("policy.sla")(sla.entries_added)
        schedule.every("service-levels", 60)(sla.periodic_scan)
