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

        from django.db.models.signals import post_delete, post_save

        from .catalogue_snapshot import catalogue_revision_renew
        from .models import EventType, EventTypeAttribute

        for model in (EventType, EventTypeAttribute):
            post_save.connect(catalogue_revision_renew, sender=model, weak=False)
            post_delete.connect(catalogue_revision_renew, sender=model, weak=False)
