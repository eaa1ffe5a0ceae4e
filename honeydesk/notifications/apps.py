from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "honeydesk.notifications"
    label = "notifications"
    verbose_name = "Staff notifications"

    def ready(self) -> None:
        from honeydesk.cases import hooks
        from honeydesk.notifications import listeners

        hooks.on_entries("notifications")(listeners.entries_added)
