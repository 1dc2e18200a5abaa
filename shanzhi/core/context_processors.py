from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from shanzhi.accounts.scope import scope_for


def shanzhi(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "shanzhi_version": settings.SHANZHI_VERSION,
        "scope": scope_for(user) if user is not None and user.is_authenticated else None,
    }
