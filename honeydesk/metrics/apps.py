from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "honeydesk.metrics"
    label = "metrics"
    verbose_name = "Metrics and roll-ups"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from honeydesk.cases import hooks, notify
        from honeydesk.channels.phone.models import CallEvent
        from honeydesk.jobs import schedule
        from honeydesk.metrics import besttime, rollups

        # Every change to a case passes through the entries hook (openings included):
        # the case, and the earlier cases whose first-contact verdict it may change, are
        # marked stale; the worker folds them into the roll-ups.
        hooks.on_entries("metrics.rollups")(rollups.entries_added)
        # Call events that come after the call-log entry (wrap-up ended) put no entry on
        # the case; their own row marks it.
        post_save.connect(rollups.call_event_saved, sender=CallEvent, dispatch_uid="metrics-call-event")
        schedule.every("metrics-rollups", 30)(rollups.periodic_refresh)
        # Acknowledgements of phone-suited requests say when calls are answered fastest.
        notify.ACKNOWLEDGEMENT_EXTRAS["best_time"] = besttime.acknowledgement_context
