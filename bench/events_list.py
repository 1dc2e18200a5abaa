"""Benchmark: a town dispatcher's filtered list of open events over the seed's 770,000 events.

    .venv/bin/python bench/events_list.py    (or: make bench BENCH=events_list)

Own PostgreSQL database (bench/_events_db.py; BENCH_DATABASE_URL).

ours  = the database time of one page as the to-do view runs it: the user's scope (posts),
        ``Paginator(selectors.event_list(user=town_officer, open_only=True, type_code="05"),
        25).get_page(1)`` — the count, the page with its joins and ``deadline_level``, the
        prefetch of active assignments — summed over the queries (``execute_wrapper``);
limit = the very same SQL statements, captured, run raw through a cursor (fetching all rows).
p95 over 40 pages each, after a warm-up.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _events_db  # noqa: E402

_events_db.setup()

from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402

from shanzhi.accounts.models import User  # noqa: E402
from shanzhi.events import selectors  # noqa: E402

RUNS = 40
GOAL = 2
PAGE_SIZE = 25


class Timer:
    def __init__(self) -> None:
        self.total = 0.0
        self.statements: list[tuple[str, Any]] = []

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.total += time.perf_counter() - started
            self.statements.append((sql, params))


def page_once(user: Any) -> Timer:
    timer = Timer()
    user.__dict__.pop("_shanzhi_scope", None)  # a request computes the scope once
    with connection.execute_wrapper(timer):
        page = Paginator(
            selectors.event_list(user=user, open_only=True, type_code="05"), PAGE_SIZE
        ).get_page(1)
        rows = list(page.object_list)
        assert page.paginator.count >= len(rows)  # noqa: S101
    return timer


def raw_once(statements: list[tuple[str, Any]]) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()
    return time.perf_counter() - started


def main() -> None:
    user = User.objects.get(username="town_officer")
    first = page_once(user)
    for _ in range(3):
        page_once(user)
        raw_once(first.statements)
    ours: list[float] = []
    limit: list[float] = []
    for _ in range(RUNS):
        timer = page_once(user)
        ours.append(timer.total)
        limit.append(raw_once(timer.statements))
    count = Paginator(selectors.event_list(user=user, open_only=True, type_code="05"), 25).count
    _events_db.log(f"{len(first.statements)} queries per page; {count} matching open events")
    for sql, _params in first.statements:
        _events_db.log(f"  {sql[:160]}…")
    ours_ms, limit_ms = _events_db.p95(ours) * 1000, _events_db.p95(limit) * 1000
    print(
        f"bench: events_list_p95 ours={ours_ms:.2f} limit={limit_ms:.2f} "
        f"ratio={ours_ms / limit_ms:.3f} goal=<={GOAL} unit=ms",
        flush=True,
    )


if __name__ == "__main__":
    main()
