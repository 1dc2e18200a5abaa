from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "shanzhi.areas"
    label = "areas"
    verbose_name = "区域与网格 Areas and grids"
    default_auto_field = "django.db.models.BigAutoField"
