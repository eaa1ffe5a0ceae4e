from django.apps import AppConfig


class OutagesConfig(AppConfig):
    name = "honeydesk.outages"
    label = "outages"
    verbose_name = "Outages"

    def ready(self) -> None:
        from honeydesk.cases.signals import case_opened
        from honeydesk.jobs import schedule
        from honeydesk.outages import notices, reports

        case_opened.connect(reports.on_case_opened, dispatch_uid="outages-case-opened")
        reports.connect_cache()
        schedule.every("outage-resolution-notices", 300)(notices.periodic_sweep)
