from django.apps import AppConfig


class PhoneChannelConfig(AppConfig):
    name = "honeydesk.channels.phone"
    label = "phone_channel"
    verbose_name = "Phone channel (CTI)"
