"""Password rotation: a user whose password is too old may only change it (or log out)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from .services import password_is_expired

# Paths a user with an expired password may still reach.
ALWAYS_ALLOWED_PREFIXES = ("/i18n/", "/healthz")


class PasswordRotationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def _allowed(self, path: str) -> bool:
        allowed = (
            reverse("accounts:password_change"),
            reverse("accounts:logout"),
            settings.STATIC_URL,
            settings.MEDIA_URL,
            *ALWAYS_ALLOWED_PREFIXES,
        )
        return any(path.startswith(prefix) for prefix in allowed if prefix)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and password_is_expired(user)
            and not self._allowed(request.path)
        ):
            url = reverse("accounts:password_change")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "code": "password_expired",
                        "message": "密码已过期，请先修改密码。",
                        "fields": {},
                    },
                    status=403,
                )
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            if request.method == "GET":
                url = f"{url}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}"
            return HttpResponseRedirect(url)
        return self.get_response(request)
