from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class WebhooksConfig(AppConfig):
    name = "honeydesk.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from honeydesk.cases import hooks
        from honeydesk.webhooks import events
        from honeydesk.webhooks.models import Endpoint

        hooks.on_entries("webhooks")(events.entries_added)
        for signal in (post_save, post_delete):
            signal.connect(events.active_endpoints.forget, sender=Endpoint, dispatch_uid=f"webhooks-{signal}")
