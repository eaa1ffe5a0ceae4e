from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "honeydesk.accounts"
    label = "accounts"
    verbose_name = "People and accounts"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.admin.models import LogEntry
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import post_save

        from honeydesk.accounts import receivers
        from honeydesk.accounts.models import SecurityPolicy, current_policy

        user_logged_in.connect(receivers.signed_in, dispatch_uid="audit-signed-in")
        user_login_failed.connect(receivers.sign_in_failed, dispatch_uid="audit-sign-in-failed")
        user_logged_out.connect(receivers.signed_out, dispatch_uid="audit-signed-out")
        user_locked_out.connect(receivers.locked_out, dispatch_uid="audit-locked-out")
        post_save.connect(receivers.admin_change, sender=LogEntry, dispatch_uid="audit-admin-change")
        post_save.connect(current_policy.forget, sender=SecurityPolicy, dispatch_uid="security-policy-cache")
