"""Step deadlines and supervision levels (预警 / 黄牌 / 红牌), decided here and nowhere else.

Each step of the loop (``workflow.STEP_OF_STATE``) runs a clock when it starts:

- ``due``: the event type's limit on the official calendar (``shanzhi.workdays``) — accept and
  dispatch in working hours (office hours on working days), handle and verify in working days
  (the end of the Nth working day after the start day);
- ``warn``: ``SHANZHI_EVENTS_WARN_FRACTION`` (default 0.8) of the way from start to due;
- ``red``: ``SHANZHI_EVENTS_RED_CARD_DAYS`` (default 3) working days after due.

The four instants are stored on the event, so "which events are overdue" is plain SQL:
``level_expression(now)`` annotates a queryset (lists, counts, indicators) and ``level_of``
answers for one event in Python, both from the same ordered ``THRESHOLDS``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils.translation import gettext_lazy as _

from shanzhi.workdays import calendar as workdays

if TYPE_CHECKING:
    from .models import Event, EventType

DEFAULT_WARN_FRACTION = 0.8
DEFAULT_RED_CARD_DAYS = 3


class Level(models.TextChoices):
    NONE = "none", _("无时限")
    NORMAL = "normal", _("正常")
    WARNING = "warning", _("临期预警")
    YELLOW = "yellow", _("超期（黄牌）")
    RED = "red", _("严重超期（红牌）")


# Most severe first: the first threshold already passed decides the level.
THRESHOLDS: tuple[tuple[str, str], ...] = (
    (Level.RED, "step_red_at"),
    (Level.YELLOW, "step_due_at"),
    (Level.WARNING, "step_warn_at"),
)


def warn_fraction() -> float:
    return float(getattr(settings, "SHANZHI_EVENTS_WARN_FRACTION", DEFAULT_WARN_FRACTION))


def red_card_days() -> int:
    return int(getattr(settings, "SHANZHI_EVENTS_RED_CARD_DAYS", DEFAULT_RED_CARD_DAYS))


@dataclass(frozen=True)
class StepClock:
    step: str
    started_at: datetime.datetime | None
    due_at: datetime.datetime | None
    warn_at: datetime.datetime | None
    red_at: datetime.datetime | None
    # Set when a deadline falls in a year whose holidays are not entered yet.
    calendar_warning: str | None = None

    def as_fields(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "step_started_at": self.started_at,
            "step_due_at": self.due_at,
            "step_warn_at": self.warn_at,
            "step_red_at": self.red_at,
        }


NO_CLOCK = StepClock(step="", started_at=None, due_at=None, warn_at=None, red_at=None)


def step_due(
    event_type: EventType,
    step: str,
    start: datetime.datetime,
    *,
    calendar: workdays.WorkCalendar | None = None,
) -> datetime.datetime | None:
    """When ``step`` started at ``start`` is due under ``event_type``'s limits."""
    if step == "accept":
        return workdays.add_working_hours(start, event_type.accept_hours, calendar=calendar)
    if step == "dispatch":
        return workdays.add_working_hours(start, event_type.dispatch_hours, calendar=calendar)
    if step == "handle":
        return workdays.add_working_days(start, event_type.handle_days, calendar=calendar)
    if step == "verify":
        return workdays.add_working_days(start, event_type.verify_days, calendar=calendar)
    return None


def clock_until(
    step: str,
    start: datetime.datetime,
    due: datetime.datetime,
    *,
    calendar: workdays.WorkCalendar | None = None,
) -> StepClock:
    """The clock of a step that started at ``start`` and is due at ``due`` (also used when an
    approved extension moves ``due``)."""
    warn = start + (due - start) * warn_fraction()
    red = workdays.add_working_days(due, red_card_days(), calendar=calendar)
    return StepClock(
        step=step,
        started_at=start,
        due_at=due,
        warn_at=warn,
        red_at=red,
        calendar_warning=workdays.calendar_warning([due, red], calendar=calendar),
    )


def extended_clock(
    step: str, start: datetime.datetime, due: datetime.datetime, days: int
) -> StepClock:
    """The clock after an approved extension of ``days`` working days (延期)."""
    return clock_until(step, start, workdays.add_working_days(due, days))


def start_clock(
    event_type: EventType,
    step: str,
    start: datetime.datetime,
    *,
    calendar: workdays.WorkCalendar | None = None,
) -> StepClock:
    if not step:
        return NO_CLOCK
    due = step_due(event_type, step, start, calendar=calendar)
    if due is None:
        return StepClock(step=step, started_at=start, due_at=None, warn_at=None, red_at=None)
    return clock_until(step, start, due, calendar=calendar)


def level_expression(now: datetime.datetime) -> Case:
    """``queryset.annotate(deadline_level=level_expression(now))``."""
    whens = [When(step_due_at__isnull=True, then=Value(Level.NONE))]
    whens += [When(**{f"{field}__lte": now}, then=Value(level)) for level, field in THRESHOLDS]
    return Case(*whens, default=Value(Level.NORMAL), output_field=models.CharField())


def level_q(level: str, now: datetime.datetime) -> Q:
    """Rows at exactly ``level`` now (for filters), matching ``level_expression``."""
    if level == Level.NONE:
        return Q(step_due_at__isnull=True)
    q = Q(step_due_at__isnull=False)
    for threshold, field in THRESHOLDS:
        if threshold == level:
            return q & Q(**{f"{field}__lte": now})
        q &= Q(**{f"{field}__gt": now})
    if level == Level.NORMAL:
        return q
    raise ValueError(f"unknown deadline level {level!r}")


def overdue_q(now: datetime.datetime) -> Q:
    """Events past their step's due instant now (yellow or red)."""
    return Q(step_due_at__lte=now)


def level_of(event: Event, now: datetime.datetime) -> str:
    """The level of one event now, by the same thresholds as ``level_expression``."""
    if event.step_due_at is None:
        return Level.NONE
    for level, field in THRESHOLDS:
        instant = getattr(event, field)
        if instant is not None and instant <= now:
            return level
    return Level.NORMAL
