"""Mediation statistics (调解统计) for the statistics page and exports.

``case_statistics`` counts the cases *registered* in a period, in the user's scope, with one
aggregate query per breakdown (GROUP BY): by body level, body, dispute category, source,
source type, outcome and month. The outcome of a case is what its mediation ended in, kept after
a return visit or archiving: an agreement → agreed; a failure reason → failed; a termination
reason → terminated; a refusal reason → refused; otherwise pending.

- success rate = agreed / concluded (agreed + failed + terminated), a percentage with one
  decimal (None when nothing concluded);
- average duration = mean days from registration to outcome over concluded cases (one decimal);
- year-on-year change of intake = (this period − the same dates a year earlier) / the earlier
  count, a percentage with one decimal (e.g. −10.0 for 9 against 10; None when the earlier
  period had none);
- overdue = running cases past their mediation period now (``workflow.overdue_q``).
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from shanzhi.accounts.scope import scope_for

from . import workflow
from .models import BodyLevel, CaseSource, DisputeCategory, MediationCase, SourceType
from .selectors import visible_q
from .workflow import Outcome, State

GROUPS = ("level", "body", "category", "source", "source_type", "outcome", "month")


def outcome_expression() -> Case:
    """``annotate(outcome=outcome_expression())``: the case's outcome (see the module doc)."""
    return Case(
        When(Q(agreement__isnull=False) | Q(state__in=[State.AGREED, State.VISITED]),
             then=Value(Outcome.AGREED)),
        When(Q(state=State.FAILED) | ~Q(failure_reason=""), then=Value(Outcome.FAILED)),
        When(Q(state=State.TERMINATED) | ~Q(termination_reason=""),
             then=Value(Outcome.TERMINATED)),
        When(Q(state=State.REFUSED) | ~Q(refusal_reason=""), then=Value(Outcome.REFUSED)),
        default=Value(Outcome.PENDING),
        output_field=CharField(),
    )  # fmt: skip


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _period_q(start: datetime.date, end: datetime.date) -> Q:
    return Q(
        registered_at__gte=_start_of(start),
        registered_at__lt=_start_of(end) + datetime.timedelta(days=1),
    )


def _year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _percent(part: int | float, whole: int | float) -> float | None:
    if not whole:
        return None
    value = Decimal(str(part)) * 100 / Decimal(str(whole))
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def yoy_change(current: int, previous: int) -> float | None:
    """Year-on-year change in percent, one decimal: 9 against 10 → −10.0."""
    if not previous:
        return None
    return _percent(current - previous, previous)


def _counts(qs: QuerySet[MediationCase], field: str) -> dict[Any, int]:
    return {
        row[field]: row["n"]
        for row in qs.order_by().values(field).annotate(n=Count("pk", distinct=True))
    }


def _rows(counts: dict[Any, int], choices: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"key": key, "label": str(label), "count": counts.get(key, 0)} for key, label in choices
    ]


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months


def scoped_cases(user: Any) -> QuerySet[MediationCase]:
    return MediationCase.objects.filter(visible_q(user))


def case_statistics(
    user: Any,
    *,
    start: datetime.date,
    end: datetime.date,
    group_by: str = "category",
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """Statistics of cases registered from ``start`` to ``end`` (local dates, inclusive) in the
    user's scope; ``mediation.stats`` is needed. ``rows`` is the breakdown named by ``group_by``
    (one of ``GROUPS``); every breakdown is returned too as ``by_<name>``: lists of
    ``{"key", "label", "count"}`` (categories, levels, sources, source types and outcomes list
    every choice, zeros included; bodies only those with cases; months every month of the
    period, ``key`` "YYYY-MM")."""
    if not scope_for(user).can("mediation.stats"):
        raise PermissionDenied("您无权查看调解统计。")
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {GROUPS}")
    if end < start:
        start, end = end, start
    now = now or timezone.now()
    base = scoped_cases(user)
    cases = base.filter(_period_q(start, end))
    with_outcome = cases.annotate(outcome=outcome_expression())

    outcome_counts = _counts(with_outcome, "outcome")
    agreed = outcome_counts.get(Outcome.AGREED, 0)
    failed = outcome_counts.get(Outcome.FAILED, 0)
    terminated = outcome_counts.get(Outcome.TERMINATED, 0)
    concluded = agreed + failed + terminated
    total = sum(outcome_counts.values())

    duration = with_outcome.filter(
        outcome__in=[Outcome.AGREED, Outcome.FAILED, Outcome.TERMINATED],
        outcome_at__isnull=False,
    ).aggregate(
        avg=Avg(
            ExpressionWrapper(F("outcome_at") - F("registered_at"), output_field=DurationField())
        )
    )["avg"]
    average_days = (
        float(
            (Decimal(duration.total_seconds()) / Decimal(86400)).quantize(
                Decimal("0.1"), rounding=ROUND_HALF_UP
            )
        )
        if duration is not None
        else None
    )

    previous_total = base.filter(_period_q(_year_before(start), _year_before(end))).count()

    body_rows = [
        {"key": row["body_id"], "label": row["body__name"], "count": row["n"]}
        for row in cases.order_by()
        .values("body_id", "body__name", "body__code")
        .annotate(n=Count("pk"))
        .order_by("body__code")
    ]
    month_counts = {
        (row["month"].date() if isinstance(row["month"], datetime.datetime) else row["month"]): row[
            "n"
        ]
        for row in cases.annotate(month=TruncMonth("registered_at"))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
    }
    month_rows = [
        {"key": f"{m:%Y-%m}", "label": f"{m:%Y-%m}", "count": month_counts.get(m, 0)}
        for m in _months(start, end)
    ]
    result: dict[str, Any] = {
        "start": start,
        "end": end,
        "total": total,
        "agreed": agreed,
        "failed": failed,
        "terminated": terminated,
        "refused": outcome_counts.get(Outcome.REFUSED, 0),
        "pending": outcome_counts.get(Outcome.PENDING, 0),
        "concluded": concluded,
        "success_rate": _percent(agreed, concluded),
        "average_days": average_days,
        "previous_total": previous_total,
        "yoy_change": yoy_change(total, previous_total),
        "overdue": base.filter(workflow.overdue_q(now)).count(),
        "by_level": _rows(_counts(cases, "body__level"), BodyLevel.choices),
        "by_body": body_rows,
        "by_category": _rows(_counts(cases, "category"), DisputeCategory.choices),
        "by_source": _rows(_counts(cases, "source"), CaseSource.choices),
        "by_source_type": _rows(_counts(cases, "source_type"), SourceType.choices),
        "by_outcome": _rows(outcome_counts, Outcome.choices),
        "by_month": month_rows,
    }
    result["rows"] = result[f"by_{group_by}"]
    result["group_by"] = group_by
    return result
