"""``manage.py shanzhi demo``: the synthetic 枣庄 (areas, grids, teams, demo log-ins).

These tests run the areas and accounts demo parts only; later parts test their own."""

from __future__ import annotations

import random
from io import StringIO

import pytest
import shapely
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from shanzhi.accounts.models import Department, Post, Role, User
from shanzhi.areas import geometry
from shanzhi.areas.demo import plan as demo_plan
from shanzhi.areas.demo.shapes import city_outline
from shanzhi.areas.models import Area, GridKind, GridMembership, Level, TeamRole
from shanzhi.areas.selectors import area_list
from shanzhi.areas.services import validate_code
from shanzhi.core.management.commands import shanzhi_demo

DISTRICT_CODES = {
    "370402": "市中区",
    "370403": "薛城区",
    "370404": "峄城区",
    "370405": "台儿庄区",
    "370406": "山亭区",
    "370481": "滕州市",
}


MY_PARTS = ("shanzhi.areas.demo", "shanzhi.accounts.demo")


@pytest.fixture(autouse=True)
def only_area_and_account_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shanzhi_demo, "DEMO_PARTS", MY_PARTS)


def build_demo(**options: object) -> None:
    call_command("shanzhi_demo", quiet=True, **options)


def counts() -> dict[str, int]:
    return {
        "areas": Area.objects.count(),
        "users": User.objects.count(),
        "posts": Post.objects.count(),
        "members": GridMembership.objects.count(),
        "departments": Department.objects.count(),
    }


def grid_counts(under: str) -> dict[str, int]:
    return Area.objects.filter(path__startswith=under).aggregate(
        villages=Count("pk", filter=Q(level=Level.VILLAGE)),
        basic=Count("pk", filter=Q(kind=GridKind.BASIC)),
        dedicated=Count("pk", filter=Q(kind=GridKind.DEDICATED)),
        professional=Count("pk", filter=Q(kind=GridKind.PROFESSIONAL)),
    )


@pytest.fixture
def demo(db: None) -> None:
    build_demo()


def test_small_demo_builds_the_city_and_six_districts_with_their_real_codes(demo: None) -> None:
    city = Area.objects.get(level=Level.CITY)
    assert (city.code, city.name) == ("370400", "枣庄市")
    districts = Area.objects.filter(level=Level.DISTRICT, parent=city)
    assert {d.code: d.name for d in districts} == DISTRICT_CODES
    west, south, east, north = geometry.load(city.boundary).bounds
    assert 116.75 < west and east < 117.95 and 34.4 < south and north < 35.35
    for code, _, (lon, lat) in demo_plan.DISTRICTS:  # each district holds its real centre
        assert geometry.load(districts.get(code=code).boundary).contains(shapely.Point(lon, lat))


def test_every_boundary_is_valid_and_inside_its_parent(demo: None) -> None:
    areas = {a.pk: a for a in Area.objects.all()}
    assert all(a.boundary for a in areas.values())
    for area in areas.values():
        geom = geometry.parse_boundary(area.boundary)
        if area.parent_id:
            geometry.check_inside_parent(geom, geometry.load(areas[area.parent_id].boundary))
        assert area.area_km2 > 0


def test_children_tile_their_parent_without_gap_or_overlap(demo: None) -> None:
    """Districts tile the city, towns their district, villages their town, basic grids their
    village: union ≈ parent, and no two siblings overlap beyond rounding."""
    parents = Area.objects.filter(level__lt=Level.GRID)
    tiled = 0
    for parent in parents:
        children = [
            (c.name, geometry.load(c.boundary))
            for c in parent.children.all()
            if c.level < Level.GRID or c.kind == GridKind.BASIC
        ]
        parent_geom = geometry.load(parent.boundary)
        union = shapely.union_all([g for _, g in children])
        assert shapely.symmetric_difference(union, parent_geom).area < 1e-9 * parent_geom.area
        for i, (_, geom) in enumerate(children):
            geometry.check_no_overlap(geom, children[i + 1 :])
        tiled += 1
    assert tiled == parents.count() > 40


def test_codes_follow_gbt2260_and_belong_under_their_parent(demo: None) -> None:
    for area in Area.objects.select_related("parent", "department"):
        validate_code(level=area.level, code=area.code, parent=area.parent)
        suffix = area.code[len(area.parent.code) :] if area.parent else area.code
        if area.level in (Level.TOWN, Level.VILLAGE) or area.kind == GridKind.BASIC:
            assert len(suffix) == 3 and suffix.isdigit()
        if area.kind == GridKind.BASIC:
            assert area.parent.level == Level.VILLAGE and area.name.endswith("网格")
        elif area.kind == GridKind.DEDICATED:
            assert area.parent.level == Level.VILLAGE and suffix[0] == "Z"
            assert area.name.endswith("专属网格")
        elif area.kind == GridKind.PROFESSIONAL:
            assert area.parent.level == Level.TOWN and suffix[0] == "P"
            assert area.department is not None
            assert area.department.area_id == area.parent.parent_id  # the district's department


def test_every_basic_grid_has_a_1_plus_1_plus_n_team(demo: None) -> None:
    current = Q(memberships__end_date__isnull=True)
    grids = Area.objects.filter(kind=GridKind.BASIC).annotate(
        leaders=Count("memberships", filter=current & Q(memberships__role=TeamRole.LEADER)),
        workers=Count("memberships", filter=current & Q(memberships__role=TeamRole.WORKER)),
        auxiliaries=Count("memberships", filter=current & Q(memberships__role=TeamRole.AUXILIARY)),
    )
    assert grids.count() == 93
    for grid in grids:
        assert (grid.leaders, grid.workers) == (1, 1), grid
        assert 1 <= grid.auxiliaries <= 5, grid  # 1–4, plus the demo 协管员 on grid A
    workers = GridMembership.objects.filter(role=TeamRole.WORKER).select_related("user", "grid")
    for member in workers:
        assert member.user is not None
        assert Post.objects.filter(
            user=member.user, role=Role.GRID_WORKER, area=member.grid
        ).exists()
    leaders = GridMembership.objects.filter(role=TeamRole.LEADER, grid__kind=GridKind.BASIC)
    for member in leaders.select_related("user", "grid__parent"):  # the village secretary
        assert Post.objects.filter(
            user=member.user, role=Role.VILLAGE_OFFICER, area=member.grid.parent
        ).exists()


def test_every_role_has_a_demo_user_with_a_post_and_the_demo_password(demo: None) -> None:
    for role in Role:
        assert Post.objects.filter(role=role, is_active=True).exists(), role
    root = User.objects.get(username="root")
    assert root.is_superuser and root.is_staff
    assert User.objects.get(username="admin").is_staff
    for username in ("admin", "gw_a", "citizen", "vo_370402001001"):
        user = User.objects.get(username=username)
        assert check_password(settings.SHANZHI_DEMO_PASSWORD, user.password)


def test_running_it_again_changes_nothing(demo: None) -> None:
    before = counts()
    boundaries = dict(Area.objects.values_list("code", "boundary"))
    build_demo()
    assert counts() == before
    assert dict(Area.objects.values_list("code", "boundary")) == boundaries


def test_demo_grid_workers_see_exactly_their_grid(demo: None) -> None:
    grid_a = Area.objects.get(code="370403001001001")
    grid_b = Area.objects.get(code="370403001001002")
    assert list(area_list(user=User.objects.get(username="gw_a"))) == [grid_a]
    assert list(area_list(user=User.objects.get(username="gw_b"))) == [grid_b]
    worker = User.objects.get(username="gw_370402001001001")
    assert [a.code for a in area_list(user=worker)] == ["370402001001001"]


def test_demo_officers_see_their_subtree_only(demo: None) -> None:
    town = Area.objects.get(code="370403001")
    seen = area_list(user=User.objects.get(username="town_officer"))
    assert set(seen) == set(Area.objects.filter(path__startswith=town.path, is_active=True))
    xuecheng = area_list(user=User.objects.get(username="xc_dispatcher"))
    assert {a.code[:6] for a in xuecheng} == {"370403"}
    assert area_list(user=User.objects.get(username="dispatcher")).count() == Area.objects.count()
    assert not area_list(user=User.objects.get(username="citizen")).exists()
    assert not area_list(user=User.objects.get(username="dept_handler")).exists()


def test_output_gives_the_url_the_log_ins_and_the_password(db: None) -> None:
    out = StringIO()
    call_command("shanzhi_demo", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:" in text
    assert settings.SHANZHI_DEMO_PASSWORD in text and "SHANZHI_DEMO_PASSWORD" in text
    for username in ("root", "admin", "xc_dispatcher", "gw_a", "gw_b", "auditor", "citizen"):
        assert f"  {username} " in text


def test_same_seed_plans_the_same_district_and_another_seed_does_not() -> None:
    def plan(seed: int) -> list[tuple[str, str, bytes]]:
        rng = random.Random(seed)
        node = demo_plan.plan_district(
            code="370405",
            name="台儿庄区",
            geom=city_outline(rng),
            centre=(117.73, 34.56),
            plan=demo_plan.SMALL_PLANS["370405"],
            rng=rng,
        )
        flat, stack = [], [node]
        while stack:
            n = stack.pop()
            flat.append((n.code, n.name, n.geom.wkb))
            stack.extend(n.children)
        return flat

    assert plan(1) == plan(1)
    assert plan(1) != plan(2)


def test_allocate_hits_the_total_within_bounds() -> None:
    shares = demo_plan.allocate(185, [random.Random(i).random() for i in range(251)], maximum=3)
    assert sum(shares) == 185 and max(shares) <= 3
    shares = demo_plan.allocate(916, [1.0 + i % 3 for i in range(251)], minimum=1)
    assert sum(shares) == 916 and min(shares) >= 1


def test_seed_scale_replaces_the_small_xuecheng_with_the_seeds_figures(db: None) -> None:
    build_demo()
    others = {
        code: grid_counts(Area.objects.get(code=code).path)
        for code in DISTRICT_CODES
        if code != "370403"
    }
    build_demo(scale="seed")
    xuecheng = Area.objects.get(code="370403")
    expected = {"villages": 251, "basic": 916, "dedicated": 185, "professional": 86}
    assert grid_counts(xuecheng.path) == expected
    for code, before in others.items():
        assert grid_counts(Area.objects.get(code=code).path) == before
    # The small 薛城区's team accounts went with it: every grid worker has a grid.
    assert not User.objects.filter(username__startswith="gw_", posts__isnull=True).exists()
    assert User.objects.filter(username__startswith="gw_").count() == 916 + 93 - 20
    after = counts()
    build_demo(scale="seed")
    build_demo()  # the small scale keeps a seed-scale 薛城区
    assert counts() == after


def test_seed_scale_refuses_to_replace_xuecheng_when_other_data_hangs_on_it(db: None) -> None:
    build_demo()
    stranger = User.objects.create_user(username="real_officer", password="x")
    Post.objects.create(
        user=stranger, role=Role.VILLAGE_OFFICER, area=Area.objects.get(code="370403001002")
    )
    before = counts()
    with pytest.raises(CommandError, match="fresh database"):
        build_demo(scale="seed")
    assert counts() == before
