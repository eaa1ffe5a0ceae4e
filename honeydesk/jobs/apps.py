from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "honeydesk.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
