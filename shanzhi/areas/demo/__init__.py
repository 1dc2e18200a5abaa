"""Demo part: a synthetic 枣庄市 — districts, towns, villages, grids and their 1+1+N teams.

The city outline is drawn around Zaozhuang (about 116.8–117.9 E, 34.45–35.3 N); its six
districts carry their real GB/T 2260 codes and are Voronoi cells seeded at their real centres.
Everything below a district is generated (``plan.py``, ``shapes.py``): towns are Voronoi cells
of the district, villages of the town, basic grids of the village — so basic grids tile their
village with no gap and no overlap; dedicated grids are small sites inside a village;
professional grids are a department's own layer over a town. Names and people are synthetic.
Areas are created through ``services.area_create``, which validates every boundary.

Idempotence works per district: a district whose subtree exists is left alone. The one
exception is ``--scale seed``: 薛城区 is then built at the seed's scale. If 薛城区 exists at the
small scale, its subtree is replaced — only if nothing but demo rows hang on it (demo users'
posts and grid teams); anything else (another user's post, events, records, …) stops the
command and, the demo running in one transaction, changes nothing. The small scale never
shrinks a seed-scale 薛城区.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.core.management.base import CommandError
from django.db.models import ProtectedError, Q

from shanzhi.accounts import demo as accounts_demo
from shanzhi.accounts.models import Post, Role, User
from shanzhi.areas import geometry, services
from shanzhi.areas.models import Area, AuxiliaryRole, GridKind, GridMembership, Level, TeamRole
from shanzhi.core.demo import DemoContext

from .plan import (
    AUXILIARY_WEIGHTS,
    CITY_CODE,
    CITY_NAME,
    DISTRICTS,
    SEED_PLANS,
    Node,
    plan_district,
    plan_for,
)
from .shapes import Shape, city_outline, partition

SHOWCASE_DISTRICT = "370403"  # 薛城区: the seed's figures are Xuecheng's
SHOWCASE_VILLAGE = "370403001001"  # its first village: gw_a and gw_b work its first two grids
TEAM_USERNAMES = ("village_officer", "gw_a", "gw_b", "auxiliary")
DEMO_NOTE = "演示数据 synthetic demo data"


def _create(node: Node, parent: Area, departments: dict[str, Any], phone: str) -> Area:
    return services.area_create(
        actor=None,
        level=node.level,
        kind=node.kind,
        name=node.name,
        code=node.code,
        parent=parent,
        boundary=geometry.to_geojson(node.geom),
        supervision_phone=phone if node.level == Level.GRID else "",
        department=departments.get(node.department_key),
        description=f"{node.site} · {DEMO_NOTE}" if node.site else DEMO_NOTE,
        audit=False,
    )


def write_district(ctx: DemoContext, node: Node, district: Area) -> list[tuple[Node, Area]]:
    """Create the subtree below ``district``; return the (node, area) pairs in tree order."""
    rng = ctx.rng("areas", district.code, "phones")
    departments = accounts_demo.departments_ensure(district=district)
    written: list[tuple[Node, Area]] = []

    def walk(parent_node: Node, parent: Area) -> None:
        for child in parent_node.children:
            phone = f"0632-{rng.randint(3100000, 8899999)}"
            area = _create(child, parent, departments, phone)
            written.append((child, area))
            walk(child, area)

    walk(node, district)
    return written


def _start_date(rng: random.Random) -> datetime.date:
    return datetime.date(2023, 1, 1) + datetime.timedelta(days=rng.randint(0, 700))


def _person(fake: Any, username: str) -> dict[str, str]:
    return {"username": username, "real_name": fake.name(), "phone": fake.phone_number()}


def write_teams(ctx: DemoContext, district: Area, written: list[tuple[Node, Area]]) -> None:
    """The 1+1+N teams. Each basic grid: the village's party secretary as 网格长 (one account
    per village, a village-officer post), one full-time grid worker (an account and a
    grid-worker post on that grid) and 1–4 auxiliary members. Dedicated and professional
    grids: a named leader (a headmaster, a section chief)."""
    rng = ctx.rng("teams", district.code)
    fake = ctx.faker("teams", district.code)
    showcase = district.code == SHOWCASE_DISTRICT
    by_code = {area.code: (node, area) for node, area in written}

    secretaries: dict[str, dict[str, str]] = {}
    workers: dict[str, dict[str, str]] = {}
    for node, area in written:
        if node.level == Level.VILLAGE:
            named = showcase and area.code == SHOWCASE_VILLAGE
            secretaries[area.code] = _person(
                fake, "village_officer" if named else f"vo_{area.code}"
            )
        elif node.kind == GridKind.BASIC:
            named = showcase and area.code[:12] == SHOWCASE_VILLAGE
            username = {"001": "gw_a", "002": "gw_b"}.get(area.code[12:]) if named else None
            workers[area.code] = _person(fake, username or f"gw_{area.code}")
    users = accounts_demo.users_create(ctx, [*secretaries.values(), *workers.values()])

    posts: list[Post] = []
    members: list[GridMembership] = []
    for node, area in written:
        if node.level == Level.VILLAGE:
            secretary = users[secretaries[area.code]["username"]]
            posts.append(Post(user=secretary, role=Role.VILLAGE_OFFICER, area=area))
        if node.level != Level.GRID:
            continue
        started = _start_date(rng)
        if node.kind != GridKind.BASIC:
            members.append(
                GridMembership(
                    grid=area,
                    name=fake.name(),
                    phone=fake.phone_number(),
                    role=TeamRole.LEADER,
                    start_date=started,
                )
            )
            continue
        village_node, village = by_code[area.code[:12]]
        for role, person in (
            (TeamRole.LEADER, secretaries[village.code]),
            (TeamRole.WORKER, workers[area.code]),
        ):
            members.append(
                GridMembership(
                    grid=area,
                    user=users[person["username"]],
                    name=person["real_name"],
                    phone=person["phone"],
                    role=role,
                    start_date=started,
                )
            )
        posts.append(
            Post(user=users[workers[area.code]["username"]], role=Role.GRID_WORKER, area=area)
        )
        column = 1 if village_node.community else 0
        roles = list(AUXILIARY_WEIGHTS)
        weights = [AUXILIARY_WEIGHTS[r][column] for r in roles]
        for aux_role in rng.choices(roles, weights=weights, k=rng.randint(1, 4)):
            members.append(
                GridMembership(
                    grid=area,
                    name=fake.name(),
                    phone=fake.phone_number(),
                    role=TeamRole.AUXILIARY,
                    auxiliary_role=aux_role,
                    start_date=started,
                )
            )
    if showcase:
        # One of grid A's auxiliary members (a volunteer) has an account: the 协管员 log-in.
        grid_a = by_code[f"{SHOWCASE_VILLAGE}001"][1]
        person = _person(fake, "auxiliary")
        aux_user = accounts_demo.users_create(ctx, [person])["auxiliary"]
        posts.append(Post(user=aux_user, role=Role.AUXILIARY, area=grid_a))
        members.append(
            GridMembership(
                grid=grid_a,
                user=aux_user,
                name=person["real_name"],
                phone=person["phone"],
                role=TeamRole.AUXILIARY,
                auxiliary_role=AuxiliaryRole.VOLUNTEER,
                start_date=datetime.date(2024, 3, 1),
            )
        )
    Post.objects.bulk_create(posts, batch_size=500)
    GridMembership.objects.bulk_create(members, batch_size=500)


def _subtree_remove(district: Area) -> None:
    """Delete what the demo made below ``district`` (teams, demo users' posts, the team
    accounts, the areas), or raise CommandError if anything else hangs on it."""
    below = Area.objects.filter(path__startswith=district.path).exclude(pk=district.pk)
    posts = Post.objects.filter(area__in=below)
    team = Q(user__username__startswith="gw_") | Q(user__username__startswith="vo_")
    team |= Q(user__username__in=TEAM_USERNAMES)
    refusal = (
        f"{district.name}已挂有演示以外的数据，不能替换为 seed 规模。"
        f"{district.name} has data attached beyond the demo's areas and teams, so the seed "
        "scale cannot replace it. Build the seed scale in a fresh database, e.g.\n"
        "  DATABASE_URL=sqlite:////tmp/seed.sqlite3 ./manage.py migrate && "
        "DATABASE_URL=sqlite:////tmp/seed.sqlite3 ./manage.py shanzhi demo --scale seed"
    )
    if posts.exclude(team | Q(user__username__in=accounts_demo.NAMED_USERNAMES)).exists():
        raise CommandError(refusal)
    team_user_ids = set(posts.filter(team).values_list("user_id", flat=True))
    try:
        GridMembership.objects.filter(grid__in=below).delete()
        posts.delete()
        User.objects.filter(pk__in=team_user_ids, posts__isnull=True).delete()
        for level in (Level.GRID, Level.VILLAGE, Level.TOWN):
            below.filter(level=level).delete()
    except ProtectedError as exc:
        raise CommandError(refusal) from exc


def build(ctx: DemoContext) -> None:
    city = Area.objects.filter(code=CITY_CODE).first()
    if city is None:
        city_geom: Shape = city_outline(ctx.rng("areas", "city"))
        city = services.area_create(
            actor=None,
            level=Level.CITY,
            name=CITY_NAME,
            code=CITY_CODE,
            boundary=geometry.to_geojson(city_geom),
            description=DEMO_NOTE,
            audit=False,
        )
    else:
        city_geom = geometry.load(city.boundary) or city_outline(ctx.rng("areas", "city"))
    existing = {a.code: a for a in Area.objects.filter(parent=city, level=Level.DISTRICT)}
    centres = [centre for _, _, centre in DISTRICTS]
    district_geoms = partition(
        city_geom, len(DISTRICTS), ctx.rng(), seeds=centres, relax=0, ordered=False
    )
    for (code, name, centre), geom in zip(DISTRICTS, district_geoms, strict=True):
        plan = plan_for(code, ctx.scale)
        district = existing.get(code)
        if district is not None:
            villages = Area.objects.filter(
                path__startswith=district.path, level=Level.VILLAGE
            ).count()
            built = villages > 0 or district.children.exists()
            upgrade = ctx.scale == "seed" and code in SEED_PLANS and villages != plan.villages
            if built and not upgrade:
                ctx.log(f"  {name}（{code}）已存在，保留 kept as it is ({villages} 村居)")
                continue
            if built:
                ctx.log(f"  {name}（{code}）替换为 seed 规模 replacing with the seed scale …")
                _subtree_remove(district)
            geom = geometry.load(district.boundary) or geom
        else:
            district = services.area_create(
                actor=None,
                level=Level.DISTRICT,
                name=name,
                code=code,
                parent=city,
                boundary=geometry.to_geojson(geom),
                description=DEMO_NOTE,
                audit=False,
            )
        rng = ctx.rng("areas", code, plan)
        node = plan_district(code=code, name=name, geom=geom, centre=centre, plan=plan, rng=rng)
        written = write_district(ctx, node, district)
        write_teams(ctx, district, written)
        ctx.log(
            f"  {name}（{code}）: {plan.towns} 镇街, {plan.villages} 村居, {plan.basic} 基础 / "
            f"{plan.dedicated} 专属 / {plan.professional} 专业网格"
        )
    for order, username in enumerate(TEAM_USERNAMES, start=60):
        ctx.add_login(username=username, order=order)
