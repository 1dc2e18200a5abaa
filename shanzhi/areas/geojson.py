"""Areas as GeoJSON features: the one shape used by the map page and the API."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.urls import reverse

from .models import Area, Level


def area_properties(area: Area) -> dict[str, Any]:
    return {
        "id": area.pk,
        "code": area.code,
        "name": area.name,
        "level": area.level,
        "level_label": str(Level(area.level).label),
        "kind": area.kind,
        "kind_label": str(area.get_kind_display()) if area.kind else "",
        "parent_code": area.parent.code if area.parent_id and area.parent else None,
        "supervision_phone": area.supervision_phone,
        "centroid": [area.centroid_lon, area.centroid_lat]
        if area.centroid_lon is not None
        else None,
        "area_km2": round(area.area_km2, 4) if area.area_km2 is not None else None,
        "card_url": reverse("areas:grid_card", args=[area.code]) if area.is_grid else None,
    }


def area_feature(area: Area) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": area.pk,
        "geometry": json.loads(area.boundary) if area.boundary else None,
        "properties": area_properties(area),
    }


def feature_collection(areas: Iterable[Area]) -> dict[str, Any]:
    """Areas (select_related("parent") expected) as a FeatureCollection in WGS-84."""
    return {"type": "FeatureCollection", "features": [area_feature(a) for a in areas]}
