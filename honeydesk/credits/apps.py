from django.apps import AppConfig


class CreditsConfig(AppConfig):
    name = "honeydesk.credits"
    label = "credits"
    verbose_name = "Credits"
