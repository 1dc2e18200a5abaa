"""Pages of petitions (信访, issue #5): the petition list, registration, detail with the
workflow's actions and documents, leader reception, special actions, judicial aid and
statistics.

Every page reads through ``shanzhi.petitions.selectors`` (outside the user's scope: 404) and
writes through ``shanzhi.petitions.services``; a stale step is a 409 with nothing written
(``PetitionConflict``). The helpers below are shared by the page modules.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanzhi.accounts.models import Department
from shanzhi.accounts.scope import scope_for
from shanzhi.areas.models import Area, Level

CAPABILITY_MESSAGES = {
    "petitions.view": gettext_lazy("您没有查看信访件的权限。"),
    "petitions.register": gettext_lazy("您没有登记信访的权限。"),
    "petitions.reception": gettext_lazy("您没有管理领导接访的权限。"),
    "petitions.action": gettext_lazy("您没有管理专项行动的权限。"),
    "petitions.aid": gettext_lazy("您没有办理司法救助的权限。"),
    "petitions.aid_approve": gettext_lazy("您没有审批司法救助的权限。"),
    "petitions.stats": gettext_lazy("您没有查看信访统计的权限。"),
}


def require(request: HttpRequest, *capabilities: str) -> None:
    """403 unless the user's posts grant one of ``capabilities`` (accounts.scope)."""
    scope = scope_for(request.user)
    if not any(scope.can(c) for c in capabilities):
        message = CAPABILITY_MESSAGES.get(capabilities[0]) or _("您没有此项权限。")
        raise PermissionDenied(str(message))


def conflict_response(request: HttpRequest, message: str, back_url: str = "") -> HttpResponse:
    """409: someone else acted first; nothing was written."""
    context = {"message": message, "back_url": back_url}
    return render(request, "petitions/conflict.html", context, status=409)


def areas_in_scope(user: Any, levels: tuple[int, ...]) -> QuerySet[Area]:
    """Active areas of the given levels in the user's subtrees (choices of a form)."""
    scope = scope_for(user)
    return Area.objects.filter(scope.area_q(), level__in=levels, is_active=True).order_by("path")


def departments_in_scope(user: Any) -> QuerySet[Department]:
    """Active departments of the areas in the user's subtrees, or the user's own departments
    (choices of a form)."""
    scope = scope_for(user)
    if scope.is_all:
        qs = Department.objects.all()
    else:
        qs = Department.objects.filter(scope.area_q("area__") | scope.department_q())
    return qs.filter(is_active=True).order_by("code")


HANDLING_LEVELS = (Level.DISTRICT, Level.TOWN)
MATTER_LEVELS = (Level.DISTRICT, Level.TOWN, Level.VILLAGE, Level.GRID)
