from django.apps import AppConfig


class BrandingConfig(AppConfig):
    name = "honeydesk.branding"
    label = "branding"
    verbose_name = "Portal brand"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from honeydesk.branding.models import Brand, current

        # This process shows a new brand at once; other processes within 30 seconds.
        post_save.connect(current.forget, sender=Brand, dispatch_uid="brand-forget")
        post_delete.connect(current.forget, sender=Brand, dispatch_uid="brand-forget-delete")
