"""One effect function per transition of ``workflow.TRANSITIONS``: what firing it changes
besides the state (assignments, timestamps, extension requests, notes) and whom it tells.

An effect receives a ``Change`` on the locked event after the permission and field checks;
it may raise ValidationError (nothing is written then) and records event fields with
``change.set(...)`` and timeline data in ``change.timeline``. ``event_transition`` does the
rest (state, clock, version, timeline and audit rows).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Model, QuerySet
from django.utils.translation import gettext as _

from shanzhi.accounts.models import Department
from shanzhi.areas.models import Area

from .. import deadlines, workflow
from ..models import (
    Assignment,
    Card,
    Event,
    ExtensionRequest,
    ExtensionState,
    Priority,
    Satisfaction,
    SupervisionNote,
)
from ..workflow import AssignmentRole, AssignmentState, State
from .common import (
    Change,
    subject_for,
    tell,
    tell_dispatchers,
    tell_handlers,
    tell_reporter,
)
from .notifications import notify, verifiers_for

M = TypeVar("M", bound=Model)

DEFAULT_REOPEN_DAYS = 15
MAX_EXTENSION_DAYS = 30


def _label(assignment: Assignment) -> str:
    return str(assignment.department or assignment.area)


def _find(queryset: QuerySet[M], value: Any) -> M | None:
    """The row of ``queryset`` that ``value`` (an instance or a primary key) names, if any."""
    try:
        return queryset.filter(pk=getattr(value, "pk", value)).first()
    except (TypeError, ValueError):  # not a primary key at all
        return None


def _department_under(value: Any, handling: Area, key: str) -> Department:
    department = _find(Department.objects.select_related("area").filter(is_active=True), value)
    if department is None:
        raise ValidationError({key: [_("部门不存在或已停用。")]})
    if not department.area.path.startswith(handling.path):
        raise ValidationError(
            {
                key: [
                    _("“%(d)s”不属于“%(a)s”或其下级，请先上报上级再派遣。")
                    % {"d": department.name, "a": handling.name}
                ]
            }
        )
    return department


def _withdraw_open_work(change: Change, reason: str) -> None:
    """Cancel, merge: active assignments are withdrawn, a pending extension is refused."""
    for assignment in change.ctx.assignments:
        assignment.state = AssignmentState.WITHDRAWN
        assignment.finished_at = change.now
        assignment.save(update_fields=["state", "finished_at"])
    ExtensionRequest.objects.filter(event=change.event, state=ExtensionState.PENDING).update(
        state=ExtensionState.REJECTED,
        decided_by=change.actor if getattr(change.actor, "pk", None) else None,
        decided_at=change.now,
        decision_comment=reason,
    )


def _reactivate_lead(change: Change) -> Assignment:
    """Rework (返工): the lead that finished the work takes it up again."""
    lead = (
        Assignment.objects.select_related("department", "area")
        .filter(event=change.event, role=AssignmentRole.LEAD, state=AssignmentState.DONE)
        .order_by("-finished_at", "-id")
        .first()
    )
    if lead is None:
        raise ValidationError(_("找不到原承办单位，请调度员重新派遣。"))
    lead.state = AssignmentState.WORKING
    lead.finished_at = None
    lead.save(update_fields=["state", "finished_at"])
    change.timeline["lead"] = _label(lead)
    return lead


# --- the effects, one per transition --------------------------------------------------------------


def _accept(change: Change) -> None:
    priority = change.data.get("priority")
    if priority is not None:
        if str(priority) not in {str(p) for p in Priority.values}:
            raise ValidationError({"priority": [_("优先级无效。")]})
        change.set(priority=int(priority))
    change.set(accepted_at=change.now)
    tell_reporter(change.event, _("已立案"), actor=change.actor)


def _reject(change: Change) -> None:
    tell_reporter(change.event, _("不予立案"), change.comment, actor=change.actor)


def _escalate(change: Change) -> None:
    current = change.event.handling_area
    parent = current.parent if current.parent_id else None
    if parent is not None and not parent.is_active:
        parent = None
    if parent is None:
        raise ValidationError(_("“%(a)s”已是最高一级，无法再上报。") % {"a": current.name})
    change.set(handling_area=parent)
    change.restart_clock = True
    change.timeline.update({"from_area": current.name, "to_area": parent.name})
    tell_dispatchers(change, _("上报至%(a)s") % {"a": parent.name}, area=parent)


def _dispatch(change: Change) -> None:
    event, data = change.event, change.data
    handling = event.handling_area
    lead, area = data.get("lead_department"), data.get("area")
    assists = list(data.get("assist_departments") or [])
    if (lead is None) == (area is None):
        raise ValidationError(
            {"lead_department": [_("请选择一个主办部门，或选择派遣到的区域（二选一）。")]}
        )
    rows: list[Assignment] = []
    if area is not None:
        if assists:
            raise ValidationError({"assist_departments": [_("派遣到区域时不能指定协办部门。")]})
        target = _find(Area.objects.filter(is_active=True), area)
        if target is None or not target.path.startswith(handling.path):
            raise ValidationError({"area": [_("只能派遣到本级或下级区域。")]})
        rows.append(Assignment(area=target, role=AssignmentRole.LEAD))
        change.timeline["area"] = target.name
    else:
        lead_department = _department_under(lead, handling, "lead_department")
        helpers = [_department_under(d, handling, "assist_departments") for d in assists]
        ids = [lead_department.pk, *(d.pk for d in helpers)]
        if len(set(ids)) != len(ids):
            raise ValidationError(
                {"assist_departments": [_("协办部门不能重复，也不能是主办部门。")]}
            )
        rows.append(Assignment(department=lead_department, role=AssignmentRole.LEAD))
        rows += [Assignment(department=d, role=AssignmentRole.ASSIST) for d in helpers]
        change.timeline["lead"] = lead_department.name
        if helpers:
            change.timeline["assists"] = [d.name for d in helpers]
    for row in rows:
        row.event = event
        row.created_at = change.now
        row.dispatched_by = change.actor
    Assignment.objects.bulk_create(rows)
    change.set(dispatched_at=change.now)
    tell_handlers(change, rows, _("新派遣，请签收"))


def _sign(change: Change) -> None:
    signed = change.ctx.held(state=AssignmentState.PENDING)
    for assignment in signed:
        assignment.state = AssignmentState.WORKING
        assignment.signed_at = change.now
        assignment.save(update_fields=["state", "signed_at"])
    change.timeline["signed"] = [_label(a) for a in signed]


def _return(change: Change) -> None:
    lead = change.ctx.held(role=AssignmentRole.LEAD)[0]
    for assignment in change.ctx.assignments:
        returned = assignment.pk == lead.pk
        assignment.state = AssignmentState.RETURNED if returned else AssignmentState.WITHDRAWN
        assignment.finished_at = change.now
        assignment.save(update_fields=["state", "finished_at"])
    ExtensionRequest.objects.filter(event=change.event, state=ExtensionState.PENDING).update(
        state=ExtensionState.REJECTED, decided_at=change.now, decision_comment=_("事件已退回")
    )
    change.timeline["returned_by"] = _label(lead)
    tell_dispatchers(change, _("%(d)s退回，请重新派遣") % {"d": _label(lead)})


def _feedback(change: Change) -> None:
    for assignment in change.ctx.assignments:
        assignment.state = AssignmentState.DONE
        assignment.finished_at = change.now
        assignment.save(update_fields=["state", "finished_at"])
    change.set(fed_back_at=change.now)
    tell(change, [*verifiers_for(change.event), change.event.reporter], _("已处置，请核查"))


def _solve_on_spot(change: Change) -> None:
    event = change.event
    Assignment.objects.create(
        event=event,
        area=event.grid,
        role=AssignmentRole.LEAD,
        state=AssignmentState.DONE,
        dispatched_by=change.actor,
        created_at=change.now,
        signed_at=change.now,
        finished_at=change.now,
    )
    change.set(
        solved_on_spot=True,
        accepted_at=change.now,
        dispatched_at=change.now,
        fed_back_at=change.now,
    )
    tell(change, verifiers_for(event), _("网格员已自行处置，请核查"))


def _verify_pass(change: Change) -> None:
    change.set(closed_at=change.now)
    tell_reporter(change.event, _("已办结，欢迎评价"), actor=change.actor)


def _verify_fail(change: Change) -> None:
    lead = _reactivate_lead(change)
    change.set(reopen_count=F("reopen_count") + 1)
    tell_handlers(change, [lead], _("核查未通过，请返工"))


def _evaluate(change: Change) -> None:
    satisfaction = change.data["satisfaction"]
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": [_("请选择满意、基本满意或不满意。")]})
    change.set(satisfaction=satisfaction, evaluated_at=change.now)
    change.timeline["satisfaction"] = satisfaction
    if satisfaction == Satisfaction.UNSATISFIED:
        tell_dispatchers(change, _("群众评价不满意"))


def reopen_days() -> int:
    return int(getattr(settings, "SHANZHI_EVENTS_REOPEN_DAYS", DEFAULT_REOPEN_DAYS))


def _reopen(change: Change) -> None:
    event = change.event
    days = reopen_days()
    if event.closed_at is None or change.now > event.closed_at + datetime.timedelta(days=days):
        raise ValidationError(_("结案已超过 %(n)s 天，不能再申请重新办理。") % {"n": days})
    lead = _reactivate_lead(change)
    change.timeline["previous_satisfaction"] = event.satisfaction
    change.set(
        reopen_count=F("reopen_count") + 1, satisfaction="", closed_at=None, evaluated_at=None
    )
    tell_handlers(change, [lead], _("群众不满意，重新办理"))


def _request_extension(change: Change) -> None:
    try:
        days = int(change.data["days"])
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationError(
            {"days": [_("延期天数应为 1–%(n)s 个工作日。") % {"n": MAX_EXTENSION_DAYS}]}
        )
    try:
        with transaction.atomic():
            ExtensionRequest.objects.create(
                event=change.event,
                assignment=change.ctx.held(role=AssignmentRole.LEAD)[0],
                requested_by=change.actor,
                days=days,
                reason=change.comment,
                created_at=change.now,
            )
    except IntegrityError as exc:
        raise ValidationError(_("该事件已有待审批的延期申请。")) from exc
    change.timeline["days"] = days
    tell_dispatchers(change, _("申请延期 %(n)s 个工作日") % {"n": days})


def _pending_extension(change: Change) -> ExtensionRequest:
    pending = (
        ExtensionRequest.objects.select_for_update()
        .filter(event=change.event, state=ExtensionState.PENDING)
        .first()
    )
    if pending is None:
        raise ValidationError(_("该事件没有待审批的延期申请。"))
    return pending


def _decide_extension(change: Change, state: str) -> ExtensionRequest:
    request = _pending_extension(change)
    request.state = state
    request.decided_by = change.actor
    request.decided_at = change.now
    request.decision_comment = change.comment
    request.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
    change.timeline.update({"extension": request.pk, "days": request.days})
    return request


def _approve_extension(change: Change) -> None:
    event = change.event
    request = _decide_extension(change, ExtensionState.APPROVED)
    if event.step_due_at is None or event.step_started_at is None:
        raise ValidationError(_("该事件当前环节没有时限，无需延期。"))
    change.clock = deadlines.extended_clock(
        event.step, event.step_started_at, event.step_due_at, request.days
    )
    change.timeline["previous_due_at"] = event.step_due_at.isoformat()
    notify(
        event=event,
        subject=subject_for(event, _("延期申请已批准")),
        users=[request.requested_by],
        exclude=change.actor,
    )


def _reject_extension(change: Change) -> None:
    request = _decide_extension(change, ExtensionState.REJECTED)
    notify(
        event=change.event,
        subject=subject_for(change.event, _("延期申请未获批准")),
        body=change.comment,
        users=[request.requested_by],
        exclude=change.actor,
    )


def _suspend(change: Change) -> None:
    change.set(suspended_from_state=change.event.state)
    tell_handlers(change, change.ctx.assignments, _("已挂起"))


def _resume(change: Change) -> None:
    change.set(suspended_from_state="")
    tell_handlers(change, change.ctx.assignments, _("已恢复办理"))


def _merge(change: Change) -> None:
    event = change.event
    target = _find(Event.objects.select_related("grid"), change.data["into"])
    if (
        target is None
        or target.pk == event.pk
        or not change.ctx.scope.contains_path(target.grid.path)
    ):
        raise ValidationError({"into": [_("找不到要合并到的事件。")]})
    if target.type_id != event.type_id:
        raise ValidationError({"into": [_("只能合并到同一类型的事件。")]})
    if target.state not in workflow.OPEN_STATES - {State.SUSPENDED}:
        raise ValidationError({"into": [_("只能合并到尚在办理中的事件。")]})
    _withdraw_open_work(change, _("事件已合并"))
    change.set(merged_into=target)
    change.timeline["into"] = target.number
    tell_reporter(
        change.event, _("已合并到事件 %(n)s 一并办理") % {"n": target.number}, actor=change.actor
    )


def _cancel(change: Change) -> None:
    _withdraw_open_work(change, _("事件已撤销"))
    tell_reporter(change.event, _("已撤销"), change.comment, actor=change.actor)
    tell_handlers(change, change.ctx.assignments, _("已撤销"))


def _supervise(change: Change) -> None:
    event = change.event
    card = change.data.get("card")
    if card is None:  # default: the card the deadline calls for
        level = deadlines.level_of(event, change.now)
        card = level if level in (Card.YELLOW, Card.RED) else Card.NONE
    if card not in Card.values:
        raise ValidationError({"card": [_("督办等级无效。")]})
    SupervisionNote.objects.create(
        event=event, author=change.actor, text=change.comment, card=card, created_at=change.now
    )
    change.timeline["card"] = card
    what = _("%(c)s：请加快办理") % {"c": Card(card).label}
    if change.ctx.assignments:
        tell_handlers(change, change.ctx.assignments, what)
    else:
        tell_dispatchers(change, what)


EFFECTS: dict[str, Callable[[Change], None]] = {
    "accept": _accept,
    "reject": _reject,
    "escalate": _escalate,
    "dispatch": _dispatch,
    "sign": _sign,
    "return": _return,
    "feedback": _feedback,
    "solve_on_spot": _solve_on_spot,
    "verify_pass": _verify_pass,
    "verify_fail": _verify_fail,
    "evaluate": _evaluate,
    "reopen": _reopen,
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "reject_extension": _reject_extension,
    "suspend": _suspend,
    "resume": _resume,
    "merge": _merge,
    "cancel": _cancel,
    "supervise": _supervise,
}
