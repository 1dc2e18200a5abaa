"""Deadline arithmetic on the seeded calendar (chinese_calendar's 2004–2026 via migration 0002).

2026 as the State Council published it (国办发明电〔2025〕7号), as the library has it:
春节 02-15 (Sun) … 02-23 (Mon) off, make-up working Saturdays 02-14 and 02-28;
国庆节/中秋 2025: 10-01 … 10-08 off, make-up 09-28 (Sun) and 10-11 (Sat);
国庆节 2026: 10-01 … 10-07 off, make-up 09-20 (Sun) and 10-10 (Sat).
2027 has no calendar yet: weekends only, with the warning.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import override_settings

from shanzhi.workdays.calendar import (
    CALENDAR_TZ,
    WorkCalendar,
    add_calendar_days,
    add_working_days,
    add_working_hours,
    calendar_warning,
    is_working_day,
    missing_years,
    parse_office_hours,
    work_calendar,
    working_days_between,
)

pytestmark = pytest.mark.django_db

D = datetime.date
UTC = datetime.UTC
WARNING_2027 = (
    "2027 年的法定节假日安排尚未录入，期限暂按周末休息计算，请管理员录入国务院办公厅通知。"
)


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime.datetime:
    return datetime.datetime(y, m, d, hh, mm, tzinfo=CALENDAR_TZ)


def end_of(y: int, m: int, d: int) -> datetime.datetime:
    return datetime.datetime.combine(D(y, m, d), datetime.time.max, tzinfo=CALENDAR_TZ)


# --- the seeded 2026 Spring Festival ------------------------------------------------------------


def test_spring_festival_2026_days_off_and_make_up_saturdays():
    assert is_working_day(D(2026, 2, 13))  # Friday before
    assert is_working_day(D(2026, 2, 14))  # make-up Saturday
    assert [d for d in range(15, 24) if is_working_day(D(2026, 2, d))] == []
    assert is_working_day(D(2026, 2, 24))  # back to work on Tuesday
    assert is_working_day(D(2026, 2, 28))  # make-up Saturday
    assert not is_working_day(D(2026, 3, 1))  # an ordinary Sunday
    assert work_calendar().day_name(D(2026, 2, 17)) == "春节"
    assert work_calendar().day_name(D(2026, 2, 14)) == "春节调休上班"


def test_five_working_days_from_friday_before_spring_festival_count_the_make_up_saturday():
    # 02-14 (make-up) is 1; 02-15…23 are off; 24, 25, 26, 27 are 2…5.
    assert add_working_days(at(2026, 2, 13, 16, 50), 5) == end_of(2026, 2, 27)


def test_five_working_days_from_the_last_working_day_before_the_holiday_land_on_make_up_day():
    # From the make-up Saturday 02-14: 24, 25, 26, 27 and the make-up Saturday 28.
    assert add_working_days(at(2026, 2, 14, 9), 5) == end_of(2026, 2, 28)


def test_a_make_up_weekend_day_counts_as_a_working_day():
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 14)) == 1
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 23)) == 1
    assert working_days_between(D(2026, 2, 13), D(2026, 3, 1)) == 6


def test_the_start_day_is_not_counted_and_zero_days_is_the_end_of_the_start_day():
    assert add_working_days(at(2026, 3, 2, 8), 1) == end_of(2026, 3, 3)
    assert add_working_days(at(2026, 3, 2, 8), 0) == end_of(2026, 3, 2)
    # Starting on a Saturday: Monday is the first working day after it.
    assert add_working_days(at(2026, 3, 7, 10), 1) == end_of(2026, 3, 9)


def test_deadline_is_the_last_microsecond_of_the_day_in_shanghai():
    deadline = add_working_days(at(2026, 3, 2), 1)
    assert deadline.tzinfo == CALENDAR_TZ
    assert deadline.astimezone(UTC) == datetime.datetime(2026, 3, 3, 15, 59, 59, 999999, UTC)


# --- National Day -------------------------------------------------------------------------------


def test_national_day_2025_with_mid_autumn():
    assert is_working_day(D(2025, 9, 28))  # make-up Sunday
    assert not any(is_working_day(D(2025, 10, d)) for d in range(1, 9))
    assert is_working_day(D(2025, 10, 11))  # make-up Saturday
    assert add_working_days(at(2025, 9, 30, 17), 1) == end_of(2025, 10, 9)
    assert add_working_days(at(2025, 9, 26, 17), 2) == end_of(2025, 9, 29)  # Sun 28 counts


def test_national_day_2026():
    assert is_working_day(D(2026, 9, 20))  # make-up Sunday
    assert not any(is_working_day(D(2026, 10, d)) for d in range(1, 8))
    # 10-08 Thu, 10-09 Fri, 10-10 make-up Saturday.
    assert add_working_days(at(2026, 9, 30, 10), 3) == end_of(2026, 10, 10)
    assert working_days_between(D(2026, 9, 18), D(2026, 9, 21)) == 2  # Sun 20, Mon 21


# --- a year with no calendar --------------------------------------------------------------------


def test_2027_without_a_calendar_counts_weekends_only_and_warns():
    calendar = work_calendar()
    assert not calendar.has_year(2027)
    # 2027-02-08 is a Monday (it will be in 春节 once the notice is entered).
    assert is_working_day(D(2027, 2, 8))
    assert not is_working_day(D(2027, 2, 13))  # Saturday
    # New Year's Day 2027 is a Friday: without a calendar it counts.
    assert add_working_days(at(2026, 12, 31, 9), 2) == end_of(2027, 1, 4)
    assert missing_years([2025, 2026, 2027, 2027]) == [2027]
    assert calendar_warning([at(2026, 12, 31), end_of(2027, 1, 4)]) == WARNING_2027
    assert calendar_warning([at(2026, 12, 31), None]) is None


def test_warning_names_every_missing_year():
    warning = calendar_warning([D(2028, 5, 1), D(2027, 1, 4)])
    assert warning is not None and warning.startswith("2027、2028 年的法定节假日安排尚未录入")


def test_warning_uses_the_shanghai_date_of_an_instant():
    # 2026-12-31 16:30 UTC is already 2027-01-01 in Shanghai.
    assert calendar_warning([datetime.datetime(2026, 12, 31, 16, 30, tzinfo=UTC)]) == WARNING_2027
    assert calendar_warning([datetime.datetime(2026, 12, 31, 15, 30, tzinfo=UTC)]) is None


# --- natural days -------------------------------------------------------------------------------


def test_fifteen_days_ending_in_national_day_move_to_the_first_working_day_after():
    # 信访 register-and-transfer: 15 days from 09-20 is 10-05, in the holiday → 10-08.
    assert add_calendar_days(at(2026, 9, 20, 11), 15) == end_of(2026, 10, 8)
    assert add_calendar_days(at(2026, 9, 20, 11), 15, roll_forward=False) == end_of(2026, 10, 5)


def test_sixty_days_ending_on_labour_day_move_past_it():
    # 2026-03-02 + 60 days = 05-01 (劳动节 05-01…05) → Wednesday 05-06.
    assert add_calendar_days(D(2026, 3, 2), 60) == end_of(2026, 5, 6)


def test_calendar_days_ending_on_a_working_day_or_make_up_day_stay():
    assert add_calendar_days(D(2026, 3, 2), 30) == end_of(2026, 4, 1)
    assert add_calendar_days(D(2026, 2, 13), 15) == end_of(2026, 2, 28)  # make-up Saturday


def test_calendar_days_ending_on_a_weekend_move_to_monday():
    assert add_calendar_days(D(2026, 3, 2), 5) == end_of(2026, 3, 9)


# --- office hours -------------------------------------------------------------------------------


def test_working_hours_skip_the_lunch_break():
    assert add_working_hours(at(2026, 3, 2, 11), 2) == at(2026, 3, 2, 14, 30)


def test_working_hours_that_run_out_at_noon_end_at_noon():
    assert add_working_hours(at(2026, 3, 2, 11), 1) == at(2026, 3, 2, 12)


def test_working_hours_carry_over_the_evening_to_the_next_morning():
    assert add_working_hours(at(2026, 3, 2, 17), 1) == at(2026, 3, 3, 9)
    assert add_working_hours(at(2026, 3, 2, 20), Decimal("0.5")) == at(2026, 3, 3, 9)


def test_working_hours_start_before_office_hours_and_on_weekends():
    assert add_working_hours(at(2026, 3, 2, 7), 1) == at(2026, 3, 2, 9, 30)
    assert add_working_hours(at(2026, 3, 7, 10), 1) == at(2026, 3, 9, 9, 30)  # Saturday


def test_working_hours_skip_a_holiday_and_count_a_make_up_saturday():
    # 09-30 16:30–17:30 is 1 h; 10-01…07 off; 10-08 08:30 + 1 h.
    assert add_working_hours(at(2026, 9, 30, 16, 30), 2) == at(2026, 10, 8, 9, 30)
    # Friday 10-09 17:00 + 1 h: half an hour on Friday, half on the make-up Saturday 10-10.
    assert add_working_hours(at(2026, 10, 9, 17), 1) == at(2026, 10, 10, 9)


def test_working_hours_accept_timedeltas_and_utc_and_return_shanghai_time():
    start = datetime.datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
    result = add_working_hours(start, datetime.timedelta(hours=2))
    assert result == at(2026, 3, 2, 14, 30)
    assert result.tzinfo == CALENDAR_TZ
    assert add_working_hours(start, 0) == start


def test_a_full_working_day_of_hours_is_seven_and_a_half_hours():
    assert add_working_hours(at(2026, 3, 2, 8, 30), 7.5) == at(2026, 3, 2, 17, 30)
    assert add_working_hours(at(2026, 3, 2, 8, 30), 8) == at(2026, 3, 3, 9)


@override_settings(SHANZHI_OFFICE_HOURS="09:00-17:00")
def test_office_hours_come_from_settings():
    assert add_working_hours(at(2026, 3, 2, 16), 2) == at(2026, 3, 3, 10)


def test_bad_office_hours_are_a_configuration_error():
    from django.core.exceptions import ImproperlyConfigured

    for text in ("8:30-12", "12:00-08:30", "08:00-12:00,11:00-14:00", ""):
        with pytest.raises(ImproperlyConfigured):
            parse_office_hours(text)


# --- consistency and input checks ---------------------------------------------------------------


def test_working_days_between_inverts_add_working_days_across_2025_and_2026():
    calendar = work_calendar()
    start = D(2025, 12, 1)
    for offset in range(0, 400, 3):
        day = start + datetime.timedelta(days=offset)
        for n in (0, 1, 5, 15, 60):
            deadline = calendar.add_working_days(day, n)
            assert calendar.working_days_between(day, deadline) == n
            assert calendar.is_working_day(deadline) or n == 0
    assert calendar.working_days_between(D(2026, 3, 9), D(2026, 3, 2)) == -5


def test_working_days_between_agrees_with_walking_day_by_day():
    calendar = work_calendar()
    day, walked = D(2025, 12, 31), 0
    while day < D(2027, 3, 1):
        day += datetime.timedelta(days=1)
        walked += calendar.is_working_day(day)
        assert calendar.working_days_between(D(2025, 12, 31), day) == walked


def test_naive_datetimes_and_negative_amounts_are_refused():
    naive = datetime.datetime(2026, 3, 2, 9)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="naive"):
        add_working_days(naive, 1)
    with pytest.raises(ValueError):
        add_working_days(at(2026, 3, 2), -1)
    with pytest.raises(ValueError):
        add_working_hours(at(2026, 3, 2), -1)


def test_the_start_day_is_the_shanghai_date_of_a_utc_instant():
    # Friday 2026-02-13 20:00 UTC is the make-up Saturday 02-14 04:00 in Shanghai.
    start = datetime.datetime(2026, 2, 13, 20, 0, tzinfo=UTC)
    assert add_working_days(start, 5) == end_of(2026, 2, 28)


def test_a_snapshot_is_plain_data():
    calendar = WorkCalendar(
        token="t",
        known_years=[2030],
        days=[(D(2030, 1, 1), False, "元旦"), (D(2030, 1, 5), True, "调休上班")],
    )
    assert not calendar.is_working_day(D(2030, 1, 1))  # Tuesday holiday
    assert calendar.is_working_day(D(2030, 1, 5))  # Saturday make-up
    assert calendar.add_working_days(D(2029, 12, 31), 4) == end_of(2030, 1, 5)
    assert calendar.missing_years([2029, 2030]) == [2029]
