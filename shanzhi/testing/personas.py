"""The cast every test uses: a small 枣庄 area tree and one user per role.

Built by calling the real services, so tests exercise the same code paths as the app.

    枣庄市 370400
    ├─ 薛城区 370403
    │  ├─ 常庄街道 370403001
    │  │  ├─ 东村 370403001001: grid A, grid B (basic), 东村小学 (dedicated)
    │  │  └─ 西村 370403001002: grid C
    │  └─ 沙沟镇 370403002 ─ 南村 370403002001: grid D
    └─ 市中区 370402 ─ 中心街道 370402001 ─ 北村 370402001001: grid E
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from shanzhi.accounts.models import Department, Post, Role, User
from shanzhi.areas import services as area_services
from shanzhi.areas.models import Area, GridKind, Level

PASSWORD = "Correct-Horse-42!"  # noqa: S105 - test-only persona password


def box(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
    }


@dataclass
class World:
    city: Area
    xuecheng: Area
    shizhong: Area
    town: Area
    town2: Area
    village: Area
    village2: Area
    village3: Area
    grid_a: Area
    grid_b: Area
    grid_c: Area
    grid_d: Area
    grid_e: Area
    school_grid: Area
    department: Department
    city_admin: User
    dispatcher: User
    town_officer: User
    village_officer: User
    grid_worker_a: User
    grid_worker_b: User
    department_handler: User
    mediator: User
    petition_officer: User
    leader: User
    auditor: User
    citizen: User
    outsider: User
    superuser: User

    @property
    def areas(self) -> list[Area]:
        return list(Area.objects.order_by("path"))


def make_user(username: str, real_name: str = "", **extra: Any) -> User:
    return User.objects.create_user(
        username=username, password=PASSWORD, real_name=real_name or username, **extra
    )


def make_post(user: User, role: str, area: Area | None = None, department: Any = None) -> Post:
    return Post.objects.create(user=user, role=role, area=area, department=department)


def build_world() -> World:
    create = area_services.area_create
    city = create(
        actor=None,
        level=Level.CITY,
        name="枣庄市",
        code="370400",
        boundary=box(117.0, 34.5, 118.0, 35.3),
        audit=False,
    )
    xuecheng = create(
        actor=None,
        level=Level.DISTRICT,
        name="薛城区",
        code="370403",
        parent=city,
        boundary=box(117.1, 34.6, 117.5, 35.0),
        audit=False,
    )
    shizhong = create(
        actor=None,
        level=Level.DISTRICT,
        name="市中区",
        code="370402",
        parent=city,
        boundary=box(117.5, 34.6, 117.9, 35.0),
        audit=False,
    )
    town = create(
        actor=None,
        level=Level.TOWN,
        name="常庄街道",
        code="370403001",
        parent=xuecheng,
        boundary=box(117.1, 34.6, 117.3, 34.8),
        audit=False,
    )
    town2 = create(
        actor=None,
        level=Level.TOWN,
        name="沙沟镇",
        code="370403002",
        parent=xuecheng,
        boundary=box(117.3, 34.6, 117.5, 34.8),
        audit=False,
    )
    village = create(
        actor=None,
        level=Level.VILLAGE,
        name="东村",
        code="370403001001",
        parent=town,
        boundary=box(117.1, 34.6, 117.2, 34.7),
        audit=False,
    )
    village2 = create(
        actor=None,
        level=Level.VILLAGE,
        name="西村",
        code="370403001002",
        parent=town,
        boundary=box(117.2, 34.6, 117.3, 34.7),
        audit=False,
    )
    village3 = create(
        actor=None,
        level=Level.VILLAGE,
        name="南村",
        code="370403002001",
        parent=town2,
        boundary=box(117.3, 34.6, 117.4, 34.7),
        audit=False,
    )
    shizhong_town = create(
        actor=None,
        level=Level.TOWN,
        name="中心街道",
        code="370402001",
        parent=shizhong,
        boundary=box(117.5, 34.6, 117.7, 34.8),
        audit=False,
    )
    shizhong_village = create(
        actor=None,
        level=Level.VILLAGE,
        name="北村",
        code="370402001001",
        parent=shizhong_town,
        boundary=box(117.5, 34.6, 117.6, 34.7),
        audit=False,
    )

    def grid(
        parent: Area, code: str, name: str, b: dict[str, Any], kind: str = GridKind.BASIC
    ) -> Area:
        return create(
            actor=None,
            level=Level.GRID,
            kind=kind,
            name=name,
            code=code,
            parent=parent,
            boundary=b,
            supervision_phone="0632-4412345",
            audit=False,
        )

    grid_a = grid(village, "370403001001001", "东村第一网格", box(117.1, 34.6, 117.15, 34.7))
    grid_b = grid(village, "370403001001002", "东村第二网格", box(117.15, 34.6, 117.2, 34.7))
    grid_c = grid(village2, "370403001002001", "西村第一网格", box(117.2, 34.6, 117.3, 34.7))
    grid_d = grid(village3, "370403002001001", "南村第一网格", box(117.3, 34.6, 117.4, 34.7))
    grid_e = grid(
        shizhong_village, "370402001001001", "北村第一网格", box(117.5, 34.6, 117.6, 34.7)
    )
    school_grid = grid(
        village,
        "370403001001Z01",
        "东村小学专属网格",
        box(117.14, 34.64, 117.16, 34.66),
        kind=GridKind.DEDICATED,
    )

    department = Department.objects.create(name="薛城区城管局", code="370403-CG", area=xuecheng)

    city_admin = make_user("city_admin", "市管理员")
    make_post(city_admin, Role.CITY_ADMIN, city)
    dispatcher = make_user("dispatcher", "区调度员")
    make_post(dispatcher, Role.DISPATCHER, xuecheng)
    town_officer = make_user("town_officer", "街道干部")
    make_post(town_officer, Role.TOWN_OFFICER, town)
    village_officer = make_user("village_officer", "东村书记")
    make_post(village_officer, Role.VILLAGE_OFFICER, village)
    grid_worker_a = make_user("grid_worker_a", "网格员甲")
    make_post(grid_worker_a, Role.GRID_WORKER, grid_a)
    grid_worker_b = make_user("grid_worker_b", "网格员乙")
    make_post(grid_worker_b, Role.GRID_WORKER, grid_b)
    department_handler = make_user("department_handler", "城管办理人")
    make_post(department_handler, Role.DEPARTMENT_HANDLER, department=department)
    mediator = make_user("mediator", "调解员")
    make_post(mediator, Role.MEDIATOR, village)
    petition_officer = make_user("petition_officer", "区信访局干部")
    make_post(petition_officer, Role.PETITION_OFFICER, xuecheng)
    leader = make_user("leader", "区领导")
    make_post(leader, Role.LEADER, xuecheng)
    auditor = make_user("auditor", "审计员")
    make_post(auditor, Role.AUDITOR, city)
    citizen = make_user("citizen", "群众")
    make_post(citizen, Role.CITIZEN)
    outsider = make_user("outsider", "无岗位用户")
    superuser = User.objects.create_superuser(
        username="root", password=PASSWORD, email="root@example.invalid"
    )
    today = datetime.date(2026, 1, 1)
    area_services.membership_assign(
        actor=None,
        grid=grid_a,
        role="worker",
        name="网格员甲",
        phone="13800000001",
        user=grid_worker_a,
        start_date=today,
    )
    area_services.membership_assign(
        actor=None,
        grid=grid_b,
        role="worker",
        name="网格员乙",
        phone="13800000002",
        user=grid_worker_b,
        start_date=today,
    )
    area_services.membership_assign(
        actor=None,
        grid=grid_a,
        role="leader",
        name="东村书记",
        user=village_officer,
        start_date=today,
    )
    return World(
        city=city,
        xuecheng=xuecheng,
        shizhong=shizhong,
        town=town,
        town2=town2,
        village=village,
        village2=village2,
        village3=village3,
        grid_a=grid_a,
        grid_b=grid_b,
        grid_c=grid_c,
        grid_d=grid_d,
        grid_e=grid_e,
        school_grid=school_grid,
        department=department,
        city_admin=city_admin,
        dispatcher=dispatcher,
        town_officer=town_officer,
        village_officer=village_officer,
        grid_worker_a=grid_worker_a,
        grid_worker_b=grid_worker_b,
        department_handler=department_handler,
        mediator=mediator,
        petition_officer=petition_officer,
        leader=leader,
        auditor=auditor,
        citizen=citizen,
        outsider=outsider,
        superuser=superuser,
    )
