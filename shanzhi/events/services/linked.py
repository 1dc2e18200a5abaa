"""Hooks for other apps that take an event over (人民调解: an event converted into a mediation
case) and report back when their work ends.

- ``event_note_linked`` writes a timeline row without changing the state (e.g. "转人民调解")
  and tells the dispatchers of the event's handling area;
- ``event_feedback_linked`` reports the outcome: an event *in progress* (处置中) moves to
  已反馈待核查 exactly as a lead handler's feedback would (assignments done, verify clock,
  version, timeline row ``feedback``, audit, verifiers and reporter told), so its grid worker
  verifies and closes it as usual; in any other state the outcome is written as a timeline row
  (``linked_outcome``) and the dispatchers are told, leaving the state to them.

The caller (the other app's service) has already checked its own permissions; these hooks do
not ask ``workflow`` who may act, because the actor acts through the linked record.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.core.audit import audit_record

from .. import deadlines
from ..models import Assignment, Event
from ..workflow import ACTIVE_ASSIGNMENT_STATES, AssignmentState, State
from .common import subject_for, timeline_write
from .notifications import dispatchers_for, notify, verifiers_for

NOTE = "linked_note"
OUTCOME = "linked_outcome"


def _lock(pk: int) -> Event:
    return (
        Event.objects.select_for_update(of=("self",))
        .select_related("type", "grid", "handling_area")
        .get(pk=pk)
    )


@transaction.atomic
def event_note_linked(
    *, actor: Any, event: Event, comment: str, data: dict[str, Any] | None = None
) -> Event:
    """A timeline row on ``event`` (no state change); the dispatchers are told."""
    locked = _lock(event.pk)
    now = timezone.now()
    timeline_write(
        event=locked,
        actor=actor,
        transition=NOTE,
        from_state=locked.state,
        to_state=locked.state,
        comment=comment,
        data=data or {},
        at=now,
    )
    notify(
        event=locked,
        subject=subject_for(locked, comment[:80]),
        users=dispatchers_for(locked.handling_area),
        exclude=actor,
    )
    return locked


@transaction.atomic
def event_feedback_linked(
    *, actor: Any, event: Event, comment: str, data: dict[str, Any] | None = None
) -> bool:
    """Report a linked record's outcome on ``event``. True when the event moved to 已反馈待核查."""
    locked = _lock(event.pk)
    now = timezone.now()
    from_state = locked.state
    if from_state != State.IN_PROGRESS:
        timeline_write(
            event=locked,
            actor=actor,
            transition=OUTCOME,
            from_state=from_state,
            to_state=from_state,
            comment=comment,
            data=data or {},
            at=now,
        )
        notify(
            event=locked,
            subject=subject_for(locked, _("关联办理结果")),
            body=comment,
            users=dispatchers_for(locked.handling_area),
            exclude=actor,
        )
        return False

    Assignment.objects.filter(event=locked, state__in=ACTIVE_ASSIGNMENT_STATES).update(
        state=AssignmentState.DONE, finished_at=now
    )
    timeline_data = dict(data or {})
    if locked.step and locked.step_due_at is not None:
        timeline_data["ended_step"] = {
            "step": locked.step,
            "due_at": locked.step_due_at.isoformat(),
            "overdue": locked.step_due_at <= now,
        }
    clock = deadlines.start_clock(locked.type, "verify", now)
    for name, value in clock.as_fields().items():
        setattr(locked, name, value)
    locked.state = State.FED_BACK
    locked.fed_back_at = now
    locked.version = F("version") + 1  # type: ignore[assignment]
    locked.save(
        update_fields=sorted({"state", "fed_back_at", "version", "updated_at", *clock.as_fields()})
    )
    locked.refresh_from_db(fields=["version"])
    if clock.due_at is not None:
        timeline_data["due_at"] = clock.due_at.isoformat()
    timeline_write(
        event=locked,
        actor=actor,
        transition="feedback",
        from_state=from_state,
        to_state=State.FED_BACK,
        comment=comment,
        data=timeline_data,
        at=now,
    )
    audit_record(
        action="events.feedback",
        actor=actor,
        obj=locked,
        detail={
            "from": from_state,
            "to": State.FED_BACK,
            "version": locked.version,
            **(data or {}),
        },
    )
    notify(
        event=locked,
        subject=subject_for(locked, _("已处置，请核查")),
        body=comment,
        users=[*verifiers_for(locked), locked.reporter],
        exclude=actor,
    )
    return True
