from django.apps import AppConfig
from django.core import checks


class EventsConfig(AppConfig):
    name = "shanzhi.events"
    label = "events"
    verbose_name = "事件 Events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .indicators import check_indicator_settings

        checks.register(check_indicator_settings)
