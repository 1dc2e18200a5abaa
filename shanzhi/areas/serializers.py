"""Serializers of the areas API: output shapes, input validation, and schema-only shapes.

Serializers validate and shape data; every write still goes through ``services``.
"""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shanzhi.core.api import ChoiceLabelField

from .models import Area, GridKind, GridMembership, Level

# Features one GeoJSON request may return: a whole city's grids, not a province's.
GEOJSON_MAX_FEATURES = 5000


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "description": "GeoJSON Polygon 或 MultiPolygon（WGS-84 经纬度）。",
        "properties": {
            "type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
            "coordinates": {"type": "array", "items": {}},
        },
    }
)
class GeometryField(serializers.Field):
    """A boundary stored as GeoJSON text, exposed as a GeoJSON geometry object."""

    def to_representation(self, value: str) -> Any:
        return json.loads(value) if value else None

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                "边界必须是 GeoJSON 对象（Polygon 或 MultiPolygon）。"
            )
        return data


@extend_schema_field(
    {
        "type": "array",
        "nullable": True,
        "items": {"type": "number"},
        "minItems": 2,
        "maxItems": 2,
        "description": "中心点 [经度, 纬度]（WGS-84）。",
    }
)
class CentroidField(serializers.Field):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("source", "*")
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, area: Area) -> list[float] | None:
        if area.centroid_lon is None or area.centroid_lat is None:
            return None
        return [area.centroid_lon, area.centroid_lat]


class AreaRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["id", "code", "name", "level"]
        read_only_fields = fields


class AreaSerializer(serializers.ModelSerializer):
    """An area in a list: everything but the boundary."""

    level_label = ChoiceLabelField("level")
    kind_label = ChoiceLabelField("kind")
    parent_code = serializers.CharField(source="parent.code", read_only=True, allow_null=True)
    centroid = CentroidField()

    class Meta:
        model = Area
        fields = [
            "id",
            "code",
            "name",
            "level",
            "level_label",
            "kind",
            "kind_label",
            "parent_id",
            "parent_code",
            "supervision_phone",
            "centroid",
            "area_km2",
            "version",
        ]
        read_only_fields = fields


class TeamMemberSerializer(serializers.ModelSerializer):
    """A current member of a grid's 1+1+N team (public facts: name, role, phone)."""

    role_label = ChoiceLabelField("role")
    auxiliary_role_label = ChoiceLabelField("auxiliary_role")

    class Meta:
        model = GridMembership
        fields = [
            "id",
            "name",
            "phone",
            "role",
            "role_label",
            "auxiliary_role",
            "auxiliary_role_label",
            "start_date",
        ]
        read_only_fields = fields


class AreaDetailSerializer(AreaSerializer):
    """One area: with its boundary, description and, for a grid, its current team."""

    parent = AreaRefSerializer(read_only=True, allow_null=True)
    boundary = GeometryField(read_only=True)
    team = serializers.SerializerMethodField(help_text="网格的在岗成员（1+1+N）；非网格为空列表。")

    class Meta(AreaSerializer.Meta):
        fields = [*AreaSerializer.Meta.fields, "parent", "description", "boundary", "team"]
        read_only_fields = fields

    @extend_schema_field(TeamMemberSerializer(many=True))
    def get_team(self, area: Area) -> list[dict[str, Any]]:
        members = getattr(area, "current_members", None)
        if not area.is_grid or members is None:
            return []
        return TeamMemberSerializer(members, many=True).data  # type: ignore[return-value]


class AreaUpdateSerializer(serializers.Serializer):
    """PATCH input: the fields that may change, and the version the client last read."""

    version = serializers.IntegerField(
        min_value=1, help_text="读取时的 version；已被他人修改则返回 409，且不写入任何内容。"
    )
    name = serializers.CharField(max_length=100, required=False)
    supervision_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    boundary = GeometryField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if set(attrs) == {"version"}:
            raise serializers.ValidationError("请至少修改一项：名称、监督电话、说明或边界。")
        return attrs


class AreaFilterSerializer(serializers.Serializer):
    """Query parameters of the area list."""

    level = serializers.ChoiceField(
        choices=Level.choices, required=False, help_text="层级：1 市 2 区县 3 镇街 4 村居 5 网格"
    )
    kind = serializers.ChoiceField(choices=GridKind.choices, required=False, help_text="网格类型")
    # The query parameter is "parent"; the metaclass moves declared fields off the class, so
    # this does not shadow Field.parent at run time.
    parent = serializers.CharField(  # type: ignore[assignment]
        required=False, max_length=32, help_text="上级区域编码"
    )
    code = serializers.CharField(required=False, max_length=32, help_text="区域编码（精确）")
    q = serializers.CharField(required=False, max_length=100, help_text="名称包含")


class GeoJSONFilterSerializer(serializers.Serializer):
    """Query parameters shared by the GeoJSON endpoints."""

    kind = serializers.ChoiceField(choices=GridKind.choices, required=False, help_text="网格类型")
    # The query parameter is "parent"; the metaclass moves declared fields off the class, so
    # this does not shadow Field.parent at run time.
    parent = serializers.CharField(  # type: ignore[assignment]
        required=False, max_length=32, help_text="上级区域编码"
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=GEOJSON_MAX_FEATURES,
        default=GEOJSON_MAX_FEATURES,
        help_text=f"最多返回的要素数（1–{GEOJSON_MAX_FEATURES}，默认 {GEOJSON_MAX_FEATURES}）；"
        "结果被截断时 truncated 为 true，请按层级、类型或上级区域缩小范围。",
        error_messages={
            "max_value": "limit 不能超过 {max_value}；请按层级、类型或上级区域缩小范围。",
        },
    )


class AreaGeoJSONFilterSerializer(GeoJSONFilterSerializer):
    level = serializers.ChoiceField(
        choices=Level.choices, required=False, help_text="层级：1 市 2 区县 3 镇街 4 村居 5 网格"
    )


# --- Schema-only shapes: the FeatureCollection built by areas.geojson --------------------------


class FeaturePropertiesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField()
    level_label = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    parent_code = serializers.CharField(allow_null=True)
    supervision_phone = serializers.CharField()
    centroid = serializers.ListField(child=serializers.FloatField(), allow_null=True)
    area_km2 = serializers.FloatField(allow_null=True)
    card_url = serializers.CharField(allow_null=True, help_text="网格公示卡页面（仅网格）")


class FeatureSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.IntegerField()
    geometry = GeometryField()
    properties = FeaturePropertiesSerializer()


class FeatureCollectionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    features = FeatureSerializer(many=True)
    limit = serializers.IntegerField(help_text="本次请求的要素上限")
    truncated = serializers.BooleanField(help_text="为 true 时还有更多要素未返回")
