"""Helpers of the petition page tests: petitions built through the real services, at the
real "now" (the pages compute deadlines against it)."""

from __future__ import annotations

from typing import Any

from shanzhi.petitions import services
from shanzhi.petitions.models import Petition
from shanzhi.registry.identity import check_digit
from shanzhi.testing.personas import World


def valid_id(first17: str = "37040319900101123") -> str:
    return first17 + check_digit(first17)


def register(world: World, **kwargs: Any) -> Petition:
    values: dict[str, Any] = {
        "channel": "letter",
        "type": "appeal",
        "title": "拆迁补偿款未到位",
        "content": "反映东村拆迁补偿款迟迟未发放。",
        "area": world.village,
        "petitioners": [{"name": "张三", "phone": "13800138000", "id_number": valid_id()}],
    }
    values.update(kwargs)
    return services.petition_register(actor=world.petition_officer, **values)


def routed(world: World, **kwargs: Any) -> Petition:
    p = register(world, **kwargs)
    return services.petition_route(
        actor=world.petition_officer, petition=p, version=p.version, department=world.department
    )


def accepted(world: World, **kwargs: Any) -> Petition:
    p = routed(world, **kwargs)
    return services.petition_accept(actor=world.department_handler, petition=p, version=p.version)


def replied(world: World, **kwargs: Any) -> Petition:
    p = accepted(world, **kwargs)
    return services.reply_issue(
        actor=world.department_handler,
        petition=p,
        version=p.version,
        decision="explain",
        facts="经查，补偿款已列入预算。",
        basis="《国有土地上房屋征收与补偿条例》",
        opinion="向信访人解释说明发放时间。",
        review_body="薛城区人民政府",
    )


def finalised(world: World) -> Petition:
    """A petition whose matter went through 复查 and 复核 (final)."""
    p = replied(world)
    p = services.review_request(
        actor=world.petition_officer,
        petition=p,
        version=p.version,
        reviewing_body="薛城区人民政府",
    )
    p = services.review_decide(
        actor=world.petition_officer,
        petition=p,
        version=p.version,
        decision="uphold",
        opinion="维持原处理意见。",
    )
    p = services.review_request(
        actor=world.petition_officer,
        petition=p,
        version=p.version,
        reviewing_body="枣庄市人民政府",
    )
    return services.review_decide(
        actor=world.petition_officer,
        petition=p,
        version=p.version,
        decision="uphold",
        opinion="维持复查意见。",
    )
