"""WGS-84 ↔ GCJ-02 ↔ BD-09: published vectors and round-trip properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from shanzhi.areas import coords

# googollee/eviltransform, python/test.py (TESTS: wgsLat, wgsLng, gcjLat, gcjLng), reordered
# here to (lon, lat) pairs: Shanghai, Shenzhen, Beijing.
EVILTRANSFORM_WGS_GCJ = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
]
# wandergis/coordtransform, test/app.js: every function applied to (116.404, 39.915).
WANDERGIS_INPUT = (116.404, 39.915)
WANDERGIS_WGS84_TO_GCJ02 = (116.41024449916938, 39.91640428150164)
WANDERGIS_GCJ02_TO_BD09 = (116.41036949371029, 39.92133699351021)
WANDERGIS_BD09_TO_GCJ02 = (116.39762729119315, 39.90865673957631)  # one-step approximation
WANDERGIS_GCJ02_TO_WGS84 = (116.39775550083061, 39.91359571849836)  # one-step approximation
# AMap Web service documentation, 坐标转换 (lbs.amap.com/api/webservice/guide/api/convert):
# locations=116.481499,39.990475&coordsys=gps → "116.487585177952,39.991754014757".
AMAP_GPS = (116.481499, 39.990475)
AMAP_GCJ02 = (116.487585177952, 39.991754014757)
# CRAN package geoChina, ?conv example (Beijing railway station), said to match the Baidu
# Maps API; published rounded to 5 decimals.
GEOCHINA_WGS84 = (116.42079, 39.90105)
GEOCHINA_GCJ02 = (116.42703, 39.90245)
GEOCHINA_BD09 = (116.43351, 39.90851)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Rough ground distance between two lon/lat points (equirectangular)."""
    lat = math.radians((a[1] + b[1]) / 2)
    dx = math.radians(a[0] - b[0]) * math.cos(lat) * 6_371_000
    dy = math.radians(a[1] - b[1]) * 6_371_000
    return math.hypot(dx, dy)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM_WGS_GCJ)
def test_wgs84_to_gcj02_matches_eviltransform_vectors(wgs, gcj):
    assert coords.wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM_WGS_GCJ)
def test_gcj02_to_wgs84_inverts_eviltransform_vectors_to_1e_7_degree(wgs, gcj):
    lon, lat = coords.gcj02_to_wgs84(*gcj)
    assert abs(lon - wgs[0]) < 1e-7
    assert abs(lat - wgs[1]) < 1e-7


def test_wandergis_vectors_for_wgs84_gcj02_and_bd09():
    assert coords.wgs84_to_gcj02(*WANDERGIS_INPUT) == pytest.approx(
        WANDERGIS_WGS84_TO_GCJ02, abs=1e-9
    )
    assert coords.gcj02_to_bd09(*WANDERGIS_INPUT) == pytest.approx(
        WANDERGIS_GCJ02_TO_BD09, abs=1e-9
    )


def test_inverses_are_exact_where_the_published_one_step_formulas_are_not():
    bd_to_gcj = coords.bd09_to_gcj02(*WANDERGIS_INPUT)
    gcj_to_wgs = coords.gcj02_to_wgs84(*WANDERGIS_INPUT)
    # Close to the published one-step values…
    assert metres(bd_to_gcj, WANDERGIS_BD09_TO_GCJ02) < 1.0
    assert metres(gcj_to_wgs, WANDERGIS_GCJ02_TO_WGS84) < 5.0
    # …but ours map forward onto the input exactly, which the one-step values do not.
    assert coords.gcj02_to_bd09(*bd_to_gcj) == pytest.approx(WANDERGIS_INPUT, abs=1e-10)
    assert coords.wgs84_to_gcj02(*gcj_to_wgs) == pytest.approx(WANDERGIS_INPUT, abs=1e-10)
    assert metres(coords.wgs84_to_gcj02(*WANDERGIS_GCJ02_TO_WGS84), WANDERGIS_INPUT) > 0.01
    assert metres(coords.gcj02_to_bd09(*WANDERGIS_BD09_TO_GCJ02), WANDERGIS_INPUT) > 0.01


def test_wgs84_to_gcj02_agrees_with_amap_web_service_example_within_a_decimetre():
    assert metres(coords.wgs84_to_gcj02(*AMAP_GPS), AMAP_GCJ02) < 0.1
    assert metres(coords.to_wgs84(*AMAP_GCJ02, "gcj02"), AMAP_GPS) < 0.1


def test_geochina_beijing_station_vectors_agree_within_two_metres():
    assert metres(coords.wgs84_to_gcj02(*GEOCHINA_WGS84), GEOCHINA_GCJ02) < 2.0
    assert metres(coords.wgs84_to_bd09(*GEOCHINA_WGS84), GEOCHINA_BD09) < 2.0
    assert metres(coords.to_wgs84(*GEOCHINA_BD09, "bd09"), GEOCHINA_WGS84) < 2.0


def test_round_trips_through_every_crs_return_the_point_within_1e_9_degree():
    rng = np.random.default_rng(7)
    lon = rng.uniform(73.5, 135.0, 20_000)
    lat = rng.uniform(3.9, 53.5, 20_000)
    for crs in ("wgs84", "gcj02", "bd09"):
        back_lon, back_lat = coords.to_wgs84(*coords.from_wgs84(lon, lat, crs), crs)
        assert np.abs(back_lon - lon).max() < 1e-9, crs
        assert np.abs(back_lat - lat).max() < 1e-9, crs


def test_gcj02_shift_in_china_is_hundreds_of_metres():
    shifted = coords.wgs84_to_gcj02(117.3, 34.8)  # 薛城区
    assert 100 < metres(shifted, (117.3, 34.8)) < 1000


@pytest.mark.parametrize("point", [(-0.1276, 51.5072), (139.6917, 35.6895), (151.2, -33.87)])
def test_points_outside_china_get_no_gcj_shift(point):
    assert coords.wgs84_to_gcj02(*point) == point
    assert coords.gcj02_to_wgs84(*point) == point
    assert coords.out_of_china(*point) is True


def test_scalars_give_floats_and_arrays_give_arrays_of_the_same_shape():
    lon, lat = coords.to_wgs84(117.3, 34.8, "gcj02")
    assert isinstance(lon, float) and isinstance(lat, float)
    lons, lats = coords.to_wgs84(np.full((2, 3), 117.3), np.full((2, 3), 34.8), "gcj02")
    assert lons.shape == lats.shape == (2, 3)
    assert lons[1, 2] == pytest.approx(lon, abs=1e-12)
    listed, _ = coords.to_wgs84([117.3, 117.4], [34.8, 34.9], "bd09")
    assert listed.shape == (2,)


def test_nan_coordinates_stay_nan_without_warnings():
    lon, lat = coords.to_wgs84(np.array([np.nan, 117.3]), np.array([34.8, np.nan]), "bd09")
    assert np.isnan(lon[0]) and np.isnan(lat[1])


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("WGS-84", "wgs84"),
        ("EPSG:4326", "wgs84"),
        ("urn:ogc:def:crs:OGC:1.3:CRS84", "wgs84"),
        ("GCJ-02", "gcj02"),
        ("gcj_02", "gcj02"),
        ("BD-09", "bd09"),
        ("bd09ll", "bd09"),
        ("Baidu", "bd09"),
    ],
)
def test_common_crs_aliases_are_accepted_case_insensitively(alias, canonical):
    assert coords.normalize_crs(alias) == canonical


def test_unknown_crs_raises_validation_error_listing_the_choices():
    with pytest.raises(ValidationError) as excinfo:
        coords.to_wgs84(117.3, 34.8, "EPSG:3857")
    message = excinfo.value.messages[0]
    assert "未知的坐标系" in message and "EPSG:3857" in message
    assert "可选：wgs84、gcj02、bd09" in message
