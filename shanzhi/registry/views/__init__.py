"""Pages of the registry (基础数据): persons, places, the buildings map layer.

Every page reads through ``shanzhi.registry.selectors`` (so an object outside the user's scope
is a 404, never a 403 that would confirm it exists) and writes through
``shanzhi.registry.services``. The small helpers below are shared by the page modules.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from shanzhi.accounts.scope import scope_for

PAGE_SIZE = 25

CAPABILITY_MESSAGES = {
    "registry.view": "您没有查看基础数据的权限。",
    "registry.collect": "您没有采集基础数据的权限。",
}


def require(request: HttpRequest, capability: str) -> None:
    """403 unless the user's posts grant ``capability`` (accounts.scope)."""
    if not scope_for(request.user).can(capability):
        raise PermissionDenied(CAPABILITY_MESSAGES.get(capability, "您没有此项权限。"))


def paginate(params: QueryDict, qs: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page:
    """The page of ``qs`` named by ``params["page"]`` (the last one past the end)."""
    return Paginator(qs, per_page).get_page(params.get("page"))


def render_list(
    request: HttpRequest, template: str, partial: str, context: dict[str, Any]
) -> HttpResponse:
    """The whole list page, or only its results for an htmx request (filters, paging)."""
    is_htmx = bool(getattr(request, "htmx", False))
    response = render(request, partial if is_htmx else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
