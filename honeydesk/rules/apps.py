from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "honeydesk.rules"
    label = "rules"
    verbose_name = "Rules"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from honeydesk.cases import hooks
        from honeydesk.cases.signals import case_opened
        from honeydesk.jobs import schedule
        from honeydesk.rules import engine

        hooks.on_entries("rules")(engine.entries_added)
        case_opened.connect(engine.on_case_opened, dispatch_uid="rules-case-opened")
        schedule.every("rules-untouched", 300)(engine.periodic_untouched)
