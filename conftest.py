"""Shared fixtures: the persona world (see shanzhi/testing/personas.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.utils import translation

from shanzhi.testing.personas import World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts and ends in the default language: a request that switched to English
    (the language cookie, the middleware) must not leave the worker's thread in English for
    the next test."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_catalogue_snapshot() -> None:
    """Intake's per-process catalogue snapshot starts empty in each test: a test database is
    rolled back or flushed between tests, which no catalogue signal sees."""
    from shanzhi.events.catalogue_snapshot import forget_snapshot

    forget_snapshot()
