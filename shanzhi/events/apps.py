from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "shanzhi.events"
    label = "events"
    verbose_name = "事件 Events"
    default_auto_field = "django.db.models.BigAutoField"
