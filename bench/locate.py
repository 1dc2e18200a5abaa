"""Benchmark: locate 1,000,000 random points to the seed-scale grids of 薛城区.

    .venv/bin/python bench/locate.py        (or: make bench BENCH=locate)

Uses its own database: SQLite under var/bench/ unless BENCH_DATABASE_URL is set. On first
run it migrates that database and builds the seed-scale demo (``shanzhi demo --scale seed``:
薛城区 with 916 basic, 185 dedicated and 86 professional grids).

ours  = ``shanzhi.areas.locate.locate_many(lons, lats)`` on plain numpy arrays, with all its
        per-call work (the boundary-revision query, building the answer arrays), after one
        warm-up call that builds the per-process index.
limit = a bare ``shapely.STRtree(same geometries).query(points, predicate="intersects")``,
        with the point objects made beforehand (not timed).

Best of 3 runs each; one line per figure on stdout (details on stderr).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_VAR = ROOT / "var" / "bench"
BENCH_VAR.mkdir(parents=True, exist_ok=True)
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or (
    f"sqlite:///{BENCH_VAR / 'locate.sqlite3'}"
)
os.environ["DJANGO_SETTINGS_MODULE"] = "shanzhi.settings"

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from django.core.management import call_command  # noqa: E402

from shanzhi.areas import locate  # noqa: E402
from shanzhi.areas.models import Area, GridKind, Level  # noqa: E402

DISTRICT = "370403"  # 薛城区
POINTS = 1_000_000
RUNS = 3
SEED = 20220403
GOAL = 0.8


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_grids() -> None:
    call_command("migrate", interactive=False, verbosity=0)
    basic = Area.objects.filter(
        level=Level.GRID, kind=GridKind.BASIC, is_active=True, path__startswith=district_path()
    ).count()
    if basic >= 916:
        return
    log("building the seed-scale demo (first run only) …")
    try:
        call_command("shanzhi_demo", "--scale", "seed", "--quiet")
    except Exception as exc:  # noqa: BLE001 - any failure of the other demo parts
        # The benchmark needs only the area tree; build that part alone rather than fail.
        log(f"shanzhi demo failed ({type(exc).__name__}: {exc}); building its areas part only")
        from django.db import transaction

        from shanzhi.areas import demo as areas_demo
        from shanzhi.core.demo import DemoContext

        with transaction.atomic():
            areas_demo.build(DemoContext(scale="seed"))


def district_path() -> str:
    area = Area.objects.filter(code=DISTRICT).only("path").first()
    return area.path if area else "/-/"


def best_of(runs: int, func) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    ensure_grids()
    district = Area.objects.get(code=DISTRICT)
    minx, miny, maxx, maxy = shapely.from_geojson(district.boundary).bounds
    rng = np.random.default_rng(SEED)
    lons = rng.uniform(minx, maxx, POINTS)
    lats = rng.uniform(miny, maxy, POINTS)

    started = time.perf_counter()
    index = locate.grid_index()
    log(
        f"index: {len(index)} active grids ({index.basic_count} basic), "
        f"cells {index.nx}×{index.ny}, built in {time.perf_counter() - started:.3f} s"
    )
    result = locate.locate_many(lons[:1000], lats[:1000])  # warm-up

    ours_seconds = best_of(RUNS, lambda: locate.locate_many(lons, lats))
    result = locate.locate_many(lons, lats)

    # The limit: the same geometries, read from the database again, in a bare STRtree.
    boundaries = list(
        Area.objects.filter(level=Level.GRID, is_active=True)
        .exclude(boundary="")
        .values_list("boundary", flat=True)
    )
    geometries = shapely.from_geojson(np.array(boundaries, dtype=object))
    tree = shapely.STRtree(geometries)
    points = shapely.points(lons, lats)
    pairs: list[np.ndarray] = []
    limit_seconds = best_of(RUNS, lambda: pairs.append(tree.query(points, predicate="intersects")))

    # Same work, same answers: one pair per basic grid found plus one per other grid.
    ours_pairs = int((result.grid_positions >= 0).sum()) + len(result.other_point_index)
    limit_pairs = pairs[-1].shape[1]
    log(
        f"ours: {ours_seconds:.3f} s, limit: {limit_seconds:.3f} s; "
        f"pairs ours={ours_pairs} limit={limit_pairs}; "
        f"{(result.grid_positions >= 0).mean():.1%} of points in a basic grid"
    )
    if ours_pairs != limit_pairs:
        log("WARNING: locate_many and the bare STRtree disagree on the number of hits")

    ours = POINTS / ours_seconds
    limit = POINTS / limit_seconds
    print(
        f"bench: locate ours={ours:.0f} limit={limit:.0f} ratio={ours / limit:.3f} "
        f"goal=>={GOAL} unit=points/s",
        flush=True,
    )


if __name__ == "__main__":
    main()
