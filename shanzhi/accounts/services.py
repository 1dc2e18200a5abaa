"""Writes for accounts: log-in and log-out, passwords, API tokens. Each writes its audit row."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout, password_validation
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from shanzhi.core.audit import audit_record
from shanzhi.core.middleware import SESSION_LAST_SEEN, SESSION_LOGIN_AT, session_clock
from shanzhi.core.models import AuditLog, Outcome

from .models import ApiToken, User


@transaction.atomic
def session_start(*, request: HttpRequest, user: User) -> None:
    """Log ``user`` in on a new session key and start the idle and absolute session clocks."""
    login(request, user)  # cycles the session key: a key known before log-in is worthless after
    now = session_clock()
    request.session[SESSION_LOGIN_AT] = now
    request.session[SESSION_LAST_SEEN] = now
    audit_record(action="auth.login", actor=user, request=request)


def session_end(*, request: HttpRequest) -> None:
    """Log out, recording who left."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        audit_record(action="auth.logout", actor=user, request=request)
    logout(request)


def login_failure_record(*, request: HttpRequest, username: str) -> AuditLog:
    """A failed log-in: wrong username or password (the attempted username is kept)."""
    return audit_record(
        action="auth.login_failed",
        request=request,
        username=username,
        outcome=Outcome.FAILURE,
        reason="用户名或密码错误",
    )


def lockout_record(*, request: HttpRequest, username: str, newly_locked: bool) -> AuditLog:
    """The attempt that locked an account (``auth.lockout``), or one refused while locked."""
    limit = settings.AXES_FAILURE_LIMIT
    minutes = int(settings.SHANZHI_LOCKOUT_DURATION.total_seconds() // 60)
    if newly_locked:
        return audit_record(
            action="auth.lockout",
            request=request,
            username=username,
            outcome=Outcome.DENIED,
            reason=f"连续登录失败 {limit} 次，账号锁定 {minutes} 分钟",
        )
    return audit_record(
        action="auth.login_locked",
        request=request,
        username=username,
        outcome=Outcome.DENIED,
        reason="账号锁定期间尝试登录，已拒绝",
    )


def password_is_expired(user: Any) -> bool:
    """True when rotation is on and the password is older than allowed (or of unknown age)."""
    max_age_days = settings.SHANZHI_PASSWORD_MAX_AGE_DAYS
    if max_age_days <= 0 or not user.has_usable_password():
        return False
    changed_at = user.password_changed_at
    return changed_at is None or timezone.now() - changed_at > datetime.timedelta(days=max_age_days)


@transaction.atomic
def user_set_password(
    *, actor: Any, user: User, password: str, request: HttpRequest | None = None
) -> User:
    """Set a new password after Django's validators (length, common, classes, similarity).

    Raises ValidationError with the validators' Chinese messages.
    """
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    audit_record(
        action="accounts.password_change",
        actor=actor,
        request=request,
        obj=user,
        detail={"own": actor is not None and actor.pk == user.pk},
    )
    return user


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken, request: HttpRequest | None = None) -> bool:
    """Revoke a token; False if it was already revoked."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated:
        audit_record(action="accounts.token_revoke", actor=actor, request=request, obj=token)
    return bool(updated)
