from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shanzhi.accounts"
    label = "accounts"
    verbose_name = "账号与岗位 Accounts and posts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import Post, User

        def forget_remembered_tokens(**kwargs: object) -> None:
            # A remembered API token carries its user's scope (authentication.py).
            from .authentication import forget_token

            forget_token()

        for model in (Post, User):
            post_save.connect(forget_remembered_tokens, sender=model, weak=False)
            post_delete.connect(forget_remembered_tokens, sender=model, weak=False)
