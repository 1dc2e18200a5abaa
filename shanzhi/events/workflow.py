"""The event workflow (事件流转) as one table: states, transitions and who may fire each.

The closed loop of GB/T 30428 (信息收集 → 立案 → 派遣 → 处理 → 反馈 → 核查结案 → 评价)::

    reported ─accept→ accepted ─dispatch→ dispatched ─sign→ in_progress ─feedback→ fed_back
    reported ─reject→ rejected             dispatched | in_progress ─return (退回)→ accepted
    reported ─solve_on_spot (自行处置)→ fed_back     fed_back ─verify_fail (返工)→ in_progress
    fed_back ─verify_pass→ closed ─evaluate→ evaluated
    closed | evaluated ─reopen (reporter not satisfied, within N days)→ in_progress
    accepted | dispatched | in_progress ─suspend→ suspended ─resume→ the state it left
    reported | accepted ─merge→ merged             open states ─cancel→ cancelled
    no state change: escalate (handling area → its parent), request / approve / reject
    extension, supervise (督办)

``TRANSITIONS`` below is the only place that says which transition leaves which states, where
it goes and who may fire it; ``services.event_transition`` applies it, pages ask
``available_transitions`` which buttons to show. "Who" is a predicate over a ``Context``: the
actor's scope (``accounts.scope``: capabilities, post areas, departments) and the event. The
predicates are pure (no queries): the caller loads the event with ``grid`` and
``handling_area`` and passes its active assignments.

Capabilities used (granted per role in ``accounts.scope.CAPABILITIES``):
``events.report`` report; ``events.view`` see events in one's subtrees / department;
``events.dispatch`` accept, dispatch, escalate, decide extensions, suspend, merge, cancel —
for events whose *handling area* lies in the actor's subtrees; ``events.handle`` sign, return,
feed back and ask for extensions on assignments to one's department or to the area of one's
post; ``events.verify`` verify (grid workers at their grid; village/town officers above it);
``events.supervise`` write 督办 notes in one's subtrees. Per role: city administrator and
dispatcher — view, report, dispatch, supervise; town and village officers — view, report,
dispatch, handle, verify; grid worker — view, report, handle, verify; auxiliary and mediator —
view, report; leader — view, report, supervise; department handler — view, handle; citizen —
report (and sees their own reports). Being the reporter (by account, or by the ticket's query
code) needs no capability: it allows cancel before acceptance, verify, evaluate and reopen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shanzhi.accounts.scope import Scope

if TYPE_CHECKING:
    from .models import Assignment, Event


class State(models.TextChoices):
    REPORTED = "reported", _("已上报")
    ACCEPTED = "accepted", _("已立案")
    REJECTED = "rejected", _("不予立案")
    DISPATCHED = "dispatched", _("已派遣")
    IN_PROGRESS = "in_progress", _("处置中")
    FED_BACK = "fed_back", _("已反馈待核查")
    CLOSED = "closed", _("已结案")
    EVALUATED = "evaluated", _("已评价")
    SUSPENDED = "suspended", _("挂起")
    CANCELLED = "cancelled", _("已撤销")
    MERGED = "merged", _("已合并")


REPORTED, ACCEPTED, REJECTED = State.REPORTED, State.ACCEPTED, State.REJECTED
DISPATCHED, IN_PROGRESS, FED_BACK = State.DISPATCHED, State.IN_PROGRESS, State.FED_BACK
CLOSED, EVALUATED, SUSPENDED = State.CLOSED, State.EVALUATED, State.SUSPENDED
CANCELLED, MERGED = State.CANCELLED, State.MERGED

# States in which the event still needs work (counted as "open" by lists and to-do counts).
OPEN_STATES = frozenset({REPORTED, ACCEPTED, DISPATCHED, IN_PROGRESS, FED_BACK, SUSPENDED})
# States out of which nothing but a re-open leads.
FINISHED_STATES = frozenset({REJECTED, CLOSED, EVALUATED, CANCELLED, MERGED})
# States in which work is under way and may be suspended.
SUSPENDABLE = frozenset({ACCEPTED, DISPATCHED, IN_PROGRESS})

# The step of the loop each state is in, and so which time limit runs (deadlines.py).
STEP_OF_STATE: dict[str, str] = {
    REPORTED: "accept",  # 受理: working hours
    ACCEPTED: "dispatch",  # 派遣: working hours
    DISPATCHED: "handle",  # 签收 + 处置: working days from dispatch (signing does not reset)
    IN_PROGRESS: "handle",
    FED_BACK: "verify",  # 核查: working days
}
STEP_LABELS = {
    "accept": _("受理"),
    "dispatch": _("派遣"),
    "handle": _("处置"),
    "verify": _("核查"),
}


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("主办")
    ASSIST = "assist", _("协办")


class AssignmentState(models.TextChoices):
    PENDING = "pending", _("待签收")
    WORKING = "working", _("处置中")
    RETURNED = "returned", _("已退回")
    DONE = "done", _("已完成")
    WITHDRAWN = (
        "withdrawn",
        _("已撤回"),
    )  # the event was cancelled or merged, or the lead returned it


ACTIVE_ASSIGNMENT_STATES = frozenset({AssignmentState.PENDING, AssignmentState.WORKING})


@dataclass
class Context:
    """What a "who" predicate may look at. ``assignments``: the event's active ones."""

    actor: Any
    scope: Scope
    event: Event
    assignments: Sequence[Assignment] = ()
    # True when the caller proved, with the ticket's query code, to be the reporter.
    query_code_ok: bool = False

    @property
    def is_reporter(self) -> bool:
        if self.query_code_ok:
            return True
        reporter_id = self.event.reporter_id
        return self.actor is not None and reporter_id is not None and reporter_id == self.actor.pk

    def holds(self, assignment: Assignment) -> bool:
        """The actor works for this assignment: its department, or the area of one of
        their posts (a dispatch to an area level goes to that area's officers)."""
        if not self.scope.can("events.handle"):
            return False
        if assignment.department_id is not None:
            return assignment.department_id in self.scope.department_ids
        return assignment.area_id in self.scope.area_ids

    def held(self, *, role: str | None = None, state: str | None = None) -> list[Assignment]:
        return [
            a
            for a in self.assignments
            if (role is None or a.role == role)
            and (state is None or a.state == state)
            and self.holds(a)
        ]

    def covers_grid(self) -> bool:
        return self.scope.contains_path(self.event.grid.path)

    def above_grid(self) -> bool:
        """A post strictly above the event's grid (its village, town, …) covers it."""
        path = self.event.grid.path
        return self.scope.is_all or any(
            path.startswith(p) and p != path for p in self.scope.area_paths
        )


# --- who may fire a transition ---------------------------------------------------------------


def dispatcher(c: Context) -> bool:
    """调度: events.dispatch, and the event's handling area lies in the actor's subtrees."""
    return c.scope.can("events.dispatch") and c.scope.contains_path(c.event.handling_area.path)


def lead_holder(c: Context) -> bool:
    """The lead (主办) department's handler, or the dispatched area's officers."""
    return bool(c.held(role=AssignmentRole.LEAD))


def signer(c: Context) -> bool:
    """Whoever holds a pending assignment; the lead must sign first (that starts 处置中)."""
    if c.event.state == DISPATCHED:
        return bool(c.held(role=AssignmentRole.LEAD, state=AssignmentState.PENDING))
    return bool(c.held(state=AssignmentState.PENDING))


def grid_worker(c: Context) -> bool:
    """The event's own grid worker (a post at the grid with events.handle)."""
    return c.scope.can("events.handle") and c.event.grid_id in c.scope.area_ids


def verifier(c: Context) -> bool:
    """核查: the grid worker of the event's grid, an officer above it with events.verify
    (where the grid has no worker account), or the reporter. An on-the-spot solution is
    verified by an officer above the grid (the village officer, 网格长), never its reporter."""
    can_verify = c.scope.can("events.verify")
    if c.event.solved_on_spot:
        return can_verify and c.above_grid() and not c.is_reporter
    return c.is_reporter or (can_verify and c.covers_grid())


def reopener(c: Context) -> bool:
    """The reporter, not satisfied: before evaluating, or having rated 不满意. (The window of
    SHANZHI_EVENTS_REOPEN_DAYS after closing is checked by the service, with its own message.)"""
    return c.is_reporter and (c.event.state == CLOSED or c.event.satisfaction == "unsatisfied")


def evaluator(c: Context) -> bool:
    """The reporter; for a reporter without an account (hotline), the dispatcher recording
    the call-back (回访)."""
    return c.is_reporter or (c.event.reporter_id is None and dispatcher(c))


def canceller(c: Context) -> bool:
    """The reporter before acceptance, or a dispatcher."""
    return (c.is_reporter and c.event.state == REPORTED) or dispatcher(c)


def supervisor(c: Context) -> bool:
    """督办: events.supervise (leaders, dispatchers, city administrators) in their subtrees."""
    return c.scope.can("events.supervise") and c.covers_grid()


# --- the table -------------------------------------------------------------------------------

RESTORE = "__restore__"  # target of resume: the state the event was suspended from


@dataclass(frozen=True)
class Transition:
    name: str
    label: Any  # lazy Chinese label
    sources: frozenset[str]
    target: str | None  # None: the state does not change; RESTORE: back to before suspension
    who: Callable[[Context], bool]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(self.required) | frozenset(self.optional)

    def allowed(self, c: Context) -> bool:
        return c.event.state in self.sources and self.who(c)


def _t(*args: Any, **kwargs: Any) -> Transition:
    name, label, sources, target, who, *rest = args
    return Transition(name, label, frozenset(sources), target, who, *rest, **kwargs)


PHOTOS = "photos"
CANCELLABLE = frozenset({REPORTED, ACCEPTED, DISPATCHED, IN_PROGRESS, SUSPENDED})

# Button labels whose word also names a state or a thing (挂起 suspended/suspend, 撤销
# cancelled/revoke, 督办 supervision/supervise, 退回): a context keeps their translations apart.
RETURN_LABEL = pgettext_lazy("event action", "退回")
SUSPEND_LABEL = pgettext_lazy("event action", "挂起")
CANCEL_LABEL = pgettext_lazy("event action", "撤销")
SUPERVISE_LABEL = pgettext_lazy("event action", "督办")

# fmt: off
TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    #  name                label          from                         to            who
    _t("accept",           _("立案"),      {REPORTED},                  ACCEPTED,     dispatcher,
       (), ("comment", "priority")),
    _t("reject",           _("不予立案"),  {REPORTED},                  REJECTED,     dispatcher,
       ("reason",)),
    _t("escalate",         _("上报上级"),  {REPORTED, ACCEPTED},        None,         dispatcher,
       (), ("comment",)),
    _t("dispatch",         _("派遣"),      {ACCEPTED},                  DISPATCHED,   dispatcher,
       (), ("lead_department", "assist_departments", "area", "comment")),
    _t("sign",             _("签收"),      {DISPATCHED, IN_PROGRESS},   IN_PROGRESS,  signer,
       (), ("comment",)),
    _t("return",           RETURN_LABEL,   {DISPATCHED, IN_PROGRESS},   ACCEPTED,     lead_holder,
       ("reason",)),
    _t("feedback",         _("处置反馈"),  {IN_PROGRESS},               FED_BACK,     lead_holder,
       ("comment",), (PHOTOS,)),
    _t("solve_on_spot",    _("自行处置"),  {REPORTED},                  FED_BACK,     grid_worker,
       ("comment",), (PHOTOS,)),
    _t("verify_pass",      _("核查通过"),  {FED_BACK},                  CLOSED,       verifier,
       (), ("comment",)),
    _t("verify_fail",      _("核查不通过"), {FED_BACK},                 IN_PROGRESS,  verifier,
       ("reason",), (PHOTOS,)),
    _t("evaluate",         _("评价"),      {CLOSED},                    EVALUATED,    evaluator,
       ("satisfaction",), ("comment",)),
    _t("reopen",           _("重新办理"),  {CLOSED, EVALUATED},         IN_PROGRESS,  reopener,
       ("reason",)),
    _t("request_extension", _("申请延期"), {DISPATCHED, IN_PROGRESS},   None,         lead_holder,
       ("days", "reason")),
    _t("approve_extension", _("批准延期"), {DISPATCHED, IN_PROGRESS},   None,         dispatcher,
       (), ("comment",)),
    _t("reject_extension", _("驳回延期"),  {DISPATCHED, IN_PROGRESS},   None,         dispatcher,
       ("reason",)),
    _t("suspend",          SUSPEND_LABEL,  SUSPENDABLE,               SUSPENDED,    dispatcher,
       ("reason",)),
    _t("resume",           _("恢复"),      {SUSPENDED},                 RESTORE,      dispatcher,
       (), ("comment",)),
    _t("merge",            _("合并"),      {REPORTED, ACCEPTED},        MERGED,       dispatcher,
       ("into",), ("comment",)),
    _t("cancel",           CANCEL_LABEL,   CANCELLABLE,               CANCELLED,    canceller,
       ("reason",)),
    _t("supervise",        SUPERVISE_LABEL, OPEN_STATES,              None,         supervisor,
       ("comment",), ("card",)),
)}
# fmt: on


def transition(name: str) -> Transition:
    try:
        return TRANSITIONS[name]
    except KeyError:
        raise KeyError(f"unknown event transition {name!r}") from None


def available_transitions(c: Context) -> list[Transition]:
    """The transitions this actor may fire on this event now, in table order (for buttons)."""
    return [t for t in TRANSITIONS.values() if t.allowed(c)]
