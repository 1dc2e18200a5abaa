from __future__ import annotations

import datetime
import json
from io import StringIO

from django.core.management import call_command

from shanzhi.registry import services

from .factories import person


def test_shanzhi_status_counts_the_registry(world):
    worker = world.grid_worker_a
    building = services.building_create(
        actor=worker, grid=world.grid_a, code="B-1", name="1号楼", address="x", floors=3
    )
    houses = [
        services.house_create(actor=worker, building=building, room=room) for room in ("101", "102")
    ]
    head = person(world, actor=worker)
    person(world, actor=worker, name="李四")
    day = datetime.date(2026, 3, 1)
    services.household_create(
        actor=worker, number="H-1", head=head, grid=world.grid_a, from_date=day
    )
    services.residence_start(
        actor=worker, person=head, house=houses[0], kind="owner", from_date=day
    )
    services.organisation_create(
        actor=worker, grid=world.grid_a, name="超市", kind="other", address="x"
    )
    out = StringIO()
    call_command("shanzhi_status", "--json", stdout=out)
    assert json.loads(out.getvalue())["counts"]["registry"] == {
        "persons": 2,
        "households": 1,
        "buildings": 1,
        "houses": 2,
        "organisations": 1,
        "residences": 1,
    }
