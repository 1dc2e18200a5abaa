"""API of the areas app: the caller's subtree of the area tree, one area, and maps as GeoJSON.

Every read goes through ``selectors`` (so through the caller's scope): an area outside it is
404, exactly as if it did not exist. Edits go through ``services.area_update`` and carry the
``version`` the client last read; a stale one is 409 and writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shanzhi.accounts.scope import scope_for
from shanzhi.core.api import conflict_response, error_responses

from . import selectors, services
from .geojson import feature_collection
from .models import Area, Level
from .serializers import (
    AreaDetailSerializer,
    AreaFilterSerializer,
    AreaGeoJSONFilterSerializer,
    AreaSerializer,
    AreaUpdateSerializer,
    FeatureCollectionSerializer,
    GeoJSONFilterSerializer,
)

TAGS = ["areas"]


def _query(serializer_class: type, request: Request) -> dict[str, Any]:
    """Validated query parameters, or 400 in the error format."""
    params = serializer_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    return params.validated_data


def _with_team(area: Area) -> Area:
    if area.is_grid:
        prefetch_related_objects([area], selectors.current_members_prefetch())
    return area


class AreaListView(GenericAPIView):
    serializer_class = AreaSerializer

    @extend_schema(
        operation_id="areas_list",
        summary="区域列表（本人辖区）",
        description="按树的顺序列出辖区内的区域（不含边界）；可按层级、网格类型、上级编码、"
        "编码和名称筛选。",
        parameters=[AreaFilterSerializer],
        responses={200: AreaSerializer(many=True), **error_responses(400)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        filters = _query(AreaFilterSerializer, request)
        areas = selectors.area_search(
            user=request.user,
            level=filters.get("level"),
            kind=filters.get("kind"),
            parent_code=filters.get("parent"),
            code=filters.get("code"),
            name_contains=filters.get("q"),
        )
        page = self.paginate_queryset(areas)
        return self.get_paginated_response(AreaSerializer(page, many=True).data)


class AreaDetailView(GenericAPIView):
    serializer_class = AreaDetailSerializer

    @extend_schema(
        operation_id="areas_retrieve",
        summary="区域详情",
        description="含边界（GeoJSON）、中心点、面积、version，网格另含在岗成员。",
        responses={200: AreaDetailSerializer, **error_responses(404)},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        area = _with_team(selectors.area_get(user=request.user, pk=pk))
        return Response(AreaDetailSerializer(area).data)

    @extend_schema(
        operation_id="areas_partial_update",
        summary="修改区域",
        description="需要 areas.manage 权限。必须带上读取时的 version；"
        "他人已修改则 409，不写入任何内容。",
        request=AreaUpdateSerializer,
        responses={200: AreaDetailSerializer, **error_responses(400, 404, 409)},
        tags=TAGS,
    )
    def patch(self, request: Request, pk: int) -> Response:
        area = selectors.area_get(user=request.user, pk=pk)
        if not scope_for(request.user).can("areas.manage"):
            raise exceptions.PermissionDenied("您没有修改区域的权限。")
        form = AreaUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        try:
            area = services.area_update(actor=request.user, area=area, **changes)
        except services.StaleEdit as exc:
            return conflict_response(str(exc))
        return Response(AreaDetailSerializer(_with_team(area)).data)


def _feature_collection(areas: Any, limit: int) -> dict[str, Any]:
    rows = list(areas[: limit + 1])
    collection = feature_collection(rows[:limit])
    collection.update(limit=limit, truncated=len(rows) > limit)
    return collection


class AreaGeoJSONView(APIView):
    @extend_schema(
        operation_id="areas_geojson",
        summary="区域边界（GeoJSON）",
        description="辖区内区域的 FeatureCollection（WGS-84），不分页；"
        "超过 limit 时截断并标记 truncated。",
        parameters=[AreaGeoJSONFilterSerializer],
        responses={200: FeatureCollectionSerializer, **error_responses(400)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        filters = _query(AreaGeoJSONFilterSerializer, request)
        areas = selectors.area_search(
            user=request.user,
            level=filters.get("level"),
            kind=filters.get("kind"),
            parent_code=filters.get("parent"),
        )
        return Response(_feature_collection(areas, filters["limit"]))


class GridGeoJSONView(APIView):
    @extend_schema(
        operation_id="grids_geojson",
        summary="网格边界（GeoJSON）",
        description="辖区内网格的 FeatureCollection（WGS-84），不分页；"
        "超过 limit 时截断并标记 truncated。",
        parameters=[GeoJSONFilterSerializer],
        responses={200: FeatureCollectionSerializer, **error_responses(400)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        filters = _query(GeoJSONFilterSerializer, request)
        grids = selectors.area_search(
            user=request.user,
            level=Level.GRID,
            kind=filters.get("kind"),
            parent_code=filters.get("parent"),
        )
        return Response(_feature_collection(grids, filters["limit"]))
