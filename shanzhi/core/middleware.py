"""Session idle/absolute timeouts and no-store caching for authenticated pages."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

# Session keys (POSIX seconds). The login time is set by accounts.services.session_start.
SESSION_LOGIN_AT = "_shanzhi_login_at"
SESSION_LAST_SEEN = "_shanzhi_last_seen"
# Set on the fresh anonymous session after a timeout; the login page turns it into a message.
SESSION_EXPIRED_FLAG = "_shanzhi_expired"
# Writing last-seen on every request would save the session on every request; once a minute is
# precise enough for a 30-minute idle limit.
LAST_SEEN_RESOLUTION_SECONDS = 60


def session_clock() -> float:
    """Now, in POSIX seconds, from Django's clock (so tests move one clock for everything)."""
    return timezone.now().timestamp()


class SessionTimeoutMiddleware:
    """Log out after SESSION_IDLE_TIMEOUT of inactivity or SESSION_ABSOLUTE_TIMEOUT in all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = session_clock()
            login_at = request.session.get(SESSION_LOGIN_AT, now)
            last_seen = request.session.get(SESSION_LAST_SEEN, now)
            idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            absolute = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            idle_expired = now - last_seen > idle
            if idle_expired or now - login_at > absolute:
                from .audit import audit_record

                audit_record(
                    action="auth.session_expired",
                    actor=user,
                    request=request,
                    reason="空闲超时" if idle_expired else "超过最长登录时间",
                    detail={"idle": idle_expired},
                )
                logout(request)
                request.session[SESSION_EXPIRED_FLAG] = True
            else:
                if SESSION_LOGIN_AT not in request.session:
                    request.session[SESSION_LOGIN_AT] = login_at
                if (
                    SESSION_LAST_SEEN not in request.session
                    or now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS
                ):
                    request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages shown to a logged-in user, and the API, may carry personal data: never cache them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Decide before the view runs: a logout view leaves request.user anonymous, yet the
        # page it answers was requested with a session that carried personal data.
        user = getattr(request, "user", None)
        authenticated = user is not None and user.is_authenticated
        response = self.get_response(request)
        user = getattr(request, "user", None)
        authenticated = authenticated or (user is not None and user.is_authenticated)
        if authenticated or request.path.startswith("/api/"):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


class ChineseFirstLocaleMiddleware:
    """The interface language is the one the user chose with the language switcher (Django's
    language cookie), otherwise Simplified Chinese. Unlike Django's LocaleMiddleware the
    browser's Accept-Language is ignored: a city's staff get Chinese on any browser and
    switch to English deliberately (docs/adr/0005)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
