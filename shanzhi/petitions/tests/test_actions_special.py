"""Special actions (专项行动 "四查四清四到位"): case lists, checklists, progress per body."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shanzhi.petitions import selectors, services
from shanzhi.petitions.models import ChecklistItem, SpecialActionCase

from .core_helpers import routed

pytestmark = pytest.mark.django_db

LABELS = ["查问题", "查责任", "查诉求", "查隐患"]


@pytest.fixture
def action(world):
    return services.special_action_create(
        actor=world.petition_officer,
        name="四查四清四到位",
        area=world.xuecheng,
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 6, 30),
        checklist=LABELS,
    )


def test_cases_get_the_checklist_and_progress_is_per_responsible_body(world, action):
    to_dept = routed(world, to="department")
    to_town = routed(world, to="town")
    dept_case = services.special_action_add_case(
        actor=world.petition_officer, action=action, petition=to_dept
    )
    town_case = services.special_action_add_case(
        actor=world.petition_officer, action=action, petition=to_town
    )
    assert dept_case.responsible_department == world.department
    assert [i.label for i in dept_case.items.all()] == LABELS
    for item in dept_case.items.all():
        services.checklist_item_tick(actor=world.department_handler, item=item)
    services.checklist_item_tick(actor=world.town_officer, item=town_case.items.first())
    progress = {
        p["name"]: p for p in selectors.action_progress(user=world.petition_officer, action=action)
    }
    assert progress["薛城区城管局"]["percent"] == 100
    assert progress["薛城区城管局"]["cases_done"] == 1
    assert (progress["常庄街道"]["done"], progress["常庄街道"]["items"]) == (1, 4)
    assert progress["常庄街道"]["percent"] == 25
    # The department sees its own case only.
    assert [c.pk for c in selectors.action_cases(user=world.department_handler, action=action)] == [
        dept_case.pk
    ]


def test_a_petition_is_on_an_action_once(world, action):
    p = routed(world)
    services.special_action_add_case(actor=world.petition_officer, action=action, petition=p)
    with pytest.raises(ValidationError):
        services.special_action_add_case(actor=world.petition_officer, action=action, petition=p)
    assert SpecialActionCase.objects.count() == 1
    assert ChecklistItem.objects.count() == len(LABELS)


def test_someone_else_may_not_tick_the_departments_item(world, action):
    p = routed(world)
    case = services.special_action_add_case(actor=world.petition_officer, action=action, petition=p)
    item = case.items.first()
    for persona in ("grid_worker_a", "leader", "outsider"):
        with pytest.raises(PermissionDenied):
            services.checklist_item_tick(actor=getattr(world, persona), item=item)
    item.refresh_from_db()
    assert not item.done
