"""Account lockout (django-axes) with Shanzhi's rules: see docs/adr/0003.

Axes counts failures in one cool-off period. Shanzhi wants two periods: failures count while
they come less than SHANZHI_LOCKOUT_WINDOW apart (5 within 15 minutes by default), and the
lock then lasts SHANZHI_LOCKOUT_DURATION (30 minutes). ``cool_off`` gives axes the window
while an account is merely counting and the duration once it is locked.
"""

from __future__ import annotations

import datetime
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import UsernameField
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from . import services


def attempted_username(
    request: HttpRequest | None, credentials: dict[str, Any] | None = None
) -> str:
    """The username a log-in form posted, normalised as the form normalises it."""
    raw: Any = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username", "")
    try:
        return UsernameField().to_python(raw) or ""
    except (TypeError, ValueError):
        return ""


def cool_off(request: HttpRequest | None = None) -> datetime.timedelta:
    """AXES_COOLOFF_TIME: the lock duration for a locked account, else the counting window."""
    duration: datetime.timedelta = settings.SHANZHI_LOCKOUT_DURATION
    window: datetime.timedelta = settings.SHANZHI_LOCKOUT_WINDOW
    if request is None:
        return duration
    username = attempted_username(request)
    if not username:
        return window
    at = getattr(request, "axes_attempt_time", None) or timezone.now()
    failures = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=at - duration
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return duration if (failures or 0) >= settings.AXES_FAILURE_LIMIT else window


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: audit the lockout and render the locked-out page.

    Axes sets ``axes_failures_since_start`` only when it recorded a failure, i.e. on the
    attempt that locked the account; attempts refused while locked are recorded separately.
    """
    username = attempted_username(request, credentials)
    newly_locked = getattr(request, "axes_failures_since_start", None) is not None
    services.lockout_record(request=request, username=username, newly_locked=newly_locked)
    duration: datetime.timedelta = settings.SHANZHI_LOCKOUT_DURATION
    return render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        {
            "username": username,
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_timedelta": duration,
            "cooloff_minutes": int(duration.total_seconds() // 60),
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
