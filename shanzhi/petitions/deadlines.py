"""Petition time limits (信访工作条例 2022), decided here and nowhere else.

The limits:

- art. 22 — register and transfer/assign (转送/交办) within 15 days of receipt;
- art. 23 — the receiving body notifies acceptance within 15 days of the transfer, or objects
  to jurisdiction (管辖异议) within 5 **working** days (``shanzhi.workdays``);
- art. 34 — handle within 60 days of acceptance, extended once by at most 30 days;
- arts. 35–36 — a 复查/复核 is requested within 30 days of the reply (of the 复查 decision)
  and decided within 30 days of the request.

Natural-day limits end at the end of the Nth day and, when that day is a holiday or weekend,
move to the next working day (期间届满的最后一日是节假日的，以节假日后的第一日为期间届满的日期;
``workdays.add_calendar_days``).

Each state has one *running* deadline (``RUNNING``); the services store it on the petition as
``due_kind`` / ``due_at`` whenever the state changes, so lists, counts and statistics ask the
same three questions in SQL (``status_expression``, ``status_q``, ``overdue_q``) that
``deadline_of`` answers for one petition in Python. The warning starts
``SHANZHI_PETITIONS_WARN_DAYS`` (default 3) days before the deadline.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils.translation import gettext_lazy as _

from shanzhi.workdays import calendar as workdays

from .choices import State

if TYPE_CHECKING:
    from .models import Petition

ROUTE_DAYS = 15  # art. 22
ACCEPT_DAYS = 15  # art. 23
OBJECTION_WORKING_DAYS = 5  # art. 23
HANDLE_DAYS = 60  # art. 34
MAX_EXTENSION_DAYS = 30  # art. 34
REQUEST_DAYS = 30  # arts. 35-36: request window
DECIDE_DAYS = 30  # arts. 35-36: decision
DEFAULT_WARN_DAYS = 3


class Status(models.TextChoices):
    NONE = "none", _("无时限")
    NORMAL = "normal", _("正常")
    WARNING = "warning", _("临期预警")
    OVERDUE = "overdue", _("已超期")


class Kind(models.TextChoices):
    ROUTE = "route", _("转送交办期限")
    ACCEPT = "accept", _("受理告知期限")
    HANDLE = "handle", _("办理期限")
    REVIEW = "review", _("复查决定期限")
    REREVIEW = "rereview", _("复核决定期限")


# The deadline that runs in each state, and the petition field holding it. States not listed
# (waiting for the petitioner, finished) run no office deadline.
RUNNING: dict[str, tuple[str, str | None]] = {
    State.REGISTERED: (Kind.ROUTE, "route_due_at"),
    State.ASSIGNED: (Kind.ACCEPT, "accept_due_at"),
    State.ACCEPTED: (Kind.HANDLE, "handle_due_at"),
    State.HANDLING: (Kind.HANDLE, "handle_due_at"),
    State.REVIEW_REQUESTED: (Kind.REVIEW, None),  # the open Review's decide_due_at
    State.REREVIEW_REQUESTED: (Kind.REREVIEW, None),
}


def warn_days() -> int:
    return int(getattr(settings, "SHANZHI_PETITIONS_WARN_DAYS", DEFAULT_WARN_DAYS))


# --- the limits ------------------------------------------------------------------------------


def days_after(start: datetime.datetime | datetime.date, days: int) -> datetime.datetime:
    """End of the Nth natural day after ``start``, moved past holidays and weekends."""
    return workdays.add_calendar_days(start, days)


def route_due(registered_at: datetime.datetime) -> datetime.datetime:
    return days_after(registered_at, ROUTE_DAYS)


def accept_due(assigned_at: datetime.datetime) -> datetime.datetime:
    return days_after(assigned_at, ACCEPT_DAYS)


def objection_due(assigned_at: datetime.datetime) -> datetime.datetime:
    return workdays.add_working_days(assigned_at, OBJECTION_WORKING_DAYS)


def handle_due(accepted_at: datetime.datetime) -> datetime.datetime:
    return days_after(accepted_at, HANDLE_DAYS)


def request_due(decided_at: datetime.datetime) -> datetime.datetime:
    """Last moment to ask for 复查 (after a reply) or 复核 (after a 复查 decision)."""
    return days_after(decided_at, REQUEST_DAYS)


def decide_due(requested_at: datetime.datetime) -> datetime.datetime:
    return days_after(requested_at, DECIDE_DAYS)


# --- the running deadline --------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    kind: str  # Kind value, "" when none runs
    due_at: datetime.datetime | None
    warn_at: datetime.datetime | None
    status: str  # Status value
    # Set when the deadline falls in a year whose holidays are not entered yet.
    calendar_warning: str | None = None

    @property
    def label(self) -> str:
        return str(Kind(self.kind).label) if self.kind else ""

    @property
    def is_overdue(self) -> bool:
        return self.status == Status.OVERDUE


def warn_from(due: datetime.datetime) -> datetime.datetime:
    return due - datetime.timedelta(days=warn_days())


def status_for(due: datetime.datetime | None, now: datetime.datetime) -> str:
    if due is None:
        return Status.NONE
    if due < now:
        return Status.OVERDUE
    if warn_from(due) <= now:
        return Status.WARNING
    return Status.NORMAL


def running_due(petition: Petition) -> tuple[str, datetime.datetime | None]:
    """The kind and instant of the deadline running in the petition's state (for services;
    a review state reads the open Review row)."""
    kind, field = RUNNING.get(petition.state, ("", None))
    if not kind:
        return "", None
    if field is not None:
        return kind, getattr(petition, field)
    review = (
        petition.reviews.filter(kind=kind, decided_at__isnull=True)
        .order_by("-requested_at")
        .first()
    )
    return kind, review.decide_due_at if review else None


def deadline_of(petition: Petition, now: datetime.datetime) -> Deadline:
    """The running deadline of one petition, its warning instant and status now (from the
    stored ``due_kind`` / ``due_at``, exactly as ``status_expression`` sees them)."""
    due = petition.due_at
    if not petition.due_kind or due is None:
        return Deadline(kind="", due_at=None, warn_at=None, status=Status.NONE)
    return Deadline(
        kind=petition.due_kind,
        due_at=due,
        warn_at=warn_from(due),
        status=status_for(due, now),
        calendar_warning=workdays.calendar_warning([due]),
    )


def status_expression(now: datetime.datetime) -> Case:
    """``queryset.annotate(deadline_status=status_expression(now))``."""
    return Case(
        When(due_at__isnull=True, then=Value(Status.NONE)),
        When(due_at__lt=now, then=Value(Status.OVERDUE)),
        When(due_at__lte=now + datetime.timedelta(days=warn_days()), then=Value(Status.WARNING)),
        default=Value(Status.NORMAL),
        output_field=models.CharField(),
    )


def status_q(status: str, now: datetime.datetime, prefix: str = "") -> Q:
    """Rows at exactly ``status`` now (filters, counts), matching ``status_expression``."""
    due = f"{prefix}due_at"
    warn_line = now + datetime.timedelta(days=warn_days())
    if status == Status.NONE:
        return Q(**{f"{due}__isnull": True})
    if status == Status.OVERDUE:
        return Q(**{f"{due}__lt": now})
    if status == Status.WARNING:
        return Q(**{f"{due}__gte": now, f"{due}__lte": warn_line})
    if status == Status.NORMAL:
        return Q(**{f"{due}__gt": warn_line})
    raise ValueError(f"unknown deadline status {status!r}")


def overdue_q(now: datetime.datetime, prefix: str = "") -> Q:
    return status_q(Status.OVERDUE, now, prefix)


def on_time_q(prefix: str = "") -> Q:
    """Replied petitions whose 处理意见书 came within the (possibly extended) 60 days."""
    return Q(**{f"{prefix}replied_at__isnull": False}) & Q(
        **{f"{prefix}replied_at__lte": models.F(f"{prefix}handle_due_at")}
    )
