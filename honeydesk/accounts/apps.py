from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "honeydesk.accounts"
    label = "accounts"
    verbose_name = "People and accounts"
