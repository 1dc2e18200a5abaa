"""Shared set-up of the events benchmarks: their own PostgreSQL database with the seed-scale
demo (770,000 events in 薛城区). ``BENCH_DATABASE_URL`` overrides the database; on first run
it is created, migrated and filled (``shanzhi demo --scale seed``, several minutes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/shanzhi_bench_events"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL


def create_database(url: str) -> None:
    """CREATE DATABASE if it does not exist (connecting to the server's 'postgres' db)."""
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            log(f"creating database {name} …")
            conn.execute(f'CREATE DATABASE "{name}"')


def setup() -> None:
    """Point Django at the bench database, set it up, build the seed demo if absent."""
    sys.path.insert(0, str(ROOT))
    url = database_url()
    create_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "shanzhi.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from shanzhi.events.demo_events import SEED_REPORTER
    from shanzhi.events.models import Event

    if not Event.objects.filter(reporter_name=SEED_REPORTER).exists():
        log("building the seed-scale demo (first run only, several minutes) …")
        subprocess.run(  # noqa: S603 - our own manage.py with our own interpreter
            [sys.executable, str(ROOT / "manage.py"), "shanzhi", "demo", "--scale", "seed"],
            check=True,
            env={**os.environ, "DATABASE_URL": url},
            cwd=ROOT,
        )


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
