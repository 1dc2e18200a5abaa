"""What the transition machinery and its effects share: the conflict error, query codes, the
``Change`` an effect records into, timeline rows and "whom to tell"."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from shanzhi.areas.models import Area
from shanzhi.areas.services import StaleEdit
from shanzhi.core import crypto
from shanzhi.core.audit import describe_posts

from .. import deadlines
from ..models import Assignment, Event, TimelineEntry
from ..workflow import Context
from .notifications import dispatchers_for, handlers_for, notify


class EventConflict(StaleEdit):
    """The event changed since the caller read it: another version, or a state that no longer
    allows the transition. Nothing was written (HTTP 409)."""


def conflict_message() -> str:
    return _("该事件已被他人处理，请刷新后重试。")


# --- query codes --------------------------------------------------------------------------------

QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1
QUERY_CODE_LENGTH = 8


def normalise_query_code(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").upper()


def query_code_index(number: str, code: str) -> str:
    """HMAC of the code bound to its ticket: the same code on two tickets indexes differently."""
    return crypto.blind_index(f"{number}:{normalise_query_code(code)}", kind="events.query_code")


def query_code_matches(event: Event, code: str) -> bool:
    if not code or not event.query_code_index:
        return False
    return crypto.constant_time_equal(query_code_index(event.number, code), event.query_code_index)


@dataclass
class Change:
    """What one effect function sees and records."""

    ctx: Context
    data: dict[str, Any]
    now: datetime.datetime
    to_state: str
    fields: set[str] = field(default_factory=set)
    timeline: dict[str, Any] = field(default_factory=dict)
    restart_clock: bool = False  # a new clock even though the step stays the same (escalate)
    clock: deadlines.StepClock | None = None  # an explicit clock (an approved extension)

    @property
    def event(self) -> Event:
        return self.ctx.event

    @property
    def actor(self) -> Any:
        return self.ctx.actor

    @property
    def comment(self) -> str:
        return str(self.data.get("reason") or self.data.get("comment") or "")

    def set(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self.event, name, value)
            self.fields.add(name)


def timeline_entry(
    *,
    event: Event,
    actor: Any,
    transition: str,
    from_state: str,
    to_state: str,
    comment: str = "",
    data: dict[str, Any] | None = None,
    at: datetime.datetime,
) -> TimelineEntry:
    """One timeline row, not yet saved (``timeline_write`` saves it)."""
    return TimelineEntry(
        event=event,
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_post=describe_posts(actor),
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data or {},
    )


def timeline_write(**kwargs: Any) -> TimelineEntry:
    """Append one timeline row (arguments as ``timeline_entry``)."""
    entry = timeline_entry(**kwargs)
    entry.save(force_insert=True)
    return entry


# --- whom to tell ------------------------------------------------------------------------------


def subject_for(event: Event, what: str) -> str:
    return _("事件 %(number)s：%(what)s") % {"number": event.number, "what": what}


def tell_reporter(event: Event, what: str, body: str = "", *, actor: Any = None) -> None:
    """In-app for a reporter with an account (unless they are the actor), otherwise an SMS to
    the sealed phone."""
    if event.reporter_id is not None:
        notify(
            event=event,
            subject=subject_for(event, what),
            body=body,
            users=[event.reporter],
            exclude=actor,
        )
    elif event.reporter_phone_enc:
        notify(
            event=event,
            subject=subject_for(event, what),
            body=body,
            phone_enc=event.reporter_phone_enc,
            phone_masked=event.reporter_phone_masked,
        )


def tell(change: Change, users: Iterable[Any], what: str) -> None:
    notify(
        event=change.event,
        subject=subject_for(change.event, what),
        body=change.comment,
        users=users,
        exclude=change.actor,
    )


def tell_dispatchers(change: Change, what: str, area: Area | None = None) -> None:
    tell(change, dispatchers_for(area or change.event.handling_area), what)


def tell_handlers(change: Change, assignments: Iterable[Assignment], what: str) -> None:
    tell(change, handlers_for(assignments), what)
