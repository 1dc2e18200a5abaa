"""Map pages: the jurisdiction map and its GeoJSON, the public grid card, the area page.

Every read goes through ``shanzhi.areas.selectors``, so the map shows exactly what the user's
scope allows; the grid card is public by regulation and shows only the public facts.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext

from shanzhi.accounts.scope import scope_for

from .. import selectors
from ..geojson import area_feature, feature_collection
from ..models import GridKind, GridMembership, TeamRole


def _require_map(request: HttpRequest) -> None:
    if not scope_for(request.user).can("map.view"):
        raise PermissionDenied(gettext("您没有查看地图的权限。"))


def _map_options() -> dict[str, str]:
    """Tile layer from settings; empty means boundaries on a plain background (offline)."""
    return {
        "tile_url": settings.SHANZHI_MAP_TILE_URL,
        "tile_attribution": settings.SHANZHI_MAP_TILE_ATTRIBUTION,
    }


def _team(members: list[GridMembership]) -> dict[str, list[GridMembership]]:
    """A 1+1+N team split by role: leader(s), full-time worker(s), auxiliaries."""
    return {
        role: [m for m in members if m.role == role]
        for role in (TeamRole.LEADER, TeamRole.WORKER, TeamRole.AUXILIARY)
    }


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    _require_map(request)
    context = {"map_options": _map_options(), "grid_kinds": GridKind.choices}
    return render(request, "areas/map.html", context)


@login_required
def map_data(request: HttpRequest) -> JsonResponse:
    """The user's scoped areas as GeoJSON: one query for the areas (parents joined)."""
    _require_map(request)
    return JsonResponse(
        feature_collection(selectors.area_list(user=request.user)),
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False},
    )


def grid_card(request: HttpRequest, code: str) -> HttpResponse:
    """Public grid card (no login): name, code, kind, place, boundary, team, supervision phone.

    ``?partial=1`` or an htmx request returns the card alone, for the map's popup.
    """
    grid = selectors.grid_public_card(code=code)
    partial = request.GET.get("partial") == "1" or bool(getattr(request, "htmx", False))
    context: dict[str, Any] = {
        "grid": grid,
        "team": _team(grid.current_members),  # type: ignore[attr-defined]
        "partial": partial,
    }
    if not partial:
        context["boundary_feature"] = area_feature(grid)
        context["map_options"] = _map_options()
    template = "areas/_grid_card.html" if partial else "areas/grid_card.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def area_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One area of the user's scope (404 outside it): its place, children and team history."""
    area = selectors.area_get(user=request.user, pk=pk)
    scope = scope_for(request.user)
    context = {
        "area": area,
        "parent_in_scope": area.parent is not None and scope.contains_path(area.parent.path),
        "children": selectors.area_list(user=request.user).filter(parent=area),
        "history": selectors.membership_history(user=request.user, grid=area)
        if area.is_grid
        else None,
        "boundary_feature": area_feature(area),
        "map_options": _map_options(),
        "can_map": scope.can("map.view"),
    }
    return render(request, "areas/area_detail.html", context)
