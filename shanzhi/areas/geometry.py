"""Boundary geometry: parse GeoJSON, validate, derive centroid and area.

All stored geometry is WGS-84 longitude/latitude. Areas in km² are computed on a local
equal-area projection (sinusoidal about the polygon's centroid), accurate to well under 1 %
at grid and district sizes.
"""

from __future__ import annotations

import json
import math
from typing import Any

import shapely
from django.core.exceptions import ValidationError
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

EARTH_RADIUS_M = 6_371_008.8
# Tolerance for "inside the parent" checks: 1e-7 degrees is about 1 cm.
CONTAINMENT_TOLERANCE_DEG = 1e-7
# Basic grids of a village may touch; shared area below this (km²) is rounding, not overlap.
OVERLAP_TOLERANCE_KM2 = 1e-6


def _ring_is_closed(ring: list[Any]) -> bool:
    return len(ring) >= 4 and list(ring[0]) == list(ring[-1])


def parse_boundary(value: str | dict[str, Any]) -> Polygon | MultiPolygon:
    """Parse a GeoJSON Polygon/MultiPolygon (or a Feature holding one) and validate it.

    Raises ValidationError with a Chinese message for anything that is not a closed, valid
    (non-self-intersecting) polygon with plausible longitude/latitude coordinates.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, ValueError) as exc:
            raise ValidationError(f"边界不是有效的 GeoJSON：{exc}", code="geojson_syntax") from exc
    if not isinstance(value, dict):
        raise ValidationError("边界必须是 GeoJSON 对象。", code="geojson_type")
    if value.get("type") == "Feature":
        value = value.get("geometry") or {}
    gtype = value.get("type")
    if gtype not in ("Polygon", "MultiPolygon"):
        raise ValidationError(
            f"边界必须是 Polygon 或 MultiPolygon，收到的是 {gtype!r}。", code="geojson_type"
        )
    coords = value.get("coordinates")
    if not isinstance(coords, list) or not coords:
        raise ValidationError("边界缺少坐标。", code="geojson_coordinates")
    polygons = coords if gtype == "MultiPolygon" else [coords]
    try:
        for polygon in polygons:
            for ring in polygon:
                if not _ring_is_closed(ring):
                    raise ValidationError(
                        "边界环未闭合：首尾坐标必须相同，且至少有 4 个点。", code="ring_not_closed"
                    )
                for point in ring:
                    lon, lat = float(point[0]), float(point[1])
                    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                        raise ValidationError(
                            f"坐标超出经纬度范围：{lon}, {lat}。", code="coordinate_range"
                        )
        geom = shape(value)
    except ValidationError:
        raise
    except (TypeError, ValueError, IndexError, AttributeError) as exc:
        raise ValidationError(f"边界坐标格式错误：{exc}", code="geojson_coordinates") from exc
    if geom.is_empty:
        raise ValidationError("边界为空。", code="geojson_empty")
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise ValidationError(f"边界无效（自相交或环结构错误）：{reason}", code="invalid_geometry")
    if geom.area <= 0:
        raise ValidationError("边界面积为零。", code="geojson_empty")
    return geom


def to_geojson(geom: Polygon | MultiPolygon) -> str:
    return json.dumps(mapping(geom), separators=(",", ":"))


def load(boundary: str) -> Polygon | MultiPolygon | None:
    if not boundary:
        return None
    return shape(json.loads(boundary))


def area_km2(geom: Polygon | MultiPolygon) -> float:
    """Planar area on a sinusoidal projection centred on the geometry."""
    centroid = geom.centroid
    lon0 = math.radians(centroid.x)

    def project(coords: Any) -> Any:
        lon = coords[:, 0]
        lat = coords[:, 1]
        import numpy as np

        phi = np.radians(lat)
        x = EARTH_RADIUS_M * (np.radians(lon) - lon0) * np.cos(phi)
        y = EARTH_RADIUS_M * phi
        return np.column_stack([x, y])

    projected = shapely.transform(geom, project)
    return float(projected.area) / 1_000_000


def containment_cover(parent_geom: Polygon | MultiPolygon) -> Any:
    """The parent grown by the containment tolerance and prepared, for repeated
    ``covers`` tests (a batch import checks many children against one parent)."""
    cover = parent_geom.buffer(CONTAINMENT_TOLERANCE_DEG)
    shapely.prepare(cover)
    return cover


def check_inside_parent(
    geom: Polygon | MultiPolygon,
    parent_geom: Polygon | MultiPolygon | None,
    *,
    cover: Any = None,
) -> None:
    """Raise unless ``geom`` lies within the parent (to the containment tolerance).

    ``cover`` is ``containment_cover(parent_geom)`` when the caller already has it."""
    if parent_geom is None and cover is None:
        return
    if cover is None:
        cover = parent_geom.buffer(CONTAINMENT_TOLERANCE_DEG)  # type: ignore[union-attr]
    if not cover.covers(geom):
        raise ValidationError("边界超出上级区域的范围。", code="outside_parent")


def overlaps_beyond_tolerance(a: Polygon | MultiPolygon, b: Polygon | MultiPolygon) -> bool:
    """True if two polygons share more than rounding (touching edges do not count)."""
    if not a.intersects(b):
        return False
    shared = a.intersection(b)
    return shared.area > 0 and area_km2(shared) > OVERLAP_TOLERANCE_KM2


def check_no_overlap(
    geom: Polygon | MultiPolygon, siblings: list[tuple[str, Polygon | MultiPolygon]]
) -> None:
    """Raise if ``geom`` overlaps any sibling basic grid by more than rounding."""
    for name, other in siblings:
        if overlaps_beyond_tolerance(geom, other):
            raise ValidationError(
                f"基础网格之间不得重叠：与“{name}”重叠。", code="overlaps_basic_grid"
            )
