"""Benchmark: event intake through the REST API under load.

    .venv/bin/python bench/events_intake.py    (or: make bench BENCH=events_intake)

Own PostgreSQL database (bench/_events_db.py; BENCH_DATABASE_URL) with the seed-scale demo.
Starts gunicorn (2 sync workers) on a free port against it; 8 client threads (http.client,
one connection each, opened again after every answer: sync workers do not keep connections
alive) for ``SECONDS`` each phase:

ours  = ``POST /api/v1/events/`` (channel 系统接口; token of the district dispatcher
        xc_dispatcher): a 0401 report at a random basic grid's centre in 薛城区 — locate, ticket
        number, step clock, timeline, audit, notifications — 201 expected;
limit = ``GET /healthz`` on the same server (a trivial JSON view that asks the database
        ``SELECT 1``).
Reports throughput in requests per second; non-2xx answers are counted and reported.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _events_db  # noqa: E402

_events_db.setup()

from django.db import transaction  # noqa: E402
from django.db.models import Max  # noqa: E402

from shanzhi.accounts.models import User  # noqa: E402
from shanzhi.accounts.tokens import api_token_create, api_token_revoke  # noqa: E402
from shanzhi.areas.models import Area, GridKind, Level  # noqa: E402
from shanzhi.events.models import Event  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
WORKERS = 2
# Threads per worker (gunicorn's gthread worker when > 1); both phases run on the same server.
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
GOAL = 0.3
DESCRIPTION = "路边垃圾堆放，请清理。（压测）"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not come up")


def load(port: int, make_request, seconds: float) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    ok = [0] * CLIENTS
    bad = [0] * CLIENTS
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        rng = random.Random(i)  # noqa: S311 - benchmark points
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            method, path, body, headers = make_request(rng)
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                bad[i] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            if 200 <= response.status < 300:
                ok[i] += 1
            else:
                bad[i] += 1
                if bad[i] <= 2:
                    _events_db.log(f"HTTP {response.status} on {method} {path}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(ok), sum(bad)


def main() -> None:
    user = User.objects.get(username="xc_dispatcher")
    with transaction.atomic():
        token, key = api_token_create(actor=user, name=f"bench {time.time():.0f}")
    centres = [
        (a.centroid_lon, a.centroid_lat)
        for a in Area.objects.filter(
            code__startswith="370403", level=Level.GRID, kind=GridKind.BASIC, is_active=True
        ).exclude(centroid_lon=None)
    ]
    last_before = Event.objects.aggregate(last=Max("pk"))["last"] or 0
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "shanzhi.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={WORKERS}",
            f"--threads={THREADS}",
            "--log-level=warning",
        ],
        cwd=_events_db.ROOT,
        env={**os.environ},
    )
    try:
        wait_up(port)
        headers = {"Authorization": f"Token {key}", "Content-Type": "application/json"}

        def report(rng: random.Random):  # type: ignore[no-untyped-def]
            lon, lat = rng.choice(centres)
            body = json.dumps(
                {
                    "type": "0401",
                    "description": DESCRIPTION,
                    "lon": lon,
                    "lat": lat,
                }
            )
            return "POST", "/api/v1/events/", body, headers

        def health(rng: random.Random):  # type: ignore[no-untyped-def]
            return "GET", "/healthz", None, {}

        load(port, report, 2)  # warm-up
        ok, bad = load(port, report, SECONDS)
        ours = ok / SECONDS
        _events_db.log(f"ours: {ok} reports created, {bad} failed, in {SECONDS:.0f} s")
        ok_h, bad_h = load(port, health, SECONDS)
        limit = ok_h / SECONDS
        _events_db.log(f"limit: {ok_h} /healthz answers, {bad_h} failed, in {SECONDS:.0f} s")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        with transaction.atomic():  # tokens are capped per user; do not leave one per run
            api_token_revoke(actor=user, token=token)
        # The reports go too (their audit rows stay: the log is append-only): left behind,
        # every run would add thousands of open events to the database the list and
        # indicator benchmarks measure.
        removed, _ = Event.objects.filter(pk__gt=last_before, description=DESCRIPTION).delete()
        _events_db.log(f"removed this run's reports and their rows: {removed} rows")
    print(
        f"bench: events_intake ours={ours:.1f} limit={limit:.1f} ratio={ours / limit:.3f} "
        f"goal=>={GOAL} unit=req/s",
        flush=True,
    )


if __name__ == "__main__":
    main()
