"""Demo part: a synthetic registry (基础数据) — persons, households, buildings, houses,
人房关联 and organisations — in the basic grids built by ``shanzhi.areas.demo``.

Small districts get a modest registry (a few hundred persons in the whole city, more in the
showcase grids of 东村 where the demo's grid workers log in). A seed-scale 薛城区 (916 basic
grids) gets the seed's figures: 484,000 persons, 95,000 buildings and 190,000 houses, with
households, residences and organisations.

Everything is synthetic and sealed exactly as registered data is: each person goes through
``services.person_build`` (ID number and phone SM4-encrypted, blind-indexed and masked), then
rows are written with ``bulk_create`` in batches. ID numbers are valid GB 11643 numbers with a
3704xx region, drawn so that no two coincide: the small registry uses sequence numbers
900–999 and the seed registry 000–899, so the two never collide either.

Idempotence works per grid: a grid that already has persons is left alone. Draws come from
``ctx.rng("registry", grid code)``, so a grid's contents do not depend on which other grids
were built before. Demo rows are marked (``DEMO_NOTE`` in persons' and organisations' notes,
``DEMO-`` in building codes and household numbers); ``prepare`` removes them from a small
薛城区 before ``--scale seed`` replaces its grids, and refuses if other registry rows are there.
"""

from __future__ import annotations

import datetime
import functools
import math
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import shapely
from django.contrib.auth.models import Permission
from django.core.management.base import CommandError
from django.db import connection, models
from django.db.models import ProtectedError, Q
from django.utils import timezone

from shanzhi.accounts.models import User
from shanzhi.areas import geometry
from shanzhi.areas.demo import plan as area_plan
from shanzhi.areas.models import Area, GridKind, Level
from shanzhi.core.demo import DemoContext

from . import identity, protection, services
from .identity import Gender, IdType
from .models import (
    Building,
    House,
    Household,
    HouseholdMember,
    Organisation,
    Person,
    PoliticalStatus,
    Relation,
    Residence,
    ResidenceCategory,
    Tag,
)

DEMO_NOTE = "演示数据 synthetic demo data"
DEMO_PREFIX = "DEMO-"
# Births are drawn back from this date, not from today, so a rerun on another day draws the
# same numbers.
REFERENCE_DATE = datetime.date(2025, 12, 31)
# Demo users who may unmask personal data (with a reason, audited).
UNMASK_USERS = ("town_officer", "admin")
SHOWCASE_GRIDS = ("370403001001001", "370403001001002")  # gw_a's and gw_b's grids

TAGS: tuple[tuple[str, str], ...] = (
    ("dibao", "低保"),
    ("disabled", "残疾"),
    ("elderly_alone", "独居老人"),
    ("veteran", "退役军人"),
    ("left_behind_child", "留守儿童"),
    ("key_youth", "重点青少年"),
)

# Seed figures for 薛城区 (DOMAIN.md §1).
SEED_PERSONS = 484_000
SEED_BUILDINGS = 95_000
SEED_HOUSES = 190_000
# Rows per INSERT statement (SQLite lowers it to fit its parameter limit by itself).
BATCH = 2000
# Persons held in memory before a group of grids is written.
CHUNK_PERSONS = 20_000


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


# --- Synthetic people -----------------------------------------------------------------------------

SURNAME_WEIGHTS = [1 / (i + 8) for i in range(len(area_plan.SURNAMES))]
MALE_CHARS = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁浩凯健俊帆帅旭宇晨阳龙林峰建国志东海亮成"
FEMALE_CHARS = "芳娜敏静丽艳娟霞燕玲婷慧莹雪琳颖倩洁红梅兰凤云秀英华玉萍桂珍晶欣怡悦佳瑶璐"
COMMON_CHARS = "文家子嘉思雨梓一诗博安新晓天永春立德"
OCCUPATIONS_ADULT = (
    "务农", "务农", "工人", "工人", "个体经营", "公司职员", "教师", "司机", "建筑工人",
    "医护人员", "服务员", "厨师", "保安", "快递员", "自由职业", "无业",
)  # fmt: skip
# Regions of Zaozhuang (GB/T 2260) an ID number may carry; floating residents come from another.
REGIONS: dict[str, str] = {code: name for code, name, _ in area_plan.DISTRICTS}
NATIONALITIES = ("韩国", "日本", "越南", "泰国", "美国", "德国", "巴基斯坦", "俄罗斯")
# Age in years: (lowest, highest, weight) bands, roughly a county's population pyramid.
AGE_BANDS = ((0, 14, 16), (15, 29, 17), (30, 44, 21), (45, 59, 24), (60, 74, 16), (75, 96, 6))
HOUSEHOLD_SIZES = ((1, 18), (2, 28), (3, 26), (4, 16), (5, 8), (6, 4))
MOBILE_PREFIXES = "133 135 136 137 138 139 150 151 152 155 157 158 159 177 180 182 186 188".split()


class IdentityPool:
    """Unique synthetic identity numbers for one run.

    A GB 11643 number is region (6) + birth date (8) + sequence (3, odd for men, even for
    women) + check digit. Each plan draws its sequence pairs from its own range, so the small
    and the seed registries cannot collide; within a run a set of used numbers decides.
    """

    def __init__(self, pairs: range, passport_base: int) -> None:
        self.pairs = pairs
        self.used: set[int] = set()
        self.passports = passport_base

    def resident(self, rng: random.Random, region: str, born: datetime.date, gender: str) -> str:
        ymd = born.year * 10_000 + born.month * 100 + born.day
        parity = 1 if gender == Gender.MALE else 0
        while True:
            seq = 2 * rng.randrange(self.pairs.start, self.pairs.stop) + parity
            key = (int(region) * 100_000_000 + ymd) * 1000 + seq
            if key not in self.used:
                self.used.add(key)
                break
        first17 = f"{region}{ymd:08d}{seq:03d}"
        return first17 + identity.check_digit(first17)

    def passport(self) -> str:
        self.passports += 1
        return f"E{self.passports:08d}"


def small_pool() -> IdentityPool:
    return IdentityPool(range(450, 500), passport_base=90_000_000)


def seed_pool() -> IdentityPool:
    return IdentityPool(range(1, 450), passport_base=10_000_000)


@dataclass(slots=True)
class Resident:
    name: str
    gender: str
    born: datetime.date
    id_type: str
    id_number: str
    phone: str
    category: str
    relation: str
    political: str
    occupation: str
    origin: str
    tags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class HouseholdPlan:
    members: list[Resident]
    house: int  # index into the grid's houses
    tenant: bool
    moved_in: datetime.date


def _given_names(chars: str, count: int, rng: random.Random) -> tuple[str, ...]:
    names: set[str] = set()
    while len(names) < count:
        if rng.random() < 0.25:
            names.add(rng.choice(chars))
        else:
            first = rng.choice(COMMON_CHARS) if rng.random() < 0.3 else rng.choice(chars)
            names.add(first + rng.choice(chars))
    return tuple(sorted(names))


# Given names come from a fixed pool per gender, as real ones cluster; it also lets the pinyin
# of repeated names be reused (``pinyin_memo``).
_POOL_RNG = random.Random("registry-given-names")  # noqa: S311 - synthetic names
GIVEN_NAMES = {
    Gender.MALE: _given_names(MALE_CHARS, 500, _POOL_RNG),
    Gender.FEMALE: _given_names(FEMALE_CHARS, 500, _POOL_RNG),
}


def person_name(rng: random.Random, gender: str, surname: str | None = None) -> str:
    surname = surname or rng.choices(area_plan.SURNAMES, weights=SURNAME_WEIGHTS)[0]
    return surname + rng.choice(
        GIVEN_NAMES[Gender.MALE if gender == Gender.MALE else Gender.FEMALE]
    )


def birth_date(rng: random.Random, lowest: int, highest: int) -> datetime.date:
    lowest = min(max(0, lowest), 98)
    highest = min(max(lowest, highest), 98)
    days = rng.randint(lowest * 365 + 1, highest * 365 + 364)
    return REFERENCE_DATE - datetime.timedelta(days=days)


def age_of(born: datetime.date) -> int:
    return (REFERENCE_DATE - born).days // 365


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


class PeopleMaker:
    """Households of plausible people: a head, a spouse, children, sometimes a parent."""

    def __init__(self, rng: random.Random, pool: IdentityPool, home_region: str) -> None:
        self.rng = rng
        self.pool = pool
        self.home_region = home_region

    def person(
        self, *, gender: str, born: datetime.date, relation: str, category: str, surname: str = ""
    ) -> Resident:
        rng = self.rng
        age = age_of(born)
        origin = ""
        if category == ResidenceCategory.OVERSEAS:
            id_type, number = IdType.PASSPORT, self.pool.passport()
            origin = rng.choice(NATIONALITIES)
        else:
            region = self.home_region
            if category == ResidenceCategory.FLOATING or rng.random() < 0.12:
                region = rng.choice([r for r in REGIONS if r != self.home_region])
            if category == ResidenceCategory.FLOATING:
                origin = f"{area_plan.CITY_NAME}{REGIONS[region]}"
            id_type, number = IdType.RESIDENT, self.pool.resident(rng, region, born, gender)
        if age < 7:
            occupation = "学龄前儿童"
        elif age < 19:
            occupation = "学生"
        elif age >= 62:
            occupation = "退休" if rng.random() < 0.5 else "务农"
        else:
            occupation = rng.choice(OCCUPATIONS_ADULT)
        political = PoliticalStatus.MASSES
        if age >= 18 and rng.random() < 0.09:
            political = PoliticalStatus.PARTY_MEMBER
        elif 14 <= age <= 28 and rng.random() < 0.3:
            political = PoliticalStatus.LEAGUE_MEMBER
        resident = Resident(
            name=person_name(rng, gender, surname or None),
            gender=gender,
            born=born,
            id_type=id_type,
            id_number=number,
            phone=mobile(rng) if age >= 16 and rng.random() < 0.92 else "",
            category=category,
            relation=relation,
            political=political,
            occupation=occupation,
            origin=origin,
        )
        if rng.random() < 0.03:
            resident.tags.append("dibao")
        if rng.random() < 0.02:
            resident.tags.append("disabled")
        if gender == Gender.MALE and age >= 40 and rng.random() < 0.05:
            resident.tags.append("veteran")
        if 14 <= age <= 25 and rng.random() < 0.01:
            resident.tags.append("key_youth")
        return resident

    def household(self, size: int) -> list[Resident]:
        rng = self.rng
        roll = rng.random()
        category = (
            ResidenceCategory.FLOATING
            if roll < 0.14
            else ResidenceCategory.OVERSEAS
            if roll < 0.145
            else ResidenceCategory.REGISTERED
        )
        head_gender = Gender.MALE if rng.random() < 0.7 else Gender.FEMALE
        lowest, highest, _ = rng.choices(AGE_BANDS[1:], weights=[b[2] for b in AGE_BANDS[1:]])[0]
        head_born = birth_date(rng, max(lowest, 20), highest)
        head_age = age_of(head_born)
        head = self.person(
            gender=head_gender, born=head_born, relation=Relation.HEAD, category=category
        )
        surname = head.name[0]
        members = [head]
        if size >= 2:
            other = Gender.FEMALE if head_gender == Gender.MALE else Gender.MALE
            spouse_age = head_age + rng.randint(-5, 5)
            members.append(
                self.person(
                    gender=other,
                    born=birth_date(rng, max(18, spouse_age), max(18, spouse_age)),
                    relation=Relation.SPOUSE,
                    category=category,
                )
            )
        for _ in range(size - len(members)):
            if head_age >= 55 and rng.random() < 0.5:
                relation, age = Relation.GRANDCHILD, head_age - rng.randint(45, 60)
            elif head_age <= 60 and rng.random() < 0.18:
                relation, age = Relation.PARENT, head_age + rng.randint(22, 32)
            else:
                relation, age = Relation.CHILD, head_age - rng.randint(20, 38)
            age = max(0, min(96, age))
            child_category = category
            if (
                category == ResidenceCategory.REGISTERED
                and relation in (Relation.CHILD, Relation.GRANDCHILD)
                and age < 16
                and rng.random() < 0.08
            ):
                child_category = ResidenceCategory.LEFT_BEHIND
            gender = Gender.MALE if rng.random() < 0.51 else Gender.FEMALE
            member = self.person(
                gender=gender,
                born=birth_date(rng, age, age),
                relation=relation,
                category=child_category,
                surname=surname if relation != Relation.PARENT or gender == head_gender else "",
            )
            if child_category == ResidenceCategory.LEFT_BEHIND:
                member.tags.append("left_behind_child")
            members.append(member)
        if size == 1 and head_age >= 70:
            head.tags.append("elderly_alone")
        return members


def household_sizes(rng: random.Random, persons: int) -> list[int]:
    sizes: list[int] = []
    left = persons
    while left > 0:
        size = rng.choices([s for s, _ in HOUSEHOLD_SIZES], weights=[w for _, w in HOUSEHOLD_SIZES])
        sizes.append(min(size[0], left))
        left -= sizes[-1]
    return sizes


# --- Places ---------------------------------------------------------------------------------------


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


# --- Writing --------------------------------------------------------------------------------------


@contextmanager
def pinyin_memo() -> Iterator[None]:
    """Memoise ``services.name_pinyin`` while the demo builds: a name's pinyin depends only on
    the name, generated names repeat, and pypinyin is the slowest step of ``person_build``."""
    original = services.name_pinyin
    services.name_pinyin = functools.lru_cache(maxsize=200_000)(original)  # type: ignore[assignment]
    try:
        yield
    finally:
        services.name_pinyin = original  # type: ignore[assignment]


@dataclass
class Totals:
    persons: int = 0
    households: int = 0
    buildings: int = 0
    houses: int = 0
    residences: int = 0
    organisations: int = 0

    def add(self, other: Totals) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class RowWriter:
    """Plain multi-row inserts with ids allocated up front: ``COPY`` on PostgreSQL,
    ``executemany`` elsewhere.

    ``bulk_create`` spends most of its time preparing each value of each row through the field
    machinery; at the seed's two million rows that is minutes of the demo's run. The values
    are the same — persons still come from ``services.person_build`` — only the path to the
    table is shorter. Columns a row leaves out get the field's default (``auto_now`` fields:
    now).
    """

    def __init__(self) -> None:
        self.now = timezone.now()
        self.ops = connection.ops

    def ids(self, model: type[models.Model], count: int) -> list[int]:
        if not count:
            return []
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite: the demo's transaction holds the database's write lock.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.ops.quote_name(table)}")  # noqa: S608
            first = cursor.fetchone()[0] + 1
            return list(range(first, first + count))

    def _adapter(self, field: models.Field) -> Any:
        if isinstance(field, models.DateTimeField):
            return self.ops.adapt_datetimefield_value
        if isinstance(field, models.DateField):
            return self.ops.adapt_datefield_value
        if isinstance(field, models.DecimalField):
            return lambda v: self.ops.adapt_decimalfield_value(
                v, field.max_digits, field.decimal_places
            )
        return None

    def insert(self, model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        fields = [
            f for f in model._meta.concrete_fields if f.attname in rows[0] or not f.primary_key
        ]  # without ids in the rows, the database numbers them
        plan = []
        for f in fields:
            adapt = self._adapter(f)
            now = None
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                now = adapt(self.now) if adapt is not None else self.now
            plan.append((f.attname, f.get_default(), now, adapt))
        values = []
        for row in rows:
            out = []
            for attname, default, now, adapt in plan:
                value = row.get(attname, default)
                if value is None:
                    out.append(now)
                elif adapt is not None:
                    out.append(adapt(value))
                else:
                    out.append(value)
            values.append(tuple(out))
        table = self.ops.quote_name(model._meta.db_table)
        columns = ", ".join(self.ops.quote_name(f.column) for f in fields)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
            else:
                marks = ", ".join(["%s"] * len(fields))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)  # noqa: S608


def person_row(person: Person) -> dict[str, Any]:
    return {f.attname: getattr(person, f.attname) for f in Person._meta.concrete_fields}


def write(drafts: list[GridDraft], tags: dict[str, Tag]) -> Totals:
    """Write a group of grid drafts: a handful of multi-row inserts per table."""
    out = RowWriter()
    totals = Totals()
    building_rows: list[dict[str, Any]] = []
    house_rows: list[dict[str, Any]] = []
    houses_of: list[list[dict[str, Any]]] = []  # per draft: its houses, in plan order
    n_buildings = sum(len(d.buildings) for d in drafts)
    building_ids = iter(out.ids(Building, n_buildings))
    house_ids = iter(out.ids(House, sum(len(b.houses) for d in drafts for b in d.buildings)))
    for draft in drafts:
        mine: list[dict[str, Any]] = []
        for plan in draft.buildings:
            building_id = next(building_ids)
            building_rows.append(
                {
                    "id": building_id, "code": plan.code, "name": plan.name,
                    "address": plan.address, "grid_id": draft.grid.pk, "lon": plan.lon,
                    "lat": plan.lat, "floors": plan.floors, "units": plan.units,
                    "use": plan.use, "built_year": plan.built_year,
                }
            )  # fmt: skip
            for unit, floor, room, area in plan.houses:
                unit_text = f"{unit}单元" if unit else ""
                mine.append(
                    {
                        "id": next(house_ids), "building_id": building_id,
                        "grid_id": draft.grid.pk, "unit": unit, "floor": floor, "room": room,
                        "floor_area": area, "status": House.Status.VACANT, "owner_id": None,
                        "address": f"{plan.address}{unit_text}{room}室",
                    }
                )  # fmt: skip
        house_rows += mine
        houses_of.append(mine)

    n_persons = sum(len(h.members) for d in drafts for h in d.households)
    person_ids = iter(out.ids(Person, n_persons))
    person_rows: list[dict[str, Any]] = []
    household_rows: list[dict[str, Any]] = []
    member_rows: list[dict[str, Any]] = []
    residence_rows: list[dict[str, Any]] = []
    tag_rows: list[dict[str, Any]] = []
    n_households = sum(len(d.households) for d in drafts)
    household_ids = iter(out.ids(Household, n_households))
    for draft, houses in zip(drafts, houses_of, strict=True):
        for n, household in enumerate(draft.households):
            house = houses[household.house] if household.house >= 0 else None
            address = house["address"] if house is not None else ""
            household_id = next(household_ids)
            head_id = 0
            for resident in household.members:
                data = services.PersonInput(
                    name=resident.name, id_type=resident.id_type, id_number=resident.id_number,
                    gender=resident.gender, birth_date=resident.born, phone=resident.phone,
                )  # fmt: skip
                person = services.person_build(
                    data=data, grid=draft.grid, residence_category=resident.category,
                    registered_address=address if resident.category == "registered" else "",
                    current_address=address, origin_place=resident.origin,
                    occupation=resident.occupation, political_status=resident.political,
                    notes=DEMO_NOTE,
                )  # fmt: skip
                row = person_row(person)
                row["id"] = person_id = next(person_ids)
                person_rows.append(row)
                head_id = head_id or person_id
                since = max(household.moved_in, resident.born)
                member_rows.append(
                    {
                        "household_id": household_id, "person_id": person_id,
                        "relation": resident.relation, "from_date": since, "to_date": None,
                    }
                )  # fmt: skip
                if house is not None:
                    kind = Residence.Kind.TENANT if household.tenant else Residence.Kind.FAMILY
                    if resident.relation == Relation.HEAD and not household.tenant:
                        kind = Residence.Kind.OWNER
                    residence_rows.append(
                        {
                            "person_id": person_id, "house_id": house["id"], "kind": kind,
                            "from_date": since, "to_date": None,
                        }
                    )  # fmt: skip
                tag_rows += [{"person_id": person_id, "tag_id": tags[t].pk} for t in resident.tags]
            if house is not None:
                if household.tenant:
                    house["status"] = House.Status.RENTED
                elif house["owner_id"] is None:
                    house["owner_id"] = head_id
                    house["status"] = House.Status.SELF_OCCUPIED
            household_rows.append(
                {
                    "id": household_id,
                    "number": f"{DEMO_PREFIX}{draft.grid.code}-H{n + 1:04d}",
                    "head_id": head_id, "house_id": house["id"] if house else None,
                    "address": address, "grid_id": draft.grid.pk,
                }
            )  # fmt: skip

    organisation_rows = []
    for draft in drafts:
        for org in draft.organisations:
            org = dict(org)
            sealed = protection.seal_phone(org.pop("contact_phone"))
            organisation_rows.append(
                {
                    **org, "grid_id": draft.grid.pk, "notes": DEMO_NOTE,
                    "contact_phone_enc": sealed.enc, "contact_phone_index": sealed.index,
                    "contact_phone_masked": sealed.masked,
                }
            )  # fmt: skip

    out.insert(Building, building_rows)
    out.insert(Person, person_rows)
    out.insert(House, [{k: v for k, v in h.items() if k != "address"} for h in house_rows])
    out.insert(Household, household_rows)
    out.insert(HouseholdMember, member_rows)
    out.insert(Residence, residence_rows)
    out.insert(Person.tags.through, tag_rows)
    out.insert(Organisation, organisation_rows)
    totals.persons, totals.households = len(person_rows), len(household_rows)
    totals.buildings, totals.houses = len(building_rows), len(house_rows)
    totals.residences, totals.organisations = len(residence_rows), len(organisation_rows)
    return totals


def populate(
    ctx: DemoContext,
    grids: list[Area],
    plans: list[GridPlan],
    pool: IdentityPool,
    tags: dict[str, Tag],
    org_base: int,
) -> Totals:
    """Draft every grid in code order (so identity numbers do not depend on what exists) and
    write the drafts of grids that have no persons yet, a group at a time."""
    populated = set(Person.objects.order_by().values_list("grid_id", flat=True).distinct())
    totals = Totals()
    if all(grid.pk in populated for grid in grids):
        return totals
    pending: list[GridDraft] = []
    pending_persons = 0
    serial = org_base
    for grid, plan in zip(grids, plans, strict=True):
        draft = draft_grid(ctx, grid, plan, pool, serial)
        serial += plan.organisations
        if grid.pk in populated:
            continue
        pending.append(draft)
        pending_persons += plan.persons
        if pending_persons >= CHUNK_PERSONS:
            totals.add(write(pending, tags))
            ctx.log(f"    … {totals.persons} 人 persons")
            pending, pending_persons = [], 0
    if pending:
        totals.add(write(pending, tags))
    return totals


def tags_ensure() -> dict[str, Tag]:
    found = {t.code: t for t in Tag.objects.filter(code__in=[code for code, _ in TAGS])}
    for code, name in TAGS:
        if code not in found:
            found[code] = Tag.objects.create(code=code, name=name)
    return found


def unmask_grant() -> None:
    permission = Permission.objects.get(
        content_type__app_label="registry", codename="unmask_personal_data"
    )
    for user in User.objects.filter(username__in=UNMASK_USERS):
        user.user_permissions.add(permission)


def basic_grids(district: Area) -> list[Area]:
    return list(
        Area.objects.filter(
            path__startswith=district.path, level=Level.GRID, kind=GridKind.BASIC, is_active=True
        )
        .select_related("parent__parent__parent")
        .order_by("code")
    )


# --- The part's entry points ----------------------------------------------------------------------


def build(ctx: DemoContext) -> None:
    tags = tags_ensure()
    unmask_grant()
    districts = list(
        Area.objects.filter(level=Level.DISTRICT, parent__code=area_plan.CITY_CODE).order_by("code")
    )
    small_grids: list[Area] = []
    seed_districts: list[Area] = []
    for district in districts:
        if is_seed_sized(district):
            seed_districts.append(district)
        else:
            small_grids += basic_grids(district)
    with pinyin_memo():
        small = populate(
            ctx,
            small_grids,
            [small_plan(g, ctx.rng("registry", "plan", g.code)) for g in small_grids],
            small_pool(),
            tags,
            org_base=90_000_000,
        )
        if small.persons:
            ctx.log(f"  基础数据 registry: {describe(small)}")
        for district in seed_districts:
            grids = basic_grids(district)
            ctx.log(f"  {district.name}基础数据 registry at the seed's scale …")
            seed = populate(ctx, grids, seed_plans(grids, ctx), seed_pool(), tags, 10_000_000)
            if seed.persons:
                ctx.log(f"  {district.name}（{district.code}）: {describe(seed)}")
            else:
                ctx.log(f"  {district.name}（{district.code}）基础数据已存在，跳过 exists, kept")


def describe(totals: Totals) -> str:
    return (
        f"{totals.persons} 人 persons, {totals.households} 户 households, "
        f"{totals.buildings} 楼栋 buildings, {totals.houses} 房屋 houses, "
        f"{totals.residences} 人房关联 residences, {totals.organisations} 单位 organisations"
    )


def prepare(ctx: DemoContext) -> None:
    """Before ``--scale seed`` replaces a small 薛城区 (shanzhi.areas.demo), remove the
    registry demo rows in it, which would otherwise hold its grids; refuse, changing nothing,
    if registry rows that the demo did not make are there."""
    if ctx.scale != "seed":
        return
    for code in area_plan.SEED_PLANS:
        district = Area.objects.filter(code=code, level=Level.DISTRICT).first()
        if district is None or is_seed_sized(district):
            continue
        registry_remove(district)


def registry_remove(district: Area) -> None:
    in_district = Q(grid__path__startswith=district.path)
    persons = Person.objects.filter(in_district)
    buildings = Building.objects.filter(in_district)
    households = Household.objects.filter(in_district)
    organisations = Organisation.objects.filter(in_district)
    strangers = (
        persons.exclude(notes=DEMO_NOTE).exists()
        or organisations.exclude(notes=DEMO_NOTE).exists()
        or buildings.exclude(code__startswith=DEMO_PREFIX).exists()
        or households.exclude(number__startswith=DEMO_PREFIX).exists()
        or House.objects.filter(in_district)
        .exclude(building__code__startswith=DEMO_PREFIX)
        .exists()
    )
    if strangers:
        raise CommandError(
            f"{district.name}已有非演示的基础数据，不能替换为 seed 规模；请使用新的数据库。"
            f" ({district.name} has registry data the demo did not make; use a fresh database "
            "for --scale seed.)"
        )
    try:
        Residence.objects.filter(
            Q(person__in=persons) | Q(house__grid__path__startswith=district.path)
        ).delete()
        households.delete()
        House.objects.filter(in_district).delete()
        buildings.delete()
        persons.delete()
        organisations.delete()
    except ProtectedError as exc:
        raise CommandError(
            f"{district.name}的演示人员上已有其他数据，不能替换为 seed 规模；请使用新的数据库。"
            f" ({district.name}'s demo persons already have data attached; use a fresh "
            "database for --scale seed.)"
        ) from exc
