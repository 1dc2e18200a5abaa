"""The registry's demo part: synthetic, valid, sealed, idempotent; seed figures add up."""

from __future__ import annotations

import datetime
import random
from collections import Counter

import pytest
import shapely
from django.core.management import call_command
from django.core.management.base import CommandError

from shanzhi.accounts.models import User
from shanzhi.areas import geometry
from shanzhi.areas.models import Area, Level
from shanzhi.core.demo import DemoContext
from shanzhi.registry import demo, identity, protection, services
from shanzhi.registry.demo import places
from shanzhi.registry.models import (
    Building,
    House,
    Household,
    HouseholdMember,
    Organisation,
    Person,
    Residence,
)
from shanzhi.registry.status import counts


@pytest.fixture
def small_demo(db):
    call_command("shanzhi_demo", "--quiet")
    return counts()


def test_small_demo_builds_a_modest_registry_and_a_rerun_adds_nothing(small_demo):
    assert 200 <= small_demo["persons"] <= 600
    assert small_demo["buildings"] > 0 and small_demo["organisations"] > 0
    assert small_demo["houses"] >= small_demo["buildings"]
    assert small_demo["residences"] == small_demo["persons"]
    assert HouseholdMember.objects.filter(to_date__isnull=True).count() == small_demo["persons"]
    call_command("shanzhi_demo", "--quiet")
    assert counts() == small_demo


def test_demo_persons_are_sealed_valid_and_synthetic(small_demo):
    numbers = []
    for row in Person.objects.all():
        number = protection.reveal_id(row.id_number_enc)
        assert row.id_masked == identity.mask_id(number)
        if row.id_type == "resident":
            parsed = identity.parse_resident_id(number)
            assert parsed.region.startswith("3704")
            assert (row.gender, row.birth_date) == (parsed.gender, parsed.birth_date)
            assert number[14:17] >= "900"  # the small registry's own sequence numbers
        if row.phone_enc:
            assert row.phone_masked == identity.mask_phone(protection.reveal_phone(row.phone_enc))
        assert row.notes == demo.DEMO_NOTE
        numbers.append(number)
    assert len(set(numbers)) == len(numbers)
    for organisation in Organisation.objects.all():
        assert identity.normalise_uscc(organisation.uscc) == organisation.uscc


def test_showcase_grids_have_residents_and_buildings_lie_inside_their_grids(small_demo):
    for code in demo.SHOWCASE_GRIDS:
        assert Person.objects.filter(grid__code=code).count() == 36
    for building in Building.objects.select_related("grid"):
        grid_shape = geometry.load(building.grid.boundary)
        assert shapely.contains_xy(grid_shape, building.lon, building.lat), building.code
    for house in House.objects.select_related("building"):
        assert house.grid_id == house.building.grid_id
        assert 1 <= house.floor <= house.building.floors


def test_town_officer_and_city_admin_may_unmask(small_demo):
    for username in demo.UNMASK_USERS:
        assert User.objects.get(username=username).has_perm(services.UNMASK_PERMISSION)
    assert not User.objects.get(username="gw_a").has_perm(services.UNMASK_PERMISSION)


def test_removal_before_the_seed_scale_takes_only_demo_rows_or_refuses(small_demo):
    xuecheng = Area.objects.get(code="370403")
    in_xuecheng = {"grid__path__startswith": xuecheng.path}
    grid = Area.objects.filter(path__startswith=xuecheng.path, level=Level.GRID, kind="basic")[0]
    data = services.person_input(
        name="真实登记", id_type="resident", id_number="11010519491231002X"
    )
    stranger = services.person_create(actor=None, grid=grid, data=data)
    before = counts()
    with pytest.raises(CommandError, match="非演示"):
        demo.registry_remove(xuecheng)
    assert counts() == before

    stranger.delete()
    elsewhere = Person.objects.exclude(**in_xuecheng).count()
    demo.registry_remove(xuecheng)
    for model in (Person, Building, House, Household, Organisation):
        assert not model.objects.filter(**in_xuecheng).exists()
    assert not Residence.objects.filter(house__grid__path__startswith=xuecheng.path).exists()
    assert Person.objects.count() == elsewhere > 0


def test_seed_plans_add_up_to_the_seed_figures():
    village = Area(name="振华社区", level=Level.VILLAGE)
    other = Area(name="王庄村", level=Level.VILLAGE)
    grids = [Area(code=f"g{i}", parent=village if i % 3 else other) for i in range(916)]
    plans = demo.seed_plans(grids, DemoContext(scale="seed"))
    assert sum(p.persons for p in plans) == places.SEED_PERSONS == 484_000
    assert sum(p.buildings for p in plans) == places.SEED_BUILDINGS == 95_000
    assert sum(p.houses for p in plans) == places.SEED_HOUSES == 190_000
    assert all(p.houses >= p.buildings > 0 and p.persons > 0 for p in plans)


def test_small_and_seed_identity_numbers_cannot_collide():
    rng = random.Random(1)
    born = datetime.date(1980, 5, 5)
    small = {demo.small_pool().resident(rng, "370403", born, "M")[14:17] for _ in range(200)}
    seed = {demo.seed_pool().resident(rng, "370403", born, "M")[14:17] for _ in range(200)}
    assert min(small) >= "900" and max(seed) < "900"
    pool = demo.seed_pool()
    numbers = [pool.resident(rng, "370481", born, "F") for _ in range(400)]
    assert len(set(numbers)) == 400
    assert all(identity.parse_resident_id(n).gender == "F" for n in numbers)


def test_seed_sized_grid_draft_has_unique_rooms_within_floors(db):
    grid = Area(code="370403001001001", name="网格", parent=Area(name="振华社区"))
    plan = demo.GridPlan(persons=600, buildings=40, houses=300, organisations=2)
    buildings = places.plan_buildings(
        grid, plan, random.Random(3), places.Places("区", "街道", "社区")
    )
    assert sum(len(b.houses) for b in buildings) == 300
    for building in buildings:
        rooms = Counter((unit, room) for unit, _, room, _ in building.houses)
        assert max(rooms.values()) == 1
        assert all(1 <= floor <= building.floors for _, floor, _, _ in building.houses)
