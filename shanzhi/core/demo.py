"""What every app's demo part shares: the run's options, its random streams and its log-ins.

``manage.py shanzhi demo`` (``core/management/commands/shanzhi_demo.py``) builds one
``DemoContext`` and hands it, in order, to the ``build(ctx)`` of each module listed in
``DEMO_PARTS``. An app adds demo data by writing ``shanzhi/<app>/demo.py`` with a
``build(ctx: DemoContext) -> None`` and appending it to ``DEMO_PARTS``.

Rules for a part: idempotent (look up what exists, by code or username, and create only what
is missing, so a second run changes nothing and is fast); deterministic (draw randomness only
from ``ctx.rng(...)`` / ``ctx.faker(...)`` keyed by something stable, e.g. an area code, so one
part's draws do not shift another's); synthetic (never real personal data); quick (bulk
inserts for anything numerous). All parts run in one transaction: a part that fails leaves
the database as it was. ``ctx.scale`` ("small" or "seed") tells a part how much to build;
``ctx.add_login`` adds a username to the log-in table printed at the end.

Note for parts that hang data on areas (events, records, …): ``--scale seed`` replaces a small
薛城区 only while nothing but demo teams and posts hang on it (see ``shanzhi.areas.demo``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError

DEMO_PARTS: tuple[str, ...] = (
    "shanzhi.areas.demo",
    "shanzhi.accounts.demo",
    "shanzhi.registry.demo",
    "shanzhi.events.demo",
    "shanzhi.mediation.demo",
    "shanzhi.petitions.demo",
)

SCALES = ("small", "seed")


@dataclass
class DemoContext:
    scale: str = "small"
    seed: int = 2022
    write: Any = None  # callable(str) for progress lines, or None when quiet
    # Usernames to print at the end (with their posts), and the order to print them in.
    logins: dict[str, int] = field(default_factory=dict)

    def log(self, message: str) -> None:
        if self.write is not None:
            self.write(message)

    def rng(self, *key: object) -> random.Random:
        """A random stream determined by the run's seed and ``key`` (e.g. an area code)."""
        material = ":".join(str(part) for part in (self.seed, *key))
        return random.Random(material)  # noqa: S311 - synthetic demo data, not security

    def faker(self, *key: object) -> Any:
        """A zh_CN Faker seeded like ``rng(*key)``, for synthetic names and phone numbers."""
        try:
            from faker import Faker
        except ImportError as exc:  # Faker is a development dependency
            raise CommandError(
                "演示数据需要 Faker。The demo needs Faker: pip install -e '.[dev]'"
            ) from exc

        fake = Faker("zh_CN")
        fake.seed_instance(self.rng("faker", *key).getrandbits(64))
        return fake

    @cached_property
    def password_hash(self) -> str:
        """The demo password hashed once; every demo user shares it (argon2 is slow on
        purpose, and a seed-scale demo creates over a thousand users)."""
        return make_password(settings.SHANZHI_DEMO_PASSWORD)

    def add_login(self, *, username: str, order: int) -> None:
        self.logins.setdefault(username, order)
