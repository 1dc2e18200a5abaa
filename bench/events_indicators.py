"""Benchmark: indicators (考核指标) for the whole of 薛城区 over the seed's 770,000 events.

    .venv/bin/python bench/events_indicators.py    (or: make bench BENCH=events_indicators)

Own PostgreSQL database (bench/_events_db.py; BENCH_DATABASE_URL).

ours  = ``indicators.event_indicators(user=xc_dispatcher, grouping="area", level=town)`` for
        the last 12 months: scope, the one aggregate query (grouped by grid), the labels, and
        the roll-up to towns in Python;
limit = a hand-written SQL ``GROUP BY`` of the same counters per town (``FILTER`` clauses, the
        same NOT EXISTS over the timeline for "handled late"), run through a cursor.
Best of 5 each; the two must give the same numbers.
"""

from __future__ import annotations

import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _events_db  # noqa: E402

_events_db.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from shanzhi.accounts.models import User  # noqa: E402
from shanzhi.areas.models import Area  # noqa: E402
from shanzhi.events import indicators  # noqa: E402

RUNS = 5
GOAL = 1.5
LEVEL = 3  # towns

# Town of a grid: the 4th segment of "/city/district/town/…/" — path split part 3.
LIMIT_SQL = """
SELECT split_part(a.path, '/', 4)::bigint AS town,
       count(*) AS reported,
       count(*) FILTER (WHERE e.accepted_at IS NOT NULL) AS accepted,
       count(*) FILTER (WHERE e.accepted_at IS NOT NULL AND (e.state IN ('closed', 'evaluated')
           OR (e.state IN ('reported','accepted','dispatched','in_progress','fed_back','suspended')
               AND e.step_due_at <= %(as_of)s))) AS due,
       count(*) FILTER (WHERE e.accepted_at IS NOT NULL AND e.state IN ('closed', 'evaluated'))
           AS closed,
       count(*) FILTER (WHERE e.accepted_at IS NOT NULL AND e.state IN ('closed', 'evaluated')
           AND NOT EXISTS (SELECT 1 FROM events_timelineentry t WHERE t.event_id = e.id
               AND t.transition IN ('feedback', 'solve_on_spot')
               AND t.data -> 'ended_step' ->> 'step' = 'handle'
               AND (t.data -> 'ended_step' -> 'overdue') = 'true'::jsonb)) AS closed_on_time,
       count(*) FILTER (WHERE e.accepted_at IS NOT NULL
           AND e.state IN ('fed_back', 'closed', 'evaluated')) AS finished,
       count(*) FILTER (WHERE e.accepted_at IS NOT NULL AND e.reopen_count > 0) AS reworked,
       count(*) FILTER (WHERE e.satisfaction <> '') AS evaluated,
       count(*) FILTER (WHERE e.satisfaction IN ('satisfied', 'basically')) AS satisfied,
       extract(epoch FROM sum(e.closed_at - e.accepted_at) FILTER (WHERE e.accepted_at IS NOT NULL
           AND e.state IN ('closed', 'evaluated'))) / 3600.0 AS handle_hours
FROM events_event e JOIN areas_area a ON a.id = e.grid_id
WHERE e.reported_at >= %(start)s AND e.reported_at < %(end)s AND e.state <> 'merged'
  AND a.path LIKE %(district)s
GROUP BY 1
"""


def main() -> None:
    user = User.objects.get(username="xc_dispatcher")
    district = Area.objects.get(code="370403")
    now = timezone.now()
    end = now
    start = now - datetime.timedelta(days=366)
    as_of = min(end, now)

    def ours() -> indicators.IndicatorTable:
        user.__dict__.pop("_shanzhi_scope", None)  # recompute the scope as a request would
        return indicators.event_indicators(
            user=user, grouping="area", level=LEVEL, start=start, end=end, now=now
        )

    def limit() -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(
                LIMIT_SQL,
                {"as_of": as_of, "start": start, "end": end, "district": district.path + "%"},
            )
            return cursor.fetchall()

    ours()
    limit()  # warm caches
    best_ours = best_limit = float("inf")
    for _ in range(RUNS):
        t = time.perf_counter()
        table = ours()
        best_ours = min(best_ours, time.perf_counter() - t)
        t = time.perf_counter()
        rows = limit()
        best_limit = min(best_limit, time.perf_counter() - t)

    columns = list(indicators.COUNTERS)
    theirs = {row[0]: dict(zip(columns, row[1:], strict=True)) for row in rows}
    mismatches = 0
    for row in table.rows:
        other = theirs.get(row.key, {})
        for code in columns:
            a, b = float(row.counters[code]), float(other.get(code) or 0)
            if abs(a - b) > 0.01 * max(1.0, abs(b)) * (0.01 if code == "handle_hours" else 0):
                mismatches += 1
                _events_db.log(f"MISMATCH {row.label} {code}: ours={a} limit={b}")
    _events_db.log(
        f"{len(table.rows)} towns, {int(table.total.counters['reported'])} events; "
        f"totals {table.total.counters}; values {table.total.values}; "
        f"same numbers: {'yes' if mismatches == 0 and len(theirs) == len(table.rows) else 'NO'}"
    )
    ours_ms, limit_ms = best_ours * 1000, best_limit * 1000
    print(
        f"bench: events_indicators ours={ours_ms:.0f} limit={limit_ms:.0f} "
        f"ratio={ours_ms / limit_ms:.3f} goal=<={GOAL} unit=ms",
        flush=True,
    )


if __name__ == "__main__":
    main()
