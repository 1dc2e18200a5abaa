"""A hand-driven clock for tests of anything timed (sessions, lockouts, deadlines).

Patches ``django.utils.timezone.now`` — which Django, the session middleware and the audit log
read — and the copies django-axes imported by name. No extra package needed.

    with frozen_clock() as clock:
        ...
        clock.advance(minutes=31)
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from unittest import mock

# Modules that did ``from django.utils.timezone import now``.
_NOW_ALIASES = ("axes.handlers.proxy.now", "axes.attempts.now")


class Clock:
    def __init__(self, start: datetime.datetime):
        self.current = start

    def now(self) -> datetime.datetime:
        return self.current

    def advance(self, **delta: float) -> datetime.datetime:
        self.current += datetime.timedelta(**delta)
        return self.current


@contextmanager
def frozen_clock(start: datetime.datetime | None = None) -> Iterator[Clock]:
    clock = Clock(start or datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC))
    with ExitStack() as stack:
        stack.enter_context(mock.patch("django.utils.timezone.now", clock.now))
        for target in _NOW_ALIASES:
            stack.enter_context(mock.patch(target, clock.now))
        yield clock
