"""The one way to write the audit log (审计日志)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from .models import AuditLog, Outcome


def client_ip(request: Any) -> str | None:
    """The client's address; behind one reverse proxy set SHANZHI_TRUST_X_FORWARDED_FOR=1.

    The right-most X-Forwarded-For entry is the one our proxy added; entries left of it come
    from the client and may be forged.
    """
    if request is None:
        return None
    from django.conf import settings

    if getattr(settings, "SHANZHI_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def posts_text(posts: Iterable[Any]) -> str:
    """Active posts (with area and department loaded) as one line: "role@place; …"."""
    return "; ".join(f"{p.get_role_display()}@{p.department or p.area}" for p in posts)[:200]


def describe_posts(user: Any) -> str:
    """The user's active posts as text for audit and timeline rows; read once per user object
    (i.e. once per request: a report writes both a timeline row and an audit row)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    cached = getattr(user, "_shanzhi_posts_text", None)
    if cached is not None:
        return cached
    from shanzhi.accounts.models import Post

    text = posts_text(
        Post.objects.filter(user_id=user.pk, is_active=True).select_related("area", "department")
    )
    try:
        user._shanzhi_posts_text = text
    except AttributeError:
        pass
    return text


def audit_entry(
    *,
    action: str,
    actor: Any = None,
    request: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    outcome: str = Outcome.SUCCESS,
    reason: str = "",
    username: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditLog:
    """One audit row, not yet saved (``audit_record`` saves it; a caller that inserts several
    rows in one statement, ``core.insert``, saves it with them)."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if getattr(user, "is_authenticated", False) else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or (str(obj.pk) if obj.pk is not None else "")
    return AuditLog(
        actor=actor,
        actor_username=(actor.get_username() if actor is not None else username)[:150],
        post=describe_posts(actor),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=str(obj)[:200] if obj is not None else "",
        outcome=outcome,
        ip=client_ip(request),
        reason=reason,
        detail=detail or {},
    )


def audit_record(**kwargs: Any) -> AuditLog:
    """Append one row to the audit log (arguments as ``audit_entry``). Never updates, never
    deletes."""
    entry = audit_entry(**kwargs)
    entry.save(force_insert=True)
    return entry
