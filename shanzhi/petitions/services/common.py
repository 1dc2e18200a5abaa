"""What the petition services share: the conflict error, timeline rows, sealing contact
details, the acting instant and scope checks."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.accounts.scope import Scope, scope_for
from shanzhi.areas.services import StaleEdit
from shanzhi.core.audit import describe_posts
from shanzhi.registry import identity, protection

from ..models import Petition, PetitionTimelineEntry

LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")


class PetitionConflict(StaleEdit):
    """The row changed since the caller read it (another version, or a state that no longer
    allows the step). Nothing was written (HTTP 409)."""


def conflict_message() -> str:
    return _("该信访件已被他人修改，请刷新后重试。")


def instant(now: datetime.datetime | None) -> datetime.datetime:
    """The acting instant: now, or a given instant (demo history, tests)."""
    return now or timezone.now()


def require(scope: Scope, capability: str, message: str) -> None:
    if not scope.can(capability):
        raise PermissionDenied(message)


def require_area(scope: Scope, area: Any, message: str) -> None:
    if area is None or not scope.contains_path(area.path):
        raise PermissionDenied(message)


def seal_phone(phone: str, field: str = "phone") -> protection.Sealed:
    """A mobile (normalised) or a landline (区号-号码); empty stays empty."""
    text = (phone or "").strip()
    if not text:
        return protection.EMPTY
    try:
        return protection.seal_phone(identity.normalise_mobile(text))
    except ValidationError:
        compact = text.replace(" ", "")
        if not LANDLINE.fullmatch(compact):
            raise ValidationError(
                {field: [_("电话应为 11 位手机号或带区号的固定电话。")]}
            ) from None
        return protection.seal_phone(compact)


def timeline_write(
    *,
    petition: Petition,
    actor: Any,
    transition: str,
    from_state: str,
    to_state: str,
    at: datetime.datetime,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> PetitionTimelineEntry:
    return PetitionTimelineEntry.objects.create(
        petition=petition,
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_post=describe_posts(actor) if getattr(actor, "pk", None) else "",
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data or {},
    )


def scope_of(actor: Any) -> Scope:
    return scope_for(actor)
