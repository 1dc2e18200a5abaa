"""Helpers of the events tests: the cast (persona world + catalogue + a second, assisting
department with its handler) and functions that build an event in any state through the real
services.

Points (WGS-84) inside the persona grids: ``POINT_A`` in grid A (东村第一网格, outside the
school's dedicated grid), ``POINT_B`` grid B, ``POINT_C`` grid C, ``POINT_E`` grid E (市中区).
The intake level is the default ("town"): a new event is handled at 常庄街道 until a
dispatcher escalates it to 薛城区, whose departments (城管局, 住建局) can then be dispatched to.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from shanzhi.accounts.models import Department
from shanzhi.events import services
from shanzhi.events.models import Channel, Event, EventType
from shanzhi.testing.personas import World
from shanzhi.workdays import calendar as workdays

POINT_A = (117.12, 34.62)
POINT_B = (117.18, 34.62)
POINT_C = (117.25, 34.65)
POINT_E = (117.55, 34.65)
OUTSIDE = (100.0, 30.0)
STREET_TYPE = "0501"  # 占道经营 (街面秩序), responsible: 薛城区城管局

PERSONAS = (
    "city_admin",
    "dispatcher",
    "town_officer",
    "village_officer",
    "grid_worker_a",
    "grid_worker_b",
    "department_handler",
    "mediator",
    "leader",
    "auditor",
    "citizen",
    "outsider",
    "superuser",
)


@dataclass
class Cast:
    world: World
    street_type: EventType
    housing: Department
    housing_handler: Any

    def __getattr__(self, name: str) -> Any:
        return getattr(self.world, name)

    def persona(self, name: str) -> Any:
        return getattr(self.world, name)


def fresh(event: Event) -> Event:
    return Event.objects.select_related("grid", "handling_area", "type").get(pk=event.pk)


def fire(event: Event, actor: Any, transition: str, **data: Any) -> Event:
    """Fire a transition with the event's current version."""
    return services.event_transition(
        actor=actor, event=event, transition=transition, version=fresh(event).version, **data
    )


def report(
    cast: Cast,
    actor: Any = None,
    *,
    point: tuple[float, float] = POINT_A,
    type_code: str = STREET_TYPE,
    channel: str = Channel.GRID_INSPECTION,
    description: str = "东村路口有人占道经营，影响通行。",
    **kwargs: Any,
) -> Event:
    actor = cast.grid_worker_a if actor is None else actor
    result = services.event_report(
        actor=actor,
        channel=channel,
        type=type_code,
        description=description,
        lon=point[0],
        lat=point[1],
        **kwargs,
    )
    return result.event


def build(cast: Cast, state: str, **report_kwargs: Any) -> Event:
    """An event reported by grid worker A in grid A, taken to ``state`` through the services:
    accepted and escalated to 薛城区 by the district dispatcher before dispatch to 城管局."""
    w = cast.world
    event = report(cast, **report_kwargs)
    if state == "reported":
        return fresh(event)
    if state == "rejected":
        return fresh(fire(event, w.dispatcher, "reject", reason="不属于受理范围"))
    if state == "cancelled":
        return fresh(fire(event, w.dispatcher, "cancel", reason="重复上报"))
    event = fire(event, w.dispatcher, "accept")
    if state == "accepted":
        return fresh(event)
    event = fire(event, w.dispatcher, "escalate")
    event = fire(event, w.dispatcher, "dispatch", lead_department=w.department)
    if state == "dispatched":
        return fresh(event)
    event = fire(event, w.department_handler, "sign")
    if state == "in_progress":
        return fresh(event)
    if state == "suspended":
        return fresh(fire(event, w.dispatcher, "suspend", reason="等待天气好转"))
    event = fire(event, w.department_handler, "feedback", comment="已劝离摊贩，恢复通行。")
    if state == "fed_back":
        return fresh(event)
    event = fire(event, w.grid_worker_a, "verify_pass")
    if state == "closed":
        return fresh(event)
    event = fire(event, w.grid_worker_a, "evaluate", satisfaction="satisfied")
    if state == "evaluated":
        return fresh(event)
    raise ValueError(state)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime.datetime:
    """An instant in Asia/Shanghai."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=workdays.CALENDAR_TZ)
