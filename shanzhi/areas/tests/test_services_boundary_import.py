"""GeoJSON boundary import: all or nothing, every problem reported in Chinese.

The persona world (shanzhi/testing/personas.py) has 常庄街道 370403001 over
117.1–117.3 × 34.6–34.8 with 东村 (117.1–117.2 × 34.6–34.7: grids A, B and the 东村小学
dedicated grid) and 西村 (117.2–117.3: grid C); its northern half is free for new villages.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from shanzhi.accounts.models import Post, Role
from shanzhi.accounts.scope import scope_for
from shanzhi.areas import coords, locate
from shanzhi.areas.boundary_import import boundaries_import
from shanzhi.areas.models import Area, BoundaryRevision
from shanzhi.core.models import AuditLog
from shanzhi.testing.personas import box, make_user

TOWN = "370403001"
NEW_VILLAGE = "370403001003"


def feature(
    code: Any, name: str, level: Any, parent: Any, geometry: Any, kind: str | None = None, **extra
) -> dict[str, Any]:
    properties = {"code": code, "name": name, "level": level, "parent": parent, **extra}
    if kind is not None:
        properties["kind"] = kind
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def village(
    *, code: str = NEW_VILLAGE, name: str = "北庄", parent: str = TOWN, geometry: Any = None
) -> dict[str, Any]:
    """A village feature, by default 北庄 over the free northern half of 常庄街道."""
    return feature(code, name, "village", parent, geometry or box(117.1, 34.7, 117.2, 34.8))


def collection(*features: dict[str, Any]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def good_file() -> str:
    """Two basic grids listed before their new village, a dedicated grid, and an update."""
    return collection(
        feature(
            f"{NEW_VILLAGE}001", "北庄第一网格", "grid", NEW_VILLAGE,
            box(117.1, 34.7, 117.15, 34.8), kind="basic", supervision_phone="0632-4400001",
        ),
        feature(
            f"{NEW_VILLAGE}002", "北庄第二网格", 5, NEW_VILLAGE,
            box(117.15, 34.7, 117.2, 34.8), kind="basic",
        ),
        feature(NEW_VILLAGE, "北庄", "village", TOWN, box(117.1, 34.7, 117.2, 34.8)),
        feature(
            f"{NEW_VILLAGE}Z01", "北庄市场专属网格", "grid", NEW_VILLAGE,
            box(117.12, 34.72, 117.13, 34.73), kind="dedicated",
        ),
        feature(
            "370403001001001", "东村第一网格（更名）", "grid", "370403001001",
            box(117.1, 34.6, 117.15, 34.7), kind="basic", supervision_phone="0632-4499999",
        ),
    )  # fmt: skip


def run(world, data: str | bytes, **kwargs):
    return boundaries_import(actor=world.city_admin, data=data, **kwargs)


def messages(report) -> list[str]:
    return [issue.message for issue in report.errors]


def assert_nothing_written(before: int, audits: int) -> None:
    assert Area.objects.count() == before
    assert AuditLog.objects.filter(action="areas.import_boundaries").count() == audits


# --- a good file ----------------------------------------------------------------------------


def test_good_file_creates_and_updates_areas_in_one_go(world):
    before = Area.objects.count()
    report = run(world, good_file())
    assert report.ok, report.lines()
    assert report.written is True
    assert sorted(report.created) == sorted(
        [NEW_VILLAGE, f"{NEW_VILLAGE}001", f"{NEW_VILLAGE}002", f"{NEW_VILLAGE}Z01"]
    )
    assert report.updated == ["370403001001001"]
    assert Area.objects.count() == before + 4
    village = Area.objects.get(code=NEW_VILLAGE)
    first = Area.objects.get(code=f"{NEW_VILLAGE}001")
    assert first.parent_id == village.pk
    assert first.path == f"{village.path}{first.pk}/"
    assert first.kind == "basic" and first.supervision_phone == "0632-4400001"
    km_per_degree = 111.195
    expected_km2 = 0.05 * km_per_degree * math.cos(math.radians(34.75)) * 0.1 * km_per_degree
    assert first.area_km2 == pytest.approx(expected_km2, rel=0.01)
    grid_a = Area.objects.get(pk=world.grid_a.pk)
    assert grid_a.name == "东村第一网格（更名）"
    assert grid_a.supervision_phone == "0632-4499999"
    assert grid_a.version == world.grid_a.version + 1


def test_good_import_writes_one_audit_row_with_counts(world):
    audits_before = AuditLog.objects.count()
    run(world, good_file())
    assert AuditLog.objects.count() == audits_before + 1
    row = AuditLog.objects.get(action="areas.import_boundaries")
    assert row.actor_id == world.city_admin.pk
    assert row.detail["created"] == 4 and row.detail["updated"] == 1
    assert row.detail["features"] == 5 and row.detail["errors"] == 0


def test_imported_grids_are_located_at_once(world):
    assert locate.locate(117.17, 34.75).grid is None
    run(world, good_file())
    assert locate.locate(117.17, 34.75).grid.code == f"{NEW_VILLAGE}002"


def test_dry_run_reports_what_would_happen_and_writes_nothing(world):
    before, revision = Area.objects.count(), BoundaryRevision.objects.get(pk=1).revision
    report = run(world, good_file(), dry_run=True)
    assert report.ok and report.written is False
    assert len(report.created) == 4 and report.updated == ["370403001001001"]
    assert "试运行" in report.summary()
    assert_nothing_written(before, 0)
    assert BoundaryRevision.objects.get(pk=1).revision == revision
    assert Area.objects.get(pk=world.grid_a.pk).name == "东村第一网格"


def test_reimporting_the_same_file_changes_nothing(world):
    run(world, good_file())
    revision = BoundaryRevision.objects.get(pk=1).revision
    report = run(world, good_file())
    assert report.ok
    assert report.created == [] and report.updated == []
    assert len(report.unchanged) == 5
    assert BoundaryRevision.objects.get(pk=1).revision == revision


def test_moving_the_edge_between_two_grids_in_one_file_succeeds(world):
    # Written one by one, the first update would overlap the other grid's old boundary.
    report = run(
        world,
        collection(
            feature("370403001001001", "东村第一网格", "grid", "370403001001",
                    box(117.1, 34.6, 117.17, 34.7), kind="basic"),
            feature("370403001001002", "东村第二网格", "grid", "370403001001",
                    box(117.17, 34.6, 117.2, 34.7), kind="basic"),
        ),
    )  # fmt: skip
    assert report.ok, report.lines()
    assert report.updated == ["370403001001001", "370403001001002"]
    assert locate.locate(117.16, 34.65).grid.id == world.grid_a.pk


def test_gcj02_coordinates_are_converted_to_wgs84_on_import(world):
    x0, y0 = coords.from_wgs84(117.21, 34.71, "gcj02")
    x1, y1 = coords.from_wgs84(117.29, 34.79, "gcj02")
    report = run(
        world,
        collection(feature(NEW_VILLAGE, "北庄", "village", TOWN, box(x0, y0, x1, y1))),
        crs="GCJ-02",
    )
    assert report.ok, report.lines()
    village = Area.objects.get(code=NEW_VILLAGE)
    ring = json.loads(village.boundary)["coordinates"][0]
    assert ring[0] == pytest.approx([117.21, 34.71], abs=1e-7)


# --- malformed files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"{not json", "不是有效的 JSON"),
        ("[1, 2]", "必须是 GeoJSON FeatureCollection"),
        ('{"type": "Feature", "properties": {}}', "必须是 GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": []}', "没有要素"),
        ("\udcff".encode("utf-8", "surrogateescape") * 3, "不是 UTF-8"),
        ('{"type": "FeatureCollection", "crs": {"type": "name", "properties": '
         '{"name": "EPSG:3857"}}, "features": [{}]}', "未知的坐标系"),
    ],
)  # fmt: skip
def test_malformed_file_is_refused_with_a_clear_message(world, data, expected):
    before = Area.objects.count()
    report = run(world, data)
    assert not report.ok and report.written is False
    assert expected in messages(report)[0]
    assert report.errors[0].index is None
    assert_nothing_written(before, 0)


def test_every_bad_feature_is_reported_with_its_index_and_code(world):
    before = Area.objects.count()
    report = run(
        world,
        collection(
            {"type": "Feature", "geometry": box(117.1, 34.7, 117.2, 34.8)},
            feature("370403001009", "无边界", "village", TOWN, None),
            feature("370403001008", "错层级", "hamlet", TOWN, box(117.1, 34.7, 117.2, 34.8)),
            feature("370403001001009", "错类型", "grid", "370403001001",
                    box(117.1, 34.6, 117.11, 34.61), kind="special"),
            feature("", "", "village", TOWN, box(117.1, 34.7, 117.2, 34.8)),
            feature("370403001001008", "缺类型", "grid", "370403001001",
                    box(117.1, 34.6, 117.11, 34.61)),
            {"type": "Point", "coordinates": [117.1, 34.7]},
        ),
    )  # fmt: skip
    by_index = {}
    for issue in report.errors:
        by_index.setdefault(issue.index, []).append(issue.message)
    assert "缺少 properties" in by_index[0][0]
    assert by_index[1] == ["要素缺少 geometry（边界）。"]
    assert "未知的层级 level “hamlet”" in by_index[2][0]
    assert "未知的网格类型 kind “special”" in by_index[3][0]
    assert by_index[4] == ["缺少编码 code。", "缺少名称 name。"]
    assert "网格必须指定类型" in by_index[5][0]
    assert "不是 GeoJSON 要素" in by_index[6][0]
    assert [i.code for i in report.errors if i.index == 3] == ["370403001001009"]
    assert "第 2 个要素（编码 370403001009）" in str(report.errors[1])
    assert_nothing_written(before, 0)


# --- tree rules ----------------------------------------------------------------------------------


def test_code_not_under_its_parent_is_refused(world):
    before = Area.objects.count()
    report = run(
        world,
        collection(
            feature("370403001002009", "错编码", "grid", "370403001001",
                    box(117.1, 34.6, 117.11, 34.61), kind="dedicated"),
        ),
    )  # fmt: skip
    assert messages(report) == ["编码 370403001002009 不属于上级“东村”：须以 370403001001 开头。"]
    assert_nothing_written(before, 0)


def test_unknown_parent_is_refused(world):
    report = run(
        world,
        collection(village(code="370403009001", parent="370403009")),
    )
    assert messages(report) == ["上级编码 370403009 不存在：既不在本文件中，也不在系统中。"]


def test_wrong_parent_level_is_refused(world):
    report = run(
        world,
        collection(
            feature("370403001001007", "挂错层", "grid", TOWN,
                    box(117.1, 34.6, 117.11, 34.61), kind="basic"),
        ),
    )  # fmt: skip
    assert messages(report) == ["基础网格的上级必须是村居。"]


def test_existing_code_cannot_change_level_or_parent(world):
    report = run(
        world,
        collection(feature("370403001002001", "西村第一网格", "grid", "370403001002",
                           box(117.2, 34.6, 117.3, 34.7), kind="dedicated")),
    )  # fmt: skip
    assert "不能改变层级、网格类型或上级" in messages(report)[0]
    assert Area.objects.get(pk=world.grid_c.pk).kind == "basic"


def test_duplicate_codes_in_the_file_are_refused(world):
    village = feature(NEW_VILLAGE, "北庄", "village", TOWN, box(117.1, 34.7, 117.2, 34.8))
    report = run(world, collection(village, village))
    assert [(i.index, i.message) for i in report.errors] == [
        (1, "编码在文件中重复（第 1 个要素已使用）。")
    ]


def test_import_outside_the_importers_jurisdiction_is_refused(world):
    district_admin = make_user("district_admin")
    Post.objects.create(user=district_admin, role=Role.CITY_ADMIN, area=world.shizhong)
    before = Area.objects.count()
    report = boundaries_import(
        actor=district_admin,
        data=collection(village()),
        scope=scope_for(district_admin),
    )
    assert messages(report) == ["不在您的管辖范围内，不能导入。"]
    assert_nothing_written(before, 0)


# --- geometry -------------------------------------------------------------------------------------


def test_self_intersecting_ring_is_refused(world):
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[117.1, 34.7], [117.2, 34.8], [117.2, 34.7], [117.1, 34.8], [117.1, 34.7]]
        ],
    }
    before = Area.objects.count()
    report = run(world, collection(feature(NEW_VILLAGE, "北庄", "village", TOWN, bowtie)))
    assert len(report.errors) == 1
    assert "自相交" in messages(report)[0]
    assert_nothing_written(before, 0)


def test_unclosed_ring_is_refused(world):
    open_ring = {
        "type": "Polygon",
        "coordinates": [[[117.1, 34.7], [117.2, 34.7], [117.2, 34.8], [117.1, 34.8]]],
    }
    report = run(world, collection(feature(NEW_VILLAGE, "北庄", "village", TOWN, open_ring)))
    assert "边界环未闭合" in messages(report)[0]


def test_grid_outside_its_village_is_refused(world):
    before = Area.objects.count()
    report = run(
        world,
        collection(
            feature("370403001001009", "越界网格", "grid", "370403001001",
                    box(117.18, 34.6, 117.25, 34.65), kind="dedicated"),
        ),
    )  # fmt: skip
    assert messages(report) == ["边界超出上级村居“东村”（370403001001）的范围。"]
    assert_nothing_written(before, 0)


def test_grid_outside_its_village_from_the_same_file_is_refused(world):
    report = run(
        world,
        collection(
            feature(NEW_VILLAGE, "北庄", "village", TOWN, box(117.1, 34.7, 117.2, 34.8)),
            feature(f"{NEW_VILLAGE}001", "越界网格", "grid", NEW_VILLAGE,
                    box(117.15, 34.75, 117.25, 34.8), kind="basic"),
        ),
    )  # fmt: skip
    assert [(i.index, i.message) for i in report.errors] == [
        (1, f"边界超出上级村居“北庄”（{NEW_VILLAGE}）的范围。")
    ]


def test_shrinking_a_village_away_from_its_grids_is_refused(world):
    report = run(
        world,
        collection(
            village(code="370403001001", name="东村", geometry=box(117.1, 34.6, 117.16, 34.7))
        ),
    )
    assert "新边界未覆盖现有下级网格“东村第二网格”（370403001001002）。" in messages(report)


def test_basic_grids_overlapping_each_other_in_the_file_are_refused(world):
    before = Area.objects.count()
    report = run(
        world,
        collection(
            feature(NEW_VILLAGE, "北庄", "village", TOWN, box(117.1, 34.7, 117.2, 34.8)),
            feature(f"{NEW_VILLAGE}001", "北庄第一网格", "grid", NEW_VILLAGE,
                    box(117.1, 34.7, 117.16, 34.8), kind="basic"),
            feature(f"{NEW_VILLAGE}002", "北庄第二网格", "grid", NEW_VILLAGE,
                    box(117.15, 34.7, 117.2, 34.8), kind="basic"),
        ),
    )  # fmt: skip
    assert [(i.index, i.message) for i in report.errors] == [
        (2, f"与基础网格“北庄第一网格”（{NEW_VILLAGE}001）重叠：基础网格之间不得重叠。")
    ]
    assert_nothing_written(before, 0)


def test_basic_grid_overlapping_an_existing_one_in_another_village_is_refused(world):
    # Villages are not checked against each other, so this village may overlap 东村; its
    # basic grid still may not overlap 东村's grid A.
    report = run(
        world,
        collection(
            feature(NEW_VILLAGE, "北庄", "village", TOWN, box(117.1, 34.65, 117.2, 34.8)),
            feature(f"{NEW_VILLAGE}001", "北庄第一网格", "grid", NEW_VILLAGE,
                    box(117.1, 34.68, 117.14, 34.8), kind="basic"),
        ),
    )  # fmt: skip
    assert messages(report) == [
        "与现有基础网格“东村第一网格”（370403001001001）重叠：基础网格之间不得重叠。"
    ]


def test_basic_grids_that_only_touch_are_accepted(world):
    report = run(
        world,
        collection(
            feature(NEW_VILLAGE, "北庄", "village", TOWN, box(117.1, 34.7, 117.2, 34.8)),
            feature(f"{NEW_VILLAGE}001", "北庄第一网格", "grid", NEW_VILLAGE,
                    box(117.1, 34.7, 117.2, 34.8), kind="basic"),
        ),
    )  # fmt: skip
    assert report.ok, report.lines()  # shares its southern edge with grids A and B


# --- size, and all or nothing ---------------------------------------------------------------------


@override_settings(SHANZHI_GEOJSON_MAX_BYTES=1000)
def test_file_larger_than_the_limit_is_refused_before_parsing(world):
    before = Area.objects.count()
    data = good_file().encode()
    assert len(data) > 1000
    report = run(world, data)
    assert len(report.errors) == 1
    assert messages(report)[0].startswith("文件过大")
    assert "SHANZHI_GEOJSON_MAX_BYTES" in messages(report)[0]
    assert_nothing_written(before, 0)


def test_one_bad_feature_means_nothing_is_written(world):
    before = Area.objects.count()
    data = json.loads(good_file())
    data["features"].append(
        feature("370403001001009", "越界网格", "grid", "370403001001",
                box(117.18, 34.6, 117.25, 34.65), kind="dedicated")
    )  # fmt: skip
    report = run(world, json.dumps(data))
    assert len(report.errors) == 1 and report.errors[0].index == 5
    assert report.created == [] and report.written is False
    assert_nothing_written(before, 0)
    assert Area.objects.get(pk=world.grid_a.pk).name == "东村第一网格"


# --- the management command -----------------------------------------------------------------------


def test_import_boundaries_command_imports_a_file(world, tmp_path, capsys):
    path = tmp_path / "boundaries.geojson"
    path.write_text(good_file(), encoding="utf-8")
    call_command("import_boundaries", str(path))
    assert "已导入：共 5 个要素，新建 4 个，更新 1 个" in capsys.readouterr().out
    assert Area.objects.filter(code=NEW_VILLAGE).exists()


def test_import_boundaries_command_fails_on_errors_and_writes_nothing(world, tmp_path, capsys):
    path = tmp_path / "bad.geojson"
    path.write_text(collection(village(parent="370403009")), encoding="utf-8")
    before = Area.objects.count()
    with pytest.raises(CommandError, match="导入失败"):
        call_command("import_boundaries", str(path), "--dry-run")
    assert "上级编码 370403009 不存在" in capsys.readouterr().out
    assert Area.objects.count() == before
