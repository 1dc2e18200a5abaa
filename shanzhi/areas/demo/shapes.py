"""Synthetic boundaries: a city outline, Voronoi partitions that tile a parent exactly, and
small sites (a school's compound) inside a village. Pure shapely; nothing is written here."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any, TypeAlias

import shapely
from shapely.affinity import rotate
from shapely.geometry import LinearRing, MultiPoint, MultiPolygon, Point, Polygon, box

Shape: TypeAlias = Polygon | MultiPolygon

# Pieces and holes below this (square degrees, about 0.01 m²) are clipping noise.
NOISE_DEG2 = 1e-12

# A coarse, hand-drawn outline shaped like 枣庄 (滕州 in the north-west to 台儿庄 in the
# south-east), counter-clockwise; ``city_outline`` densifies it and adds a seeded wobble.
CITY_OUTLINE: tuple[tuple[float, float], ...] = (
    (117.47, 35.27),
    (117.30, 35.25),
    (117.10, 35.23),
    (116.90, 35.16),
    (116.84, 35.04),
    (116.93, 34.94),
    (117.06, 34.87),
    (117.13, 34.73),
    (117.26, 34.63),
    (117.40, 34.53),
    (117.56, 34.49),
    (117.72, 34.48),
    (117.86, 34.53),
    (117.85, 34.66),
    (117.76, 34.78),
    (117.72, 34.92),
    (117.68, 35.05),
    (117.60, 35.18),
)


def polygon_parts(geom: Any) -> list[Polygon]:
    """The polygons inside any geometry (clipping may return collections with lines/points)."""
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom] if geom.area > 0 else []
    return [part for sub in getattr(geom, "geoms", ()) for part in polygon_parts(sub)]


def clean(geom: Any) -> Shape:
    """One valid Polygon/MultiPolygon without noise-sized pieces or holes."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = sorted(polygon_parts(geom), key=lambda p: p.area, reverse=True)
    kept = [parts[0]] + [p for p in parts[1:] if p.area > NOISE_DEG2]
    kept = [
        Polygon(p.exterior, [r for r in p.interiors if Polygon(r).area > NOISE_DEG2]) for p in kept
    ]
    return kept[0] if len(kept) == 1 else MultiPolygon(kept)


def city_outline(rng: random.Random) -> Polygon:
    """The outline, densified to ~0.8 km steps and pushed in and out by a sum of seeded
    waves whose amplitude falls with frequency (so it looks surveyed, not drawn)."""
    ring = LinearRing(CITY_OUTLINE)
    steps = int(ring.length / 0.008)
    centre = Polygon(ring).centroid
    waves = [
        (k, rng.uniform(0.3, 1.0) * 0.03 / k**0.8, rng.uniform(0, math.tau)) for k in range(3, 60)
    ]
    amplitude = 1.0
    while True:
        points = []
        for i in range(steps):
            p = ring.interpolate(i * ring.length / steps)
            t = math.tau * i / steps
            wobble = amplitude * sum(a * math.sin(k * t + phase) for k, a, phase in waves)
            dx, dy = p.x - centre.x, p.y - centre.y
            norm = math.hypot(dx, dy)
            points.append((round(p.x + wobble * dx / norm, 6), round(p.y + wobble * dy / norm, 6)))
        outline = Polygon(points)
        if outline.is_valid:
            return outline
        amplitude /= 2


def inner_point(geom: Shape) -> Point:
    centroid = geom.centroid
    return centroid if geom.contains(centroid) else geom.representative_point()


def sample_points(parent: Shape, count: int, rng: random.Random) -> list[Point]:
    minx, miny, maxx, maxy = parent.bounds
    shapely.prepare(parent)
    points: list[Point] = []
    while len(points) < count:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(parent, x, y):
            points.append(Point(x, y))
    return points


def _voronoi_pieces(points: Sequence[Point], parent: Shape) -> list[list[Polygon]]:
    minx, miny, maxx, maxy = parent.bounds
    pad = max(maxx - minx, maxy - miny)
    frame = box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    diagram = shapely.voronoi_polygons(MultiPoint(points), extend_to=frame, ordered=True)
    cells = list(diagram.geoms)
    if len(cells) != len(points):
        raise ValueError("Voronoi cells do not match their seeds (coincident points)")
    return [polygon_parts(shapely.intersection(cell, parent)) for cell in cells]


def _merge_fragments(pieces: list[list[Polygon]]) -> list[Shape]:
    """Each Voronoi cell keeps its largest piece; a stray piece (a cell cut in several by a
    concave parent) joins the neighbour it shares the longest border with, so the cells
    still tile the parent with no gap and no overlap."""
    for parts in pieces:
        parts.sort(key=lambda p: p.area, reverse=True)
    groups: list[list[Polygon]] = [[parts[0]] for parts in pieces]
    for i, parts in enumerate(pieces):
        for stray in parts[1:]:
            grown = stray.buffer(1e-7)
            shared = [
                (grown.intersection(groups[j][0]).area, j) for j in range(len(pieces)) if j != i
            ]
            best_area, best = max(shared, default=(0.0, i))
            groups[best if best_area > 0 else i].append(stray)
    return [clean(shapely.union_all(g)) if len(g) > 1 else clean(g[0]) for g in groups]


def _reading_order(cells: list[Shape]) -> list[Shape]:
    """North to south in rows, west to east within a row: codes and names read like a map."""
    if len(cells) < 2:
        return cells
    ys = [c.centroid.y for c in cells]
    rows = max(1, round(math.sqrt(len(cells))))
    band = (max(ys) - min(ys)) / rows or 1.0
    return sorted(cells, key=lambda c: (-int((c.centroid.y - min(ys)) / band), c.centroid.x))


def partition(
    parent: Shape,
    count: int,
    rng: random.Random,
    *,
    seeds: Sequence[tuple[float, float]] | None = None,
    relax: int = 2,
    ordered: bool = True,
) -> list[Shape]:
    """Split ``parent`` into ``count`` cells that tile it exactly: Voronoi cells of seed
    points clipped to the parent. Without ``seeds`` the points are random inside the parent
    and Lloyd-relaxed ``relax`` times, so cells come out even. With ``ordered=False`` the
    cells follow ``seeds``; otherwise they are in map reading order."""
    if count == 1:
        return [parent]
    points = [Point(s) for s in seeds] if seeds else sample_points(parent, count, rng)
    for _ in range(relax):
        points = [
            inner_point(clean(shapely.union_all(parts)))
            for parts in _voronoi_pieces(points, parent)
        ]
    cells = _merge_fragments(_voronoi_pieces(points, parent))
    return _reading_order(cells) if ordered else cells


def small_site(parent: Shape, rng: random.Random, taken: list[Shape], size: float) -> Shape:
    """A small rotated rectangle (a school's or a market's compound) inside ``parent``,
    clear of the sites already ``taken``."""
    shapely.prepare(parent)
    for _ in range(60):
        (centre,) = sample_points(parent, 1, rng)
        w, h = size * rng.uniform(0.6, 1.0), size * rng.uniform(0.4, 0.8)
        site = rotate(
            box(centre.x - w / 2, centre.y - h / 2, centre.x + w / 2, centre.y + h / 2),
            rng.uniform(0, 90),
            origin=centre,
        )
        if parent.contains(site) and not any(site.intersects(t) for t in taken):
            return site
        size *= 0.93
    centre = parent.representative_point()
    return clean(parent.intersection(centre.buffer(size / 2, quad_segs=2)))
