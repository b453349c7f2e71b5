from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sizhi.accounts"
    label = "accounts"
