"""Locating points to grids: one point, batches, boundaries, CRS, and the index cache.

The persona world's grids are boxes (see shanzhi/testing/personas.py):
A 117.10–117.15 and B 117.15–117.20 in 东村, C 117.20–117.30 in 西村, D 117.30–117.40,
E 117.50–117.60 (市中区), all over latitude 34.6–34.7; the dedicated 东村小学 grid covers
117.14–117.16 × 34.64–34.66. Nothing covers 117.40–117.50.
"""

from __future__ import annotations

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from shanzhi.areas import coords, locate, services
from shanzhi.areas.models import Area, BoundaryRevision
from shanzhi.testing.personas import box

GAP = (117.45, 34.65)


def test_point_inside_a_basic_grid_is_located_to_it(world):
    result = locate.locate(117.12, 34.65)
    assert result.grid is not None
    assert (result.grid.id, result.grid.code, result.grid.name) == (
        world.grid_a.pk,
        "370403001001001",
        "东村第一网格",
    )
    assert result.inside is True
    assert result.other_grids == ()
    assert result.message == ""


def test_point_in_a_dedicated_grid_reports_it_beside_the_basic_grid(world):
    result = locate.locate(117.155, 34.65)
    assert result.grid is not None and result.grid.id == world.grid_b.pk
    assert [g.id for g in result.other_grids] == [world.school_grid.pk]
    assert result.other_grids[0].kind == "dedicated"
    assert result.other_grids[0].kind_label == "专属网格"


def test_point_outside_every_grid_gets_a_clear_answer(world):
    for lon, lat in (GAP, (0.0, 0.0), (117.12, 34.75)):
        result = locate.locate(lon, lat)
        assert result.grid is None
        assert result.other_grids == ()
        assert result.inside is False
        assert result.message == "该位置不在本系统管辖范围内（不在任何网格内）"


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ((117.15, 34.62), "grid_a"),  # edge shared by A (…001001) and B (…001002)
        ((117.2, 34.65), "grid_b"),  # edge shared by B (…001001002) and C (…001002001)
        ((117.2, 34.7), "grid_b"),  # corner of B and C
        ((117.3, 34.6), "grid_c"),  # corner of C and D, on the district's outer edge
        ((117.1, 34.65), "grid_a"),  # outer edge: on the boundary counts as inside
    ],
)
def test_point_on_a_shared_boundary_goes_to_the_grid_with_the_smallest_code(world, point, expected):
    target = getattr(world, expected)
    assert locate.locate(*point).grid.id == target.pk
    for method in ("tree", "sweep"):
        batch = locate.locate_many([point[0]], [point[1]], method=method)
        assert batch.grid_ids.tolist() == [target.pk], method


def test_gcj02_input_is_converted_before_locating(world):
    wgs = (117.298, 34.65)  # in grid C, 200 m from grid D
    gcj = coords.from_wgs84(*wgs, "gcj02")
    bd = coords.from_wgs84(*wgs, "bd09")
    assert locate.locate(*gcj, crs="gcj02").grid.id == world.grid_c.pk
    assert locate.locate(*bd, crs="BD-09").grid.id == world.grid_c.pk
    # Read as WGS-84 the shifted coordinates would land in the wrong grid.
    assert locate.locate(*gcj).grid.id == world.grid_d.pk
    result = locate.locate(*gcj, crs="gcj02")
    assert (result.lon, result.lat) == pytest.approx(wgs, abs=1e-9)


def test_unknown_crs_is_refused_with_a_chinese_message(world):
    with pytest.raises(ValidationError, match="未知的坐标系"):
        locate.locate(117.12, 34.65, crs="mercator")
    with pytest.raises(ValidationError, match="可选：wgs84、gcj02、bd09"):
        locate.locate_many([117.12], [34.65], crs="EPSG:3857")


@pytest.mark.parametrize(("lon", "lat"), [(float("nan"), 34.6), (190.0, 34.6), ("东经", 34.6)])
def test_locate_refuses_invalid_coordinates(world, lon, lat):
    with pytest.raises(ValidationError, match="经纬度"):
        locate.locate(lon, lat)


def test_locate_many_returns_basic_grid_ids_with_minus_one_outside(world):
    lons = np.array([117.12, 117.17, 117.25, 117.35, 117.55, GAP[0], np.nan, 200.0])
    lats = np.array([34.65, 34.61, 34.65, 34.65, 34.65, GAP[1], 34.65, 34.65])
    batch = locate.locate_many(lons, lats)
    expected = [world.grid_a, world.grid_b, world.grid_c, world.grid_d, world.grid_e]
    assert batch.grid_ids.tolist() == [g.pk for g in expected] + [-1, -1, -1]
    assert batch.grid_codes.tolist() == [g.code for g in expected] + ["", "", ""]
    assert batch.inside.tolist() == [True] * 5 + [False] * 3
    assert batch.result(5).message == locate.OUTSIDE_MESSAGE


def test_locate_many_pairs_points_with_their_other_grids(world):
    batch = locate.locate_many([117.12, 117.145, 117.155], [34.65, 34.65, 34.65])
    points, grid_ids = batch.other_pairs()
    assert points.tolist() == [1, 2]
    assert grid_ids.tolist() == [world.school_grid.pk] * 2
    assert sorted(batch.other_point_index.tolist()) == [1, 2]
    assert batch.others(0) == ()
    assert [g.code for g in batch.others(2)] == [world.school_grid.code]


def test_tree_and_sweep_paths_agree_on_random_and_boundary_points(world):
    rng = np.random.default_rng(3)
    n = 5_000
    lons = rng.uniform(117.05, 117.65, n)
    lats = rng.uniform(34.55, 34.75, n)
    # Snap a third of the points onto grid edges and corners, where rounding would show.
    edges_x = np.array([117.1, 117.14, 117.15, 117.16, 117.2, 117.3, 117.4, 117.5, 117.6])
    edges_y = np.array([34.6, 34.64, 34.66, 34.7])
    lons[: n // 3] = rng.choice(edges_x, n // 3)
    lats[n // 6 : n // 2] = rng.choice(edges_y, n // 2 - n // 6)
    tree = locate.locate_many(lons, lats, method="tree")
    sweep = locate.locate_many(lons, lats, method="sweep")
    assert (tree.grid_ids >= 0).sum() > n // 3
    np.testing.assert_array_equal(tree.grid_ids, sweep.grid_ids)
    tree_points, tree_grids = tree.other_pairs()
    sweep_points, sweep_grids = sweep.other_pairs()
    assert len(tree_points) > 100
    np.testing.assert_array_equal(tree_points, sweep_points)
    np.testing.assert_array_equal(tree_grids, sweep_grids)


def test_one_point_locate_answers_as_the_batch_does(world):
    """``locate`` has its own one-point path; on random, edge and corner points, in both
    coordinate systems, it gives exactly the batch's answer."""
    rng = np.random.default_rng(5)
    lons = np.concatenate([rng.uniform(117.05, 117.65, 300), [117.14, 117.15, 117.16, 117.2]])
    lats = np.concatenate([rng.uniform(34.55, 34.75, 300), [34.64, 34.66, 34.7, 34.6]])
    edges = 0
    for crs in ("wgs84", "gcj02"):
        batch = locate.locate_many(lons, lats, crs=crs).results()
        for i, expected in enumerate(batch):
            assert locate.locate(lons[i], lats[i], crs=crs) == expected
            edges += len(expected.other_grids) > 0
    assert edges > 0 and sum(r.grid is not None for r in batch) > 50


def test_large_batches_use_the_sweep_and_give_the_same_answers(world, monkeypatch):
    monkeypatch.setattr(locate, "TREE_BATCH_MAX", 2)
    monkeypatch.setattr(locate, "SWEEP_CHUNK", 3)  # several chunks
    lons = [117.12, 117.15, 117.17, GAP[0], 117.25, 117.35, 117.155]
    lats = [34.65, 34.62, 34.61, GAP[1], 34.65, 34.65, 34.65]
    batch = locate.locate_many(lons, lats)
    assert batch.grid_ids.tolist() == [
        world.grid_a.pk,
        world.grid_a.pk,
        world.grid_b.pk,
        -1,
        world.grid_c.pk,
        world.grid_d.pk,
        world.grid_b.pk,
    ]
    assert batch.other_pairs()[0].tolist() == [6]


def test_boundary_update_through_services_is_seen_by_the_next_locate(world):
    point = (117.13, 34.65)
    assert locate.locate(*point).grid.id == world.grid_a.pk
    services.area_update(
        actor=world.city_admin,
        area=world.grid_a,
        version=world.grid_a.version,
        boundary=box(117.1, 34.6, 117.12, 34.7),
    )
    assert locate.locate(*point).grid is None


def test_index_is_rebuilt_when_another_process_bumps_the_revision(world):
    point = (117.13, 34.65)
    assert locate.locate(*point).grid.id == world.grid_a.pk
    # Another process's write: this process's forget_index() is not called.
    Area.objects.filter(pk=world.grid_a.pk).update(
        boundary='{"type":"Polygon","coordinates":[[[117.1,34.6],[117.12,34.6],'
        "[117.12,34.7],[117.1,34.7],[117.1,34.6]]]}"
    )
    # Same revision: the cached index answers (no rebuild per call).
    assert locate.locate(*point).grid.id == world.grid_a.pk
    BoundaryRevision.objects.filter(pk=1).update(revision=F("revision") + 1)
    assert locate.locate(*point).grid is None


def test_renamed_grid_is_reported_under_its_new_name(world):
    assert locate.locate(117.12, 34.65).grid.name == "东村第一网格"
    services.area_update(
        actor=world.city_admin, area=world.grid_a, version=world.grid_a.version, name="东村一格"
    )
    assert locate.locate(117.12, 34.65).grid.name == "东村一格"


def test_deactivated_grid_is_no_longer_located(world):
    Area.objects.filter(pk=world.grid_d.pk).update(is_active=False)
    services.boundary_revision_bump()
    assert locate.locate(117.35, 34.65).grid is None


def test_a_boundary_that_does_not_parse_is_skipped_not_fatal(world, caplog):
    Area.objects.filter(pk=world.grid_d.pk).update(boundary="{not geojson")
    services.boundary_revision_bump()
    assert locate.locate(117.35, 34.65).grid is None
    assert world.grid_d.code in caplog.text
    assert locate.locate(117.25, 34.65).grid.id == world.grid_c.pk


def test_a_warm_locate_costs_one_query(world, django_assert_num_queries):
    locate.locate(117.12, 34.65)
    with django_assert_num_queries(1):
        locate.locate(117.17, 34.65)
    with django_assert_num_queries(1):
        locate.locate_many(np.full(100, 117.12), np.full(100, 34.65))


def test_with_no_grids_every_point_is_outside(db):
    locate.forget_index()
    assert locate.locate(117.12, 34.65).message == locate.OUTSIDE_MESSAGE
    assert locate.locate_many([117.12, 1.0], [34.65, 1.0]).grid_ids.tolist() == [-1, -1]
    assert locate.locate_many([117.12], [34.65], method="sweep").grid_ids.tolist() == [-1]


def test_parse_points_reads_lines_and_reports_bad_ones_by_line_number():
    lines = [
        "经度,纬度",
        "117.12,34.65",
        "",
        "# comment",
        "117.13，34.66",
        "117.14\t34.67",
        "117.15 34.68",
        "abc,34.6",
        "117.2",
        "500,34.6",
    ]
    points, errors = locate.parse_points(lines)
    assert points == [
        (2, "117.12", "34.65"),
        (5, "117.13", "34.66"),
        (6, "117.14", "34.67"),
        (7, "117.15", "34.68"),
    ]
    assert errors == [
        "第 8 行：经纬度必须是数字，收到 “abc,34.6”。",
        "第 9 行：应为“经度,纬度”，收到 “117.2”。",
        "第 10 行：经纬度超出范围（经度 -180～180，纬度 -90～90）。",
    ]


# --- the management command -----------------------------------------------------------------------


def test_locate_command_prints_one_code_per_point(world, tmp_path, capsys):
    path = tmp_path / "points.csv"
    path.write_text("lon,lat\n117.12,34.65\n117.45,34.65\n117.35,34.65\n", encoding="utf-8")
    call_command("locate_points", str(path))
    assert capsys.readouterr().out.splitlines() == [
        f"117.12,34.65,{world.grid_a.code}",
        "117.45,34.65,",
        f"117.35,34.65,{world.grid_d.code}",
    ]


def test_locate_command_converts_gcj02_input(world, tmp_path, capsys):
    lon, lat = coords.from_wgs84(117.298, 34.65, "gcj02")
    path = tmp_path / "points.csv"
    path.write_text(f"{lon},{lat}\n", encoding="utf-8")
    call_command("locate_points", str(path), "--crs", "gcj02")
    assert capsys.readouterr().out.strip() == f"{lon},{lat},{world.grid_c.code}"


def test_locate_command_refuses_an_unknown_crs(world, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("117.12,34.65\n", encoding="utf-8")
    with pytest.raises(CommandError, match="未知的坐标系"):
        call_command("locate_points", str(path), "--crs", "utm")


def test_locate_command_reports_unreadable_lines_and_fails(world, tmp_path, capsys):
    path = tmp_path / "points.csv"
    path.write_text("117.12,34.65\n117.2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 行无法读取"):
        call_command("locate_points", str(path))
    captured = capsys.readouterr()
    assert captured.out.strip() == f"117.12,34.65,{world.grid_a.code}"
    assert "第 2 行" in captured.err
