from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "honeydesk.web"
    label = "web"
    verbose_name = "Workspace and portal pages"

    def ready(self) -> None:
        from honeydesk.accounts.signin import forget_old_requests
        from honeydesk.jobs import schedule

        # Sign-in link requests only count for an hour; the worker drops old rows.
        schedule.every("sign-in-requests", 3600)(forget_old_requests)
