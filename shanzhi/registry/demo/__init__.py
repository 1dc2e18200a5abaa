"""Demo part: a synthetic registry (基础数据) — persons, households, buildings, houses,
人房关联 and organisations — in the basic grids built by ``shanzhi.areas.demo``.

Small districts get a modest registry (a few hundred persons in the whole city, more in the
showcase grids where the demo's grid workers gw_a and gw_b log in). A seed-scale 薛城区 (916
basic grids) gets the seed's figures: 484,000 persons, 95,000 buildings and 190,000 houses,
with households, residences and organisations.

Everything is synthetic (``people.py``, ``places.py``) and sealed exactly as registered data
is: each person goes through ``services.person_build`` (ID number and phone SM4-encrypted,
blind-indexed and masked) before ``writer.py`` inserts the rows, a group of grids at a time.
ID numbers are valid GB 11643 numbers with a 3704xx region that never repeat: the small
registry uses sequence numbers 900–999 and the seed registry 002–899, so the two never
collide either.

Idempotence works per grid: a grid that already has persons is left alone. A grid's draws
come from ``ctx.rng("registry", grid code)`` and grids are drafted in code order whether or not
they are written, so what a grid gets does not depend on what exists. Demo rows are marked
(``DEMO_NOTE`` in persons' and organisations' notes, ``DEMO-`` in building codes and household
numbers): ``prepare`` removes them from a small 薛城区 before ``--scale seed`` replaces its
grids, and refuses, changing nothing, if registry rows the demo did not make are there.
"""

from __future__ import annotations

import time

from django.contrib.auth.models import Permission
from django.core.management.base import CommandError
from django.db.models import ProtectedError, Q

from shanzhi.accounts.models import User
from shanzhi.areas.demo import plan as area_plan
from shanzhi.areas.models import Area, GridKind, Level
from shanzhi.core.demo import DemoContext

from ..models import Building, House, Household, Organisation, Person, Residence, Tag
from .people import IdentityPool, seed_pool, small_pool
from .places import (
    DEMO_PREFIX,
    SHOWCASE_GRIDS,
    GridDraft,
    GridPlan,
    draft_grid,
    is_seed_sized,
    seed_plans,
    small_plan,
)
from .writer import DEMO_NOTE, Totals, pinyin_memo, write

__all__ = ["DEMO_NOTE", "DEMO_PREFIX", "SHOWCASE_GRIDS", "build", "prepare", "registry_remove"]

# Demo users who may unmask personal data (with a reason, audited).
UNMASK_USERS = ("town_officer", "admin")
TAGS: tuple[tuple[str, str], ...] = (
    ("dibao", "低保"),
    ("disabled", "残疾"),
    ("elderly_alone", "独居老人"),
    ("veteran", "退役军人"),
    ("left_behind_child", "留守儿童"),
    ("key_youth", "重点青少年"),
)
# Persons held in memory before a group of grids is written.
CHUNK_PERSONS = 20_000


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
            started = time.monotonic()
            seed = populate(ctx, grids, seed_plans(grids, ctx), seed_pool(), tags, 10_000_000)
            if seed.persons:
                seconds = time.monotonic() - started
                ctx.log(f"  {district.name}（{district.code}）: {describe(seed)} ({seconds:.0f} s)")
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
