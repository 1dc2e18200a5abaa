"""The mediation workflow (调解流转) as one table: states, transitions and who may fire each.

人民调解法 (DOMAIN.md §2.4)::

    registered ─accept (both parties consent, art. 17)→ accepted ─assign→ mediating
    registered ─refuse (consent refused; reason)→ refused
    mediating ─session (调解记录; no state change)
    mediating ─agree (agreement, art. 28/29)→ agreed
    mediating ─fail (reason + routes told, art. 26)→ failed
    accepted | mediating ─terminate (reason)→ terminated
    agreed | visited ─confirmation_apply / confirmation_decide (司法确认, art. 33; no state change)
    agreed | visited ─visit (回访, repeatable)→ visited
    visited | failed | terminated | refused ─archive→ archived
    registered | accepted ─refer (移送 one level up or down; changes the body)
    accepted | mediating ─assign (mediators; accepted → mediating)

``TRANSITIONS`` below is the only place that says which transition leaves which states, where
it goes and who may fire it; ``services.case_transition`` applies it, pages ask
``available_transitions`` which buttons to show.

Who (capabilities from ``accounts.scope.MEDIATION_CAPABILITIES``):
- *in scope*: the case's area (where the dispute is) or its handling body's area lies in one of
  the actor's post subtrees (``Scope.contains_path``);
- ``mediator``: the mediator's work (accept/refuse, sessions, outcome, judicial confirmation,
  return visits) — a mediator of the case's body (an active ``Mediator`` row with the actor's
  account on the case's body, with or without a post), or ``mediation.mediate`` in scope;
- ``assigner``: assign mediators and refer — ``mediation.assign`` in scope, or a mediator of
  the case's body;
- ``archiver``: archive — either of the above.

The mediation period (``deadlines``): one month from acceptance by default
(``SHANZHI_MEDIATION_DAYS`` = 30 calendar days, end of day, moved past non-working days),
warning ``SHANZHI_MEDIATION_WARN_DAYS`` (5) days before; ``is_overdue`` / ``overdue_q`` are
the one definition of "overdue" used by lists and statistics.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shanzhi.accounts.scope import Scope

if TYPE_CHECKING:
    from .models import MediationCase


class State(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    ACCEPTED = "accepted", _("已受理")
    REFUSED = "refused", _("不予受理")
    MEDIATING = "mediating", _("调解中")
    AGREED = "agreed", _("调解成功")
    FAILED = "failed", _("调解不成")
    TERMINATED = "terminated", _("终止调解")
    VISITED = "visited", _("已回访")
    ARCHIVED = "archived", _("已归档")


REGISTERED, ACCEPTED, REFUSED = State.REGISTERED, State.ACCEPTED, State.REFUSED
MEDIATING, AGREED, FAILED = State.MEDIATING, State.AGREED, State.FAILED
TERMINATED, VISITED, ARCHIVED = State.TERMINATED, State.VISITED, State.ARCHIVED

# Still being worked on (to-do lists, status counts).
OPEN_STATES = frozenset({REGISTERED, ACCEPTED, MEDIATING})
# The mediation period runs (due_at set at acceptance).
RUNNING_STATES = frozenset({ACCEPTED, MEDIATING})
# Mediation has concluded with an outcome (statistics: success rate).
CONCLUDED_STATES = frozenset({AGREED, FAILED, TERMINATED})
# Outcome rows that count as "agreed" in statistics, whatever happened after (visit, archive).
SUCCESS_STATES = frozenset({AGREED, VISITED})
FINISHED_STATES = frozenset({REFUSED, AGREED, FAILED, TERMINATED, VISITED, ARCHIVED})


class Outcome(models.TextChoices):
    """The outcome of a case for statistics (a visited or archived case keeps its outcome)."""

    PENDING = "pending", _("办理中")
    REFUSED = "refused", _("不予受理")
    AGREED = "agreed", _("调解成功")
    FAILED = "failed", _("调解不成")
    TERMINATED = "terminated", _("终止调解")


# --- deadlines ----------------------------------------------------------------------------------

DEFAULT_MEDIATION_DAYS = 30
DEFAULT_WARN_DAYS = 5


def mediation_days() -> int:
    return int(getattr(settings, "SHANZHI_MEDIATION_DAYS", DEFAULT_MEDIATION_DAYS))


def warn_days() -> int:
    return int(getattr(settings, "SHANZHI_MEDIATION_WARN_DAYS", DEFAULT_WARN_DAYS))


def due_dates(accepted_at: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """(due_at, warn_at) of a case accepted at ``accepted_at``."""
    from shanzhi.workdays.calendar import add_calendar_days

    due = add_calendar_days(accepted_at, mediation_days())
    return due, due - datetime.timedelta(days=warn_days())


def overdue_q(now: datetime.datetime, prefix: str = "") -> Q:
    """Cases whose mediation period ran out while they are still running."""
    return Q(**{f"{prefix}state__in": sorted(RUNNING_STATES), f"{prefix}due_at__lte": now})


def warning_q(now: datetime.datetime, prefix: str = "") -> Q:
    """Running cases inside the warning window, not yet overdue."""
    return Q(
        **{
            f"{prefix}state__in": sorted(RUNNING_STATES),
            f"{prefix}warn_at__lte": now,
            f"{prefix}due_at__gt": now,
        }
    )


def is_overdue(case: MediationCase, now: datetime.datetime) -> bool:
    return case.state in RUNNING_STATES and case.due_at is not None and case.due_at <= now


def is_warning(case: MediationCase, now: datetime.datetime) -> bool:
    return (
        case.state in RUNNING_STATES
        and case.warn_at is not None
        and case.due_at is not None
        and case.warn_at <= now < case.due_at
    )


# --- who ----------------------------------------------------------------------------------------


@dataclass
class Context:
    """What a "who" predicate may look at. ``body_mediator``: the actor has an active
    ``Mediator`` row on the case's body (the caller looks it up)."""

    actor: Any
    scope: Scope
    case: MediationCase
    body_mediator: bool = False

    def in_scope(self) -> bool:
        return self.scope.contains_path(self.case.area.path) or self.scope.contains_path(
            self.case.body.area.path
        )


def viewer(c: Context) -> bool:
    return c.body_mediator or (c.scope.can("mediation.view") and c.in_scope())


def mediator(c: Context) -> bool:
    """The mediator's work: a mediator of the case's body, or mediation.mediate in scope."""
    return c.body_mediator or (c.scope.can("mediation.mediate") and c.in_scope())


def assigner(c: Context) -> bool:
    """Assign mediators, refer: mediation.assign in scope, or a mediator of the case's body."""
    return c.body_mediator or (c.scope.can("mediation.assign") and c.in_scope())


def archiver(c: Context) -> bool:
    return mediator(c) or assigner(c)


# --- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    name: str
    label: Any  # lazy Chinese label
    sources: frozenset[str]
    target: str | None  # None: the state does not change
    who: Callable[[Context], bool]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(self.required) | frozenset(self.optional)

    def allowed(self, c: Context) -> bool:
        return c.case.state in self.sources and self.who(c)


def _t(*args: Any, **kwargs: Any) -> Transition:
    name, label, sources, target, who, *rest = args
    return Transition(name, label, frozenset(sources), target, who, *rest, **kwargs)


AGREEMENT_FIELDS = (
    "form", "facts", "disputed_points", "responsibilities", "signed_on", "copies", "notes",
    "terms",
)  # fmt: skip

# fmt: off
TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    #  name                   label            from                      to          who
    _t("accept",              _("受理"),        {REGISTERED},             ACCEPTED,   mediator,
       (), ("comment",)),
    _t("refuse",              _("不予受理"),    {REGISTERED},             REFUSED,    mediator,
       ("reason",)),
    _t("refer",               _("移送"),        {REGISTERED, ACCEPTED},   None,       assigner,
       ("body", "reason")),
    _t("party_add",           _("添加当事人"),  {REGISTERED, ACCEPTED, MEDIATING}, None, assigner,
       ("party",)),
    _t("assign",              _("指派调解员"),  {ACCEPTED, MEDIATING},    MEDIATING,  assigner,
       ("mediators",), ("lead", "comment")),
    _t("session",             _("调解记录"),    {MEDIATING},              None,       mediator,
       ("held_at", "record"), ("place", "attendees")),
    _t("agree",               _("调解成功"),    {MEDIATING},              AGREED,     mediator,
       ("signed_on", "terms"), tuple(set(AGREEMENT_FIELDS) - {"signed_on", "terms"})
       + ("comment",)),
    _t("fail",                _("调解不成"),    {MEDIATING},              FAILED,     mediator,
       ("reason", "routes_informed")),
    _t("terminate",           _("终止调解"),    {ACCEPTED, MEDIATING},    TERMINATED, mediator,
       ("reason",)),
    _t("confirmation_apply",  _("申请司法确认"), {AGREED, VISITED},        None,       mediator,
       ("applied_on", "court"), ("note",)),
    _t("confirmation_decide", _("司法确认结果"), {AGREED, VISITED},        None,       mediator,
       ("result",), ("decided_on", "note")),
    _t("visit",               _("回访"),        {AGREED, VISITED},        VISITED,    mediator,
       ("visited_on", "performance"), ("note",)),
    _t("archive",             _("归档"),        {VISITED, FAILED, TERMINATED, REFUSED},
       ARCHIVED, archiver, (), ("comment",)),
)}
# fmt: on


def transition(name: str) -> Transition:
    try:
        return TRANSITIONS[name]
    except KeyError:
        raise KeyError(f"unknown mediation transition {name!r}") from None


def available_transitions(c: Context) -> list[Transition]:
    """The transitions this actor may fire on this case now, in table order (for buttons)."""
    return [t for t in TRANSITIONS.values() if t.allowed(c)]
