"""Pages of events (issue #4): the workbench (to-do, detail, transitions, dispatch, photos,
notifications), the intake pages (grid inspection, hotline) and the public portal.

Every page reads through ``shanzhi.events.selectors`` (an event outside the user's scope is a
404) and writes through ``shanzhi.events.services``; a stale step is a 409 with nothing
written (``EventConflict``). The helpers below are shared by the page modules.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanzhi.accounts.scope import scope_for

CAPABILITY_MESSAGES = {
    "events.view": gettext_lazy("您没有查看事件的权限。"),
    "events.report": gettext_lazy("您没有上报事件的权限。"),
    "events.dispatch": gettext_lazy("您没有调度事件的权限。"),
}


def require(request: HttpRequest, capability: str) -> None:
    """403 unless the user's posts grant ``capability`` (accounts.scope)."""
    if not scope_for(request.user).can(capability):
        raise PermissionDenied(str(CAPABILITY_MESSAGES.get(capability) or _("您没有此项权限。")))


def conflict_response(request: HttpRequest, message: str, event: Any = None) -> HttpResponse:
    """409: someone else acted on the same step first; nothing was written."""
    return render(request, "events/conflict.html", {"message": message, "event": event}, status=409)
