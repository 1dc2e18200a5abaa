"""Importing the State Council's notice as an administrator pastes it."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from shanzhi.core.models import AuditLog
from shanzhi.workdays import services
from shanzhi.workdays.calendar import is_working_day
from shanzhi.workdays.models import CalendarDay, CalendarStatus, CalendarYear, DaySource
from shanzhi.workdays.notice import parse_notice

pytestmark = pytest.mark.django_db

D = datetime.date

NOTICE_2027 = """
# 国务院办公厅关于2027年部分节假日安排的通知（示例）
2027-01-01..2027-01-03 元旦

2027-02-06..2027-02-12 春节
2027-02-14 调休上班
2027-02-20 春节补班
2027/4/5 清明节
２０２７年５月１日至２０２７年５月５日　劳动节
"""


def snapshot() -> tuple[int, int, int]:
    return CalendarYear.objects.count(), CalendarDay.objects.count(), AuditLog.objects.count()


# --- parsing ------------------------------------------------------------------------------------


def test_notice_lines_become_holidays_and_make_up_days():
    days = parse_notice(NOTICE_2027, year=2027)
    by_date = {d.date: d for d in days}
    assert len(days) == 3 + 7 + 2 + 1 + 5
    assert [d.date for d in days] == sorted(by_date)
    assert by_date[D(2027, 2, 6)].name == "春节" and not by_date[D(2027, 2, 6)].is_working_day
    assert by_date[D(2027, 2, 14)].is_working_day and by_date[D(2027, 2, 14)].name == "调休上班"
    assert by_date[D(2027, 2, 20)].is_working_day  # 补班 also marks a working day
    assert by_date[D(2027, 4, 5)].name == "清明节"
    assert by_date[D(2027, 5, 3)].name == "劳动节"  # full-width digits and 至
    assert by_date[D(2027, 1, 1)].line == 3


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("2027-02-06 - 2027-02-12 春节", "第 1 行无法识别"),
        ("春节 2027-02-06", "第 1 行无法识别"),
        ("2027-02-06..2027-02-12", "第 1 行无法识别"),
        ("2027-02-30 春节", "第 1 行：日期不存在。"),
        ("2027-02-12..2027-02-06 春节", "第 1 行：结束日期早于开始日期。"),
        ("2027-02-06..2027-03-30 春节", "第 1 行：日期区间超过 31 天"),
        ("2026-12-31 元旦", "第 1 行：日期 2026-12-31 不在 2027 年内。"),
        ("2027-02-10 调休上班", "本来就是工作日；调休上班只能安排在周六或周日"),
        ("# only a comment", "没有可导入的日期"),
    ],
)
def test_each_kind_of_bad_line_is_reported_in_chinese(line, message):
    with pytest.raises(ValidationError) as caught:
        parse_notice(line, year=2027)
    assert any(message in text for text in caught.value.messages), caught.value.messages


def test_every_problem_is_reported_at_once_with_its_line():
    text = "2027-02-06..2027-02-12 春节\n2027-02-10 元宵\nnonsense\n2027-13-01 元旦"
    with pytest.raises(ValidationError) as caught:
        parse_notice(text, year=2027)
    assert caught.value.messages == [
        "第 2 行：日期 2027-02-10 已在第 1 行出现。",
        "第 3 行无法识别：“nonsense”。应写作“2027-02-06..2027-02-12 春节”或“2027-02-14 调休上班”。",
        "第 4 行：日期不存在。",
    ]


# --- importing ----------------------------------------------------------------------------------


def test_import_writes_the_year_marks_it_maintained_and_audits(world):
    report = services.calendar_notice_import(
        actor=world.city_admin, year=2027, text=NOTICE_2027, note="国办发明电〔2026〕X号"
    )

    year = CalendarYear.objects.get(year=2027)
    assert report.calendar_year == year
    assert (report.holidays, report.working_days, report.replaced) == (16, 2, 0)
    assert year.status == CalendarStatus.ADMIN
    assert year.updated_by == world.city_admin
    assert year.note == "国办发明电〔2026〕X号"
    assert set(year.days.values_list("source", flat=True)) == {DaySource.ADMIN}
    assert not is_working_day(D(2027, 2, 8))
    assert is_working_day(D(2027, 2, 14))
    entry = AuditLog.objects.get(action="workdays.notice_import")
    assert entry.actor == world.city_admin
    assert entry.object_id == str(year.pk)
    assert entry.detail["working_days"] == ["2027-02-14", "2027-02-20"]


def test_bad_lines_write_nothing(world):
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        services.calendar_notice_import(
            actor=world.city_admin,
            year=2027,
            text=NOTICE_2027 + "2027-10-01..2027-10-07\n",
        )
    assert "第 10 行无法识别" in caught.value.messages[0]
    assert snapshot() == before
    assert is_working_day(D(2027, 2, 8))


def test_import_replaces_the_years_rows_including_a_seeded_year(world):
    seeded = CalendarYear.objects.get(year=2026)
    assert seeded.status == CalendarStatus.LIBRARY
    library_rows = seeded.days.count()

    report = services.calendar_notice_import(
        actor=world.city_admin, year=2026, text="2026-02-16..2026-02-20 春节"
    )

    seeded.refresh_from_db()
    assert report.replaced == library_rows
    assert seeded.status == CalendarStatus.ADMIN
    assert seeded.days.count() == 5
    assert not is_working_day(D(2026, 2, 16))
    assert not is_working_day(D(2026, 2, 14))  # the make-up Saturday is gone with the rows
    assert is_working_day(D(2026, 2, 23))


def test_importing_the_same_year_twice_keeps_one_year_row(world):
    services.calendar_notice_import(actor=world.city_admin, year=2027, text=NOTICE_2027)
    services.calendar_notice_import(actor=world.city_admin, year=2027, text="2027-10-01 国庆节")
    assert CalendarYear.objects.filter(year=2027).count() == 1
    assert list(CalendarDay.objects.filter(date__year=2027).values_list("date", flat=True)) == [
        D(2027, 10, 1)
    ]


def test_a_year_out_of_range_is_refused(world):
    with pytest.raises(ValidationError):
        services.calendar_notice_import(actor=world.city_admin, year=1999, text="1999-10-01 国庆")


# --- the admin's per-day edits ------------------------------------------------------------------


def test_adding_a_day_to_a_seeded_year_marks_it_maintained_and_changes_deadlines(world):
    year = CalendarYear.objects.get(year=2026)
    assert is_working_day(D(2026, 12, 30))

    services.calendar_day_save(
        actor=world.city_admin,
        calendar_year=year,
        date=D(2026, 12, 30),
        is_working_day=False,
        name="测试假日",
    )

    year.refresh_from_db()
    assert year.status == CalendarStatus.ADMIN
    assert not is_working_day(D(2026, 12, 30))
    assert AuditLog.objects.filter(action="workdays.day_save").count() == 1


def test_a_day_outside_its_year_or_a_weekday_make_up_day_is_refused(world):
    year = CalendarYear.objects.get(year=2026)
    before = snapshot()
    for date, working in ((D(2027, 1, 1), False), (D(2026, 12, 30), True)):
        with pytest.raises(ValidationError):
            services.calendar_day_save(
                actor=world.city_admin, calendar_year=year, date=date, is_working_day=working
            )
    assert snapshot() == before


def test_a_duplicate_date_is_a_chinese_error_not_a_crash(world):
    year = CalendarYear.objects.get(year=2026)
    with pytest.raises(ValidationError) as caught:
        services.calendar_day_save(
            actor=world.city_admin, calendar_year=year, date=D(2026, 2, 16), is_working_day=False
        )
    assert caught.value.message_dict["date"] == ["日期 2026-02-16 已有记录。"]


def test_deleting_a_day_and_a_year(world):
    year = CalendarYear.objects.get(year=2026)
    day = year.days.get(date=D(2026, 2, 16))
    services.calendar_day_delete(actor=world.city_admin, day=day)
    assert is_working_day(D(2026, 2, 16))

    services.calendar_year_delete(actor=world.city_admin, calendar_year=year)
    assert not CalendarYear.objects.filter(year=2026).exists()
    assert is_working_day(D(2026, 2, 17))  # weekends only now
    assert (
        AuditLog.objects.filter(action__in=["workdays.day_delete", "workdays.year_delete"]).count()
        == 2
    )


def test_creating_an_existing_year_is_a_chinese_error(world):
    with pytest.raises(ValidationError) as caught:
        services.calendar_year_create(actor=world.city_admin, year=2026)
    assert caught.value.message_dict["year"] == ["2026 年的安排已存在。"]
