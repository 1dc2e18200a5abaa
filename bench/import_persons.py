"""Bench: import 484,000 persons (薛城区's seed figure) from CSV on PostgreSQL.

What is measured, in one run on one database:

- **ours** — the whole operator import, ``manage.py registry_import persons FILE`` run as a
  child process (Python and Django start-up included): read the CSV, validate every row
  (GB 11643 check digits, phones, choices), seal ID numbers and phones (SM4-GCM + HMAC-SM3,
  through ``services.person_build``), locate the half of the rows given as GCJ-02 coordinates
  (``areas.locate``), look up existing records and insert, all in one transaction.
- **limit** — PostgreSQL ``COPY … FROM STDIN (FORMAT binary)`` of the very rows the import
  stored (ciphertexts, indexes, pinyin: ``COPY (SELECT …) TO`` a file first) into a bare table
  ``CREATE TABLE … (LIKE registry_person INCLUDING ALL)`` — the same columns, indexes, unique
  and check constraints, but no foreign keys — pre-filled with the same existing rows as
  ``registry_person``, so both inserts maintain equally large indexes.
- **peak memory** — peak RSS (``resource.getrusage(...).ru_maxrss``) of the import process
  plus its sealing worker processes (largest worker × count), as the command reports them: an
  upper bound, since forked workers share pages with the importing process.
- **search p95** — a town officer's scoped name search and exact-ID search through
  ``registry.selectors.person_list`` (first page of 25, as the list page shows it), against the
  same SQL (captured from the ORM) executed raw on a cursor.

The database is ``BENCH_DATABASE_URL`` (default postgres://postgres@127.0.0.1:5432/shanzhi_bench),
created and migrated when missing; its areas come from ``shanzhi demo --scale seed``
(idempotent; the first run takes minutes). Rows the bench imported earlier (marked in 备注) are
deleted first, and generated ID numbers are checked against the demo's, so every row is new.
"""

from __future__ import annotations

import csv
import datetime
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_URL = os.environ.get("BENCH_DATABASE_URL") or (
    "postgres://postgres@127.0.0.1:5432/shanzhi_bench"
)
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shanzhi.settings")

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "484000"))
MARK = "bench-import"
DISTRICT = "370403"  # 薛城区
REGIONS = ("370402", "370403", "370404", "370405", "370406", "370481")
SEARCHES = int(os.environ.get("BENCH_SEARCHES", "200"))  # 0: skip the search latencies
VILLAGES = tuple("东西南北前后张王李刘陈杨黄赵周吴孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾")
OCCUPATIONS = ("农民", "工人", "教师", "医生", "司机", "个体经营", "退休", "学生", "公务员", "")


def ensure_database() -> None:
    import psycopg
    from psycopg import sql

    info = psycopg.conninfo.conninfo_to_dict(BENCH_URL)
    name = info.pop("dbname")
    with psycopg.connect(**{**info, "dbname": "postgres"}, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup() -> None:
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    started = time.monotonic()
    call_command("shanzhi_demo", "--scale", "seed", "--quiet")
    print(
        f"# demo (seed scale, idempotent) ready in {time.monotonic() - started:.1f} s", flush=True
    )


def grid_points(rng: random.Random) -> list[tuple[str, list[tuple[float, float]]]]:
    """For each basic grid of 薛城区: its code and points well inside it (GCJ-02)."""
    import numpy as np
    import shapely

    from shanzhi.areas import coords
    from shanzhi.areas.models import Area, GridKind, Level

    district = Area.objects.get(code=DISTRICT)
    grids = Area.objects.filter(
        level=Level.GRID, kind=GridKind.BASIC, path__startswith=district.path, is_active=True
    ).values_list("code", "boundary")
    found = []
    for code, boundary in grids:
        shape = shapely.from_geojson(boundary).buffer(-2e-5)  # ~2 m inside: no edge cases
        if shape.is_empty:
            continue
        x0, y0, x1, y1 = shape.bounds
        xs = np.array([rng.uniform(x0, x1) for _ in range(400)])
        ys = np.array([rng.uniform(y0, y1) for _ in range(400)])
        inside = shapely.contains_xy(shape, xs, ys)
        gx, gy = coords.from_wgs84(xs[inside][:60], ys[inside][:60], coords.GCJ02)
        if len(gx):
            found.append((code, [(round(x, 7), round(y, 7)) for x, y in zip(gx, gy, strict=True)]))
    return found


def bench_town():
    from shanzhi.areas.models import Area, Level

    return Area.objects.filter(level=Level.TOWN, code__startswith=DISTRICT).order_by("code")[0]


def make_csv(path: Path, rng: random.Random) -> list[tuple[str, str]]:
    """Write the CSV; return a sample of (name, ID) in the bench town, for the searches."""
    from faker import Faker

    from shanzhi.areas.models import Area
    from shanzhi.registry import identity, protection
    from shanzhi.registry.models import Person

    fake = Faker("zh_CN")  # synthetic names, distributed like real ones (they repeat)
    fake.seed_instance(rng.getrandbits(64))
    taken = set(Person.objects.exclude(notes=MARK).values_list("id_index", flat=True))
    grids = grid_points(rng)
    town_codes = set(
        Area.objects.filter(path__startswith=bench_town().path).values_list("code", flat=True)
    )
    start, span = datetime.date(1930, 1, 1).toordinal(), 90 * 365
    seen: set[str] = set()
    sample: list[tuple[str, str]] = []
    header = [
        "姓名",
        "证件号码",
        "性别",
        "出生日期",
        "民族",
        "联系电话",
        "人口类别",
        "现住址",
        "职业",
    ]
    header += ["政治面貌", "所属网格编码", "经度", "纬度", "坐标系", "备注"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        written = 0
        while written < ROWS:
            born = datetime.date.fromordinal(start + rng.randrange(span))
            first17 = f"{rng.choice(REGIONS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
            number = first17 + identity.check_digit(first17)
            if number in seen or protection.id_index("resident", number) in taken:
                continue
            seen.add(number)
            name = fake.name()
            gender = "男" if int(number[16]) % 2 else "女"
            phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}" if rng.random() < 0.7 else ""
            code, points = rng.choice(grids)
            if written % 2:  # half the rows are located from GCJ-02 coordinates
                lon, lat = rng.choice(points)
                where = ["", str(lon), str(lat), "GCJ-02"]
            else:
                where = [code, "", "", ""]
            category = "户籍人口" if rng.random() < 0.85 else "流动人口"
            address = f"薛城区{rng.choice(VILLAGES)}村{rng.randrange(1, 300)}号"
            writer.writerow(
                [name, number, gender, born.isoformat(), "汉族", phone, category, address]
                + [rng.choice(OCCUPATIONS), "群众", *where, MARK]
            )
            if code in town_codes and len(sample) < SEARCHES and rng.random() < 0.01:
                sample.append((name, number))
            written += 1
    return sample


def remove_earlier_run() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "DELETE FROM registry_person_tags WHERE person_id IN "
            "(SELECT id FROM registry_person WHERE notes = %s)",
            [MARK],
        )
        cur.execute("DELETE FROM registry_person WHERE notes = %s", [MARK])
        cur.execute("DROP TABLE IF EXISTS bench_person_copy")
        cur.execute("VACUUM ANALYZE registry_person")


def run_import(path: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of the operator import, a child process."""
    command = [sys.executable, str(ROOT / "manage.py"), "registry_import", "persons", str(path)]
    started = time.monotonic()
    done = subprocess.run(command + ["--no-progress"], capture_output=True, text=True)  # noqa: S603
    seconds = time.monotonic() - started
    if done.returncode != 0:
        print(done.stdout, done.stderr, file=sys.stderr)
        raise SystemExit("bench: the import failed")
    for line in done.stdout.strip().splitlines():
        print(f"# import: {line}", flush=True)
    # The command reports its own peak RSS and its sealing workers' (largest × count); their
    # sum is an upper bound of the import's memory (forked workers share pages with it).
    found = re.search(r"main=(\d+) MiB workers=(\d+)x(\d+) MiB", done.stdout)
    if found is None:
        return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    main, workers, worker = (int(g) for g in found.groups())
    return seconds, main + workers * worker


def copy_limit(dump: Path) -> float:
    """Seconds for COPY of the imported rows into the bare, pre-filled twin table."""
    import psycopg

    with psycopg.connect(BENCH_URL, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_person_copy")
        conn.execute("CREATE TABLE bench_person_copy (LIKE registry_person INCLUDING ALL)")
        conn.execute(
            "INSERT INTO bench_person_copy SELECT * FROM registry_person WHERE notes <> %s",
            [MARK],
        )
        conn.execute("VACUUM ANALYZE bench_person_copy")
        with dump.open("wb") as out, conn.cursor() as cur:
            query = "COPY (SELECT * FROM registry_person WHERE notes = 'bench-import') TO STDOUT"
            with cur.copy(query + " (FORMAT binary)") as copy:
                for block in copy:
                    out.write(block)
        started = time.monotonic()
        with conn.transaction(), conn.cursor() as cur, dump.open("rb") as source:
            with cur.copy("COPY bench_person_copy FROM STDIN (FORMAT binary)") as copy:
                while block := source.read(1 << 20):
                    copy.write(block)
        seconds = time.monotonic() - started
        conn.execute("DROP TABLE bench_person_copy")
    return seconds


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] * 1000


def searches(sample: list[tuple[str, str]]) -> list[tuple[str, float, float]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shanzhi.accounts.models import Post, Role, User
    from shanzhi.registry import selectors

    town = bench_town()
    user, _ = User.objects.get_or_create(username="bench_town_officer")
    Post.objects.get_or_create(user=user, role=Role.TOWN_OFFICER, area=town)
    user = User.objects.get(pk=user.pk)
    results = []
    for label, make in (
        ("person_name_search_p95", lambda name, number: {"q": name}),
        ("person_id_search_p95", lambda name, number: {"id_number": number}),
    ):
        ours, raw = [], []
        for name, number in sample[:20] + sample:  # the first 20 warm up and are discarded
            started = time.perf_counter()
            list(selectors.person_list(user=user, **make(name, number))[:25])
            ours.append(time.perf_counter() - started)
            with CaptureQueriesContext(connection) as captured:  # the same search, untimed
                list(selectors.person_list(user=user, **make(name, number))[:25])
            sql = captured.captured_queries[-1]["sql"]
            with connection.cursor() as cur:
                started = time.perf_counter()
                cur.execute(sql)
                cur.fetchall()
                raw.append(time.perf_counter() - started)
        results.append((label, p95(ours[20:]), p95(raw[20:])))
    return results


def main() -> None:
    setup()
    from django.db import connection

    remove_earlier_run()
    rng = random.Random(484000)
    with tempfile.TemporaryDirectory(prefix="shanzhi-bench-") as tmp:
        path = Path(tmp) / "persons.csv"
        started = time.monotonic()
        sample = make_csv(path, rng)
        size = path.stat().st_size / 2**20
        print(f"# generated {ROWS:,} rows ({size:.0f} MiB) in {time.monotonic() - started:.1f} s")
        connection.close()  # the child process holds its own connection
        seconds, peak = run_import(path)
        limit_seconds = copy_limit(Path(tmp) / "persons.copy")
    ours, limit = ROWS / seconds, ROWS / limit_seconds
    print(f"# import {seconds:.1f} s, COPY {limit_seconds:.1f} s")
    print(
        f"bench: import_persons ours={ours:.0f} limit={limit:.0f} ratio={ours / limit:.3f} "
        "goal=>=0.25 unit=rows/s"
    )
    print(
        f"bench: import_persons_peak_memory ours={peak:.0f} limit=1024 ratio={peak / 1024:.3f} "
        "goal=<=1 unit=MiB"
    )
    if not sample:
        return
    for label, ours_ms, raw_ms in searches(sample):
        print(
            f"bench: {label} ours={ours_ms:.2f} limit={raw_ms:.2f} ratio={ours_ms / raw_ms:.2f} "
            "goal=<=2 unit=ms"
        )


if __name__ == "__main__":
    main()
