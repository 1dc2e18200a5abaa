"""Statistics against hand-computed values on a small fixed dataset."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied

from shanzhi.mediation.models import Agreement, BodyLevel, MediationBody, MediationCase
from shanzhi.mediation.statistics import case_statistics, yoy_change
from shanzhi.workdays.calendar import CALENDAR_TZ

_numbers = itertools.count(1)


def at(y, m, d, h=10):
    return datetime.datetime(y, m, d, h, tzinfo=CALENDAR_TZ)


def make(body, area, registered, *, category="neighbour", state="registered", days=None, **kw):
    outcome_at = registered + datetime.timedelta(days=days) if days is not None else None
    case = MediationCase.objects.create(
        number=f"TJTEST{next(_numbers):06d}",
        title="测试",
        category=category,
        source=kw.pop("source", "walk_in"),
        source_type=kw.pop("source_type", "application"),
        body=body,
        area=area,
        description="案情",
        state=state,
        registered_at=registered,
        outcome_at=outcome_at,
        **kw,
    )
    return case


def agreed(case):
    Agreement.objects.create(case=case, signed_on=case.outcome_at.date())
    return case


@pytest.fixture
def dataset(med):
    w = med.world
    v, t, d = med.village_body, med.town_body, med.district_body
    # Q1 2025: nine cases in 薛城区 (the leader's scope).
    # Agreed four (10, 20, 5, 15 days), failed two (30, 12), terminated one (6),
    # refused one, pending one.
    agreed(make(v, w.grid_a, at(2025, 1, 5), state="agreed", days=10))
    agreed(make(v, w.grid_a, at(2025, 1, 20), state="visited", days=20, category="marriage_family"))
    agreed(make(t, w.village, at(2025, 2, 3), state="archived", days=5, source="event"))
    agreed(make(d, w.town, at(2025, 2, 14), state="agreed", days=15, category="contract"))
    make(v, w.grid_b, at(2025, 3, 1), state="failed", days=30, failure_reason="分歧大",
         routes_informed="诉讼")  # fmt: skip
    make(t, w.village, at(2025, 3, 9), state="archived", days=12, failure_reason="分歧大",
         routes_informed="仲裁", category="marriage_family")  # fmt: skip
    make(v, w.grid_a, at(2025, 1, 28), state="terminated", days=6, termination_reason="撤回",
         category="contract")  # fmt: skip
    make(t, w.village, at(2025, 2, 20), state="refused", days=1, refusal_reason="不同意",
         category="marriage_family", source_type="proactive")  # fmt: skip
    make(v, w.grid_a, at(2025, 3, 31, 23), state="mediating")
    # Outside the period: ten in Q1 2024, one in April 2025.
    for i in range(10):
        make(v, w.grid_a, at(2024, 1 + i % 3, 1 + i))
    make(v, w.grid_a, at(2025, 4, 1, 0))
    # Inside the period but in 市中区: only the city administrator counts it.
    shizhong = MediationBody.objects.create(
        name="市中区调解中心", code="TJ-370402", level=BodyLevel.DISTRICT, area=w.shizhong
    )
    make(shizhong, w.grid_e, at(2025, 2, 2))
    return med


def test_statistics_by_hand(dataset):
    stats = case_statistics(
        dataset.leader, start=datetime.date(2025, 1, 1), end=datetime.date(2025, 3, 31)
    )
    assert stats["total"] == 9
    assert (stats["agreed"], stats["failed"], stats["terminated"]) == (4, 2, 1)
    assert (stats["refused"], stats["pending"], stats["concluded"]) == (1, 1, 7)
    assert stats["success_rate"] == 57.1  # 4 / 7
    assert stats["average_days"] == 14.0  # (10+20+5+15+30+12+6) / 7
    assert stats["previous_total"] == 10
    assert stats["yoy_change"] == -10.0
    by_category = {r["key"]: r["count"] for r in stats["by_category"]}
    assert by_category["neighbour"] == 4
    assert by_category["marriage_family"] == 3
    assert by_category["contract"] == 2
    assert by_category["pollution"] == 0 and len(by_category) == 15
    assert {r["key"]: r["count"] for r in stats["by_level"]} == {
        "district": 1,
        "town": 3,
        "village": 5,
    }
    assert [r["count"] for r in stats["by_month"]] == [3, 3, 3]
    assert [r["key"] for r in stats["by_month"]] == ["2025-01", "2025-02", "2025-03"]
    by_outcome = {r["key"]: r["count"] for r in stats["by_outcome"]}
    assert by_outcome == {"pending": 1, "refused": 1, "agreed": 4, "failed": 2, "terminated": 1}
    assert {r["key"]: r["count"] for r in stats["by_source"]}["event"] == 1
    assert {r["key"]: r["count"] for r in stats["by_source_type"]}["proactive"] == 1
    assert [(r["label"], r["count"]) for r in stats["by_body"]] == [
        ("薛城区矛盾纠纷调解中心", 1),
        ("常庄街道调解中心", 3),
        ("东村人民调解委员会", 5),
    ]
    assert stats["rows"] == stats["by_category"]


def test_statistics_are_scoped(dataset):
    start, end = datetime.date(2025, 1, 1), datetime.date(2025, 3, 31)
    assert case_statistics(dataset.city_admin, start=start, end=end)["total"] == 10
    village = case_statistics(dataset.village_officer, start=start, end=end, group_by="level")
    # 东村: the committee's five cases (grids A and B) and the town centre's three whose
    # area is 东村 itself; the district centre's case lies in 常庄街道, outside 东村.
    assert village["total"] == 8
    assert village["rows"] == village["by_level"]
    with pytest.raises(PermissionDenied):
        case_statistics(dataset.grid_worker_a, start=start, end=end)


def test_yoy_change_rounding():
    assert yoy_change(9, 10) == -10.0
    assert yoy_change(26, 29) == -10.3
    assert yoy_change(5, 0) is None
