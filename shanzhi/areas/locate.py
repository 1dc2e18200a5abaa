"""Which grid is this point in? (定位到网格)

``locate(lon, lat)`` answers for one point; ``locate_many(lons, lats)`` for a batch given as
numpy arrays. Both read a per-process index of the active grids' boundaries:

- The index is built once and kept until the boundaries change. ``BoundaryRevision`` (row 1)
  is bumped by ``services`` whenever a boundary changes; every call reads that one integer
  (one small query) and rebuilds the index when it differs from the cached revision. A bump
  in this process also drops the index at once (``forget_index``).
- Points on a boundary count as inside (GEOS "intersects"). A point exactly on the edge
  shared by two basic grids gets ONE answer: **the basic grid with the smallest code**. The
  index orders basic grids by code, so "smallest code" is "lowest position", decided with
  the same arithmetic everywhere.
- Dedicated and professional grids (专属、专业网格) overlap basic grids by design; every one
  containing the point is reported beside the basic grid.

Two vectorised paths give identical answers (tests check both on the same points):

- up to ``TREE_BATCH_MAX`` points: a shapely ``STRtree`` query with the ``intersects``
  predicate;
- larger batches: a bucket sweep. Points are sorted into a uniform cell grid over the grids'
  extent; each grid's bounding box covers a block of cells, i.e. a few contiguous runs of the
  sorted points; all (point, grid) candidates are tested in one call of
  ``shapely.intersects_xy`` against prepared boundaries. This skips creating a million point
  objects and walking the tree once per point, and runs several times faster than a bare
  ``STRtree.query`` (see ``bench/locate.py``). Candidates are a superset of the true hits
  (cell arithmetic is monotonic), so the answers are exact.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import shapely
from django.core.exceptions import ValidationError
from django.db import connection

from . import coords
from .models import Area, BoundaryRevision, GridKind, Level

logger = logging.getLogger(__name__)

OUTSIDE_MESSAGE = "该位置不在本系统管辖范围内（不在任何网格内）"
NO_BASIC_GRID_MESSAGE = "该位置不在任何基础网格内，仅在专属或专业网格内"

# Batches up to this size go through the STRtree; larger ones through the bucket sweep.
TREE_BATCH_MAX = 20_000
# The sweep handles this many points at a time, bounding its working memory (measured
# ≈ 50 MB per chunk on the seed-scale demo, where a point has about five candidates).
SWEEP_CHUNK = 131_072
# Cell grid of the sweep: about this many cells across a median basic grid's bounding box,
# and never more than MAX_CELLS cells in all.
CELLS_PER_GRID = 2.0
MAX_CELLS = 1 << 20
_SEPARATORS = re.compile(r"[,，;；\t ]+")


@dataclass(frozen=True)
class GridRef:
    """A grid as locate reports it. Grid names and codes are public facts."""

    id: int
    code: str
    name: str
    kind: str

    @property
    def kind_label(self) -> str:
        return str(GridKind(self.kind).label) if self.kind in GridKind.values else ""


@dataclass(frozen=True)
class LocateResult:
    lon: float  # WGS-84, after conversion from the input CRS
    lat: float
    grid: GridRef | None  # the basic grid (基础网格)
    other_grids: tuple[GridRef, ...] = ()  # dedicated and professional grids, by code

    @property
    def inside(self) -> bool:
        return self.grid is not None or bool(self.other_grids)

    @property
    def message(self) -> str:
        if self.grid is not None:
            return ""
        return NO_BASIC_GRID_MESSAGE if self.other_grids else OUTSIDE_MESSAGE


class GridIndex:
    """Immutable snapshot of the active grids' boundaries at one boundary revision.

    Position ``p`` (0-based) refers to ``ids[p]``, ``codes[p]``… Basic grids come first,
    ordered by code, then the other grids ordered by code.
    """

    def __init__(self, revision: int, rows: Iterable[tuple[int, str, str, str, str]]) -> None:
        rows = sorted(rows, key=lambda r: (r[3] != GridKind.BASIC, r[1]))
        geoms = shapely.from_geojson([r[4] for r in rows], on_invalid="ignore") if rows else []
        # A boundary that does not parse (written around the services) locates nothing
        # rather than breaking every locate.
        keep = [i for i, g in enumerate(geoms) if g is not None and not g.is_empty]
        if len(keep) < len(rows):
            skipped = sorted(set(range(len(rows))) - set(keep))
            logger.warning(
                "locate: skipping grids with unreadable boundaries: %s",
                ", ".join(rows[i][1] for i in skipped),
            )
        rows = [rows[i] for i in keep]
        self.revision = revision
        self.ids = np.array([r[0] for r in rows], dtype=np.int64)
        self.codes = np.array([r[1] for r in rows], dtype=object)
        self.names = np.array([r[2] for r in rows], dtype=object)
        self.kinds = np.array([r[3] for r in rows], dtype=object)
        self.basic_count = sum(1 for r in rows if r[3] == GridKind.BASIC)
        self.geoms = np.empty(len(keep), dtype=object)
        self.geoms[:] = [geoms[i] for i in keep]
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)
        self._build_cells()

    def __len__(self) -> int:
        return len(self.ids)

    def ref(self, position: int) -> GridRef:
        return GridRef(
            id=int(self.ids[position]),
            code=str(self.codes[position]),
            name=str(self.names[position]),
            kind=str(self.kinds[position]),
        )

    # --- the bucket sweep -------------------------------------------------------------------

    def _build_cells(self) -> None:
        """Choose the cell grid and each grid's block of cells, once per revision."""
        if not len(self):
            self.extent = (0.0, 0.0, 0.0, 0.0)
            self.nx = self.ny = 1
            self.scale_x = self.scale_y = 0.0
            self.block_grid = self.block_col = np.empty(0, dtype=np.int64)
            self.block_y0 = self.block_y1 = np.empty(0, dtype=np.int64)
            return
        bounds = shapely.bounds(self.geoms)
        minx, miny = float(bounds[:, 0].min()), float(bounds[:, 1].min())
        maxx, maxy = float(bounds[:, 2].max()), float(bounds[:, 3].max())
        width, height = max(maxx - minx, 1e-9), max(maxy - miny, 1e-9)
        sample = bounds[: self.basic_count] if self.basic_count else bounds
        typical = float(np.median(np.maximum(sample[:, 2] - sample[:, 0], 1e-9)))
        typical_h = float(np.median(np.maximum(sample[:, 3] - sample[:, 1], 1e-9)))
        nx = int(np.clip(np.ceil(width / typical * CELLS_PER_GRID), 1, 4096))
        ny = int(np.clip(np.ceil(height / typical_h * CELLS_PER_GRID), 1, 4096))
        while nx * ny > MAX_CELLS:
            nx, ny = max(1, nx // 2), max(1, ny // 2)
        self.extent = (minx, miny, maxx, maxy)
        self.nx, self.ny = nx, ny
        self.scale_x, self.scale_y = nx / width, ny / height
        x0, y0 = self._cell_x(bounds[:, 0]), self._cell_y(bounds[:, 1])
        x1, y1 = self._cell_x(bounds[:, 2]), self._cell_y(bounds[:, 3])
        # One "block" per (grid, cell column): the column's cells y0..y1 are one contiguous
        # run of the points once they are sorted by (column, row).
        columns = x1 - x0 + 1
        self.block_grid = np.repeat(np.arange(len(self), dtype=np.int64), columns)
        self.block_col = x0[self.block_grid] + _ranges(np.zeros_like(columns), columns)
        self.block_y0 = y0[self.block_grid]
        self.block_y1 = y1[self.block_grid]

    def _cell_x(self, x: np.ndarray) -> np.ndarray:
        cells = ((x - self.extent[0]) * self.scale_x).astype(np.int64)
        return np.clip(cells, 0, self.nx - 1)

    def _cell_y(self, y: np.ndarray) -> np.ndarray:
        cells = ((y - self.extent[1]) * self.scale_y).astype(np.int64)
        return np.clip(cells, 0, self.ny - 1)

    def _sweep(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point index, grid position) for every grid that intersects a point."""
        minx, miny, maxx, maxy = self.extent
        within = np.flatnonzero((x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
        if not within.size:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        px, py = x[within], y[within]
        cell = self._cell_x(px) * self.ny + self._cell_y(py)
        order = np.argsort(cell, kind="stable")
        starts = np.zeros(self.nx * self.ny + 1, dtype=np.int64)
        np.cumsum(np.bincount(cell, minlength=self.nx * self.ny), out=starts[1:])
        first = self.block_col * self.ny
        lo = starts[first + self.block_y0]
        hi = starts[first + self.block_y1 + 1]
        lengths = hi - lo
        sorted_pos = _ranges(lo, lengths)
        grid_pos = np.repeat(self.block_grid, lengths)
        sx, sy = px[order], py[order]
        hit = shapely.intersects_xy(self.geoms[grid_pos], sx[sorted_pos], sy[sorted_pos])
        return within[order[sorted_pos[hit]]], grid_pos[hit]

    def _tree(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        point, grid_pos = self.tree.query(shapely.points(x, y), predicate="intersects")
        return point.astype(np.int64, copy=False), grid_pos.astype(np.int64, copy=False)

    def hits(
        self, x: np.ndarray, y: np.ndarray, *, method: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        if not len(self) or not x.size:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        method = method or ("tree" if x.size <= TREE_BATCH_MAX else "sweep")
        if method == "tree":
            return self._tree(x, y)
        points, grids = [], []
        for start in range(0, x.size, SWEEP_CHUNK):
            p, g = self._sweep(x[start : start + SWEEP_CHUNK], y[start : start + SWEEP_CHUNK])
            points.append(p + start)
            grids.append(g)
        return np.concatenate(points), np.concatenate(grids)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of arange(s, s + n) for each (s, n), without a Python loop."""
    total = int(lengths.sum())
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(total, dtype=np.int64)


# --- the per-process cache ------------------------------------------------------------------

_index: GridIndex | None = None
_lock = threading.Lock()


def current_revision() -> int:
    # Asked on every locate: plain SQL, as cheap as the database round trip.
    table = connection.ops.quote_name(BoundaryRevision._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT revision FROM {table} WHERE id = 1")  # noqa: S608 - our table
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _load_rows() -> list[tuple[int, str, str, str, str]]:
    return list(
        Area.objects.filter(level=Level.GRID, is_active=True)
        .exclude(boundary="")
        .values_list("id", "code", "name", "kind", "boundary")
    )


def grid_index(revision: int | None = None) -> GridIndex:
    """The index for the current boundary revision (one small query when it is cached);
    ``revision`` when the caller has just read it (intake reads several tokens at once)."""
    global _index
    if revision is None:
        revision = current_revision()
    index = _index
    if index is not None and index.revision == revision:
        return index
    with _lock:
        index = _index
        if index is None or index.revision != revision:
            # Rows are read after the revision, so the index is never older than its label.
            index = GridIndex(revision, _load_rows())
            _index = index
    return index


def cached_index() -> GridIndex | None:
    """This process's index as it is, without asking whether it is current (a caller that
    reads the revision later, with other things, and compares: events intake)."""
    return _index


def forget_index() -> None:
    """Drop this process's index (called when this process changes a boundary)."""
    global _index
    _index = None


# --- public API ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchLocateResult:
    """Results of ``locate_many``, aligned with the input arrays.

    ``grid_ids[i]`` is the basic grid's Area id for point ``i`` or -1 when it is in none.
    Other grids come as pairs ``(other_point_index[k], other_grid_ids[k])`` in no particular
    order (most callers count or filter them); ``other_pairs()`` sorts them by point and
    ``others(i)`` gives them for one point, sorting once on first use.
    """

    lons: np.ndarray  # WGS-84
    lats: np.ndarray
    grid_positions: np.ndarray  # position in ``index`` or -1
    other_point_index: np.ndarray
    other_positions: np.ndarray
    index: GridIndex

    def __len__(self) -> int:
        return len(self.grid_positions)

    @cached_property
    def grid_ids(self) -> np.ndarray:
        if not len(self.index):
            return np.full(len(self), -1, dtype=np.int64)
        return np.where(self.grid_positions >= 0, self.index.ids[self.grid_positions], -1)

    @cached_property
    def grid_codes(self) -> np.ndarray:
        """Basic grid codes as an object array, "" where there is none."""
        if not len(self.index):
            return np.full(len(self), "", dtype=object)
        return np.where(self.grid_positions >= 0, self.index.codes[self.grid_positions], "")

    @property
    def inside(self) -> np.ndarray:
        """True where the point is in any grid (basic or other)."""
        mask = self.grid_positions >= 0
        mask[self.other_point_index] = True
        return mask

    @property
    def other_grid_ids(self) -> np.ndarray:
        return self.index.ids[self.other_positions]

    @cached_property
    def _others_by_point(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.lexsort((self.other_positions, self.other_point_index))
        return self.other_point_index[order], self.other_positions[order]

    def other_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(point index, grid id) of the other grids, sorted by point, then code."""
        points, positions = self._others_by_point
        return points, self.index.ids[positions]

    def grid(self, i: int) -> GridRef | None:
        position = int(self.grid_positions[i])
        return self.index.ref(position) if position >= 0 else None

    def others(self, i: int) -> tuple[GridRef, ...]:
        points, positions = self._others_by_point
        lo, hi = np.searchsorted(points, [i, i + 1])
        return tuple(self.index.ref(int(p)) for p in positions[lo:hi])

    def result(self, i: int) -> LocateResult:
        return LocateResult(
            lon=float(self.lons[i]),
            lat=float(self.lats[i]),
            grid=self.grid(i),
            other_grids=self.others(i),
        )

    def results(self) -> list[LocateResult]:
        return [self.result(i) for i in range(len(self))]


def locate_many(
    lons: Any,
    lats: Any,
    *,
    crs: str = coords.WGS84,
    method: str | None = None,
    revision: int | None = None,
) -> BatchLocateResult:
    """Locate a batch of points (arrays or sequences of longitudes and latitudes in ``crs``).

    Unknown CRS → ValidationError. Points with NaN or out-of-range coordinates are simply
    outside every grid. ``method`` ("tree" or "sweep") forces one path; tests use it.
    ``revision``: the boundary revision the caller has just read (``grid_index``).
    """
    x, y = coords.to_wgs84(
        np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64), crs
    )
    x, y = np.ravel(x), np.ravel(y)
    index = grid_index(revision)
    point, position = index.hits(x, y, method=method)
    basic = position < index.basic_count
    # Lowest position = smallest code among the basic grids touching the point.
    best = np.full(x.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, point[basic], position[basic])
    best[best == np.iinfo(np.int64).max] = -1
    others = ~basic
    return BatchLocateResult(
        lons=x,
        lats=y,
        grid_positions=best,
        other_point_index=point[others],
        other_positions=position[others],
        index=index,
    )


def locate(
    lon: Any, lat: Any, *, crs: str = coords.WGS84, revision: int | None = None
) -> LocateResult:
    """The basic grid, and any dedicated/professional grids, containing one point
    (``revision`` as for ``locate_many``)."""
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise ValidationError("经纬度必须是数字。", code="invalid_coordinate") from None
    if not (np.isfinite(x) and np.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        raise ValidationError(
            f"经纬度超出范围：{lon}, {lat}（经度 -180～180，纬度 -90～90）。",
            code="invalid_coordinate",
        )
    # One point: the tree query alone, without the batch machinery (events intake locates
    # one point per report). Same answer as ``locate_many(...).result(0)`` (tested).
    if coords.normalize_crs(crs) == coords.WGS84:
        wx, wy = x, y
    else:
        cx, cy = coords.to_wgs84(x, y, crs)
        wx, wy = float(cx), float(cy)
    index = grid_index(revision)
    hit = (
        sorted(int(p) for p in index.tree.query(shapely.Point(wx, wy), predicate="intersects"))
        if len(index)
        else []
    )
    basic = [p for p in hit if p < index.basic_count]
    return LocateResult(
        lon=wx,
        lat=wy,
        grid=index.ref(basic[0]) if basic else None,
        other_grids=tuple(index.ref(p) for p in hit if p >= index.basic_count),
    )


def parse_points(lines: Iterable[str]) -> tuple[list[tuple[int, str, str]], list[str]]:
    """Read "lon,lat" lines (comma, tab, semicolon or spaces between the numbers).

    Returns ``(points, errors)``: points as (line number, lon text, lat text) for lines
    that parse, Chinese messages for those that do not. Blank lines, ``#`` comments and a
    header line ("lon,lat", "经度,纬度") are skipped.
    """
    points: list[tuple[int, str, str]] = []
    errors: list[str] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        parts = [p for p in _SEPARATORS.split(line) if p]
        if len(parts) < 2:
            errors.append(f"第 {number} 行：应为“经度,纬度”，收到 “{line[:60]}”。")
            continue
        try:
            x, y = float(parts[0]), float(parts[1])
        except ValueError:
            if not points and not errors:
                continue  # a header line
            errors.append(f"第 {number} 行：经纬度必须是数字，收到 “{line[:60]}”。")
            continue
        if not (np.isfinite(x) and np.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
            errors.append(f"第 {number} 行：经纬度超出范围（经度 -180～180，纬度 -90～90）。")
            continue
        points.append((number, parts[0], parts[1]))
    return points, errors
