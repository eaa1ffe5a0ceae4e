from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "honeydesk.intelligence"
    label = "intelligence"
    verbose_name = "Text intelligence"
