from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "honeydesk.channels.email"
    label = "email_channel"
    verbose_name = "E-mail channel"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from honeydesk.accounts.models import Department
        from honeydesk.channels import registry
        from honeydesk.channels.email import tasks
        from honeydesk.channels.email.models import Mailbox
        from honeydesk.channels.email.outbound import EmailOutbound

        registry.register(EmailOutbound())
        tasks.register()
        # The address caches (matching.py) last 30 s; a change made in this process is
        # seen at once.
        for model in (Department, Mailbox):
            post_save.connect(_forget, sender=model, dispatch_uid=f"email-routing-{model.__name__}")
            post_delete.connect(_forget, sender=model, dispatch_uid=f"email-routing-del-{model.__name__}")


def _forget(**kwargs: object) -> None:
    from honeydesk.channels.email.matching import forget_cached_addresses

    forget_cached_addresses()
