"""Session idle/absolute timeouts and no-store caching for authenticated pages."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

SESSION_LOGIN_AT = "_shanzhi_login_at"
SESSION_LAST_SEEN = "_shanzhi_last_seen"


class SessionTimeoutMiddleware:
    """Log out after SESSION_IDLE_TIMEOUT of inactivity or SESSION_ABSOLUTE_TIMEOUT in all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            login_at = request.session.get(SESSION_LOGIN_AT, now)
            last_seen = request.session.get(SESSION_LAST_SEEN, now)
            idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            absolute = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if now - last_seen > idle or now - login_at > absolute:
                from .audit import audit_record

                audit_record(
                    action="auth.session_expired",
                    actor=user,
                    request=request,
                    detail={"idle": now - last_seen > idle},
                )
                logout(request)
                request.session["_shanzhi_expired"] = True
            else:
                request.session.setdefault(SESSION_LOGIN_AT, login_at)
                # Write at most once a minute, so every request does not save the session.
                if now - last_seen > 60 or SESSION_LAST_SEEN not in request.session:
                    request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages shown to a logged-in user may carry personal data: never cache them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/"):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
