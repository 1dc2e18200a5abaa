"""Who may fire each transition, for every persona of the world: one row per transition.

Each attempt runs in a savepoint that is rolled back, so every persona meets the same event.
A refused attempt raises PermissionDenied and changes nothing (state, version, timeline, audit);
the buttons a page would show (``selectors.event_actions``) agree with the service.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from shanzhi.core.models import AuditLog
from shanzhi.events import selectors, services
from shanzhi.events.models import Event, TimelineEntry

from .helpers import PERSONAS, build, fire, fresh, report

TOWN_DISPATCH = {"dispatcher", "town_officer", "city_admin", "superuser"}
DISTRICT_DISPATCH = {"dispatcher", "city_admin", "superuser"}
VERIFIERS = {"grid_worker_a", "village_officer", "town_officer", "superuser"}
SUPERVISORS = {"dispatcher", "leader", "city_admin", "superuser"}

# transition: (state the event is built to, data, personas allowed)
MATRIX: dict[str, tuple[str, dict[str, Any], set[str]]] = {
    "accept": ("reported", {}, TOWN_DISPATCH),
    "reject": ("reported", {"reason": "不属于受理范围"}, TOWN_DISPATCH),
    "escalate": ("reported", {}, TOWN_DISPATCH),
    "merge": ("reported", {"into": "other"}, TOWN_DISPATCH),
    "cancel": ("reported", {"reason": "重复"}, TOWN_DISPATCH | {"grid_worker_a"}),
    "solve_on_spot": ("reported", {"comment": "已当场劝离"}, {"grid_worker_a"}),
    "dispatch": ("accepted", {"area": "village"}, TOWN_DISPATCH),
    "sign": ("dispatched", {}, {"department_handler"}),
    "return": ("dispatched", {"reason": "不属于本部门职责"}, {"department_handler"}),
    "feedback": ("in_progress", {"comment": "已处置"}, {"department_handler"}),
    "request_extension": ("in_progress", {"days": 2, "reason": "需协调"}, {"department_handler"}),
    "approve_extension": ("extension", {}, DISTRICT_DISPATCH),
    "reject_extension": ("extension", {"reason": "理由不足"}, DISTRICT_DISPATCH),
    "suspend": ("in_progress", {"reason": "等待司法程序"}, DISTRICT_DISPATCH),
    "resume": ("suspended", {}, DISTRICT_DISPATCH),
    "supervise": ("in_progress", {"comment": "请尽快办结"}, SUPERVISORS),
    "verify_pass": ("fed_back", {}, VERIFIERS),
    "verify_fail": ("fed_back", {"reason": "摊贩仍在"}, VERIFIERS),
    "evaluate": ("closed", {"satisfaction": "satisfied"}, {"grid_worker_a"}),
    "reopen": ("closed", {"reason": "又来摆摊了"}, {"grid_worker_a"}),
}  # fmt: skip


class Rollback(Exception):
    pass


def snapshot(event: Event) -> tuple[Any, ...]:
    row = Event.objects.values_list("state", "version").get(pk=event.pk)
    return (
        *row,
        TimelineEntry.objects.filter(event=event).count(),
        AuditLog.objects.count(),
    )


def attempt(event: Event, actor: Any, transition: str, data: dict[str, Any]) -> bool:
    before = snapshot(event)
    try:
        with transaction.atomic():
            services.event_transition(
                actor=actor, event=event, transition=transition, version=event.version, **data
            )
            raise Rollback
    except Rollback:
        return True
    except PermissionDenied:
        assert snapshot(event) == before, f"{transition} refused but wrote something"
        return False


def prepare(cast, state: str) -> Event:
    if state == "extension":
        event = build(cast, "in_progress")
        fire(event, cast.department_handler, "request_extension", days=2, reason="需协调")
        return fresh(event)
    return build(cast, state)


@pytest.mark.parametrize("transition", sorted(MATRIX))
def test_who_may_fire(cast, transition):
    state, data, expected = MATRIX[transition]
    event = prepare(cast, state)
    data = dict(data)
    if data.get("into") == "other":
        data["into"] = report(cast)
    if data.get("area") == "village":
        data["area"] = cast.village
    allowed = {name for name in PERSONAS if attempt(event, cast.persona(name), transition, data)}
    assert allowed == expected


@pytest.mark.parametrize("transition", sorted(MATRIX))
def test_buttons_agree_with_the_service(cast, transition):
    state, _, expected = MATRIX[transition]
    event = prepare(cast, state)
    shown = set()
    for name in PERSONAS:
        actions = selectors.event_actions(user=cast.persona(name), event=event)
        if transition in {t.name for t in actions}:
            shown.add(name)
    assert shown == expected


def test_grid_worker_cannot_solve_on_the_spot_in_a_neighbouring_grid(cast):
    event = report(cast, cast.grid_worker_b, point=(117.18, 34.62))
    assert not attempt(fresh(event), cast.grid_worker_a, "solve_on_spot", {"comment": "x"})
    assert attempt(fresh(event), cast.grid_worker_b, "solve_on_spot", {"comment": "x"})


def test_town_officer_loses_dispatch_once_escalated_to_the_district(cast):
    event = fire(build(cast, "accepted"), cast.dispatcher, "escalate")
    assert fresh(event).handling_area == cast.xuecheng
    assert not attempt(fresh(event), cast.town_officer, "dispatch", {"area": cast.village})
    assert attempt(fresh(event), cast.dispatcher, "dispatch", {"lead_department": cast.department})


def test_assisting_department_may_sign_its_own_assignment_only_after_the_lead(cast):
    event = fire(build(cast, "accepted"), cast.dispatcher, "escalate")
    event = fire(
        event,
        cast.dispatcher,
        "dispatch",
        lead_department=cast.department,
        assist_departments=[cast.housing],
    )
    assert not attempt(fresh(event), cast.housing_handler, "sign", {})
    event = fire(event, cast.department_handler, "sign")
    assert attempt(fresh(event), cast.housing_handler, "sign", {})
    assert not attempt(fresh(event), cast.housing_handler, "feedback", {"comment": "x"})
    assert not attempt(fresh(event), cast.housing_handler, "return", {"reason": "x"})


def test_inactive_post_grants_nothing(cast):
    event = build(cast, "reported")
    cast.dispatcher.posts.update(is_active=False)
    assert not attempt(event, cast.dispatcher, "accept", {})
