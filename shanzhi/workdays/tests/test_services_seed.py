"""Seeding from chinese_calendar: the data migration and the idempotent ``calendar-seed``."""

from __future__ import annotations

import datetime
from io import StringIO

import chinese_calendar
import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from shanzhi.core.models import AuditLog
from shanzhi.core.status import record_counts
from shanzhi.workdays import library, services
from shanzhi.workdays.calendar import is_working_day
from shanzhi.workdays.models import CalendarDay, CalendarStatus, CalendarYear, DaySource

pytestmark = pytest.mark.django_db

D = datetime.date


def test_the_library_knows_2004_to_at_least_2026():
    years = library.library_years()
    assert years.start == 2004
    assert years.stop - 1 >= 2026


def test_every_install_has_every_library_year_seeded_by_the_migration():
    seeded = dict(CalendarYear.objects.values_list("year", "status"))
    assert set(seeded) == set(library.library_years())
    assert set(seeded.values()) == {CalendarStatus.LIBRARY}
    assert not CalendarDay.objects.exclude(source=DaySource.LIBRARY).exists()


def test_the_seeded_tables_agree_with_the_library_on_every_day_it_knows():
    years = library.library_years()
    day = D(years.start, 1, 1)
    while day.year < years.stop:
        assert is_working_day(day) == chinese_calendar.is_workday(day), day
        day += datetime.timedelta(days=1)


def test_library_days_are_named_in_chinese():
    days = {d.date: d for d in library.library_days(2026)}
    assert days[D(2026, 10, 1)].name == "国庆节"
    assert days[D(2026, 10, 4)].name == "国庆节"  # a Sunday inside the holiday is named too
    assert days[D(2026, 9, 20)] == library.LibraryDay(D(2026, 9, 20), True, "国庆节调休上班")


def test_seeding_again_changes_nothing_and_writes_no_audit_row():
    audit_rows = AuditLog.objects.count()
    report = services.calendar_seed()
    assert report.seeded == []
    assert report.unchanged == list(library.library_years())
    assert AuditLog.objects.count() == audit_rows


def test_seeding_repairs_a_seeded_year_and_keeps_a_maintained_one(world):
    CalendarDay.objects.filter(date=D(2025, 10, 1)).delete()
    CalendarDay.objects.filter(date=D(2025, 9, 28)).update(is_working_day=False, name="x")
    services.calendar_notice_import(actor=world.city_admin, year=2026, text="2026-03-02 测试")

    report = services.calendar_seed(from_year=2024, to_year=2027)

    assert report.seeded == [2025]
    assert report.unchanged == [2024]
    assert report.kept == [2026]
    assert report.unknown == ([2027] if 2027 not in library.library_years() else [])
    assert not is_working_day(D(2025, 10, 1))
    assert is_working_day(D(2025, 9, 28))
    assert not is_working_day(D(2026, 3, 2))  # the administrator's data is kept
    entry = AuditLog.objects.get(action="workdays.seed")
    assert entry.detail == {"seeded": [2025], "kept": [2026]}


def test_seeding_recreates_a_deleted_library_year(world):
    services.calendar_year_delete(
        actor=world.city_admin, calendar_year=CalendarYear.objects.get(year=2024)
    )
    assert services.calendar_seed(from_year=2024, to_year=2024).seeded == [2024]
    assert CalendarYear.objects.get(year=2024).status == CalendarStatus.LIBRARY
    assert not is_working_day(D(2024, 10, 1))


def test_the_calendar_seed_subcommand_reports_each_kind_of_year(capsys):
    execute_from_command_line(
        ["manage.py", "shanzhi", "calendar-seed", "--from", "2025", "--to", "2099"]
    )
    text = capsys.readouterr().out
    assert "无变化 unchanged:            2025, 2026" in text
    assert "日历库未收录 not in the library:" in text and "2099" in text


def test_seed_command_refuses_a_reversed_range():
    with pytest.raises(CommandError):
        call_command("workdays_seed", "--from", "2026", "--to", "2025", stdout=StringIO())


def test_calendar_counts_for_shanzhi_status():
    counts = record_counts()["workdays"]
    assert counts["years.library"] == len(library.library_years())
    assert counts["years.admin"] == 0
    assert counts["years.latest"] == library.library_years().stop - 1
    assert counts["days"] == CalendarDay.objects.count() > 0
