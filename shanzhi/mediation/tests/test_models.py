"""Mediation test cast (bodies at three levels, mediator rows) and case builders, plus model
tests. Other mediation test modules import ``Med``, ``med`` and the builders from here."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import IntegrityError
from django.utils import timezone

from shanzhi.mediation import services
from shanzhi.mediation.models import (
    BodyLevel,
    CaseMediator,
    DisputeCategory,
    MediationBody,
    MediationCase,
    Mediator,
    MediatorKind,
)
from shanzhi.mediation.workflow import State
from shanzhi.testing.personas import World


@dataclass
class Med:
    world: World
    district_body: MediationBody
    town_body: MediationBody
    village_body: MediationBody
    village2_body: MediationBody
    village_mediator: Mediator  # the persona "mediator", on the village committee
    village_lawyer: Mediator  # no account

    def __getattr__(self, name: str) -> Any:
        return getattr(self.world, name)


def make_med(world: World) -> Med:
    """The mediation cast (the ``med`` fixture in conftest.py)."""
    district = MediationBody.objects.create(
        name="薛城区矛盾纠纷调解中心",
        code="TJ-370403",
        level=BodyLevel.DISTRICT,
        area=world.xuecheng,
    )
    town = MediationBody.objects.create(
        name="常庄街道调解中心", code="TJ-370403001", level=BodyLevel.TOWN, area=world.town,
        parent=district,
    )  # fmt: skip
    village = MediationBody.objects.create(
        name="东村人民调解委员会", code="TJ-370403001001", level=BodyLevel.VILLAGE,
        area=world.village, parent=town,
    )  # fmt: skip
    village2 = MediationBody.objects.create(
        name="西村人民调解委员会", code="TJ-370403001002", level=BodyLevel.VILLAGE,
        area=world.village2, parent=town,
    )  # fmt: skip
    mediator = Mediator.objects.create(
        name="调解员", kind=MediatorKind.INSTANT, body=village, user=world.mediator
    )
    lawyer = Mediator.objects.create(name="李律师", kind=MediatorKind.LAWYER, body=village)
    return Med(world, district, town, village, village2, mediator, lawyer)


PARTIES = [
    {"role": "applicant", "name": "王大爷", "gender": "male", "phone": "13900001111"},
    {"role": "respondent", "name": "刘某", "address": "东村 3 组"},
]


def fresh(case: MediationCase) -> MediationCase:
    return MediationCase.objects.select_related("area", "body", "event").get(pk=case.pk)


def register(m: Med, actor: Any = None, **kwargs: Any) -> MediationCase:
    data: dict[str, Any] = {
        "body": m.village_body,
        "area": m.grid_a,
        "category": DisputeCategory.NEIGHBOUR,
        "source": "walk_in",
        "source_type": "application",
        "title": "邻里排水纠纷",
        "description": "两户因排水沟堵塞发生争执。",
        "parties": PARTIES,
    }
    data.update(kwargs)
    return services.case_register(actor=actor or m.village_officer, **data)


def agreement_data(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    data: dict[str, Any] = {
        "signed_on": today,
        "form": "written",
        "facts": "排水沟堵塞导致刘某院内积水。",
        "disputed_points": "疏通费用由谁承担。",
        "responsibilities": "双方各承担一半。",
        "terms": [
            {"content": "王大爷支付疏通费 300 元", "manner": "现金", "deadline": today},
        ],
    }
    data.update(overrides)
    return data


def fire(m: Med, case: MediationCase, name: str, actor: Any = None, **data: Any) -> MediationCase:
    return services.case_transition(
        actor=actor or m.mediator, case=case, name=name, version=fresh(case).version, data=data
    )


def build(m: Med, state: str, **kwargs: Any) -> MediationCase:
    """A case on the village committee, in grid A, taken to ``state`` by the persona mediator."""
    case = register(m, **kwargs)
    if state == "registered":
        return fresh(case)
    if state == "refused":
        return fresh(fire(m, case, "refuse", reason="被申请人不同意调解"))
    fire(m, case, "accept")
    if state == "accepted":
        return fresh(case)
    if state == "terminated":
        return fresh(fire(m, case, "terminate", reason="申请人撤回申请"))
    fire(m, case, "assign", mediators=[m.village_mediator.pk])
    if state == "mediating":
        return fresh(case)
    if state == "failed":
        return fresh(fire(m, case, "fail", reason="分歧较大", routes_informed="告知可向法院起诉"))
    fire(m, case, "agree", **agreement_data())
    if state == "agreed":
        return fresh(case)
    if state == "applied":
        return fresh(
            fire(m, case, "confirmation_apply", applied_on=timezone.localdate(), court="薛城区法院")
        )
    fire(m, case, "visit", visited_on=timezone.localdate(), performance="full")
    if state == "visited":
        return fresh(case)
    fire(m, case, "archive")
    if state == "archived":
        return fresh(case)
    raise ValueError(state)


# --- model tests ---------------------------------------------------------------------------------


def test_dispute_categories_are_the_fifteen_of_the_justice_bureau():
    labels = [str(label) for label in DisputeCategory.labels]
    assert labels == [
        "婚姻家庭", "邻里", "房屋宅基地", "合同", "生产经营", "损害赔偿", "山林土地", "征地拆迁",
        "环境污染", "劳动争议", "消费", "医疗", "道路交通事故", "物业", "其他",
    ]  # fmt: skip


def test_case_numbers_count_per_day(med):
    first = register(med)
    second = register(med)
    day = timezone.localdate()
    assert first.number == f"TJ{day:%Y%m%d}0001"
    assert second.number == f"TJ{day:%Y%m%d}0002"


def test_registration_seals_party_phone_and_writes_timeline(med):
    case = register(med)
    assert case.state == State.REGISTERED
    applicant = case.parties.get(role="applicant")
    assert applicant.phone_masked.startswith("139") and "1111" in applicant.phone_masked
    assert "13900001111" not in applicant.phone_enc
    assert list(case.timeline.values_list("transition", flat=True)) == ["register"]


def test_a_mediator_is_assigned_to_a_case_once(med):
    case = build(med, "mediating")
    with pytest.raises(IntegrityError):
        CaseMediator.objects.create(
            case=case, mediator=med.village_mediator, assigned_at=timezone.now()
        )


def test_a_full_case_walks_to_the_archive(med):
    case = build(med, "archived")
    assert case.state == State.ARCHIVED
    assert case.agreement.terms.count() == 1
    assert case.agreement.copies == 3  # two parties + 1
    assert case.return_visits.get().performance == "full"
    assert list(case.timeline.values_list("transition", flat=True)) == [
        "register", "accept", "assign", "agree", "visit", "archive",
    ]  # fmt: skip
    assert case.due_at is not None and case.due_at - case.accepted_at >= datetime.timedelta(days=30)
