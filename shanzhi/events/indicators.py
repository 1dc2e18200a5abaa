"""Event indicators (考核指标): base counters from one aggregate query, formulas as configuration.

Denominators differ by locality (DOMAIN.md §2.3), so a formula is data: the setting
``SHANZHI_EVENT_INDICATORS`` is a list of ``{"code", "name", "numerator", "denominator"}``
(optional ``"scale"``: 100 for a percentage (default), 1 for a plain quotient, and ``"unit"``),
where numerator and denominator name base counters below. It is checked at start-up
(``check_indicator_settings``, a Django system check).

The base counters, over the **cohort of events reported in the period** (``reported_at`` in
``[start, end)``, Asia/Shanghai days), merged duplicates (已合并) left out:

- ``reported`` 上报数: events reported in the period;
- ``accepted`` 立案数: of those, the ones accepted (立案; ``accepted_at`` set — an on-the-spot
  solution 自行处置 counts as accepted);
- ``due`` 应结案数: accepted events that should be closed by the end of the period (or now, if
  earlier): closed ones, and open ones whose current step (dispatch, handle or verify) is past
  its due instant (``step_due_at``, deadlines.py);
- ``closed`` 结案数: accepted events closed (已结案 or 已评价) now;
- ``closed_on_time`` 按期结案数: closed events none of whose handling steps ended overdue — no
  timeline row carries ``data.ended_step.overdue = true`` for the handle step (the service
  writes it when a step ends, services/transitions.py ``_move_clock``);
- ``finished`` 办结数: accepted events whose handling is finished (已反馈待核查, 已结案, 已评价);
- ``reworked`` 返工数: accepted events sent back at least once (核查不通过 or re-opened by an
  unsatisfied citizen: ``reopen_count > 0``);
- ``evaluated`` 评价数 and ``satisfied`` 满意数 (满意 or 基本满意) among the evaluated ones;
- ``handle_hours`` 办理总时长: the sum over closed events of accepted → closed, in hours
  (average handling time = handle_hours / closed).

Groupings: by **area** at a chosen level (the aggregate groups by grid; grids roll up to their
ancestor at that level by the materialised path), by **grid worker** (the grid's current
专职网格员 post; grids without one are grouped as "未配备网格员"), by **department** (events with a
lead assignment, 主办, to the department; one query joining assignments, counts distinct — the
hours of an event led twice by the same department, after a return, count twice).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import checks
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.utils.translation import gettext_lazy as _

from .models import Assignment, Event, Satisfaction, TimelineEntry
from .workflow import OPEN_STATES, AssignmentRole, State

COUNTERS: dict[str, Any] = {
    "reported": _("上报数"),
    "accepted": _("立案数"),
    "due": _("应结案数"),
    "closed": _("结案数"),
    "closed_on_time": _("按期结案数"),
    "finished": _("办结数"),
    "reworked": _("返工数"),
    "evaluated": _("评价数"),
    "satisfied": _("满意数"),
    "handle_hours": _("办理总时长（小时）"),
}

DEFAULT_INDICATORS: list[dict[str, Any]] = [
    {"code": "filing_rate", "name": "立案率", "numerator": "accepted", "denominator": "reported"},
    {
        "code": "on_time_rate",
        "name": "按期结案率",
        "numerator": "closed_on_time",
        "denominator": "due",
    },
    {"code": "closing_rate", "name": "结案率", "numerator": "closed", "denominator": "due"},
    {"code": "finish_rate", "name": "办结率", "numerator": "finished", "denominator": "accepted"},
    {"code": "rework_rate", "name": "返工率", "numerator": "reworked", "denominator": "accepted"},
    {
        "code": "satisfaction_rate",
        "name": "满意率",
        "numerator": "satisfied",
        "denominator": "evaluated",
    },
    {
        "code": "avg_handle_hours",
        "name": "平均办理时长",
        "numerator": "handle_hours",
        "denominator": "closed",
        "scale": 1,
        "unit": "小时",
    },
]

CLOSED_STATES = (State.CLOSED, State.EVALUATED)
FINISHED_STATES = (State.FED_BACK, State.CLOSED, State.EVALUATED)
HOUR = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class Formula:
    code: str
    name: str
    numerator: str
    denominator: str
    scale: float = 100
    unit: str = "%"

    def value(self, counters: Mapping[str, float]) -> float | None:
        """The indicator's value, rounded to 2 places; ``None`` when the denominator is 0."""
        denominator = counters.get(self.denominator) or 0
        if not denominator:
            return None
        return round((counters.get(self.numerator) or 0) * self.scale / denominator, 2)


def validate_indicators(raw: Any) -> list[str]:
    """Problems with a ``SHANZHI_EVENT_INDICATORS`` value (empty list when it is valid)."""
    if not isinstance(raw, list | tuple) or not raw:
        return ["SHANZHI_EVENT_INDICATORS must be a non-empty list of dicts."]
    errors: list[str] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            errors.append(f"item {i}: not a dict")
            continue
        for key in ("code", "name", "numerator", "denominator"):
            if not isinstance(item.get(key), str) or not item.get(key):
                errors.append(f"item {i}: {key!r} must be a non-empty string")
        for key in ("numerator", "denominator"):
            if isinstance(item.get(key), str) and item[key] not in COUNTERS:
                errors.append(
                    f"item {i}: unknown counter {item[key]!r} (known: {', '.join(COUNTERS)})"
                )
        scale = item.get("scale", 100)
        if isinstance(scale, bool) or not isinstance(scale, int | float) or scale <= 0:
            errors.append(f"item {i}: 'scale' must be a positive number")
        unknown = set(item) - {"code", "name", "numerator", "denominator", "scale", "unit"}
        if unknown:
            errors.append(f"item {i}: unknown keys {sorted(unknown)}")
        code = item.get("code")
        if code in seen:
            errors.append(f"item {i}: duplicate code {code!r}")
        seen.add(str(code))
    return errors


def formulas() -> list[Formula]:
    raw = getattr(settings, "SHANZHI_EVENT_INDICATORS", None) or DEFAULT_INDICATORS
    return [
        Formula(
            code=item["code"],
            name=item["name"],
            numerator=item["numerator"],
            denominator=item["denominator"],
            scale=item.get("scale", 100),
            unit=item.get("unit", "%" if item.get("scale", 100) == 100 else ""),
        )
        for item in raw
    ]


def check_indicator_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    raw = getattr(settings, "SHANZHI_EVENT_INDICATORS", None)
    if raw is None:
        return []
    return [checks.Error(msg, id="events.E001") for msg in validate_indicators(raw)]


# --- the one aggregate query ----------------------------------------------------------------------


def overdue_handle_q() -> Q:
    """Timeline rows recording a handle step that ended past its due."""
    return Q(transition__in=["feedback", "solve_on_spot"]) & Q(
        data__ended_step__step="handle", data__ended_step__overdue=True
    )


def counter_aggregates(as_of: datetime.datetime, *, distinct: bool = False) -> dict[str, Any]:
    """The base counters as conditional aggregates over events (annotated with
    ``handled_late``). ``distinct`` when the query joins rows that repeat an event."""
    accepted = Q(accepted_at__isnull=False)
    closed = accepted & Q(state__in=CLOSED_STATES)

    def count(q: Q) -> Count:
        return Count("pk", filter=q, distinct=distinct)

    return {
        "reported": count(Q()),
        "accepted": count(accepted),
        "due": count(closed | (accepted & Q(state__in=OPEN_STATES) & Q(step_due_at__lte=as_of))),
        "closed": count(closed),
        "closed_on_time": count(closed & Q(handled_late=False)),
        "finished": count(accepted & Q(state__in=FINISHED_STATES)),
        "reworked": count(accepted & Q(reopen_count__gt=0)),
        "evaluated": count(~Q(satisfaction="")),
        "satisfied": count(Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASICALLY])),
        "handle_time": Sum(
            ExpressionWrapper(F("closed_at") - F("accepted_at"), output_field=DurationField()),
            filter=closed,
        ),
    }


def cohort(events: QuerySet[Event], start: datetime.datetime, end: datetime.datetime) -> Any:
    late = TimelineEntry.objects.filter(overdue_handle_q(), event_id=OuterRef("pk"))
    return (
        events.filter(reported_at__gte=start, reported_at__lt=end)
        .exclude(state=State.MERGED)
        .annotate(handled_late=Exists(late))
        .order_by()
    )


def _counters(row: Mapping[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {k: int(row.get(k) or 0) for k in COUNTERS if k != "handle_hours"}
    handle_time = row.get("handle_time")
    if isinstance(handle_time, int | float):  # some backends return microseconds
        handle_time = datetime.timedelta(microseconds=handle_time)
    out["handle_hours"] = round((handle_time or datetime.timedelta()) / HOUR, 4)
    return out


def counters_by_department(
    events: QuerySet[Event], start: datetime.datetime, end: datetime.datetime, as_of: Any
) -> dict[int, dict[str, float]]:
    rows = (
        cohort(events, start, end)
        .filter(assignments__role=AssignmentRole.LEAD, assignments__department__isnull=False)
        .values(department_id=F("assignments__department_id"))
        .annotate(**counter_aggregates(as_of, distinct=True))
    )
    return {row["department_id"]: _counters(row) for row in rows}


def add_counters(rows: Iterable[Mapping[str, float]]) -> dict[str, float]:
    total = dict.fromkeys(COUNTERS, 0.0)
    for row in rows:
        for key in COUNTERS:
            total[key] += row.get(key) or 0
    total["handle_hours"] = round(total["handle_hours"], 4)
    return total


@dataclass
class IndicatorRow:
    key: Any
    label: str
    counters: dict[str, float]
    values: dict[str, float | None] = field(default_factory=dict)


def rows_with_values(rows: list[IndicatorRow], formulas_: list[Formula]) -> list[IndicatorRow]:
    for row in rows:
        row.values = {f.code: f.value(row.counters) for f in formulas_}
    return rows


# --- the scoped read the page and the export use -------------------------------------------------

GROUPINGS = ("area", "department", "worker")


@dataclass
class IndicatorTable:
    grouping: str
    level: int
    start: datetime.datetime
    end: datetime.datetime
    formulas: list[Formula]
    rows: list[IndicatorRow]
    total: IndicatorRow


def event_indicators(
    *,
    user: Any,
    grouping: str,
    start: datetime.datetime,
    end: datetime.datetime,
    level: int = 3,
    now: datetime.datetime | None = None,
) -> IndicatorTable:
    """Indicators of the events the user may see (``selectors.visible_q``), reported in
    ``[start, end)``, grouped by ``grouping`` (area at ``level`` / department / grid worker).
    Three queries besides the scope: the aggregate, and the labels of the groups."""
    from django.utils import timezone

    from shanzhi.accounts.models import Department, Post, Role
    from shanzhi.areas.models import Area

    from .selectors import visible_q

    if grouping not in GROUPINGS:
        raise ValueError(f"unknown grouping {grouping!r}")
    now = now or timezone.now()
    as_of = min(end, now)
    events = Event.objects.filter(visible_q(user))
    rows: list[IndicatorRow] = []
    if grouping == "department":
        by_department = counters_by_department(events, start, end, as_of)
        names = dict(Department.objects.filter(pk__in=by_department).values_list("pk", "name"))
        rows = [
            IndicatorRow(key=pk, label=names.get(pk, str(pk)), counters=c)
            for pk, c in by_department.items()
        ]
        led = Assignment.objects.filter(role=AssignmentRole.LEAD, department__isnull=False).values(
            "event_id"
        )
        total_counters = counters_total(events.filter(pk__in=led), start, end, as_of)
    else:
        rows_by_grid = list(
            cohort(events, start, end)
            .values("grid_id", "grid__path")
            .annotate(**counter_aggregates(as_of))
        )
        groups: dict[Any, list[dict[str, float]]] = {}
        labels: dict[Any, str] = {}
        key: Any
        if grouping == "area":
            for row in rows_by_grid:
                parts = row["grid__path"].strip("/").split("/")
                key = int(parts[level - 1]) if len(parts) >= level else int(parts[-1])
                groups.setdefault(key, []).append(_counters(row))
            labels.update(Area.objects.filter(pk__in=groups).values_list("pk", "name"))
        else:
            grid_ids = [row["grid_id"] for row in rows_by_grid]
            workers: dict[int | None, Any] = {}
            for post in (
                Post.objects.filter(role=Role.GRID_WORKER, is_active=True, area_id__in=grid_ids)
                .select_related("user")
                .order_by("id")
            ):
                workers.setdefault(post.area_id, post.user)
            for row in rows_by_grid:
                worker = workers.get(row["grid_id"])
                key = worker.pk if worker is not None else None
                labels[key] = worker.display_name if worker is not None else str(_("未配备网格员"))
                groups.setdefault(key, []).append(_counters(row))
        rows = [
            IndicatorRow(key=key, label=str(labels.get(key, key)), counters=add_counters(parts))
            for key, parts in groups.items()
        ]
        total_counters = add_counters(r.counters for r in rows)
    rows.sort(key=lambda r: (-r.counters["reported"], r.label))
    fs = formulas()
    total = IndicatorRow(key="total", label=str(_("合计")), counters=total_counters)
    return IndicatorTable(
        grouping=grouping,
        level=level,
        start=start,
        end=end,
        formulas=fs,
        rows=rows_with_values(rows, fs),
        total=rows_with_values([total], fs)[0],
    )


def counters_total(
    events: QuerySet[Event], start: datetime.datetime, end: datetime.datetime, as_of: Any
) -> dict[str, float]:
    """The counters of the whole cohort (departments overlap under 联办, so their rows do not
    add up to the total)."""
    return _counters(cohort(events, start, end).aggregate(**counter_aggregates(as_of)))


PERIODS = ("month", "quarter", "year", "custom")


def period_bounds(
    kind: str,
    *,
    year: int,
    number: int = 1,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> tuple[datetime.datetime, datetime.datetime]:
    """``[start, end)`` of a month (``number`` 1–12), quarter (1–4), year, or a custom range
    of days (both included), in Asia/Shanghai."""
    from shanzhi.workdays.calendar import CALENDAR_TZ

    def instant(day: datetime.date) -> datetime.datetime:
        return datetime.datetime(day.year, day.month, day.day, tzinfo=CALENDAR_TZ)

    if kind == "month":
        first = datetime.date(year, number, 1)
        nxt = datetime.date(year + number // 12, number % 12 + 1, 1)
    elif kind == "quarter":
        first = datetime.date(year, 3 * (number - 1) + 1, 1)
        last = 3 * number
        nxt = datetime.date(year + last // 12, last % 12 + 1, 1)
    elif kind == "year":
        first, nxt = datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    elif kind == "custom":
        if date_from is None or date_to is None or date_to < date_from:
            raise ValueError("custom period needs date_from <= date_to")
        first, nxt = date_from, date_to + datetime.timedelta(days=1)
    else:
        raise ValueError(f"unknown period {kind!r}")
    return instant(first), instant(nxt)
