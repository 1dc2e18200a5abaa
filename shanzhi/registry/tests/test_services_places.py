from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shanzhi.registry import selectors, services
from shanzhi.registry.models import Building, HouseholdMember, Organisation, Residence

DAY = datetime.date(2026, 3, 1)


@pytest.fixture
def building(world):
    return services.building_create(
        actor=world.grid_worker_a,
        grid=world.grid_a,
        code="B-0001",
        name="东村1号楼",
        address="东村路1号",
        lon=117.12,
        lat=34.65,
        floors=6,
        units=2,
    )


def person(world, number="440524188001010014", name="王五"):
    data = services.person_input(name=name, id_type="resident", id_number=number)
    return services.person_create(actor=world.grid_worker_a, grid=world.grid_a, data=data)


def test_house_inherits_grid_and_rejects_duplicate_room(world, building):
    house = services.house_create(
        actor=world.grid_worker_a, building=building, unit="1", room="101"
    )
    assert house.grid_id == world.grid_a.pk
    with pytest.raises(ValidationError):
        services.house_create(actor=world.grid_worker_a, building=building, unit="1", room="101")


def test_house_floor_cannot_exceed_building(world, building):
    with pytest.raises(ValidationError) as exc:
        services.house_create(actor=world.grid_worker_a, building=building, room="901", floor=9)
    assert "层数" in str(exc.value)


def test_residence_history_keeps_ended_periods(world, building):
    house = services.house_create(actor=world.grid_worker_a, building=building, room="101")
    someone = person(world)
    first = services.residence_start(
        actor=world.grid_worker_a, person=someone, house=house, kind="tenant", from_date=DAY
    )
    services.residence_end(actor=world.grid_worker_a, residence=first, to_date=DAY.replace(month=6))
    services.residence_start(
        actor=world.grid_worker_a,
        person=someone,
        house=house,
        kind="owner",
        from_date=DAY.replace(month=7),
    )
    assert Residence.objects.filter(person=someone).count() == 2
    assert [r.kind for r in selectors.person_residences(person=someone)] == ["owner", "tenant"]


def test_person_can_be_in_only_one_current_household(world):
    head = person(world)
    household = services.household_create(
        actor=world.grid_worker_a, number="H-1", head=head, grid=world.grid_a, from_date=DAY
    )
    with pytest.raises(ValidationError):
        services.household_add_member(
            actor=world.grid_worker_a,
            household=household,
            person=head,
            relation="child",
            from_date=DAY,
        )
    assert HouseholdMember.objects.count() == 1


def test_organisation_validates_uscc_and_masks_contact_phone(world):
    org = services.organisation_create(
        actor=world.grid_worker_a,
        grid=world.grid_a,
        name="东村超市",
        kind="enterprise",
        address="东村路2号",
        uscc="91350100M000100Y43",
        contact_phone="13800001234",
    )
    assert org.contact_phone_masked == "138****1234"
    assert "13800001234" not in org.contact_phone_enc
    with pytest.raises(ValidationError) as exc:
        services.organisation_create(
            actor=world.grid_worker_a,
            grid=world.grid_a,
            name="坏代码",
            kind="enterprise",
            address="x",
            uscc="91350100M000100Y42",
        )
    assert "uscc" in exc.value.message_dict
    assert Organisation.objects.count() == 1


def test_worker_of_grid_b_cannot_add_building_in_grid_a(world):
    with pytest.raises(PermissionDenied):
        services.building_create(
            actor=world.grid_worker_b, grid=world.grid_a, code="B-9", name="x", address="x"
        )
    assert Building.objects.count() == 0
