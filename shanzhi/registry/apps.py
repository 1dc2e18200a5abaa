from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "shanzhi.registry"
    label = "registry"
    verbose_name = "基础数据 Registry"
    default_auto_field = "django.db.models.BigAutoField"
