"""The petition workflow (信访办理流程, 信访工作条例 2022) as one table.

::

    registered ─route (转送/交办, art. 22, 15 days)→ assigned
    registered ─divert (涉法涉诉 → 政法机关, 诉访分离)→ diverted
    assigned ─accept (受理告知, art. 23, 15 days)→ accepted
    assigned ─not_accept (不予受理, reason)→ not_accepted
    assigned ─object (管辖异议, art. 23, 5 working days)→ registered (re-routed)
    accepted ─start (开始办理)→ handling
    accepted | handling ─extend (延期, art. 34: once, ≤ 30 days)→ same state
    accepted | handling ─reply (处理意见书, arts. 32/34, 60 days)→ replied
    replied ─request_review (复查, art. 35, within 30 days)→ review_requested
    review_requested ─decide_review→ reviewed
    reviewed ─request_rereview (复核, art. 36, within 30 days)→ rereview_requested
    rereview_requested ─decide_rereview→ rereviewed (the matter is final)
    replied | reviewed | rereviewed ─close (办结; no request in time)→ closed

``TRANSITIONS`` is the only place that says which transition leaves which states, where it
goes and who may fire it; ``services.petition_transition`` applies it and pages ask
``available_transitions`` which buttons to show. The time rules that need a clock (the
5-working-day objection window, the 30-day request windows, the one extension) are checked by
the service, with their own messages.

Who (capabilities from ``accounts.scope.PETITION_CAPABILITIES``):
``petitions.route`` — the petitions office (信访部门) of the petition's area: route, divert,
approve extensions, record review requests, close; ``petitions.handle`` — the body the
petition is assigned to (有权处理机关): a handler of the assigned department, or an officer
whose post is at the assigned area: accept, not accept, object, start, reply;
``petitions.review`` — the petitions office deciding 复查/复核 in its subtree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from shanzhi.accounts.scope import Scope

from .choices import State

if TYPE_CHECKING:
    from .models import Petition

REGISTERED, ASSIGNED, DIVERTED = State.REGISTERED, State.ASSIGNED, State.DIVERTED
ACCEPTED, NOT_ACCEPTED, HANDLING = State.ACCEPTED, State.NOT_ACCEPTED, State.HANDLING
REPLIED, REVIEW_REQUESTED, REVIEWED = State.REPLIED, State.REVIEW_REQUESTED, State.REVIEWED
REREVIEW_REQUESTED, REREVIEWED, CLOSED = (
    State.REREVIEW_REQUESTED,
    State.REREVIEWED,
    State.CLOSED,
)

# States in which someone in the offices still has work to do (to-do counts, overdue lists).
OPEN_STATES = frozenset(
    {REGISTERED, ASSIGNED, ACCEPTED, HANDLING, REVIEW_REQUESTED, REREVIEW_REQUESTED}
)
# States waiting for the petitioner (a 复查/复核 request may still come).
WAITING_STATES = frozenset({REPLIED, REVIEWED})
FINISHED_STATES = frozenset({DIVERTED, NOT_ACCEPTED, REREVIEWED, CLOSED})
# States in which the assigned body handles the matter (art. 34 clock).
HANDLING_STATES = frozenset({ACCEPTED, HANDLING})


@dataclass
class Context:
    """What a "who" predicate may look at: the actor's scope and the petition loaded with
    ``area`` and ``assigned_area``. Pure: no queries."""

    actor: Any
    scope: Scope
    petition: Petition

    def covers_area(self) -> bool:
        return self.scope.contains_path(self.petition.area.path)

    def holds_assignment(self) -> bool:
        """The actor works for the assigned body: its department, or a post at its area."""
        p = self.petition
        if p.assigned_department_id is not None:
            return self.scope.is_all or p.assigned_department_id in self.scope.department_ids
        if p.assigned_area_id is not None:
            return self.scope.is_all or p.assigned_area_id in self.scope.area_ids
        return False


# --- who may fire a transition ---------------------------------------------------------------


def office(c: Context) -> bool:
    """信访部门: petitions.route, and the petition's area lies in the actor's subtrees."""
    return c.scope.can("petitions.route") and c.covers_area()


def handler(c: Context) -> bool:
    """有权处理机关: petitions.handle, for the department or area the petition is assigned to."""
    return c.scope.can("petitions.handle") and c.holds_assignment()


def reviewer(c: Context) -> bool:
    """复查/复核机关: petitions.review in the petition's area."""
    return c.scope.can("petitions.review") and c.covers_area()


# --- the table -------------------------------------------------------------------------------


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
        return c.petition.state in self.sources and self.who(c)


def _t(*args: Any, **kwargs: Any) -> Transition:
    name, label, sources, target, who, *rest = args
    return Transition(name, label, frozenset(sources), target, who, *rest, **kwargs)


REPLY_FIELDS = ("decision", "facts", "basis", "opinion")

# fmt: off
TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    #  name               label               from                   to                  who
    _t("route",           _("转送交办"),       {REGISTERED},          ASSIGNED,           office,
       (), ("department", "area", "comment")),
    _t("divert",          _("导入法律程序"),   {REGISTERED},          DIVERTED,           office,
       ("legal_body",), ("comment",)),
    _t("accept",          _("受理"),           {ASSIGNED},            ACCEPTED,           handler,
       (), ("comment",)),
    _t("not_accept",      _("不予受理"),       {ASSIGNED},            NOT_ACCEPTED,       handler,
       ("reason",)),
    _t("object",          _("管辖异议"),       {ASSIGNED},            REGISTERED,         handler,
       ("reason",)),
    _t("start",           _("开始办理"),       {ACCEPTED},            HANDLING,           handler,
       (), ("comment",)),
    _t("extend",          _("延长办理期限"),   HANDLING_STATES,       None,               office,
       ("days", "reason")),
    _t("reply",           _("出具处理意见书"), HANDLING_STATES,       REPLIED,            handler,
       REPLY_FIELDS, ("review_body", "comment")),
    _t("request_review",  _("申请复查"),       {REPLIED},             REVIEW_REQUESTED,   office,
       ("reviewing_body",), ("reason", "requested_at")),
    _t("decide_review",   _("复查决定"),       {REVIEW_REQUESTED},    REVIEWED,           reviewer,
       ("decision", "opinion")),
    _t("request_rereview", _("申请复核"),      {REVIEWED},            REREVIEW_REQUESTED, office,
       ("reviewing_body",), ("reason", "requested_at")),
    _t("decide_rereview", _("复核决定"),       {REREVIEW_REQUESTED},  REREVIEWED,         reviewer,
       ("decision", "opinion")),
    _t("close",           _("办结"),           {REPLIED, REVIEWED, REREVIEWED}, CLOSED,   office,
       (), ("comment",)),
)}
# fmt: on


def transition(name: str) -> Transition:
    try:
        return TRANSITIONS[name]
    except KeyError:
        raise KeyError(f"unknown petition transition {name!r}") from None


def available_transitions(c: Context) -> list[Transition]:
    """The transitions this actor may fire on this petition now, in table order (buttons)."""
    return [t for t in TRANSITIONS.values() if t.allowed(c)]
