from django.apps import AppConfig


class MacrosConfig(AppConfig):
    name = "honeydesk.macros"
    label = "macros"
    verbose_name = "Macros"
