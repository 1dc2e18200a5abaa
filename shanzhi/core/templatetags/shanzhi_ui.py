"""Template helpers for the UI shell (navigation by role); no database reads."""

from __future__ import annotations

import datetime

from django import template

from shanzhi.accounts.models import Role
from shanzhi.accounts.scope import Scope

register = template.Library()


@register.filter
def can(scope: Scope | None, capability: str) -> bool:
    """``{% if scope|can:"map.view" %}``: the template form of ``Scope.can``."""
    return scope is not None and scope.can(capability)


@register.filter
def role_labels(scope: Scope | None) -> list[str]:
    """The user's roles as translated labels, in the order of ``Role``."""
    if scope is None:
        return []
    return [str(role.label) for role in Role if role.value in scope.roles]


@register.filter
def minutes(value: datetime.timedelta | None) -> int:
    """Whole minutes of a timedelta, rounded up (the lock-out page's cool-off time)."""
    if not value:
        return 0
    return -(-int(value.total_seconds()) // 60)
