"""Area tools: batch locate (定位到网格) and boundary import (边界导入).

Locate answers with grid names and codes only — public facts — so it needs the
``areas.view`` capability but no further scoping. Import needs ``areas.manage`` and is
limited to the importer's jurisdiction by ``boundaries_import(scope=...)``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext

from shanzhi.accounts.scope import scope_for

from ..boundary_import import boundaries_import
from ..forms import BoundaryImportForm, LocateForm
from ..locate import locate_many


def _require(request: HttpRequest, capability: str, message: str) -> None:
    if not scope_for(request.user).can(capability):
        raise PermissionDenied(message)


@login_required
def locate_form(request: HttpRequest) -> HttpResponse:
    _require(request, "areas.view", gettext("您没有使用网格定位的权限。"))
    form = LocateForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        points = form.cleaned_data["parsed_points"]
        batch = locate_many(
            [float(p[1]) for p in points],
            [float(p[2]) for p in points],
            crs=form.cleaned_data["crs"],
        )
        context["rows"] = [
            {"line": line, "lon": lon, "lat": lat, "result": batch.result(i)}
            for i, (line, lon, lat) in enumerate(points)
        ]
        context["inside_count"] = int(batch.inside.sum())
        context["crs"] = form.cleaned_data["crs"]
    return render(request, "areas/tools/locate.html", context)


@login_required
def import_boundaries(request: HttpRequest) -> HttpResponse:
    _require(request, "areas.manage", gettext("您没有导入边界的权限。"))
    form = BoundaryImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        context["report"] = boundaries_import(
            actor=request.user,
            data=form.cleaned_data["file"].read(),
            dry_run=form.cleaned_data["dry_run"],
            crs=form.cleaned_data["crs"],
            scope=scope_for(request.user),
        )
    return render(request, "areas/tools/import.html", context)
