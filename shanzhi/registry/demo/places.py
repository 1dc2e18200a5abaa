"""Places for the registry demo: how much each grid gets, its buildings (points inside the
grid) and houses, its organisations, and the whole draft of a grid as plain data."""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import shapely

from shanzhi.areas import geometry
from shanzhi.areas.demo import plan as area_plan
from shanzhi.areas.models import Area, Level
from shanzhi.core.demo import DemoContext

from .. import identity
from ..identity import Gender
from ..models import Building, Organisation, ResidenceCategory
from .people import (
    REFERENCE_DATE,
    HouseholdPlan,
    IdentityPool,
    PeopleMaker,
    household_sizes,
    mobile,
    person_name,
)

DEMO_PREFIX = "DEMO-"  # building codes and household numbers of demo rows
SHOWCASE_GRIDS = ("370403001001001", "370403001001002")  # gw_a's and gw_b's grids
# Seed figures for 薛城区 (DOMAIN.md §1).
SEED_PERSONS = 484_000
SEED_BUILDINGS = 95_000
SEED_HOUSES = 190_000


# --- Plans ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GridPlan:
    persons: int
    buildings: int
    houses: int
    organisations: int


def small_plan(grid: Area, rng: random.Random) -> GridPlan:
    if grid.code in SHOWCASE_GRIDS:
        return GridPlan(persons=36, buildings=6, houses=16, organisations=2)
    return GridPlan(
        persons=rng.randint(3, 5), buildings=2, houses=3, organisations=rng.randint(0, 1)
    )


def seed_plans(grids: Sequence[Area], ctx: DemoContext) -> list[GridPlan]:
    """The seed's totals shared out over the district's basic grids; community grids are
    denser than village ones."""
    rng = ctx.rng("registry", "seed-plan")
    weights = [(1.4 if is_community(g) else 1.0) * rng.uniform(0.75, 1.3) for g in grids]
    persons = area_plan.allocate(SEED_PERSONS, weights, minimum=60)
    buildings = area_plan.allocate(SEED_BUILDINGS, weights, minimum=10)
    houses = area_plan.allocate(SEED_HOUSES, weights, minimum=0)
    plans = []
    for p, b, h in zip(persons, buildings, houses, strict=True):
        b = min(b, h) if h else b
        plans.append(GridPlan(persons=p, buildings=b, houses=max(h, b), organisations=2))
    # Keep the exact figures: every building has a house, so move any surplus house count.
    surplus = sum(p.houses for p in plans) - SEED_HOUSES
    for i in sorted(range(len(plans)), key=lambda i: -plans[i].houses):
        if surplus <= 0:
            break
        take = min(surplus, plans[i].houses - plans[i].buildings)
        plans[i] = GridPlan(
            persons=plans[i].persons,
            buildings=plans[i].buildings,
            houses=plans[i].houses - take,
            organisations=plans[i].organisations,
        )
        surplus -= take
    return plans


def is_community(grid: Area) -> bool:
    return grid.parent is not None and grid.parent.name.endswith("社区")


def is_seed_sized(district: Area) -> bool:
    plan = area_plan.SEED_PLANS.get(district.code)
    if plan is None:
        return False
    villages = Area.objects.filter(path__startswith=district.path, level=Level.VILLAGE).count()
    return villages == plan.villages


@dataclass(slots=True)
class BuildingPlan:
    code: str
    name: str
    address: str
    lon: float
    lat: float
    floors: int
    units: int
    use: str
    built_year: int
    # (unit, floor, room, floor area) of each house
    houses: list[tuple[str, int, str, Decimal]] = field(default_factory=list)


@dataclass
class GridDraft:
    """Everything one grid gets, as plain data; nothing written yet."""

    grid: Area
    buildings: list[BuildingPlan]
    households: list[HouseholdPlan]
    organisations: list[dict[str, Any]]


@dataclass
class Places:
    district: str
    town: str
    village: str

    @classmethod
    def of(cls, grid: Area) -> Places:
        village = grid.parent
        town = village.parent if village is not None else None
        district = town.parent if town is not None else None
        return cls(
            district=district.name if district else "",
            town=town.name if town else "",
            village=village.name if village else "",
        )


def points_inside(grid: Area, count: int, rng: random.Random) -> list[tuple[float, float]]:
    """``count`` points inside the grid's boundary (its centre when it has none)."""
    geom = geometry.load(grid.boundary)
    if geom is None:
        lon, lat = grid.centroid_lon or 117.3, grid.centroid_lat or 34.8
        return [(lon, lat)] * count
    shapely.prepare(geom)
    minx, miny, maxx, maxy = geom.bounds
    found: list[tuple[float, float]] = []
    for _ in range(50):
        need = (count - len(found)) * 2 + 8
        xs = [rng.uniform(minx, maxx) for _ in range(need)]
        ys = [rng.uniform(miny, maxy) for _ in range(need)]
        inside = shapely.contains_xy(geom, xs, ys)
        found += [(x, y) for x, y, ok in zip(xs, ys, inside, strict=True) if ok]
        if len(found) >= count:
            return [(round(x, 7), round(y, 7)) for x, y in found[:count]]
    point = geom.representative_point()
    return found + [(point.x, point.y)] * (count - len(found))


def plan_buildings(
    grid: Area, plan: GridPlan, rng: random.Random, places: Places
) -> list[BuildingPlan]:
    community = is_community(grid)
    stem = area_plan.stem_of(places.village)
    buildings: list[BuildingPlan] = []
    # Houses per building: one at least, the rest spread, more in taller buildings.
    capacity = [rng.uniform(0.5, 3.0) if community else rng.uniform(0.2, 1.0) for _ in
                range(plan.buildings)]  # fmt: skip
    extra = area_plan.allocate(plan.houses - plan.buildings, capacity) if plan.buildings else []
    points = points_inside(grid, plan.buildings, rng)
    for i, ((lon, lat), more) in enumerate(zip(points, extra, strict=True)):
        count = 1 + more
        units = 1 if count <= 12 else min(6, math.ceil(count / 24))
        per_unit = math.ceil(count / units)
        per_floor = max(2, math.ceil(per_unit / 33))
        floors = math.ceil(per_unit / per_floor)
        if not community and count == 1:
            floors = rng.choice((1, 1, 2))
        use = Building.Use.RESIDENTIAL
        if rng.random() < 0.04:
            use = rng.choice((Building.Use.COMMERCIAL, Building.Use.MIXED))
        number = i + 1
        name = f"{stem}小区{number}号楼" if community else f"{places.village}{number}号院"
        building = BuildingPlan(
            code=f"{DEMO_PREFIX}{grid.code}-{number:04d}",
            name=name,
            address=f"{places.district}{places.town}{places.village}{name}",
            lon=lon,
            lat=lat,
            floors=floors,
            units=units,
            use=use,
            built_year=rng.randint(1985, 2022) if community else rng.randint(1970, 2020),
        )
        for h in range(count):
            unit_index, rest = divmod(h, per_unit)
            floor, position = divmod(rest, per_floor)
            unit = str(unit_index + 1) if units > 1 else ""
            area = Decimal(rng.randint(4500, 14000)) / 100
            building.houses.append((unit, floor + 1, f"{floor + 1}{position + 1:02d}", area))
        buildings.append(building)
    return buildings


def plan_organisations(
    grid: Area, count: int, rng: random.Random, places: Places, serial: int
) -> list[dict[str, Any]]:
    kinds = (  # (kind, name suffix, GB 32100 registering authority and category)
        (Organisation.Kind.ENTERPRISE, "商贸有限公司", "91"),
        (Organisation.Kind.INDIVIDUAL, "便利店", "92"),
        (Organisation.Kind.INDIVIDUAL, "农资门市部", "92"),
        (Organisation.Kind.SOCIAL, "志愿服务协会", "51"),
        (Organisation.Kind.ENTERPRISE, "物业服务有限公司", "91"),
    )
    stem = area_plan.stem_of(places.village)
    organisations = []
    for i in range(count):
        kind, suffix, registrar = rng.choice(kinds)
        organisations.append(
            {
                "name": f"{stem}{suffix}",
                "kind": kind,
                "uscc": synthetic_uscc(registrar, grid.code[:6], serial + i),
                "address": f"{places.district}{places.town}{places.village}{rng.randint(1, 99)}号",
                "legal_representative": person_name(rng, Gender.MALE),
                "contact_name": person_name(rng, Gender.FEMALE),
                "contact_phone": mobile(rng),
                "employees": rng.randint(1, 80),
            }
        )
    return organisations


def synthetic_uscc(registrar: str, region: str, serial: int) -> str:
    """A GB 32100 code with valid check characters; ``serial`` makes it unique."""
    org = f"{serial:08d}"
    org += identity.org_code_check_char(org)
    first17 = f"{registrar}{region}{org}"
    return first17 + identity.uscc_check_char(first17)


def draft_grid(
    ctx: DemoContext, grid: Area, plan: GridPlan, pool: IdentityPool, org_serial: int
) -> GridDraft:
    rng = ctx.rng("registry", grid.code)
    places = Places.of(grid)
    buildings = plan_buildings(grid, plan, rng, places)
    house_count = sum(len(b.houses) for b in buildings)
    maker = PeopleMaker(rng, pool, home_region=grid.code[:6])
    households: list[HouseholdPlan] = []
    for n, size in enumerate(household_sizes(rng, plan.persons)):
        members = maker.household(size)
        tenant = members[0].category != ResidenceCategory.REGISTERED
        house = n % house_count if house_count else -1
        moved_in = REFERENCE_DATE - datetime.timedelta(days=rng.randint(30, 9000))
        households.append(HouseholdPlan(members, house, tenant, max(moved_in, members[0].born)))
    organisations = plan_organisations(grid, plan.organisations, rng, places, org_serial)
    return GridDraft(grid, buildings, households, organisations)
