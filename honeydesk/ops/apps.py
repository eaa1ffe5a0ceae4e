from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running honeydesk: backups that restore, and what several machines need."""

    name = "honeydesk.ops"
    label = "ops"
    verbose_name = "Operations"
