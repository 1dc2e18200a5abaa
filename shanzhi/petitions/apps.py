from django.apps import AppConfig


class PetitionsConfig(AppConfig):
    name = "shanzhi.petitions"
    label = "petitions"
    verbose_name = "信访 Petitions"
    default_auto_field = "django.db.models.BigAutoField"
