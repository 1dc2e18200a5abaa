from typing import Any

from django.apps import AppConfig
from django.core import checks


class WorkdaysConfig(AppConfig):
    name = "shanzhi.workdays"
    label = "workdays"
    verbose_name = "工作日历 Working-day calendar"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from . import calendar

        # Not business logic: like Django's own connection handling, these only bound the
        # per-request memo of the cached calendar (one revision check per request).
        request_started.connect(calendar.request_started, dispatch_uid="workdays.request_started")
        request_finished.connect(
            calendar.request_finished, dispatch_uid="workdays.request_finished"
        )
        checks.register(check_office_hours)


def check_office_hours(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from django.core.exceptions import ImproperlyConfigured

    from .calendar import office_hours

    try:
        office_hours()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="workdays.E001")]
    return []
