from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "honeydesk.quality"
    label = "quality"
    verbose_name = "Quality: surveys, recovery, monitoring"

    def ready(self) -> None:
        from honeydesk.cases import hooks
        from honeydesk.jobs import schedule
        from honeydesk.quality import listeners, metrics, monitoring, recovery, scoring, surveys

        hooks.on_entries("quality")(listeners.entries_added)
        metrics.register()  # satisfaction, survey response, recovery on the metrics dashboards
        schedule.every("survey-reminders", 300)(surveys.periodic_reminders)
        schedule.every("recovery-overdue", 300)(recovery.periodic_overdue)
        schedule.every("reply-scores", 60)(scoring.periodic_scan)
        schedule.every("monitoring-samples", 3600)(monitoring.periodic_draw)
