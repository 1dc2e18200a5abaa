"""Record counts of the working-day calendar for ``shanzhi status`` (shanzhi/core/status.py)."""

from __future__ import annotations

from django.db.models import Count, Max, Q

from .models import CalendarDay, CalendarStatus, CalendarYear


def counts() -> dict[str, int]:
    """Years seeded / maintained, the latest year with a calendar (0: none), and day rows."""
    years = CalendarYear.objects.aggregate(
        library=Count("pk", filter=Q(status=CalendarStatus.LIBRARY)),
        admin=Count("pk", filter=Q(status=CalendarStatus.ADMIN)),
        latest=Max("year"),
    )
    return {
        "years.library": years["library"],
        "years.admin": years["admin"],
        "years.latest": years["latest"] or 0,
        "days": CalendarDay.objects.count(),
    }
