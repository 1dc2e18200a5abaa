"""Serializers of the registry API: output shapes, input validation, query parameters.

Personal data leaves the server masked: a person is shown with ``id_masked`` and
``phone_masked`` (an organisation with ``contact_phone_masked``), never with the ciphertext or
blind-index columns. Clear ID numbers and phones are accepted on input only (``write_only``)
and handed to ``services``, which validate, seal and store them. Every write goes through
``services``; these classes only validate and shape.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, build_choice_field
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shanzhi.areas import coords
from shanzhi.areas.models import Area, GridKind, Level
from shanzhi.core.api import ChoiceLabelField

from . import identity, selectors
from .identity import Gender, IdType
from .models import (
    Building,
    House,
    Household,
    HouseholdMember,
    Organisation,
    Person,
    PersonStatus,
    PoliticalStatus,
    Relation,
    Residence,
    ResidenceCategory,
    Tag,
)

# Choice sets whose field names recur with other choices elsewhere in the API (see
# NamedChoiceField): each is documented under its own enum name.
PERSON_STATUS: dict[str, Any] = {"enum_name": "PersonStatus", "choices": PersonStatus.choices}
BUILDING_USE: dict[str, Any] = {"enum_name": "BuildingUse", "choices": Building.Use.choices}
HOUSE_USE: dict[str, Any] = {"enum_name": "HouseUse", "choices": House.Use.choices}
HOUSE_STATUS: dict[str, Any] = {"enum_name": "HouseStatus", "choices": House.Status.choices}
RESIDENCE_KIND: dict[str, Any] = {"enum_name": "ResidenceKind", "choices": Residence.Kind.choices}
ORGANISATION_KIND: dict[str, Any] = {
    "enum_name": "OrganisationKind",
    "choices": Organisation.Kind.choices,
}

# --- Fields --------------------------------------------------------------------------------------


class NamedChoiceField(serializers.ChoiceField):
    """A choice field documented as its own named enum component (e.g. ``HouseStatusEnum``).

    Several registry fields share a name with different choices (``kind`` of an organisation,
    a residence and a grid; ``status`` of a person and a house; ``use`` of a building and a
    house). drf-spectacular would name such enums by guesswork and warn; naming them here keeps
    the schema stable without touching the project's settings.
    """

    def __init__(self, *, enum_name: str, **kwargs: Any) -> None:
        self.enum_name = enum_name
        super().__init__(**kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "shanzhi.registry.serializers.NamedChoiceField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        field = self.target
        schema = build_choice_field(field)
        schema.pop("x-spec-enum-id", None)
        component = ResolvedComponent(
            name=f"{field.enum_name}Enum",
            type=ResolvedComponent.SCHEMA,
            object=field.enum_name,
            schema=schema,
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by id to a row the caller may see (``selector(user=...)``); any other id
    is answered exactly like an id that does not exist, so nothing outside the caller's
    jurisdiction leaks."""

    default_error_messages = {
        "does_not_exist": "编号 {pk_value} 不存在，或不在您的管辖范围内。",
        "incorrect_type": "应为整数编号，而不是 {data_type}。",
    }

    def __init__(self, *, model: type[Model], selector: Any, **kwargs: Any) -> None:
        self.selector = selector
        self.model = model
        # The model's empty queryset tells the schema generator the id type.
        super().__init__(queryset=model._default_manager.none(), **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        request = self.context.get("request")
        if request is None:  # no caller, no rows (e.g. the schema generator)
            return self.model._default_manager.none()
        return self.selector(user=request.user)


def basic_grids() -> QuerySet[Area]:
    return Area.objects.filter(level=Level.GRID, kind=GridKind.BASIC, is_active=True)


class GridField(serializers.PrimaryKeyRelatedField):
    """A basic grid by id. Grids are public (name, boundary, team); whether the caller may
    write in it is decided by ``services`` (403 outside their jurisdiction)."""

    default_error_messages = {
        "does_not_exist": "网格 {pk_value} 不存在，或不是启用的基础网格。",
        "incorrect_type": "应为整数编号，而不是 {data_type}。",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=basic_grids(), **kwargs)


class CoordinatesMixin(serializers.Serializer):
    """``lon``/``lat`` with the coordinate system they were taken in; stored as WGS-84."""

    lon = serializers.FloatField(
        required=False, allow_null=True, min_value=-180, max_value=180, help_text="经度"
    )
    lat = serializers.FloatField(
        required=False, allow_null=True, min_value=-90, max_value=90, help_text="纬度"
    )
    crs = serializers.ChoiceField(
        choices=coords.CRS_CHOICES,
        required=False,
        default=coords.WGS84,
        write_only=True,
        help_text="经纬度所用坐标系（默认 wgs84）；gcj02、bd09 在保存前换算为 WGS-84。",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        crs = attrs.pop("crs", coords.WGS84)
        lon, lat = attrs.get("lon"), attrs.get("lat")
        if (lon is None) != (lat is None):
            raise serializers.ValidationError({"lat": ["经度和纬度须同时填写。"]})
        if lon is not None and lat is not None:
            attrs["lon"], attrs["lat"] = (float(v) for v in coords.to_wgs84(lon, lat, crs))
        return attrs


# --- Shared small shapes -------------------------------------------------------------------------


class GridRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Area
        fields = ["id", "code", "name"]
        read_only_fields = fields


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["code", "name"]
        read_only_fields = fields


class PersonRefSerializer(serializers.ModelSerializer):
    """A person named inside another record: name and masked ID only."""

    class Meta:
        model = Person
        fields = ["id", "name", "id_masked"]
        read_only_fields = fields


class HouseRefSerializer(serializers.ModelSerializer):
    label = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.label
        source="__str__", read_only=True, help_text="楼栋、单元、室号"
    )

    class Meta:
        model = House
        fields = ["id", "building_id", "label"]
        read_only_fields = fields


# --- Persons -------------------------------------------------------------------------------------


class PersonSerializer(serializers.ModelSerializer):
    """A person in a list. The ID number and phone only masked."""

    gender_label = ChoiceLabelField("gender")
    id_type_label = ChoiceLabelField("id_type")
    residence_category_label = ChoiceLabelField("residence_category")
    status = NamedChoiceField(read_only=True, **PERSON_STATUS)
    status_label = ChoiceLabelField("status")
    grid = GridRefSerializer(read_only=True)
    tags = TagSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "gender",
            "gender_label",
            "birth_date",
            "id_type",
            "id_type_label",
            "id_masked",
            "phone_masked",
            "residence_category",
            "residence_category_label",
            "current_address",
            "status",
            "status_label",
            "grid",
            "tags",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class ResidenceInPersonSerializer(serializers.ModelSerializer):
    house = HouseRefSerializer(read_only=True)
    kind = NamedChoiceField(read_only=True, **RESIDENCE_KIND)
    kind_label = ChoiceLabelField("kind")

    class Meta:
        model = Residence
        fields = ["id", "house", "kind", "kind_label", "from_date", "to_date"]
        read_only_fields = fields


class MembershipInPersonSerializer(serializers.ModelSerializer):
    household = serializers.SerializerMethodField()
    relation_label = ChoiceLabelField("relation")

    class Meta:
        model = HouseholdMember
        fields = ["id", "household", "relation", "relation_label", "from_date", "to_date"]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "number": {"type": "string"}},
        }
    )
    def get_household(self, member: HouseholdMember) -> dict[str, Any]:
        return {"id": member.household_id, "number": member.household.number}


class PersonDetailSerializer(PersonSerializer):
    """One person: every field but the sealed columns, their households and their 人房关联
    history."""

    political_status_label = ChoiceLabelField("political_status")
    households = MembershipInPersonSerializer(
        many=True, read_only=True, source="household_memberships"
    )
    residences = ResidenceInPersonSerializer(many=True, read_only=True)

    class Meta(PersonSerializer.Meta):
        fields = [
            *PersonSerializer.Meta.fields,
            "name_pinyin",
            "ethnicity",
            "registered_address",
            "origin_place",
            "occupation",
            "employer",
            "political_status",
            "political_status_label",
            "notes",
            "created_at",
            "households",
            "residences",
        ]
        read_only_fields = fields


class PersonFieldsMixin(serializers.Serializer):
    """The descriptive fields a person create or update may set."""

    ethnicity = serializers.CharField(max_length=20, required=False)
    residence_category = serializers.ChoiceField(choices=ResidenceCategory.choices, required=False)
    registered_address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    current_address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    origin_place = serializers.CharField(max_length=100, required=False, allow_blank=True)
    occupation = serializers.CharField(max_length=50, required=False, allow_blank=True)
    employer = serializers.CharField(max_length=100, required=False, allow_blank=True)
    political_status = serializers.ChoiceField(choices=PoliticalStatus.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    tags = serializers.SlugRelatedField(
        many=True,
        slug_field="code",
        queryset=Tag.objects.all(),
        required=False,
        help_text='标签代码列表，例如 ["dibao", "veteran"]。',
    )


class PersonCreateSerializer(PersonFieldsMixin):
    """Input of a new person: the clear ID number and phone, validated and sealed by the
    service (never stored or returned in clear)."""

    name = serializers.CharField(max_length=50)
    id_type = serializers.ChoiceField(choices=IdType.choices, default=IdType.RESIDENT)
    id_number = serializers.CharField(
        max_length=32, write_only=True, help_text="证件号码（居民身份证按 GB 11643 校验）。"
    )
    gender = serializers.ChoiceField(
        choices=Gender.choices, required=False, help_text="居民身份证可省略：由号码推出。"
    )
    birth_date = serializers.DateField(
        required=False, allow_null=True, help_text="居民身份证可省略：由号码推出。"
    )
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, write_only=True, help_text="手机号"
    )
    grid = GridField(help_text="所属基础网格编号。")


class PersonUpdateSerializer(PersonFieldsMixin):
    """PATCH input: the fields to change and the ``version`` the client last read."""

    version = serializers.IntegerField(
        min_value=1, help_text="读取时的 version；已被他人修改则返回 409，且不写入任何内容。"
    )
    name = serializers.CharField(max_length=50, required=False)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    birth_date = serializers.DateField(required=False, allow_null=True)
    status = NamedChoiceField(required=False, **PERSON_STATUS)
    phone = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="新手机号；空字符串表示删除。",
    )
    grid = GridField(required=False, help_text="迁到辖区内另一基础网格。")

    def validate_phone(self, value: str) -> str:
        if not value:
            return ""
        try:
            return identity.normalise_mobile(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if set(attrs) == {"version"}:
            raise serializers.ValidationError("请至少修改一项。")
        return attrs


class PersonFilterSerializer(serializers.Serializer):
    """The filters of a person search (query parameters of the list, or the body of
    ``POST /persons/search/``)."""

    q = serializers.CharField(
        required=False, max_length=50, help_text="姓名包含，或全拼/拼音首字母开头（如 zs）"
    )
    id_number = serializers.CharField(
        required=False, max_length=32, help_text="证件号码（精确匹配，经盲索引）"
    )
    phone = serializers.CharField(
        required=False, max_length=20, help_text="手机号（精确匹配，经盲索引）"
    )
    address = serializers.CharField(
        required=False, max_length=100, help_text="现住址或户籍地址包含"
    )
    grid = serializers.IntegerField(required=False, min_value=1, help_text="网格编号")
    category = NamedChoiceField(
        enum_name="ResidenceCategory",
        choices=ResidenceCategory.choices,
        required=False,
        help_text="人口类别",
    )
    age_min = serializers.IntegerField(required=False, min_value=0, max_value=150)
    age_max = serializers.IntegerField(required=False, min_value=0, max_value=150)
    tag = serializers.SlugField(required=False, max_length=32, help_text="标签代码")
    status = NamedChoiceField(required=False, help_text="人员状态", **PERSON_STATUS)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        low, high = attrs.get("age_min"), attrs.get("age_max")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"age_max": ["最大年龄不能小于最小年龄。"]})
        return attrs


class UnmaskSerializer(serializers.Serializer):
    field = serializers.ChoiceField(
        choices=[("id_number", "证件号码"), ("phone", "联系电话")],
        help_text="要查看的字段。",
    )
    reason = serializers.CharField(
        max_length=200, help_text="查看事由（至少 4 个字），记入审计日志。"
    )


class UnmaskedSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField(help_text="完整值；本次查看已记入审计日志。")


# --- Buildings and houses ------------------------------------------------------------------------


class BuildingSerializer(serializers.ModelSerializer):
    grid = GridRefSerializer(read_only=True)
    use = NamedChoiceField(read_only=True, **BUILDING_USE)
    use_label = ChoiceLabelField("use")

    class Meta:
        model = Building
        fields = [
            "id",
            "code",
            "name",
            "address",
            "grid",
            "lon",
            "lat",
            "floors",
            "units",
            "use",
            "use_label",
            "built_year",
            "version",
        ]
        read_only_fields = fields


class BuildingCreateSerializer(CoordinatesMixin):
    grid = GridField()
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=100)
    address = serializers.CharField(max_length=200)
    floors = serializers.IntegerField(min_value=1, max_value=200, required=False)
    units = serializers.IntegerField(min_value=1, max_value=100, required=False)
    use = NamedChoiceField(required=False, **BUILDING_USE)
    built_year = serializers.IntegerField(
        min_value=1800, max_value=2100, required=False, allow_null=True
    )


class HouseSerializer(serializers.ModelSerializer):
    building = serializers.SerializerMethodField()
    grid = GridRefSerializer(read_only=True)
    use = NamedChoiceField(read_only=True, **HOUSE_USE)
    use_label = ChoiceLabelField("use")
    status = NamedChoiceField(read_only=True, **HOUSE_STATUS)
    status_label = ChoiceLabelField("status")
    label = serializers.CharField(source="__str__", read_only=True)  # type: ignore[assignment]

    class Meta:
        model = House
        fields = [
            "id",
            "label",
            "building",
            "grid",
            "unit",
            "floor",
            "room",
            "floor_area",
            "use",
            "use_label",
            "status",
            "status_label",
            "owner_id",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "code": {"type": "string"},
                "name": {"type": "string"},
            },
        }
    )
    def get_building(self, house: House) -> dict[str, Any]:
        return {"id": house.building_id, "code": house.building.code, "name": house.building.name}


class HouseDetailSerializer(HouseSerializer):
    owner = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta(HouseSerializer.Meta):
        fields = [*HouseSerializer.Meta.fields, "owner"]
        read_only_fields = fields


class HouseCreateSerializer(serializers.Serializer):
    building = ScopedRelatedField(model=Building, selector=selectors.building_list)
    unit = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    floor = serializers.IntegerField(min_value=-10, max_value=200, required=False, default=1)
    room = serializers.CharField(max_length=20)
    floor_area = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    use = NamedChoiceField(required=False, **HOUSE_USE)
    status = NamedChoiceField(required=False, **HOUSE_STATUS)
    owner = ScopedRelatedField(
        model=Person, selector=selectors.person_list, required=False, allow_null=True
    )


# --- Households ----------------------------------------------------------------------------------


class HouseholdSerializer(serializers.ModelSerializer):
    head = PersonRefSerializer(read_only=True)
    house = HouseRefSerializer(read_only=True, allow_null=True)
    grid = GridRefSerializer(read_only=True)
    member_count = serializers.IntegerField(read_only=True, help_text="当前成员数")

    class Meta:
        model = Household
        fields = ["id", "number", "head", "house", "address", "grid", "member_count", "version"]
        read_only_fields = fields


class HouseholdMemberSerializer(serializers.ModelSerializer):
    person = PersonRefSerializer(read_only=True)
    relation_label = ChoiceLabelField("relation")

    class Meta:
        model = HouseholdMember
        fields = ["id", "person", "relation", "relation_label", "from_date", "to_date"]
        read_only_fields = fields


class HouseholdDetailSerializer(HouseholdSerializer):
    members = HouseholdMemberSerializer(
        many=True,
        read_only=True,
        source="visible_members",
        help_text="成员（含已迁出的）；不在本人辖区内的人员不列出。",
    )

    class Meta(HouseholdSerializer.Meta):
        fields = [*HouseholdSerializer.Meta.fields, "members"]
        read_only_fields = fields


class HouseholdCreateSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40, help_text="户号")
    head = ScopedRelatedField(model=Person, selector=selectors.person_list, help_text="户主")
    grid = GridField()
    from_date = serializers.DateField(help_text="户主入户日期")
    house = ScopedRelatedField(
        model=House, selector=selectors.house_list, required=False, allow_null=True
    )
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class HouseholdMemberCreateSerializer(serializers.Serializer):
    person = ScopedRelatedField(model=Person, selector=selectors.person_list)
    relation = serializers.ChoiceField(choices=Relation.choices)
    from_date = serializers.DateField()


# --- Residences (人房关联) ---------------------------------------------------------------------


class ResidenceSerializer(serializers.ModelSerializer):
    person = PersonRefSerializer(read_only=True)
    house = HouseRefSerializer(read_only=True)
    kind = NamedChoiceField(read_only=True, **RESIDENCE_KIND)
    kind_label = ChoiceLabelField("kind")

    class Meta:
        model = Residence
        fields = ["id", "person", "house", "kind", "kind_label", "from_date", "to_date"]
        read_only_fields = fields


class ResidenceCreateSerializer(serializers.Serializer):
    person = ScopedRelatedField(model=Person, selector=selectors.person_list)
    house = ScopedRelatedField(model=House, selector=selectors.house_list)
    kind = NamedChoiceField(**RESIDENCE_KIND)
    from_date = serializers.DateField()


class ResidenceEndSerializer(serializers.Serializer):
    to_date = serializers.DateField(help_text="迁出日期")


# --- Organisations -------------------------------------------------------------------------------


class OrganisationSerializer(serializers.ModelSerializer):
    grid = GridRefSerializer(read_only=True)
    kind = NamedChoiceField(read_only=True, **ORGANISATION_KIND)
    kind_label = ChoiceLabelField("kind")

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "kind",
            "kind_label",
            "uscc",
            "address",
            "grid",
            "lon",
            "lat",
            "legal_representative",
            "contact_name",
            "contact_phone_masked",
            "employees",
            "notes",
            "version",
        ]
        read_only_fields = fields


class OrganisationCreateSerializer(CoordinatesMixin):
    grid = GridField()
    name = serializers.CharField(max_length=200)
    kind = NamedChoiceField(**ORGANISATION_KIND)
    address = serializers.CharField(max_length=200)
    uscc = serializers.CharField(
        max_length=18, required=False, allow_blank=True, help_text="统一社会信用代码（GB 32100）"
    )
    contact_phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, write_only=True, help_text="联系手机号"
    )
    legal_representative = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    employees = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True)


# --- Query parameters of the other lists ----------------------------------------------------------


class BuildingFilterSerializer(serializers.Serializer):
    grid = serializers.IntegerField(required=False, min_value=1, help_text="网格编号")
    q = serializers.CharField(required=False, max_length=100, help_text="编码、名称或地址包含")


class HouseFilterSerializer(serializers.Serializer):
    grid = serializers.IntegerField(required=False, min_value=1, help_text="网格编号")
    building = serializers.IntegerField(required=False, min_value=1, help_text="楼栋编号")
    status = serializers.ChoiceField(
        choices=House.Status.choices, required=False, help_text="房屋状态"
    )


class HouseholdFilterSerializer(serializers.Serializer):
    grid = serializers.IntegerField(required=False, min_value=1, help_text="网格编号")
    q = serializers.CharField(required=False, max_length=50, help_text="户号、地址或户主姓名包含")


class ResidenceFilterSerializer(serializers.Serializer):
    person = serializers.IntegerField(required=False, min_value=1, help_text="人员编号")
    house = serializers.IntegerField(required=False, min_value=1, help_text="房屋编号")
    current = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true 只列在住的，false 只列已迁出的",
    )


class OrganisationFilterSerializer(serializers.Serializer):
    grid = serializers.IntegerField(required=False, min_value=1, help_text="网格编号")
    kind = serializers.ChoiceField(
        choices=Organisation.Kind.choices, required=False, help_text="单位类型"
    )
    q = serializers.CharField(
        required=False, max_length=100, help_text="名称、统一社会信用代码或地址包含"
    )
