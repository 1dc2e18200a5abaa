"""Record counts of mediation for ``shanzhi status`` (see shanzhi/core/status.py)."""

from __future__ import annotations

from django.db.models import Count, Q

from .models import MediationBody, MediationCase, Mediator
from .workflow import OPEN_STATES


def counts() -> dict[str, int]:
    """How many bodies and mediators there are, and cases in all and still open."""
    row = MediationCase.objects.aggregate(
        cases=Count("pk"), open=Count("pk", filter=Q(state__in=OPEN_STATES))
    )
    return {
        "mediation_bodies": MediationBody.objects.count(),
        "mediators": Mediator.objects.filter(active=True).count(),
        "mediation_cases": row["cases"] or 0,
        "open_mediation_cases": row["open"] or 0,
    }
