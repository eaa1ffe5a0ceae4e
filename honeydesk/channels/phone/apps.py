from django.apps import AppConfig


class PhoneChannelConfig(AppConfig):
    name = "honeydesk.channels.phone"
    label = "phone_channel"
    verbose_name = "Phone channel (CTI)"

    def ready(self) -> None:
        from honeydesk.cases import hooks
        from honeydesk.channels.phone import callbacks
        from honeydesk.jobs import schedule

        hooks.on_entries("phone.callbacks")(callbacks.entries_added)
        schedule.every("call-back-reminders", 60)(callbacks.periodic_scan)
