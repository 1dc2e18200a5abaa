"""Reads are scoped: lists, detail (404 outside), bodies and mediators."""

from __future__ import annotations

import pytest
from django.http import Http404

from shanzhi.mediation import selectors

from .test_models import build, register


def test_cases_for_is_scoped_per_persona(med):
    east = build(med, "registered")  # 东村, grid A
    west = register(med, body=med.village2_body, area=med.grid_c, actor=med.town_officer)
    seen = {
        name: set(selectors.cases_for(getattr(med.world, name)).values_list("pk", flat=True))
        for name in ("mediator", "village_officer", "town_officer", "city_admin", "leader",
                     "grid_worker_a", "outsider", "dispatcher")
    }  # fmt: skip
    assert seen["mediator"] == {east.pk}
    assert seen["village_officer"] == {east.pk}
    assert seen["town_officer"] == {east.pk, west.pk}
    assert seen["city_admin"] == {east.pk, west.pk}
    assert seen["leader"] == {east.pk, west.pk}
    assert seen["dispatcher"] == {east.pk, west.pk}
    assert seen["grid_worker_a"] == set()
    assert seen["outsider"] == set()


def test_case_detail_404_outside_scope(med):
    west = register(med, body=med.village2_body, area=med.grid_c, actor=med.town_officer)
    assert selectors.case_detail(med.town_officer, west.pk) == west
    with pytest.raises(Http404):
        selectors.case_detail(med.village_officer, west.pk)
    with pytest.raises(Http404):
        selectors.case_detail(med.outsider, west.pk)
    with pytest.raises(Http404):
        selectors.case_detail(med.town_officer, "nope")


def test_filters(med):
    first = build(med, "mediating")
    second = register(med, category="contract", title="合同欠款")
    user = med.town_officer
    assert list(selectors.cases_for(user, {"state": "mediating"})) == [first]
    assert list(selectors.cases_for(user, {"category": "contract"})) == [second]
    assert list(selectors.cases_for(user, {"q": "欠款"})) == [second]
    assert list(selectors.cases_for(med.mediator, {"mine": True})) == [first]
    assert set(selectors.cases_for(user, {"level": "village"})) == {first, second}


def test_bodies_and_mediators_for(med):
    assert set(selectors.bodies_for(med.village_officer)) == {med.village_body}
    assert set(selectors.bodies_for(med.town_officer)) == {
        med.town_body,
        med.village_body,
        med.village2_body,
    }
    assert set(selectors.bodies_for(med.outsider)) == set()
    assert set(selectors.mediators_for(med.village_officer, med.village_body)) == {
        med.village_mediator,
        med.village_lawyer,
    }
    assert not selectors.mediators_for(med.village_officer, med.village2_body).exists()
    assert selectors.body_for_area(med.grid_a) == med.village_body
    assert selectors.body_for_area(med.village3) == med.district_body  # no town-2 centre
    assert list(selectors.referral_targets(case=build(med, "registered"))) == [med.town_body]
