"""Record counts of events for ``shanzhi status`` (see shanzhi/core/status.py)."""

from __future__ import annotations

from django.db.models import Count, Q

from .models import Event, EventType
from .workflow import OPEN_STATES


def counts() -> dict[str, int]:
    """How many event types are in the catalogue, and events in all and still open."""
    row = Event.objects.aggregate(
        events=Count("pk"), open=Count("pk", filter=Q(state__in=OPEN_STATES))
    )
    return {
        "event_types": EventType.objects.count(),
        "events": row["events"] or 0,
        "open_events": row["open"] or 0,
    }
