from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shanzhi.accounts"
    label = "accounts"
    verbose_name = "账号与岗位 Accounts and posts"
    default_auto_field = "django.db.models.BigAutoField"
