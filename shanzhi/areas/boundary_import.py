"""Import area and grid boundaries from a GeoJSON FeatureCollection (边界导入).

Each feature carries ``properties``: ``code``, ``name``, ``parent`` (the parent's code: a
feature earlier or later in the same file, or an existing area), ``level`` (city, district,
town, village, grid or 1–5), ``kind`` for grids (basic, dedicated, professional) and an
optional ``supervision_phone``. Features are matched by code: an existing code updates the
area's name, boundary and phone; a new code creates the area.

All or nothing: every feature is validated first, in memory and against the database, and
every problem is reported (feature index, code, Chinese message). With any problem nothing is
written. Otherwise all writes go through ``services`` in one transaction, with one audit row
for the whole import. A dry run performs the same writes and rolls them back, so it finds
exactly the problems a real run would.

Checks made on the whole batch (the per-row checks of ``services`` cannot see the rest of
the file): each boundary within its parent's (new or existing) boundary; existing children
still within a parent whose boundary changes; basic grids overlapping nothing, neither in
the file nor among existing basic grids anywhere in the tree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from shanzhi.core.audit import audit_record

from . import coords, geometry, services
from .models import Area, GridKind, Level

LEVELS: dict[str, int] = {
    **dict.fromkeys(["1", "city", "市"], Level.CITY),
    **dict.fromkeys(["2", "district", "county", "区县", "区", "县"], Level.DISTRICT),
    **dict.fromkeys(["3", "town", "street", "township", "镇街", "镇", "街道"], Level.TOWN),
    **dict.fromkeys(["4", "village", "community", "村居", "村", "社区"], Level.VILLAGE),
    **dict.fromkeys(["5", "grid", "网格"], Level.GRID),
}
KINDS: dict[str, str] = {
    **dict.fromkeys(["basic", "基础", "基础网格"], GridKind.BASIC),
    **dict.fromkeys(["dedicated", "专属", "专属网格"], GridKind.DEDICATED),
    **dict.fromkeys(["professional", "专业", "专业网格"], GridKind.PROFESSIONAL),
}
NAME_MAX, CODE_MAX, PHONE_MAX = 100, 32, 32


@dataclass(frozen=True)
class ImportIssue:
    index: int | None  # 0-based position in ``features``; None for the file as a whole
    code: str
    message: str

    @property
    def number(self) -> int | None:
        """1-based feature number, as shown to people."""
        return None if self.index is None else self.index + 1

    def __str__(self) -> str:
        if self.index is None:
            return self.message
        where = f"第 {self.index + 1} 个要素"
        if self.code:
            where += f"（编码 {self.code}）"
        return f"{where}：{self.message}"


@dataclass
class ImportReport:
    dry_run: bool = False
    features: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[ImportIssue] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {
            "features": self.features,
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "errors": len(self.errors),
        }

    def summary(self) -> str:
        if self.errors:
            return f"发现 {len(self.errors)} 个问题，未写入任何数据。"
        verb = "试运行（未写入）" if self.dry_run else "已导入"
        return (
            f"{verb}：共 {self.features} 个要素，新建 {len(self.created)} 个，"
            f"更新 {len(self.updated)} 个，未变化 {len(self.unchanged)} 个。"
        )

    def lines(self) -> list[str]:
        return [self.summary(), *(str(issue) for issue in self.errors)]


@dataclass
class _Row:
    index: int
    code: str
    name: str
    level: int
    kind: str
    parent_code: str
    phone: str | None
    geom: Any
    existing: Area | None = None
    parent_area: Area | None = None  # an existing parent
    parent_row: _Row | None = None  # a parent in the same file
    failed: bool = False

    @property
    def label(self) -> str:
        return f"{Level(self.level).label}“{self.name}”（{self.code}）"


class _Problems:
    def __init__(self) -> None:
        self.items: list[ImportIssue] = []

    def add(self, index: int | None, code: str, message: str) -> None:
        self.items.append(ImportIssue(index=index, code=code, message=message))

    def row(self, row: _Row, message: str) -> None:
        row.failed = True
        self.add(row.index, row.code, message)

    def sorted(self) -> list[ImportIssue]:
        return sorted(self.items, key=lambda i: -1 if i.index is None else i.index)


def _messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _decode(data: bytes | str, problems: _Problems) -> Any:
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    limit = settings.SHANZHI_GEOJSON_MAX_BYTES
    if size > limit:
        problems.add(
            None,
            "",
            f"文件过大：{size / 1048576:.1f} MB，超过上限 {limit / 1048576:.1f} MB"
            "（SHANZHI_GEOJSON_MAX_BYTES）。请按区县或镇街拆分后分别导入。",
        )
        return None
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            problems.add(None, "", "文件不是 UTF-8 编码的文本，无法读取为 GeoJSON。")
            return None
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        problems.add(
            None,
            "",
            f"文件不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列附近有语法错误"
            f"（{exc.msg}）。",
        )
    except RecursionError:
        problems.add(None, "", "文件不是有效的 GeoJSON：嵌套层次过深。")
    return None


def _file_crs(collection: dict[str, Any], crs: str | None, problems: _Problems) -> str | None:
    """The CRS to read coordinates in: the caller's choice, else the legacy GeoJSON
    ``crs`` member, else WGS-84 (RFC 7946)."""
    if crs is None:
        member = collection.get("crs")
        if isinstance(member, dict) and isinstance(member.get("properties"), dict):
            crs = member["properties"].get("name")
    try:
        return coords.normalize_crs(crs or coords.WGS84)
    except ValidationError as exc:
        problems.add(None, "", _messages(exc)[0])
        return None


def _parse_feature(index: int, feature: Any, crs: str, problems: _Problems) -> _Row | None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        problems.add(index, "", "不是 GeoJSON 要素（type 应为 Feature）。")
        return None
    props = feature.get("properties")
    if not isinstance(props, dict):
        problems.add(index, "", "要素缺少 properties（属性：code、name、parent、level、kind）。")
        return None
    code = _text(props.get("code"))
    errors: list[str] = []
    name = _text(props.get("name"))
    if not code:
        errors.append("缺少编码 code。")
    elif len(code) > CODE_MAX:
        errors.append(f"编码过长（最多 {CODE_MAX} 个字符）。")
    if not name:
        errors.append("缺少名称 name。")
    elif len(name) > NAME_MAX:
        errors.append(f"名称过长（最多 {NAME_MAX} 个字符）。")
    raw_level = _text(props.get("level")).lower()
    level = LEVELS.get(raw_level)
    if level is None:
        errors.append(
            f"未知的层级 level “{raw_level}”，可选：city、district、town、village、grid 或 1～5。"
        )
    raw_kind = _text(props.get("kind")).lower()
    kind = KINDS.get(raw_kind, "") if raw_kind else ""
    if raw_kind and not kind:
        errors.append(f"未知的网格类型 kind “{raw_kind}”，可选：basic、dedicated、professional。")
    elif level == Level.GRID and not kind:
        errors.append(
            "网格必须指定类型 kind：basic（基础）、dedicated（专属）或 professional（专业）。"
        )
    elif level is not None and level != Level.GRID and kind:
        errors.append("只有网格（level 为 grid）可以指定类型 kind。")
    phone = _text(props.get("supervision_phone")) if "supervision_phone" in props else None
    if phone and len(phone) > PHONE_MAX:
        errors.append(f"监督电话过长（最多 {PHONE_MAX} 个字符）。")
    geom = None
    raw_geometry = feature.get("geometry")
    if not raw_geometry:
        errors.append("要素缺少 geometry（边界）。")
    else:
        try:
            geom = geometry.parse_boundary(raw_geometry)
            if crs != coords.WGS84:
                geom = _to_wgs84(geom, crs)
        except ValidationError as exc:
            errors.extend(_messages(exc))
    for message in errors:
        problems.add(index, code, message)
    if errors or level is None:
        return None
    return _Row(
        index=index,
        code=code,
        name=name,
        level=level,
        kind=kind,
        parent_code=_text(props.get("parent")),
        phone=phone,
        geom=geom,
    )


def _feature_code(feature: Any) -> str:
    props = feature.get("properties") if isinstance(feature, dict) else None
    return _text(props.get("code")) if isinstance(props, dict) else ""


def _to_wgs84(geom: Any, crs: str) -> Any:
    def convert(xy: np.ndarray) -> np.ndarray:
        x, y = coords.to_wgs84(xy[:, 0], xy[:, 1], crs)
        return np.column_stack([x, y])

    converted = shapely.transform(geom, convert)
    if not converted.is_valid:
        raise ValidationError(
            f"转换为 WGS-84 后边界无效：{shapely.is_valid_reason(converted)}", code="invalid"
        )
    return converted


def _chunks(values: list[Any], size: int = 500) -> list[list[Any]]:
    """Split ``values`` so that no ``__in`` query exceeds the database's parameter limit."""
    return [values[i : i + size] for i in range(0, len(values), size)]


def _stand_in(row: _Row) -> Area:
    """An unsaved Area with the row's values, for services.validate_code/validate_parent."""
    return Area(level=row.level, kind=row.kind, code=row.code, name=row.name)


def _resolve(rows: list[_Row], broken_codes: set[str], problems: _Problems) -> None:
    """Find existing areas and parents; check the tree rules of ``services``."""
    by_code = {row.code: row for row in rows}
    wanted = set(by_code) | {row.parent_code for row in rows if row.parent_code}
    existing = {
        area.code: area
        for chunk in _chunks(sorted(wanted))
        for area in Area.objects.filter(code__in=chunk).select_related("parent")
    }
    for row in rows:
        row.existing = existing.get(row.code)
        if row.parent_code == row.code:
            problems.row(row, "上级编码 parent 不能是自身。")
            continue
        if row.parent_code in by_code:
            row.parent_row = by_code[row.parent_code]
        elif row.parent_code in broken_codes:
            problems.row(row, f"上级 {row.parent_code} 的要素本身有错误，请先改正上级。")
        elif row.parent_code:
            row.parent_area = existing.get(row.parent_code)
            if row.parent_area is None:
                problems.row(
                    row, f"上级编码 {row.parent_code} 不存在：既不在本文件中，也不在系统中。"
                )
                continue
    for row in rows:
        if row.failed:
            continue
        parent = row.parent_area or (_stand_in(row.parent_row) if row.parent_row else None)
        try:
            services.validate_parent(level=row.level, kind=row.kind, parent=parent)
            services.validate_code(level=row.level, code=row.code, parent=parent)
        except ValidationError as exc:
            for message in _messages(exc):
                problems.row(row, message)
            continue
        old = row.existing
        if old is not None:
            old_parent = old.parent.code if old.parent else ""
            if old.level != row.level or old.kind != row.kind or old_parent != row.parent_code:
                problems.row(
                    row,
                    f"编码 {row.code} 已存在（{old.get_level_display()}"
                    f"{'·' + old.get_kind_display() if old.kind else ''}，"
                    f"上级 {old_parent or '无'}）；导入只能更新名称、边界和监督电话，"
                    "不能改变层级、网格类型或上级。",
                )


def _check_scope(rows: list[_Row], scope: Any, problems: _Problems) -> None:
    """Each feature must fall within the importer's jurisdiction."""
    if scope is None or scope.is_all:
        return
    for row in rows:
        if row.failed:
            continue
        node: _Row | None = row
        anchor: Area | None = None
        while node is not None and anchor is None:
            anchor = node.existing or node.parent_area
            node = node.parent_row
        if anchor is None or not scope.contains_path(anchor.path):
            problems.row(row, "不在您的管辖范围内，不能导入。")


def _parent_geometry(row: _Row) -> tuple[Any, str]:
    if row.parent_row is not None:
        return row.parent_row.geom, row.parent_row.label
    if row.parent_area is not None and row.parent_area.boundary:
        parent = row.parent_area
        return geometry.load(
            parent.boundary
        ), f"{parent.get_level_display()}“{parent.name}”（{parent.code}）"
    return None, ""


def _check_geometry(rows: list[_Row], problems: _Problems) -> None:
    covers: dict[str, Any] = {}
    for row in rows:
        if row.failed or row.geom is None:
            continue
        parent_geom, parent_label = _parent_geometry(row)
        if parent_geom is None:
            continue
        key = row.parent_code
        if key not in covers:
            covers[key] = geometry.containment_cover(parent_geom)
        try:
            geometry.check_inside_parent(row.geom, None, cover=covers[key])
        except ValidationError:
            problems.row(row, f"边界超出上级{parent_label}的范围。")
    _check_children_still_inside(rows, problems)
    _check_basic_overlaps(rows, problems)


def _check_children_still_inside(rows: list[_Row], problems: _Problems) -> None:
    """A parent whose boundary changes must still hold its existing children."""
    changed = {row.existing.pk: row for row in rows if row.existing is not None and not row.failed}
    if not changed:
        return
    in_file = {row.code for row in rows}
    children = [
        child
        for chunk in _chunks(sorted(changed))
        for child in Area.objects.filter(parent_id__in=chunk, is_active=True)
        .exclude(boundary="")
        .only("parent_id", "code", "name", "level", "boundary")
        if child.code not in in_file
    ]
    covers: dict[int, Any] = {}
    for child in children:
        parent_row = changed[child.parent_id]  # type: ignore[index]
        if parent_row.failed:
            continue
        if child.parent_id not in covers:
            covers[child.parent_id] = geometry.containment_cover(parent_row.geom)  # type: ignore[index]
        child_geom = geometry.load(child.boundary)
        if child_geom is None:
            continue
        try:
            geometry.check_inside_parent(child_geom, None, cover=covers[child.parent_id])  # type: ignore[index]
        except ValidationError:
            problems.row(
                parent_row,
                f"新边界未覆盖现有下级{child.get_level_display()}“{child.name}”（{child.code}）。",
            )


def _check_basic_overlaps(rows: list[_Row], problems: _Problems) -> None:
    """No two basic grids may overlap: within the file, or against existing ones."""
    new = [r for r in rows if r.level == Level.GRID and r.kind == GridKind.BASIC and not r.failed]
    if not new:
        return
    in_file = {row.code for row in rows}
    others = [
        (code, name, boundary)
        for code, name, boundary in Area.objects.filter(
            level=Level.GRID, kind=GridKind.BASIC, is_active=True
        )
        .exclude(boundary="")
        .values_list("code", "name", "boundary")
        if code not in in_file
    ]
    labels = [f"基础网格“{r.name}”（{r.code}）" for r in new]
    labels += [f"现有基础网格“{name}”（{code}）" for code, name, _ in others]
    geoms = np.array(
        [r.geom for r in new] + list(shapely.from_geojson([b for _, _, b in others])),
        dtype=object,
    )
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms[: len(new)], predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if j <= i and j < len(new):
            continue  # itself, or a pair within the file already seen as (j, i)
        if geometry.overlaps_beyond_tolerance(geoms[i], geoms[j]):
            # Within the file the later feature takes the blame and names the earlier one.
            row, other = (new[j], labels[i]) if j < len(new) else (new[i], labels[j])
            problems.row(row, f"与{other}重叠：基础网格之间不得重叠。")


def _write(rows: list[_Row], *, actor: Any, report: ImportReport, problems: _Problems) -> None:
    saved: dict[str, Area] = {}
    for row in sorted(rows, key=lambda r: (r.level, r.index)):
        # Parents are written first (lower level), so a parent from the file is in ``saved``.
        parent = row.parent_area or saved.get(row.parent_code)
        try:
            if row.existing is None:
                saved[row.code] = services.area_create(
                    actor=actor,
                    level=row.level,
                    kind=row.kind,
                    name=row.name,
                    code=row.code,
                    parent=parent,
                    boundary=geometry.to_geojson(row.geom),
                    supervision_phone=row.phone or "",
                    audit=False,
                    check_neighbours=False,
                )
                report.created.append(row.code)
                continue
            old = row.existing
            old_geom = geometry.load(old.boundary)
            same_geom = old_geom is not None and old_geom.equals(row.geom)
            same_phone = row.phone is None or row.phone == old.supervision_phone
            if old.name == row.name and same_geom and same_phone:
                saved[row.code] = old
                report.unchanged.append(row.code)
                continue
            saved[row.code] = services.area_update(
                actor=actor,
                area=old,
                version=old.version,
                name=row.name if row.name != old.name else None,
                boundary=None if same_geom else geometry.to_geojson(row.geom),
                supervision_phone=None if same_phone else row.phone,
                audit=False,
                check_neighbours=False,
            )
            report.updated.append(row.code)
        except ValidationError as exc:
            for message in _messages(exc):
                problems.row(row, message)
        except services.StaleEdit as exc:
            problems.row(row, str(exc))
        except IntegrityError:
            problems.row(row, f"编码 {row.code} 已被他人同时创建，请重新导入。")


def boundaries_import(
    *,
    actor: Any,
    data: bytes | str,
    dry_run: bool = False,
    crs: str | None = None,
    scope: Any = None,
) -> ImportReport:
    """Validate and import a GeoJSON FeatureCollection of areas; see the module docstring.

    ``crs`` names the coordinates' system (default: the file's legacy ``crs`` member, else
    WGS-84); ``scope`` (an ``accounts.scope.Scope``) limits the import to the importer's
    jurisdiction. Returns the report; never raises for problems in the file.
    """
    report = ImportReport(dry_run=dry_run)
    problems = _Problems()
    collection = _decode(data, problems)
    if problems.items:
        report.errors = problems.sorted()
        return report
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        got = collection.get("type") if isinstance(collection, dict) else type(collection).__name__
        problems.add(None, "", f"文件必须是 GeoJSON FeatureCollection，收到的是 {got!r}。")
    elif not isinstance(collection.get("features"), list) or not collection["features"]:
        problems.add(None, "", "FeatureCollection 中没有要素（features 为空或缺失）。")
    crs_name = _file_crs(collection, crs, problems) if isinstance(collection, dict) else None
    if problems.items or crs_name is None:
        report.errors = problems.sorted()
        return report
    features = collection["features"]
    report.features = len(features)
    rows: list[_Row] = []
    broken_codes: set[str] = set()
    first_index: dict[str, int] = {}
    for index, feature in enumerate(features):
        row = _parse_feature(index, feature, crs_name, problems)
        code = row.code if row else _feature_code(feature)
        if code and code in first_index:
            problems.add(
                index, code, f"编码在文件中重复（第 {first_index[code] + 1} 个要素已使用）。"
            )
            continue
        if code:
            first_index[code] = index
        if row is None:
            if code:
                broken_codes.add(code)
        else:
            rows.append(row)
    _resolve(rows, broken_codes, problems)
    _check_scope(rows, scope, problems)
    _check_geometry(rows, problems)
    if problems.items:
        report.errors = problems.sorted()
        return report
    with transaction.atomic():
        _write(rows, actor=actor, report=report, problems=problems)
        if problems.items or dry_run:
            transaction.set_rollback(True)
        else:
            audit_record(
                action="areas.import_boundaries",
                actor=actor,
                object_type="areas.area",
                detail={**report.counts(), "crs": crs_name},
            )
    if problems.items:
        report.errors = problems.sorted()
        report.created, report.updated, report.unchanged = [], [], []
        return report
    report.written = not dry_run
    return report
