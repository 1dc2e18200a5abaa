"""Record counts of the areas app for ``shanzhi status`` (see shanzhi/core/status.py)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from .models import Area, GridKind, GridMembership, Level


def counts() -> dict[str, int]:
    """Active areas by level, active grids by kind, inactive areas, current team members."""
    active = Q(is_active=True)
    aggregates = {
        f"areas_{level.name.lower()}": Count("pk", filter=active & Q(level=level))
        for level in Level
        if level != Level.GRID
    }
    aggregates |= {
        f"grids_{kind.value}": Count("pk", filter=active & Q(level=Level.GRID, kind=kind))
        for kind in GridKind
    }
    aggregates["areas_inactive"] = Count("pk", filter=~active)
    # One query for the tree; names like "areas.town", "grids.basic".
    result = {
        alias.replace("_", ".", 1): n for alias, n in Area.objects.aggregate(**aggregates).items()
    }
    today = timezone.localdate()
    result["team_members.current"] = GridMembership.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today
    ).count()
    return result
