"""Seed every year the chinese_calendar library knows, so every install has a calendar.

Runs once, on empty tables. Later library releases (a new year) are picked up with
``manage.py shanzhi calendar-seed``, which is idempotent and leaves administrators' years alone.
"""

import uuid

from django.db import migrations
from django.utils import timezone


def seed(apps, schema_editor):
    # The library adapter is a pure function of the installed library (no models).
    from shanzhi.workdays.library import library_days, library_version, library_years

    CalendarYear = apps.get_model("workdays", "CalendarYear")
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    CalendarRevision = apps.get_model("workdays", "CalendarRevision")
    note = f"chinese_calendar {library_version()}"
    now = timezone.now()
    for year in library_years():
        if CalendarYear.objects.filter(year=year).exists():
            continue
        calendar_year = CalendarYear.objects.create(
            year=year, status="library", note=note, updated_at=now
        )
        CalendarDay.objects.bulk_create(
            CalendarDay(
                calendar_year=calendar_year,
                date=day.date,
                is_working_day=day.is_working_day,
                name=day.name,
                source="library",
            )
            for day in library_days(year)
        )
    CalendarRevision.objects.update_or_create(
        pk=1, defaults={"token": uuid.uuid4().hex, "changed_at": now}
    )


def unseed(apps, schema_editor):
    apps.get_model("workdays", "CalendarYear").objects.filter(status="library").delete()
    apps.get_model("workdays", "CalendarRevision").objects.filter(pk=1).update(
        token=uuid.uuid4().hex, changed_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
