"""The buildings layer of the map: located buildings of the user's scope inside a box.

``GET registry/map/buildings.geojson?bbox=minLon,minLat,maxLon,maxLat`` (WGS-84) answers a
GeoJSON FeatureCollection of points. At most ``MAX_FEATURES`` buildings come back; past that
the answer is 400 with ``{"error": …, "code": "too_many"}`` and the map asks the user to zoom
in. A building carries no personal data; its page is linked from the popup.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from .. import selectors
from ..models import Building
from . import require

MAX_FEATURES = 2000


def _error(message: str, code: str, status: int = 400, **extra: Any) -> JsonResponse:
    return JsonResponse(
        {"error": message, "code": code, **extra},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    """``minLon,minLat,maxLon,maxLat`` → floats; ValueError with a Chinese message."""
    parts = raw.split(",")
    if len(parts) != 4:
        raise ValueError("bbox 应为“最小经度,最小纬度,最大经度,最大纬度”四个数。")
    try:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    except ValueError:
        raise ValueError("bbox 中的经纬度必须是数字。") from None
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        raise ValueError("bbox 超出范围，或最小值不小于最大值。")
    return min_lon, min_lat, max_lon, max_lat


def building_feature(building: Building) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": building.pk,
        "geometry": {"type": "Point", "coordinates": [building.lon, building.lat]},
        "properties": {
            "id": building.pk,
            "code": building.code,
            "name": building.name,
            "address": building.address,
            "use": str(building.get_use_display()),
            "floors": building.floors,
            "grid": building.grid.name,
            "url": reverse("registry:building_detail", args=[building.pk]),
        },
    }


@login_required
@require_GET
def buildings_geojson(request: HttpRequest) -> JsonResponse:
    require(request, "registry.view")
    try:
        box = parse_bbox(request.GET.get("bbox", ""))
    except ValueError as exc:
        return _error(str(exc), "bad_bbox")
    min_lon, min_lat, max_lon, max_lat = box
    rows = list(
        selectors.buildings_in_bbox(
            user=request.user, min_lon=min_lon, min_lat=min_lat, max_lon=max_lon, max_lat=max_lat
        )[: MAX_FEATURES + 1]
    )
    if len(rows) > MAX_FEATURES:
        return _error(
            f"当前范围内的楼栋超过 {MAX_FEATURES} 个，请放大地图后查看。",
            "too_many",
            max=MAX_FEATURES,
        )
    return JsonResponse(
        {"type": "FeatureCollection", "features": [building_feature(b) for b in rows]},
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False},
    )
