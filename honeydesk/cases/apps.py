from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "honeydesk.cases"
    label = "cases"
    verbose_name = "Cases"
