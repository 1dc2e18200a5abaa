"""Intake pages: the grid worker's inspection report (网格排查, a phone page) and the hotline
operator's form (热线) with its duplicate hint. Both report through ``event_report``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from .. import selectors, services
from ..forms import HotlineForm, InspectionForm, ReportForm, apply_service_errors
from ..models import Channel
from . import require

DUPLICATE_RADIUS_M = 200


def _report(
    request: HttpRequest, form: ReportForm, channel: str, template: str, context: dict[str, Any]
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            result = services.event_report(
                actor=request.user, channel=channel, **form.report_kwargs()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error("lon", str(exc))
        else:
            messages.success(request, _("已上报，事件编号 %(n)s。") % {"n": result.event.number})
            return redirect("events:detail", pk=result.event.pk)
    context.update(
        form=form,
        tile_url=settings.SHANZHI_MAP_TILE_URL,
        tile_attribution=settings.SHANZHI_MAP_TILE_ATTRIBUTION,
    )
    return render(request, template, context, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def inspection(request: HttpRequest) -> HttpResponse:
    """网格排查: photo, position located to the grid, type, description, solved on the spot."""
    require(request, "events.report")
    form = InspectionForm(
        request.POST or None, request.FILES or None, types=selectors.event_types()
    )
    return _report(request, form, Channel.GRID_INSPECTION, "events/inspection.html", {})


@login_required
@require_http_methods(["GET", "POST"])
def hotline(request: HttpRequest) -> HttpResponse:
    """热线: caller, quick type search (datalist), point, duplicate hint."""
    require(request, "events.dispatch")
    types = selectors.event_types()
    form = HotlineForm(request.POST or None, request.FILES or None, types=types, select_type=False)
    return _report(request, form, Channel.HOTLINE, "events/hotline.html", {"types": types})


@login_required
@require_GET
def duplicates(request: HttpRequest) -> HttpResponse:
    """The duplicate hint (htmx): open events of the same type within 200 m."""
    require(request, "events.view")
    events: list[Any] = []
    try:
        lon, lat = float(request.GET["lon"]), float(request.GET["lat"])
    except (KeyError, ValueError):
        lon = lat = None  # type: ignore[assignment]
    type_code = (request.GET.get("type") or "").strip()
    if type_code and lon is not None and lat is not None:
        events = selectors.nearby_open_events(
            user=request.user, type_code=type_code, lon=lon, lat=lat, radius_m=DUPLICATE_RADIUS_M
        )
    return render(
        request, "events/_duplicates.html", {"events": events, "radius": DUPLICATE_RADIUS_M}
    )
