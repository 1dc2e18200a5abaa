"""Petition statistics (信访统计) for a user's scope and a period: counts by channel, type,
state, 涉法涉诉 and month, the on-time rate and judicial aid totals. Every figure reads through
``selectors`` (so scoping is the same as the lists) and ``deadlines`` (so "on time" and
"overdue" mean the same as everywhere else)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from . import deadlines, selectors
from .choices import Channel, PetitionType, State


def _by(qs: Any, field: str, choices: Any) -> list[dict[str, Any]]:
    counts = dict(qs.order_by().values_list(field).annotate(n=Count("id")))
    return [
        {"key": value, "label": str(label), "count": counts.get(value, 0)}
        for value, label in choices
    ]


def petition_statistics(
    *,
    user: Any,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """Figures for petitions registered between ``start`` and ``end`` (inclusive) in the
    user's scope::

        {"total", "by_channel", "by_type", "by_state", "law_related": {"yes", "no"},
         "by_month": [{"month": date, "count"}], "group": int, "overdue": int,
         "replied": int, "replied_on_time": int, "on_time_rate": float | None (0..1),
         "aid": {"amount": Decimal, "count": int}}
    """
    now = now or timezone.now()
    qs = selectors.petitions_for(user, {"registered_from": start, "registered_to": end}, now=now)
    base = qs.order_by()
    agg = base.aggregate(
        total=Count("id", distinct=True),
        law=Count("id", filter=Q(law_related=True), distinct=True),
        group=Count("id", filter=Q(is_group=True), distinct=True),
        overdue=Count("id", filter=deadlines.overdue_q(now), distinct=True),
        replied=Count("id", filter=Q(replied_at__isnull=False), distinct=True),
        on_time=Count("id", filter=deadlines.on_time_q(), distinct=True),
    )
    plain = selectors.Petition.objects.filter(pk__in=base.values("pk"))
    months = (
        plain.annotate(m=TruncMonth("registered_at"))
        .values("m")
        .annotate(n=Count("id"))
        .order_by("m")
    )
    ledger = selectors.aid_ledger(user=user, start=start, end=end)
    aid_amount = sum((p.amount for p in ledger), Decimal("0.00"))
    return {
        "total": agg["total"],
        "by_channel": _by(plain, "channel", Channel.choices),
        "by_type": _by(plain, "type", PetitionType.choices),
        "by_state": _by(plain, "state", State.choices),
        "law_related": {"yes": agg["law"], "no": agg["total"] - agg["law"]},
        "by_month": [
            {
                "month": m["m"].date() if isinstance(m["m"], datetime.datetime) else m["m"],
                "count": m["n"],
            }
            for m in months
        ],
        "group": agg["group"],
        "overdue": agg["overdue"],
        "replied": agg["replied"],
        "replied_on_time": agg["on_time"],
        "on_time_rate": (agg["on_time"] / agg["replied"]) if agg["replied"] else None,
        "aid": {"amount": aid_amount, "count": ledger.count()},
    }


def aid_statistics(
    *,
    user: Any,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    period: str = "month",
) -> list[dict[str, Any]]:
    """Judicial aid paid per period (see ``selectors.aid_totals``)."""
    return selectors.aid_totals(user=user, start=start, end=end, period=period)
