from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "honeydesk.web"
    label = "web"
    verbose_name = "Workspace and portal pages"
