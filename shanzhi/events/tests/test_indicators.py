"""Indicators (考核指标) on a small fixed dataset built through the real services.

March 2026 (Asia/Shanghai), counted with ``now`` = 2026-04-10, so "due by" is 04-01 00:00:

- E1 grid A: accepted, dispatched to 城管局, fed back and closed on 03-02 (on time), 满意;
- E2 grid A: dispatched 03-02, fed back 03-20 (handle step overdue), closed, 不满意;
- E3 grid A: closed 03-03, 不满意, re-opened 03-04 → in progress, handle due 03-11 (past due);
- E4 grid A: reported only; E5 grid A: rejected;
- E8 grid C (no worker account): dispatched 03-30, handle due in April (not yet due);
- E9 grid E (市中区): accepted 03-02, never dispatched (dispatch step past due);
- E7 grid A: reported in February (outside the period).

Hand-computed: 上报 7, 立案 5, 应结案 4 (E1 E2 closed; E3 E9 open past due), 结案 2, 按期结案 1,
办结 2, 返工 1, 评价 2, 满意 1, 办理时长 432 h (E2: 18 days; E1: 0).
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from shanzhi.core.models import AuditLog
from shanzhi.events import indicators
from shanzhi.events.indicators import event_indicators, period_bounds, validate_indicators

from .helpers import POINT_A, POINT_C, POINT_E, at, fire, report

pytestmark = pytest.mark.django_db

NOW = at(2026, 4, 10, 12)
MARCH = period_bounds("month", year=2026, number=3)


@contextmanager
def clock(instant: Any):
    with mock.patch("django.utils.timezone.now", return_value=instant):
        yield


def dispatched(cast, event):
    w = cast.world
    event = fire(event, w.dispatcher, "accept")
    event = fire(event, w.dispatcher, "escalate")
    event = fire(event, w.dispatcher, "dispatch", lead_department=w.department)
    return fire(event, w.department_handler, "sign")


@pytest.fixture
def dataset(cast, holiday_calendar):
    w = cast.world
    events = {}
    with clock(at(2026, 3, 2, 10)):
        e1 = dispatched(cast, report(cast))
        e1 = fire(e1, w.department_handler, "feedback", comment="已处理")
        e1 = fire(e1, w.grid_worker_a, "verify_pass")
        events["e1"] = fire(e1, w.grid_worker_a, "evaluate", satisfaction="satisfied")
        events["e2"] = dispatched(cast, report(cast))
        events["e3"] = dispatched(cast, report(cast))
        events["e5"] = fire(report(cast), w.dispatcher, "reject", reason="不属于受理范围")
        events["e9"] = fire(report(cast, w.city_admin, point=POINT_E), w.city_admin, "accept")
    with clock(at(2026, 3, 3, 10)):
        e3 = fire(events["e3"], w.department_handler, "feedback", comment="已处理")
        e3 = fire(e3, w.grid_worker_a, "verify_pass")
        e3 = fire(e3, w.grid_worker_a, "evaluate", satisfaction="unsatisfied")
    with clock(at(2026, 3, 4, 10)):
        events["e3"] = fire(e3, w.grid_worker_a, "reopen", reason="摊贩又回来了")
    with clock(at(2026, 3, 5, 10)):
        events["e4"] = report(cast)
    with clock(at(2026, 3, 20, 10)):
        e2 = fire(events["e2"], w.department_handler, "feedback", comment="已处理")
        e2 = fire(e2, w.grid_worker_a, "verify_pass")
        events["e2"] = fire(e2, w.grid_worker_a, "evaluate", satisfaction="unsatisfied")
    with clock(at(2026, 3, 30, 10)):
        events["e8"] = dispatched(cast, report(cast, w.town_officer, point=POINT_C))
    with clock(at(2026, 2, 10, 10)):
        events["e7"] = report(cast, point=POINT_A)
    return events


ALL = {
    "reported": 7,
    "accepted": 5,
    "due": 4,
    "closed": 2,
    "closed_on_time": 1,
    "finished": 2,
    "reworked": 1,
    "evaluated": 2,
    "satisfied": 1,
    "handle_hours": 432,
}
ALL_VALUES = {
    "filing_rate": 71.43,
    "on_time_rate": 25.0,
    "closing_rate": 50.0,
    "finish_rate": 40.0,
    "rework_rate": 20.0,
    "satisfaction_rate": 50.0,
    "avg_handle_hours": 216.0,
}


def table(user, grouping, level=3):
    return event_indicators(
        user=user, grouping=grouping, start=MARCH[0], end=MARCH[1], level=level, now=NOW
    )


def by_label(result):
    return {row.label: row for row in result.rows}


def test_area_grouping_by_town_matches_hand_computed_counters(cast, dataset):
    result = table(cast.city_admin, "area", level=3)
    rows = by_label(result)
    assert set(rows) == {"常庄街道", "中心街道"}
    assert rows["常庄街道"].counters == {**ALL, "reported": 6, "accepted": 4, "due": 3}
    assert rows["中心街道"].counters == {
        **dict.fromkeys(ALL, 0),
        "reported": 1,
        "accepted": 1,
        "due": 1,
    }
    assert result.total.counters == ALL
    assert result.total.values == ALL_VALUES


def test_area_grouping_by_district(cast, dataset):
    rows = by_label(table(cast.city_admin, "area", level=2))
    assert rows["薛城区"].counters["reported"] == 6
    assert rows["市中区"].counters["reported"] == 1


def test_department_grouping_counts_events_led_by_the_department(cast, dataset):
    result = table(cast.city_admin, "department")
    rows = by_label(result)
    assert set(rows) == {"薛城区城管局"}
    expected = {
        "reported": 4,
        "accepted": 4,
        "due": 3,
        "closed": 2,
        "closed_on_time": 1,
        "finished": 2,
        "reworked": 1,
        "evaluated": 2,
        "satisfied": 1,
        "handle_hours": 432,
    }
    assert rows["薛城区城管局"].counters == expected
    assert result.total.counters == expected
    assert rows["薛城区城管局"].values["on_time_rate"] == 33.33


def test_worker_grouping_uses_the_grids_current_worker(cast, dataset):
    rows = by_label(table(cast.city_admin, "worker"))
    worker = cast.grid_worker_a.display_name
    assert set(rows) == {worker, "未配备网格员"}
    assert rows[worker].counters["reported"] == 5
    assert rows[worker].counters["reworked"] == 1
    assert rows["未配备网格员"].counters["reported"] == 2  # grid C and grid E


def test_town_officer_sees_only_their_town(cast, dataset):
    result = table(cast.town_officer, "area", level=2)
    assert [row.label for row in result.rows] == ["薛城区"]
    assert result.total.counters["reported"] == 6
    assert result.total.counters["accepted"] == 4


def test_no_events_gives_no_rates(cast, dataset):
    result = event_indicators(
        user=cast.city_admin,
        grouping="area",
        start=period_bounds("year", year=2020)[0],
        end=period_bounds("year", year=2020)[1],
        now=NOW,
    )
    assert result.rows == []
    assert all(value is None for value in result.total.values.values())


def test_formulas_are_configuration(cast, dataset, settings):
    settings.SHANZHI_EVENT_INDICATORS = [
        {"code": "x", "name": "结案率（按立案）", "numerator": "closed", "denominator": "accepted"}
    ]
    assert table(cast.city_admin, "area").total.values == {"x": 40.0}


def test_invalid_indicator_settings_fail_the_system_check(settings):
    assert validate_indicators(indicators.DEFAULT_INDICATORS) == []
    settings.SHANZHI_EVENT_INDICATORS = [
        {"code": "a", "name": "A", "numerator": "nope", "denominator": "reported"},
        {"code": "a", "name": "B", "numerator": "closed", "denominator": "due", "scale": 0},
    ]
    errors = indicators.check_indicator_settings()
    assert {e.id for e in errors} == {"events.E001"}
    text = " ".join(e.msg for e in errors)
    assert "unknown counter 'nope'" in text and "duplicate code" in text and "scale" in text


def test_period_bounds():
    start, end = period_bounds("quarter", year=2026, number=4)
    assert (start.date().isoformat(), end.date().isoformat()) == ("2026-10-01", "2027-01-01")
    start, end = period_bounds("month", year=2026, number=12)
    assert end.date().isoformat() == "2027-01-01"


def url(**params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{reverse('events:indicators')}?{query}"


def test_page_shows_table_and_chart_data_with_pinned_queries(client, cast, dataset):
    client.force_login(cast.city_admin)
    client.get(url(grouping="area", period="month", year=2026, number=3))  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url(grouping="area", period="month", year=2026, number=3))
    assert response.status_code == 200
    body = response.content.decode()
    assert "常庄街道" in body and 'id="sz-indicator-data"' in body
    assert "71.43" in body
    # session + user, posts (scope), the aggregate, the area labels
    assert len(ctx.captured_queries) == 5, [q["sql"] for q in ctx.captured_queries]


def test_page_needs_events_view(client, cast):
    client.force_login(cast.auditor)
    assert client.get(reverse("events:indicators")).status_code == 403


def test_xlsx_reads_back_with_the_same_numbers_and_is_audited(client, cast, dataset):
    client.force_login(cast.town_officer)
    before = AuditLog.objects.filter(action="events.indicators_export").count()
    response = client.get(url(grouping="area", period="month", year=2026, number=3, format="xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, town, total = rows[0], rows[1], rows[-1]
    assert town[0] == "常庄街道" and total[0] == "合计"
    assert len(rows) == 3
    values = dict(zip(header, total, strict=True))
    assert values["上报数"] == 6 and values["立案数"] == 4 and values["应结案数"] == 3
    assert values["按期结案率（%）"] == round(1 * 100 / 3, 2)
    assert values["平均办理时长（小时）"] == 216
    assert AuditLog.objects.filter(action="events.indicators_export").count() == before + 1
