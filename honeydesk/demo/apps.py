from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo company (`honeydesk demo`): replays months of a believable help desk
    through the real actions of every app, so it sits above them all."""

    name = "honeydesk.demo"
    label = "demo"
    verbose_name = "Demo company"
