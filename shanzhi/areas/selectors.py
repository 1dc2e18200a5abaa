"""Reads of the area tree and grid teams, always through the caller's scope."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shanzhi.accounts.scope import Scope, scope_for

from .models import Area, GridMembership, Level


def area_list(*, user: Any, level: int | None = None, kind: str | None = None) -> QuerySet[Area]:
    """Areas the user may see (their subtrees), in tree order."""
    scope = scope_for(user)
    if not scope.can("areas.view") and not scope.can("map.view"):
        return Area.objects.none()
    qs = Area.objects.filter(scope.area_q(), is_active=True).select_related("parent")
    if level is not None:
        qs = qs.filter(level=level)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("path")


def area_get(*, user: Any, pk: int) -> Area:
    """One area in the user's scope, or 404 (never 403, so ids outside scope leak nothing)."""
    try:
        return area_list(user=user).get(pk=pk)
    except (Area.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("区域不存在或不在您的管辖范围内。") from exc


def grid_list(*, user: Any, kind: str | None = None) -> QuerySet[Area]:
    return area_list(user=user, level=Level.GRID, kind=kind)


def area_search(
    *,
    user: Any,
    level: int | None = None,
    kind: str | None = None,
    parent_code: str | None = None,
    code: str | None = None,
    name_contains: str | None = None,
) -> QuerySet[Area]:
    """``area_list`` narrowed by the filters of lists and maps (API, map drill-down)."""
    qs = area_list(user=user, level=level, kind=kind)
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    if code:
        qs = qs.filter(code=code)
    if name_contains:
        qs = qs.filter(name__icontains=name_contains)
    return qs


def current_members_prefetch(on: datetime.date | None = None) -> Prefetch:
    on = on or timezone.localdate()
    return Prefetch(
        "memberships",
        queryset=GridMembership.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on), start_date__lte=on
        ).order_by("role", "start_date"),
        to_attr="current_members",
    )


def grid_public_card(*, code: str) -> Area:
    """The public grid card (name, boundary, team, supervision phone): no scope needed —
    these facts are public by regulation — but only active grids."""
    try:
        return (
            Area.objects.filter(level=Level.GRID, is_active=True)
            .select_related("parent", "parent__parent")
            .prefetch_related(current_members_prefetch())
            .get(code=code)
        )
    except Area.DoesNotExist as exc:
        raise Http404("网格不存在。") from exc


def membership_history(*, user: Any, grid: Area) -> QuerySet[GridMembership]:
    scope = scope_for(user)
    if not scope.contains_path(grid.path):
        return GridMembership.objects.none()
    return GridMembership.objects.filter(grid=grid).select_related("user").order_by("-start_date")


def scope_root_areas(scope: Scope) -> QuerySet[Area]:
    """The top areas of a scope (its posts' areas), for the map's initial extent."""
    if scope.is_all:
        return Area.objects.filter(parent__isnull=True, is_active=True)
    return Area.objects.filter(path__in=scope.area_paths, is_active=True)


def area_counts_by_level(*, user: Any) -> list[tuple[Level, int]]:
    """How many areas of each level the user's scope holds (home page), in one query."""
    rows = area_list(user=user).order_by().values("level").annotate(n=Count("pk"))
    counts = {row["level"]: row["n"] for row in rows}
    return [(level, counts[level]) for level in Level if level in counts]
