"""Helpers for the petition core tests: instants on the Shanghai calendar and petitions built
through the real services."""

from __future__ import annotations

import datetime
from typing import Any

from shanzhi.petitions import services
from shanzhi.petitions.models import Petition, PetitionTimelineEntry
from shanzhi.testing.personas import World
from shanzhi.workdays.calendar import CALENDAR_TZ

D = datetime.date


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime.datetime:
    return datetime.datetime(y, m, d, hh, mm, tzinfo=CALENDAR_TZ)


def end_of(y: int, m: int, d: int) -> datetime.datetime:
    return datetime.datetime.combine(D(y, m, d), datetime.time.max, tzinfo=CALENDAR_TZ)


ID_NUMBER = "370403199001011234"


def valid_id() -> str:
    from shanzhi.registry.identity import check_digit

    first17 = ID_NUMBER[:17]
    return first17 + check_digit(first17)


def register(
    world: World,
    *,
    actor: Any = None,
    now: datetime.datetime | None = None,
    area: Any = None,
    **kwargs: Any,
) -> Petition:
    values: dict[str, Any] = {
        "channel": "letter",
        "type": "appeal",
        "title": "拆迁补偿款未到位",
        "content": "反映东村拆迁补偿款迟迟未发放。",
        "petitioners": [{"name": "张三", "phone": "13800138000", "id_number": valid_id()}],
    }
    values.update(kwargs)
    return services.petition_register(
        actor=actor or world.petition_officer,
        area=area or world.village,
        now=now or at(2026, 3, 2),
        **values,
    )


def routed(
    world: World, *, to: str = "department", now: datetime.datetime | None = None, **kwargs: Any
) -> Petition:
    p = register(world, now=at(2026, 3, 2), **kwargs)
    target = {"department": world.department} if to == "department" else {"area": world.town}
    return services.petition_route(
        actor=world.petition_officer,
        petition=p,
        version=p.version,
        now=now or at(2026, 3, 3),
        **target,
    )


def holder(world: World, to: str = "department") -> Any:
    return world.department_handler if to == "department" else world.town_officer


def accepted(
    world: World, *, to: str = "department", now: datetime.datetime | None = None, **kwargs: Any
) -> Petition:
    p = routed(world, to=to, **kwargs)
    return services.petition_accept(
        actor=holder(world, to), petition=p, version=p.version, now=now or at(2026, 3, 12)
    )


def replied(world: World, *, now: datetime.datetime | None = None, **kwargs: Any) -> Petition:
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
        now=now or at(2026, 4, 14),
    )


def timeline_count(p: Petition) -> int:
    return PetitionTimelineEntry.objects.filter(petition=p).count()
