"""Record counts of petitions for ``shanzhi status`` (see shanzhi/core/status.py)."""

from __future__ import annotations

from django.db.models import Count, Q

from .models import AidApplication, Petition, PetitionMatter, ReceptionDay, SpecialAction
from .workflow import OPEN_STATES


def counts() -> dict[str, int]:
    """Petitions in all and still open, matters, reception days, special actions and aid
    applications."""
    row = Petition.objects.aggregate(
        petitions=Count("pk"), open=Count("pk", filter=Q(state__in=OPEN_STATES))
    )
    return {
        "petitions": row["petitions"] or 0,
        "open_petitions": row["open"] or 0,
        "petition_matters": PetitionMatter.objects.count(),
        "reception_days": ReceptionDay.objects.count(),
        "special_actions": SpecialAction.objects.count(),
        "aid_applications": AidApplication.objects.count(),
    }
