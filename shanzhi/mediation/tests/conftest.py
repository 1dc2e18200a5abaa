"""The ``med`` fixture: the persona world plus mediation bodies at three levels and mediator
rows (see ``test_models.make_med``)."""

from __future__ import annotations

import pytest

from shanzhi.testing.personas import World

from .test_models import Med, make_med


@pytest.fixture
def med(world: World) -> Med:
    return make_med(world)
