"""Writes to the area tree and grid teams. Every write goes through here."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from shanzhi.core.audit import audit_record

from . import geometry
from .models import Area, AuxiliaryRole, BoundaryRevision, GridKind, GridMembership, Level, TeamRole

CODE_LENGTHS = {Level.CITY: 6, Level.DISTRICT: 6, Level.TOWN: 9, Level.VILLAGE: 12}


class StaleEdit(Exception):
    """Raised when a write carries an out-of-date version: someone else changed the row."""


def validate_code(*, level: int, code: str, parent: Area | None) -> None:
    """GB/T 2260 six digits for city and district; below, the parent's code plus digits."""
    if not code or not code.replace("-", "").isalnum():
        raise ValidationError({"code": "编码只能包含字母、数字和连字符。"})
    if level in (Level.CITY, Level.DISTRICT):
        if len(code) != 6 or not code.isdigit():
            raise ValidationError({"code": "市、区县编码必须是 GB/T 2260 的六位数字代码。"})
        if level == Level.DISTRICT and parent is not None and code[:4] != parent.code[:4]:
            raise ValidationError(
                {"code": f"区县编码 {code} 不属于上级“{parent.name}”（{parent.code}）。"}
            )
        return
    if parent is None:
        raise ValidationError({"parent": "镇街、村居和网格必须有上级区域。"})
    if not code.startswith(parent.code) or len(code) <= len(parent.code):
        raise ValidationError(
            {"code": f"编码 {code} 不属于上级“{parent.name}”：须以 {parent.code} 开头。"}
        )
    expected = CODE_LENGTHS.get(Level(level))
    if expected is not None and len(code) != expected:
        raise ValidationError({"code": f"{Level(level).label}编码应为 {expected} 位。"})


def validate_parent(*, level: int, kind: str, parent: Area | None) -> None:
    if level == Level.CITY:
        if parent is not None:
            raise ValidationError({"parent": "市级区域不能有上级。"})
        return
    if parent is None:
        raise ValidationError({"parent": "必须指定上级区域。"})
    if level == Level.GRID:
        if kind == GridKind.BASIC and parent.level != Level.VILLAGE:
            raise ValidationError({"parent": "基础网格的上级必须是村居。"})
        if kind != GridKind.BASIC and parent.level not in (
            Level.DISTRICT,
            Level.TOWN,
            Level.VILLAGE,
        ):
            raise ValidationError({"parent": "专属、专业网格的上级必须是区县、镇街或村居。"})
        return
    if parent.level != level - 1:
        raise ValidationError(
            {"parent": f"{Level(level).label}的上级必须是{Level(level - 1).label}。"}
        )


def _validated_geometry(
    *,
    boundary: str | dict[str, Any] | None,
    level: int,
    kind: str,
    parent: Area | None,
    exclude_pk: int | None = None,
    check_neighbours: bool = True,
) -> Any:
    if boundary in (None, "", {}):
        return None
    try:
        geom = geometry.parse_boundary(boundary)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ValidationError({"boundary": exc.messages}) from exc
    if not check_neighbours:
        return geom
    try:
        geometry.check_inside_parent(geom, geometry.load(parent.boundary) if parent else None)
        if level == Level.GRID and kind == GridKind.BASIC and parent is not None:
            siblings = Area.objects.filter(
                parent=parent, level=Level.GRID, kind=GridKind.BASIC, is_active=True
            ).exclude(boundary="")
            if exclude_pk is not None:
                siblings = siblings.exclude(pk=exclude_pk)
            geometry.check_no_overlap(
                geom,
                [(s.name, geometry.load(s.boundary)) for s in siblings],  # type: ignore[misc]
            )
    except ValidationError as exc:
        raise ValidationError({"boundary": exc.messages}) from exc
    return geom


def _apply_geometry(area: Area, geom: Any) -> None:
    if geom is None:
        area.boundary, area.centroid_lon, area.centroid_lat, area.area_km2 = "", None, None, None
        return
    area.boundary = geometry.to_geojson(geom)
    point = geom.representative_point() if not geom.centroid.within(geom) else geom.centroid
    area.centroid_lon, area.centroid_lat = point.x, point.y
    area.area_km2 = geometry.area_km2(geom)


def boundary_revision_bump() -> None:
    from .locate import forget_index

    forget_index()
    updated = BoundaryRevision.objects.filter(pk=1).update(revision=F("revision") + 1)
    if not updated:
        try:
            with transaction.atomic():
                BoundaryRevision.objects.create(pk=1, revision=1)
        except IntegrityError:
            BoundaryRevision.objects.filter(pk=1).update(revision=F("revision") + 1)


@transaction.atomic
def area_create(
    *,
    actor: Any,
    level: int,
    name: str,
    code: str,
    parent: Area | None = None,
    kind: str = "",
    boundary: str | dict[str, Any] | None = None,
    supervision_phone: str = "",
    department: Any = None,
    description: str = "",
    audit: bool = True,
    check_neighbours: bool = True,
) -> Area:
    """Create an area. ``check_neighbours=False`` skips the inside-parent and basic-grid
    overlap checks; only a caller that validated the whole batch (boundary import) uses it."""
    level = int(level)
    if level == Level.GRID and kind not in GridKind.values:
        raise ValidationError({"kind": "网格必须指定类型：基础、专属或专业网格。"})
    if level != Level.GRID:
        kind = ""
    if not name.strip():
        raise ValidationError({"name": "名称不能为空。"})
    validate_parent(level=level, kind=kind, parent=parent)
    validate_code(level=level, code=code, parent=parent)
    if Area.objects.filter(code=code).exists():
        raise ValidationError({"code": f"编码 {code} 已存在。"})
    geom = _validated_geometry(
        boundary=boundary,
        level=level,
        kind=kind,
        parent=parent,
        check_neighbours=check_neighbours,
    )
    area = Area(
        parent=parent,
        level=level,
        kind=kind,
        name=name.strip(),
        code=code,
        supervision_phone=supervision_phone,
        department=department,
        description=description,
        path="",
    )
    _apply_geometry(area, geom)
    try:
        with transaction.atomic():
            area.save()
    except IntegrityError as exc:
        raise ValidationError({"code": f"编码 {code} 已存在。"}) from exc
    area.path = f"{parent.path if parent else '/'}{area.pk}/"
    area.save(update_fields=["path"])
    if geom is not None:
        boundary_revision_bump()
    if audit:
        audit_record(action="areas.create", actor=actor, obj=area)
    return area


@transaction.atomic
def area_update(
    *,
    actor: Any,
    area: Area,
    version: int,
    name: str | None = None,
    boundary: str | dict[str, Any] | None = None,
    supervision_phone: str | None = None,
    description: str | None = None,
    audit: bool = True,
    check_neighbours: bool = True,
) -> Area:
    """Update an area if ``version`` is still current; otherwise raise StaleEdit.

    ``audit=False`` and ``check_neighbours=False`` are for the boundary import, which
    validates the whole batch itself and writes one audit row for it."""
    locked = Area.objects.select_for_update().get(pk=area.pk)
    if locked.version != version:
        raise StaleEdit("该区域已被他人修改，请刷新后重试。")
    fields = ["version", "updated_at"]
    if name is not None:
        if not name.strip():
            raise ValidationError({"name": "名称不能为空。"})
        locked.name = name.strip()
        fields.append("name")
    if supervision_phone is not None:
        locked.supervision_phone = supervision_phone
        fields.append("supervision_phone")
    if description is not None:
        locked.description = description
        fields.append("description")
    if boundary is not None:
        geom = _validated_geometry(
            boundary=boundary,
            level=locked.level,
            kind=locked.kind,
            parent=locked.parent,
            exclude_pk=locked.pk,
            check_neighbours=check_neighbours,
        )
        _apply_geometry(locked, geom)
        fields += ["boundary", "centroid_lon", "centroid_lat", "area_km2"]
        boundary_revision_bump()
    elif name is not None and locked.level == Level.GRID:
        boundary_revision_bump()  # locate's cached index reports grid names too
    locked.version = F("version") + 1  # type: ignore[assignment]
    locked.save(update_fields=fields)
    locked.refresh_from_db()
    if audit:
        audit_record(action="areas.update", actor=actor, obj=locked, detail={"fields": fields[2:]})
    return locked


@transaction.atomic
def membership_assign(
    *,
    actor: Any,
    grid: Area,
    role: str,
    name: str,
    phone: str = "",
    user: Any = None,
    auxiliary_role: str = "",
    start_date: datetime.date,
    replace_current: bool = False,
) -> GridMembership:
    """Put someone on a grid's team. A basic grid has one current full-time worker and one
    current leader; with ``replace_current`` the current holder's assignment ends the day
    before ``start_date``; without it, a second one is refused."""
    if grid.level != Level.GRID:
        raise ValidationError({"grid": "只能为网格配置网格成员。"})
    if role not in TeamRole.values:
        raise ValidationError({"role": "未知的网格成员角色。"})
    if role == TeamRole.AUXILIARY and auxiliary_role not in AuxiliaryRole.values:
        raise ValidationError({"auxiliary_role": "协管力量须指定类别。"})
    if role != TeamRole.AUXILIARY:
        auxiliary_role = ""
    if role == TeamRole.WORKER and grid.kind != GridKind.BASIC:
        raise ValidationError({"role": "专职网格员只配备到基础网格。"})
    if role in (TeamRole.WORKER, TeamRole.LEADER):
        current = GridMembership.objects.select_for_update().filter(
            grid=grid, role=role, end_date__isnull=True
        )
        if current.exists():
            if not replace_current:
                raise ValidationError(
                    {"role": f"该网格已有在岗的{TeamRole(role).label}，请先结束其任职。"}
                )
            for old in current:
                membership_end(
                    actor=actor, membership=old, end_date=start_date - datetime.timedelta(days=1)
                )
    try:
        with transaction.atomic():
            membership = GridMembership.objects.create(
                grid=grid,
                user=user,
                name=name,
                phone=phone,
                role=role,
                auxiliary_role=auxiliary_role,
                start_date=start_date,
            )
    except IntegrityError as exc:
        raise ValidationError({"role": f"该网格已有在岗的{TeamRole(role).label}。"}) from exc
    audit_record(action="areas.team_assign", actor=actor, obj=membership)
    return membership


@transaction.atomic
def membership_end(*, actor: Any, membership: GridMembership, end_date: datetime.date) -> None:
    if end_date < membership.start_date:
        end_date = membership.start_date
    membership.end_date = end_date
    membership.save(update_fields=["end_date"])
    audit_record(action="areas.team_end", actor=actor, obj=membership)
