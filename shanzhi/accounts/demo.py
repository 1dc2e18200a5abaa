"""Demo part: departments of every district, and a demo log-in for every role.

Runs after ``shanzhi.areas.demo`` (which creates the grid teams' accounts through
``users_create`` below). Every demo user shares one password, ``settings.SHANZHI_DEMO_PASSWORD``,
hashed once. Existing users (found by username) are left as they are.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from shanzhi.areas.models import Area, Level
from shanzhi.core.demo import DemoContext

from .models import Department, Post, Role, User

# (key, name in a district, name in a county-level city, short name for grid names)
DEPARTMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("CG", "城管局", "城管局", "城管"),
    ("GA", "公安分局", "公安局", "公安"),
    ("YJ", "应急管理局", "应急管理局", "应急"),
    ("SJ", "市场监管局", "市场监管局", "市场监管"),
    ("ZJ", "住建局", "住建局", "住建"),
    ("SF", "司法局", "司法局", "司法"),
    ("WJ", "卫健局", "卫健局", "卫健"),
    ("RS", "人社局", "人社局", "人社"),
)
# Departments that keep their own layer of professional grids (专业网格), in this order.
PROFESSIONAL_LAYERS: tuple[str, ...] = ("CG", "GA", "YJ", "SJ")

CITY = "370400"
XUECHENG = "370403"
XUECHENG_TOWN = "370403001"

# (print order, username, role, area code, department code, is_staff, is_superuser)
NAMED: tuple[tuple[int, str, str, str | None, str | None, bool, bool], ...] = (
    (0, "root", Role.CITY_ADMIN, CITY, None, True, True),
    (10, "admin", Role.CITY_ADMIN, CITY, None, True, False),
    (20, "dispatcher", Role.DISPATCHER, CITY, None, False, False),
    (30, "xc_dispatcher", Role.DISPATCHER, XUECHENG, None, False, False),
    (40, "leader", Role.LEADER, XUECHENG, None, False, False),
    (50, "town_officer", Role.TOWN_OFFICER, XUECHENG_TOWN, None, False, False),
    (70, "mediator", Role.MEDIATOR, XUECHENG_TOWN, None, False, False),
    (72, "village_mediator", Role.MEDIATOR, f"{XUECHENG_TOWN}001", None, False, False),
    (75, "petition_officer", Role.PETITION_OFFICER, XUECHENG, None, False, False),
    (80, "dept_handler", Role.DEPARTMENT_HANDLER, None, f"{XUECHENG}-CG", False, False),
    (90, "auditor", Role.AUDITOR, CITY, None, False, False),
    (100, "citizen", Role.CITIZEN, None, None, False, False),
)
# Every username the demo gives out by name (the grid teams' are gw_<code> / vo_<code>).
NAMED_USERNAMES: frozenset[str] = frozenset(
    {n[1] for n in NAMED} | {"village_officer", "gw_a", "gw_b", "auxiliary"}
)


def department_short(key: str) -> str:
    return next(short for k, _, _, short in DEPARTMENTS if k == key)


def departments_ensure(*, district: Area) -> dict[str, Department]:
    """The district's departments by key, creating the missing ones."""
    existing = {d.code: d for d in Department.objects.filter(code__startswith=f"{district.code}-")}
    county_city = district.name.endswith("市")
    missing = [
        Department(
            name=district.name + (city_name if county_city else name),
            code=f"{district.code}-{key}",
            area=district,
        )
        for key, name, city_name, _ in DEPARTMENTS
        if f"{district.code}-{key}" not in existing
    ]
    Department.objects.bulk_create(missing)
    existing.update({d.code: d for d in missing})
    return {key: existing[f"{district.code}-{key}"] for key, *_ in DEPARTMENTS}


def users_create(ctx: DemoContext, rows: list[dict[str, str]], **flags: Any) -> dict[str, User]:
    """Demo users by username (dicts with username, real_name, phone); creates the missing
    ones in bulk with the shared demo password hash, and leaves existing ones untouched."""
    usernames = [row["username"] for row in rows]
    found = {u.username: u for u in User.objects.filter(username__in=usernames)}
    now = timezone.now()
    new = [
        User(
            username=row["username"],
            real_name=row["real_name"],
            phone=row.get("phone", ""),
            password=ctx.password_hash,
            password_changed_at=now,
            **flags,
        )
        for row in rows
        if row["username"] not in found
    ]
    User.objects.bulk_create(new, batch_size=500)
    found.update({u.username: u for u in new})
    return found


def build(ctx: DemoContext) -> None:
    districts = Area.objects.filter(level=Level.DISTRICT, parent__code=CITY)
    for district in districts:
        departments_ensure(district=district)
    areas = {a.code: a for a in Area.objects.filter(code__in=[n[3] for n in NAMED if n[3]])}
    departments = {
        d.code: d for d in Department.objects.filter(code__in=[n[4] for n in NAMED if n[4]])
    }
    fake = ctx.faker("accounts")
    for order, username, role, area_code, department_code, is_staff, is_superuser in NAMED:
        (user,) = users_create(
            ctx,
            [{"username": username, "real_name": fake.name(), "phone": fake.phone_number()}],
            is_staff=is_staff,
            is_superuser=is_superuser,
        ).values()
        Post.objects.get_or_create(
            user=user,
            role=role,
            area=areas.get(area_code) if area_code else None,
            department=departments.get(department_code) if department_code else None,
        )
        ctx.add_login(username=username, order=order)
