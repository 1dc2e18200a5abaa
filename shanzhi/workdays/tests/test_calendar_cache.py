"""The cached calendar: constant queries for many deadlines, reloaded whenever it changes."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.signals import request_finished, request_started

from shanzhi.workdays import calendar as workcal
from shanzhi.workdays import services
from shanzhi.workdays.calendar import CALENDAR_TZ, add_working_days, work_calendar
from shanzhi.workdays.models import CalendarDay, CalendarRevision, CalendarYear

pytestmark = pytest.mark.django_db

NOTICE_2027 = """
# 国务院办公厅关于2027年部分节假日安排的通知（示例）
2027-01-01..2027-01-03 元旦
2027-02-06..2027-02-12 春节
2027-02-14 调休上班
"""


def starts(n: int) -> list[datetime.datetime]:
    first = datetime.datetime(2026, 1, 1, 9, tzinfo=CALENDAR_TZ)
    return [first + datetime.timedelta(hours=7 * i) for i in range(n)]


def test_a_thousand_deadlines_on_one_snapshot_cost_at_most_three_queries(
    django_assert_max_num_queries,
):
    workcal.forget_calendar()  # cold: revision + years + days
    with django_assert_max_num_queries(3):
        calendar = work_calendar()
        deadlines = [calendar.add_working_days(start, 5) for start in starts(1000)]
        calendar.calendar_warning(deadlines)
        [calendar.add_working_hours(start, 4) for start in starts(1000)]
    assert len(set(deadlines)) > 100


def test_a_warm_calendar_costs_one_small_query_per_call_outside_a_request(
    django_assert_num_queries,
):
    work_calendar()
    with django_assert_num_queries(1):
        add_working_days(datetime.date(2026, 2, 13), 5)


def test_a_thousand_deadlines_within_one_request_cost_at_most_three_queries(
    django_assert_max_num_queries,
):
    workcal.forget_calendar()
    # What the request_started / request_finished receivers do (sending the signals themselves
    # would also close the test's database connection).
    workcal.request_started()
    try:
        with django_assert_max_num_queries(3):
            deadlines = [add_working_days(start, 5) for start in starts(1000)]
            workcal.calendar_warning(deadlines)
    finally:
        workcal.request_finished()
    # After the request, each call checks the revision again.
    assert getattr(workcal._request, "calendar", None) is None


def test_the_request_memo_is_dropped_when_this_process_changes_the_calendar(world):
    workcal.request_started()
    try:
        assert workcal.is_working_day(datetime.date(2027, 2, 8))
        services.calendar_notice_import(actor=world.city_admin, year=2027, text=NOTICE_2027)
        assert not workcal.is_working_day(datetime.date(2027, 2, 8))
    finally:
        workcal.request_finished()


def test_the_request_memo_is_bound_to_djangos_request_signals():
    uids = {key[0] for key, *_ in request_started.receivers}
    assert "workdays.request_started" in uids
    uids = {key[0] for key, *_ in request_finished.receivers}
    assert "workdays.request_finished" in uids


def test_a_request_through_the_test_client_ends_the_memo(client):
    workcal.request_started()
    work_calendar()
    assert workcal._request.calendar is not None
    client.get("/healthz")  # request_finished ends it
    assert getattr(workcal._request, "calendar", None) is None
    assert not getattr(workcal._request, "active", False)


def test_a_pasted_notice_changes_deadlines_at_once(world):
    start = datetime.datetime(2027, 2, 5, 10, tzinfo=CALENDAR_TZ)  # a Friday
    before = add_working_days(start, 1)
    assert before.date() == datetime.date(2027, 2, 8)
    assert workcal.calendar_warning([before]) is not None

    services.calendar_notice_import(actor=world.city_admin, year=2027, text=NOTICE_2027)

    after = add_working_days(start, 1)
    assert after.date() == datetime.date(2027, 2, 14)  # the make-up Sunday
    assert workcal.calendar_warning([after]) is None


def test_a_change_made_by_another_process_is_seen_on_the_next_call():
    # Warm this process's cache, then change the tables as another process would: rows and
    # a new revision token, without calling this process's forget_calendar().
    assert workcal.is_working_day(datetime.date(2026, 3, 2))
    cached = workcal._cached
    year = CalendarYear.objects.get(year=2026)
    CalendarDay.objects.create(
        calendar_year=year, date=datetime.date(2026, 3, 2), is_working_day=False, name="测试"
    )
    CalendarRevision.objects.filter(pk=1).update(token=uuid.uuid4().hex)

    assert not workcal.is_working_day(datetime.date(2026, 3, 2))
    assert workcal._cached is not cached


def test_without_a_revision_change_the_cache_is_kept(django_assert_num_queries):
    first = work_calendar()
    with django_assert_num_queries(1):
        assert work_calendar() is first
