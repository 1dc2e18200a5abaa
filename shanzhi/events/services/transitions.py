"""Every change of an event's state goes through ``event_transition``.

It looks the transition up in ``workflow.TRANSITIONS``, locks the event row, compares
``version`` (a stale version, or a state that no longer allows the transition, raises
``EventConflict`` — "该事件已被他人处理，请刷新后重试" — and writes nothing), checks who may
fire it and the required fields, applies the transition's effect (one function per transition,
``EFFECTS``), moves the state, restarts the step clock when the step changes
(``deadlines.start_clock``), bumps the version and writes one timeline row and one audit row.
Notifications are queued in the same transaction and delivered after commit.

The effects live in ``effects.py``; the ``event_<transition>`` functions at the end are typed
shortcuts for readability.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.accounts.models import Department
from shanzhi.accounts.scope import scope_for
from shanzhi.areas.models import Area
from shanzhi.core.audit import audit_record

from .. import deadlines, workflow
from ..models import Assignment, AttachmentKind, Event
from ..workflow import ACTIVE_ASSIGNMENT_STATES, RESTORE, STEP_OF_STATE, Context, State
from . import attachments
from .common import Change, EventConflict, conflict_message, query_code_matches, timeline_write
from .effects import EFFECTS

MAX_COMMENT = 2000


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _clean_data(spec: workflow.Transition, data: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - spec.fields)
    if unknown:
        raise ValidationError(
            {name: [_("“%(t)s”不接受此项。") % {"t": spec.label}] for name in unknown}
        )
    cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    errors = {name: [_("此项为必填项。")] for name in spec.required if _missing(cleaned.get(name))}
    for name in ("reason", "comment"):
        if isinstance(cleaned.get(name), str) and len(cleaned[name]) > MAX_COMMENT:
            errors[name] = [_("不能超过 %(n)s 个字。") % {"n": MAX_COMMENT}]
    if errors:
        raise ValidationError(errors)
    return {k: v for k, v in cleaned.items() if not _missing(v)}


def _lock(pk: int) -> Event:
    return (
        Event.objects.select_for_update(of=("self",))
        .select_related("type", "grid", "handling_area")
        .get(pk=pk)
    )


def _active_assignments(event: Event) -> list[Assignment]:
    return list(
        Assignment.objects.filter(event=event, state__in=ACTIVE_ASSIGNMENT_STATES)
        .select_related("department", "area")
        .order_by("id")
    )


def context_for(
    *,
    actor: Any,
    event: Event,
    assignments: Sequence[Assignment] | None = None,
    query_code: str = "",
) -> Context:
    """The workflow context of an event loaded with ``grid`` and ``handling_area``."""
    return Context(
        actor=actor,
        scope=scope_for(actor),
        event=event,
        assignments=_active_assignments(event) if assignments is None else assignments,
        query_code_ok=query_code_matches(event, query_code),
    )


@transaction.atomic
def event_transition(
    *,
    actor: Any,
    event: Event,
    transition: str,
    version: int,
    query_code: str = "",
    **data: Any,
) -> Event:
    """Fire ``transition`` on ``event`` as ``actor`` if ``version`` is still current.

    ``query_code`` proves the caller is the reporter when there is no account (public portal).
    Raises EventConflict (stale), PermissionDenied (not this actor's to fire) or
    ValidationError (fields, keyed by name); in every case nothing is written.
    """
    try:
        spec = workflow.transition(transition)
    except KeyError:
        raise ValidationError({"transition": [_("未知的操作。")]}) from None
    data = _clean_data(spec, data)
    photos = attachments.attachments_prepare(data.pop(workflow.PHOTOS, None))

    locked = _lock(event.pk)
    if locked.version != version or locked.state not in spec.sources:
        raise EventConflict(conflict_message())
    ctx = context_for(actor=actor, event=locked, query_code=query_code)
    if not spec.who(ctx):
        raise PermissionDenied(_("您无权对该事件执行“%(t)s”。") % {"t": spec.label})

    now = timezone.now()
    from_state = locked.state
    if spec.target is None:
        to_state = from_state
    elif spec.target == RESTORE:
        to_state = locked.suspended_from_state or State.ACCEPTED
    else:
        to_state = spec.target
    change = Change(ctx=ctx, data=data, now=now, to_state=to_state)
    EFFECTS[spec.name](change)
    if to_state != from_state:
        change.set(state=to_state)
    _move_clock(change)
    if change.fields:  # a note (督办, 延期申请) leaves the event row and its version alone
        change.set(version=F("version") + 1)
        locked.save(update_fields=sorted(change.fields | {"updated_at"}))
        locked.refresh_from_db(fields=["version", "reopen_count"])

    entry = timeline_write(
        event=locked,
        actor=actor,
        transition=spec.name,
        from_state=from_state,
        to_state=to_state,
        comment=change.comment,
        data=change.timeline,
        at=now,
    )
    audit_record(
        action=f"events.{spec.name}",
        actor=actor,
        obj=locked,
        detail={"from": from_state, "to": to_state, "version": locked.version},
    )
    if photos:
        attachments.attachments_store(
            event=locked,
            prepared=photos,
            kind=AttachmentKind.AFTER,
            actor=actor,
            entry=entry,
            now=now,
        )
    return locked


def _move_clock(change: Change) -> None:
    """Restart the step clock when the step changes; keep assignments' due in step."""
    event = change.event
    new_step = STEP_OF_STATE.get(change.to_state, "")
    clock = change.clock
    if clock is None and (new_step != event.step or change.restart_clock):
        if event.step and event.step_due_at is not None:
            change.timeline["ended_step"] = {
                "step": event.step,
                "due_at": event.step_due_at.isoformat(),
                "overdue": event.step_due_at <= change.now,  # as deadlines.level_of
            }
        clock = deadlines.start_clock(event.type, new_step, change.now)
    if clock is None:
        return
    change.set(**clock.as_fields())
    if clock.calendar_warning:
        change.timeline["calendar_warning"] = clock.calendar_warning
    if clock.due_at is not None:
        change.timeline["due_at"] = clock.due_at.isoformat()
    if clock.step == "handle":
        Assignment.objects.filter(event=event, state__in=ACTIVE_ASSIGNMENT_STATES).update(
            due_at=clock.due_at
        )


# --- typed shortcuts ------------------------------------------------------------------------------


def event_accept(
    *, actor: Any, event: Event, version: int, comment: str = "", priority: int | None = None
) -> Event:
    return event_transition(
        actor=actor,
        event=event,
        transition="accept",
        version=version,
        comment=comment,
        priority=priority,
    )


def event_reject(*, actor: Any, event: Event, version: int, reason: str) -> Event:
    return event_transition(
        actor=actor, event=event, transition="reject", version=version, reason=reason
    )


def event_escalate(*, actor: Any, event: Event, version: int, comment: str = "") -> Event:
    return event_transition(
        actor=actor, event=event, transition="escalate", version=version, comment=comment
    )


def event_dispatch(
    *,
    actor: Any,
    event: Event,
    version: int,
    lead_department: Department | int | None = None,
    assist_departments: Iterable[Department | int] = (),
    area: Area | int | None = None,
    comment: str = "",
) -> Event:
    """Dispatch to one lead department (and any assisting ones), or to an area level."""
    return event_transition(
        actor=actor,
        event=event,
        transition="dispatch",
        version=version,
        lead_department=lead_department,
        assist_departments=list(assist_departments),
        area=area,
        comment=comment,
    )


def event_sign(*, actor: Any, event: Event, version: int, comment: str = "") -> Event:
    return event_transition(
        actor=actor, event=event, transition="sign", version=version, comment=comment
    )


def event_return(*, actor: Any, event: Event, version: int, reason: str) -> Event:
    return event_transition(
        actor=actor, event=event, transition="return", version=version, reason=reason
    )


def event_feedback(
    *, actor: Any, event: Event, version: int, comment: str, photos: Iterable[Any] = ()
) -> Event:
    return event_transition(
        actor=actor,
        event=event,
        transition="feedback",
        version=version,
        comment=comment,
        photos=list(photos),
    )


def event_verify(
    *,
    actor: Any,
    event: Event,
    version: int,
    passed: bool,
    comment: str = "",
    query_code: str = "",
) -> Event:
    """核查: ``passed`` closes the event; otherwise it goes back to the handler (返工) and
    ``comment`` is the required reason."""
    if passed:
        return event_transition(
            actor=actor,
            event=event,
            transition="verify_pass",
            version=version,
            comment=comment,
            query_code=query_code,
        )
    return event_transition(
        actor=actor,
        event=event,
        transition="verify_fail",
        version=version,
        reason=comment,
        query_code=query_code,
    )


def event_evaluate(
    *,
    actor: Any,
    event: Event,
    version: int,
    satisfaction: str,
    comment: str = "",
    query_code: str = "",
) -> Event:
    return event_transition(
        actor=actor,
        event=event,
        transition="evaluate",
        version=version,
        satisfaction=satisfaction,
        comment=comment,
        query_code=query_code,
    )


def event_reopen(
    *, actor: Any, event: Event, version: int, reason: str, query_code: str = ""
) -> Event:
    return event_transition(
        actor=actor,
        event=event,
        transition="reopen",
        version=version,
        reason=reason,
        query_code=query_code,
    )


def event_request_extension(
    *, actor: Any, event: Event, version: int, days: int, reason: str
) -> Event:
    return event_transition(
        actor=actor,
        event=event,
        transition="request_extension",
        version=version,
        days=days,
        reason=reason,
    )


def event_decide_extension(
    *, actor: Any, event: Event, version: int, approve: bool, comment: str = ""
) -> Event:
    """Approve (the step's due moves by the requested working days) or reject (``comment``
    is the required reason) the pending extension request."""
    if approve:
        return event_transition(
            actor=actor,
            event=event,
            transition="approve_extension",
            version=version,
            comment=comment,
        )
    return event_transition(
        actor=actor, event=event, transition="reject_extension", version=version, reason=comment
    )


def event_suspend(*, actor: Any, event: Event, version: int, reason: str) -> Event:
    return event_transition(
        actor=actor, event=event, transition="suspend", version=version, reason=reason
    )


def event_resume(*, actor: Any, event: Event, version: int, comment: str = "") -> Event:
    return event_transition(
        actor=actor, event=event, transition="resume", version=version, comment=comment
    )


def event_merge(
    *, actor: Any, event: Event, version: int, into: Event | int, comment: str = ""
) -> Event:
    return event_transition(
        actor=actor, event=event, transition="merge", version=version, into=into, comment=comment
    )


def event_cancel(
    *, actor: Any, event: Event, version: int, reason: str, query_code: str = ""
) -> Event:
    return event_transition(
        actor=actor,
        event=event,
        transition="cancel",
        version=version,
        reason=reason,
        query_code=query_code,
    )


def event_supervise(
    *, actor: Any, event: Event, version: int, comment: str, card: str | None = None
) -> Event:
    """督办 note; ``card`` defaults to what the deadline calls for (yellow/red when overdue)."""
    return event_transition(
        actor=actor,
        event=event,
        transition="supervise",
        version=version,
        comment=comment,
        card=card,
    )
