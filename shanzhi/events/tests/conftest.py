"""Fixtures of the events tests (helpers.py holds the functions that build events)."""

from __future__ import annotations

from typing import Any

import pytest

from shanzhi.accounts.models import Department, Role
from shanzhi.events import services
from shanzhi.events.models import EventType
from shanzhi.testing.personas import World, make_post, make_user
from shanzhi.workdays import calendar as workdays
from shanzhi.workdays import services as workdays_services

from .helpers import STREET_TYPE, Cast


@pytest.fixture
def cast(world: World) -> Cast:
    services.catalogue_seed()
    street_type = EventType.objects.get(code=STREET_TYPE)
    street_type.responsible_departments.add(world.department)
    housing = Department.objects.create(name="薛城区住建局", code="370403-ZJ", area=world.xuecheng)
    housing_handler = make_user("housing_handler", "住建办理人")
    make_post(housing_handler, Role.DEPARTMENT_HANDLER, department=housing)
    return Cast(
        world=world, street_type=street_type, housing=housing, housing_handler=housing_handler
    )


@pytest.fixture
def holiday_calendar(db: Any) -> None:
    """The official 2026 calendar (春节 02-15..23 off; 02-14 and 02-28 worked). The data
    migration seeds it; a transactional test's flush may have emptied the tables."""
    if not workdays.work_calendar().has_year(2026):
        workdays_services.calendar_seed(from_year=2026, to_year=2026)
    assert workdays.work_calendar().has_year(2026)
