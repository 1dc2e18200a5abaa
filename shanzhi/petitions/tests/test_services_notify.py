"""Who is told when a petition moves: the receiving body on 转送交办, the petitioners (SMS to
their sealed phones) on acceptance and on the 处理意见书, the registering officer on an
objection."""

from __future__ import annotations

import pytest

from shanzhi.events.models import Notification
from shanzhi.petitions import services

from .core_helpers import at, register, replied, routed

pytestmark = pytest.mark.django_db


def subjects(**filters):
    return list(Notification.objects.filter(**filters).values_list("subject", flat=True))


def test_routing_to_a_department_tells_its_handlers_only(world):
    p = routed(world, to="department")
    told = subjects(recipient=world.department_handler)
    assert told == [f"信访件 {p.number}：已转送交办贵单位，请在15日内告知是否受理"]
    assert not subjects(recipient=world.town_officer)
    assert not subjects(recipient=world.petition_officer)  # the actor is not told


def test_routing_to_a_town_tells_its_officers(world):
    p = routed(world, to="area")
    assert subjects(recipient=world.town_officer) == [
        f"信访件 {p.number}：已转送交办贵单位，请在15日内告知是否受理"
    ]
    assert not subjects(recipient=world.department_handler)


def test_petitioners_are_told_of_acceptance_and_of_the_reply_by_sms(world):
    p = replied(world)
    sms = Notification.objects.filter(channel="sms").order_by("created_at", "pk")
    assert [n.subject for n in sms] == [
        f"您的信访事项 {p.number} 已受理，将在60日内办结",
        f"您的信访事项 {p.number} 已出具处理意见书，不服可在30日内请求复查",
    ]
    assert {n.recipient_phone_masked for n in sms} == {"138****8000"}
    assert all(n.recipient_id is None and n.recipient_phone_enc for n in sms)
    assert f"信访件 {p.number}：已出具处理意见书" in subjects(recipient=world.petition_officer)


def test_an_objection_tells_the_registering_officer(world):
    p = routed(world, to="department")
    services.petition_object(
        actor=world.department_handler,
        petition=p,
        version=p.version,
        reason="不属于本单位职责",
        now=at(2026, 3, 4),
    )
    assert f"信访件 {p.number}：有权处理机关提出管辖异议，请重新转送" in subjects(
        recipient=world.petition_officer
    )


def test_a_petitioner_without_a_phone_gets_no_sms(world):
    p = register(world, petitioners=[{"name": "李四"}])
    p = services.petition_route(
        actor=world.petition_officer, petition=p, version=p.version,
        department=world.department, now=at(2026, 3, 3),
    )  # fmt: skip
    services.petition_accept(
        actor=world.department_handler, petition=p, version=p.version, now=at(2026, 3, 5)
    )
    assert not Notification.objects.filter(channel="sms").exists()
