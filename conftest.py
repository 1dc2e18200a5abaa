"""Shared fixtures: the persona world (see shanzhi/testing/personas.py)."""

from __future__ import annotations

import pytest

from shanzhi.testing.personas import World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()
