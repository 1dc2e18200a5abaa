"""Record counts of the registry for ``shanzhi status`` (see shanzhi/core/status.py)."""

from __future__ import annotations

from .models import Building, House, Household, Organisation, Person, Residence


def counts() -> dict[str, int]:
    """How many persons, households, buildings, houses, organisations and residences
    (人房关联, current and past) are registered."""
    return {
        "persons": Person.objects.count(),
        "households": Household.objects.count(),
        "buildings": Building.objects.count(),
        "houses": House.objects.count(),
        "organisations": Organisation.objects.count(),
        "residences": Residence.objects.count(),
    }
