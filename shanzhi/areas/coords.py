"""Coordinate systems of Chinese maps (坐标系) and conversion to WGS-84.

Shanzhi stores every coordinate in **WGS-84** (GPS, EPSG:4326). Points arrive in three systems:

- ``wgs84`` — GPS receivers, OpenStreetMap, GeoJSON files (RFC 7946);
- ``gcj02`` — the state-mandated offset system (国测局坐标, "火星坐标") used by AMap/高德,
  Tencent/腾讯 maps and WeChat mini-programs (``wx.getLocation({type: "gcj02"})``);
- ``bd09`` — Baidu's further offset of GCJ-02 (百度坐标, BD-09 longitude/latitude).

The GCJ-02 offset is the widely published formula (Krasovsky ellipsoid, a = 6378245 m); it
applies only inside a rough box around China, so points outside China are left unchanged
("the usual rule"). Both inverses (GCJ-02 → WGS-84 and BD-09 → GCJ-02) are solved by
fixed-point iteration to far below 1e-7 degree (≈ 1 cm), instead of the common one-step
approximation that is off by up to a few metres.

Every function takes scalars or array-likes: scalars give back floats, arrays give back
float64 numpy arrays of the same shape.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError

WGS84 = "wgs84"
GCJ02 = "gcj02"
BD09 = "bd09"

CRS_CHOICES: list[tuple[str, str]] = [
    (WGS84, "WGS-84（GPS、天地图、GeoJSON）"),
    (GCJ02, "GCJ-02（高德、腾讯地图、微信小程序）"),
    (BD09, "BD-09（百度地图）"),
]

# Spelling variants people actually type, compared after lower-casing and dropping
# spaces, hyphens and underscores.
_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        [
            "wgs84",
            "epsg:4326",
            "4326",
            "gps",
            "crs84",
            "ogc:crs84",
            "urn:ogc:def:crs:ogc:1.3:crs84",
            "urn:ogc:def:crs:epsg::4326",
        ],
        WGS84,
    ),
    **dict.fromkeys(["gcj02", "gcj", "mars", "火星坐标", "国测局坐标", "amap", "gaode"], GCJ02),
    **dict.fromkeys(["bd09", "bd09ll", "baidu", "百度坐标"], BD09),
}

# Krasovsky 1940 ellipsoid, as in the published GCJ-02 formula.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0
# Inverses iterate until the forward image is this close to the input (degrees).
_INVERSE_TOLERANCE_DEG = 1e-12
_INVERSE_MAX_ITERATIONS = 30


def normalize_crs(crs: str | None) -> str:
    """The canonical name ("wgs84", "gcj02", "bd09") for ``crs`` or a common alias of it."""
    key = re.sub(r"[\s_\-]", "", str(crs or "")).lower()
    try:
        return _ALIASES[key]
    except KeyError:
        raise ValidationError(
            f"未知的坐标系 “{crs}”，可选：wgs84、gcj02、bd09。", code="unknown_crs"
        ) from None


def _arrays(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"经度与纬度数量不一致：{x.shape} 与 {y.shape}。")
    if x.ndim == 0:
        return x.reshape(1), y.reshape(1), True
    return x, y, False


def _result(x: np.ndarray, y: np.ndarray, scalar: bool) -> tuple[Any, Any]:
    if scalar:
        return float(x[0]), float(y[0])
    return x, y


def out_of_china(lon: Any, lat: Any) -> Any:
    """True where GCJ-02 does not apply (outside the usual rough box around China)."""
    x, y, scalar = _arrays(lon, lat)
    outside = ~((x >= 72.004) & (x <= 137.8347) & (y >= 0.8293) & (y <= 55.8271))
    return bool(outside[0]) if scalar else outside


def _gcj_offset(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 offset (degrees) at WGS-84 (x, y), without the "inside China" rule."""
    dx, dy = x - 105.0, y - 35.0
    with np.errstate(invalid="ignore"):
        common = 20.0 * np.sin(6.0 * dx * np.pi) + 20.0 * np.sin(2.0 * dx * np.pi)
        t_lat = (
            -100.0
            + 2.0 * dx
            + 3.0 * dy
            + 0.2 * dy * dy
            + 0.1 * dx * dy
            + 0.2 * np.sqrt(np.abs(dx))
            + (
                common
                + 20.0 * np.sin(dy * np.pi)
                + 40.0 * np.sin(dy / 3.0 * np.pi)
                + 160.0 * np.sin(dy / 12.0 * np.pi)
                + 320.0 * np.sin(dy / 30.0 * np.pi)
            )
            * 2.0
            / 3.0
        )
        t_lon = (
            300.0
            + dx
            + 2.0 * dy
            + 0.1 * dx * dx
            + 0.1 * dx * dy
            + 0.1 * np.sqrt(np.abs(dx))
            + (
                common
                + 20.0 * np.sin(dx * np.pi)
                + 40.0 * np.sin(dx / 3.0 * np.pi)
                + 150.0 * np.sin(dx / 12.0 * np.pi)
                + 300.0 * np.sin(dx / 30.0 * np.pi)
            )
            * 2.0
            / 3.0
        )
    rad_lat = np.radians(y)
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = t_lat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = t_lon * 180.0 / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return d_lon, d_lat


def _wgs84_to_gcj02(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d_lon, d_lat = _gcj_offset(x, y)
    inside = ~out_of_china(x, y)
    return np.where(inside, x + d_lon, x), np.where(inside, y + d_lat, y)


def _invert(
    forward: Any, tx: np.ndarray, ty: np.ndarray, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Solve forward(x, y) == (tx, ty) by fixed-point iteration from the guess (x, y).

    The offsets change slowly with position (their derivatives are ~1e-3), so each step
    gains about three digits; four or five steps reach the tolerance.
    """
    x, y = np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)
    active = np.isfinite(x) & np.isfinite(y)
    for _ in range(_INVERSE_MAX_ITERATIONS):
        if not active.any():
            break
        fx, fy = forward(x[active], y[active])
        ex, ey = fx - tx[active], fy - ty[active]
        x[active] -= ex
        y[active] -= ey
        still = (np.abs(ex) > _INVERSE_TOLERANCE_DEG) | (np.abs(ey) > _INVERSE_TOLERANCE_DEG)
        active[active] = still
    return x, y


def _gcj02_to_wgs84(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    inside = ~out_of_china(x, y)
    wx, wy = x.copy(), y.copy()
    if inside.any():
        gx, gy = x[inside], y[inside]
        # Iterate on the offset formula alone (no China box) so the solution is smooth
        # near the box's edges.
        d_lon, d_lat = _gcj_offset(gx, gy)

        def forward(ax: np.ndarray, ay: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            ox, oy = _gcj_offset(ax, ay)
            return ax + ox, ay + oy

        wx[inside], wy[inside] = _invert(forward, gx, gy, gx - d_lon, gy - d_lat)
    return wx, wy


def _gcj02_to_bd09(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.hypot(x, y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # The published one-step inverse is off by up to ~2e-6 degree; use it as the first guess.
    bx, by = x - 0.0065, y - 0.006
    z = np.hypot(bx, by) - 0.00002 * np.sin(by * _X_PI)
    theta = np.arctan2(by, bx) - 0.000003 * np.cos(bx * _X_PI)
    return _invert(_gcj02_to_bd09, x, y, z * np.cos(theta), z * np.sin(theta))


def wgs84_to_gcj02(lon: Any, lat: Any) -> tuple[Any, Any]:
    x, y, scalar = _arrays(lon, lat)
    return _result(*_wgs84_to_gcj02(x, y), scalar)


def gcj02_to_wgs84(lon: Any, lat: Any) -> tuple[Any, Any]:
    """The exact inverse of ``wgs84_to_gcj02`` (iterated; error far below 1e-7 degree)."""
    x, y, scalar = _arrays(lon, lat)
    return _result(*_gcj02_to_wgs84(x, y), scalar)


def gcj02_to_bd09(lon: Any, lat: Any) -> tuple[Any, Any]:
    x, y, scalar = _arrays(lon, lat)
    return _result(*_gcj02_to_bd09(x, y), scalar)


def bd09_to_gcj02(lon: Any, lat: Any) -> tuple[Any, Any]:
    """The exact inverse of ``gcj02_to_bd09`` (iterated)."""
    x, y, scalar = _arrays(lon, lat)
    return _result(*_bd09_to_gcj02(x, y), scalar)


def wgs84_to_bd09(lon: Any, lat: Any) -> tuple[Any, Any]:
    x, y, scalar = _arrays(lon, lat)
    return _result(*_gcj02_to_bd09(*_wgs84_to_gcj02(x, y)), scalar)


def bd09_to_wgs84(lon: Any, lat: Any) -> tuple[Any, Any]:
    x, y, scalar = _arrays(lon, lat)
    return _result(*_gcj02_to_wgs84(*_bd09_to_gcj02(x, y)), scalar)


def to_wgs84(lon: Any, lat: Any, crs: str = WGS84) -> tuple[Any, Any]:
    """Convert from ``crs`` (a name or alias; see ``normalize_crs``) to WGS-84."""
    crs = normalize_crs(crs)
    x, y, scalar = _arrays(lon, lat)
    if crs == GCJ02:
        x, y = _gcj02_to_wgs84(x, y)
    elif crs == BD09:
        x, y = _gcj02_to_wgs84(*_bd09_to_gcj02(x, y))
    return _result(x, y, scalar)


def from_wgs84(lon: Any, lat: Any, crs: str = WGS84) -> tuple[Any, Any]:
    """Convert from WGS-84 to ``crs`` (for showing stored points on a GCJ-02/BD-09 map)."""
    crs = normalize_crs(crs)
    x, y, scalar = _arrays(lon, lat)
    if crs == GCJ02:
        x, y = _wgs84_to_gcj02(x, y)
    elif crs == BD09:
        x, y = _gcj02_to_bd09(*_wgs84_to_gcj02(x, y))
    return _result(x, y, scalar)
