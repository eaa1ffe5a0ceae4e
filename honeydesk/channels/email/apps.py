from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "honeydesk.channels.email"
    label = "email_channel"
    verbose_name = "E-mail channel"
