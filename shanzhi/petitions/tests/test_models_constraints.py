"""Database constraints behind the petition rules: the extension is at most 30 days, the
handling body is a department or an area (not both), a case is on an action once."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from shanzhi.petitions import status
from shanzhi.petitions.models import Petition

from .core_helpers import register

pytestmark = pytest.mark.django_db


def test_extension_over_30_days_is_refused_by_the_database(world):
    p = register(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Petition.objects.filter(pk=p.pk).update(extension_days=31)
    assert Petition.objects.get(pk=p.pk).extension_days == 0


def test_a_petition_is_not_assigned_to_a_department_and_an_area_at_once(world):
    p = register(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Petition.objects.filter(pk=p.pk).update(
            assigned_department=world.department, assigned_area=world.town
        )


def test_status_counts(world):
    register(world)
    counts = status.counts()
    assert counts["petitions"] == 1 and counts["open_petitions"] == 1
    assert counts["petition_matters"] == 1
