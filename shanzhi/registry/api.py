"""API of the registry (基础数据): persons, households, buildings, houses, residences
(人房关联) and organisations.

Scoped and masked exactly like the pages: every read goes through ``selectors`` (the caller's
jurisdiction; a record outside it is 404, as if it did not exist), personal data is shown
masked, and the clear ID number or phone is given out only by ``POST /persons/{id}/unmask/``
(the ``registry.unmask_personal_data`` permission and a reason, audited). Every person search
and every person detail writes an audit row. Writes go through ``services`` and need the
``registry.collect`` capability; reads need ``registry.view``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Model, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from shanzhi.accounts.scope import scope_for
from shanzhi.core.api import conflict_response, error_responses

from . import selectors, services
from .models import Household, HouseholdMember, Person, Tag
from .serializers import (
    BuildingCreateSerializer,
    BuildingFilterSerializer,
    BuildingSerializer,
    HouseCreateSerializer,
    HouseDetailSerializer,
    HouseFilterSerializer,
    HouseholdCreateSerializer,
    HouseholdDetailSerializer,
    HouseholdFilterSerializer,
    HouseholdMemberCreateSerializer,
    HouseholdMemberSerializer,
    HouseholdSerializer,
    HouseSerializer,
    OrganisationCreateSerializer,
    OrganisationFilterSerializer,
    OrganisationSerializer,
    PersonCreateSerializer,
    PersonDetailSerializer,
    PersonFilterSerializer,
    PersonSerializer,
    PersonUpdateSerializer,
    ResidenceCreateSerializer,
    ResidenceEndSerializer,
    ResidenceFilterSerializer,
    ResidenceSerializer,
    TagSerializer,
    UnmaskedSerializer,
    UnmaskSerializer,
)

TAGS = ["registry"]
VIEW = "registry.view"
COLLECT = "registry.collect"


class RegistryCapability(permissions.BasePermission):
    """Reads need ``registry.view``, writes ``registry.collect`` (accounts.scope). A view
    whose POST only reads (a search, an unmask) sets ``capability = VIEW``."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            needed = VIEW
        else:
            needed = getattr(view, "capability", COLLECT)
        self.message = (
            "您没有查看基础数据的权限。" if needed == VIEW else "您没有采集或修改基础数据的权限。"
        )
        return scope_for(request.user).can(needed)


class RegistryView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated, RegistryCapability]

    def query(self, serializer_class: type, data: Any = None) -> dict[str, Any]:
        """Validated filters (query parameters unless ``data`` is given), or 400."""
        params = serializer_class(
            data=self.request.query_params if data is None else data,
            context=self.get_serializer_context(),
        )
        params.is_valid(raise_exception=True)
        return dict(params.validated_data)

    def form(self, serializer_class: type) -> dict[str, Any]:
        """Validated request body, or 400."""
        form = serializer_class(data=self.request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        return dict(form.validated_data)

    def page(self, queryset: QuerySet[Any], serializer_class: type) -> Response:
        rows = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(rows, many=True).data)


def get_or_404(queryset: QuerySet[Any], pk: Any) -> Any:
    """One row of an already scoped queryset, or 404 (never 403: ids outside the caller's
    jurisdiction leak nothing)."""
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404("不存在，或不在您的管辖范围内。") from exc


def created(serializer_class: type, obj: Model) -> Response:
    return Response(serializer_class(obj).data, status=status.HTTP_201_CREATED)


# --- Persons -------------------------------------------------------------------------------------

PERSON_SEARCH_DESCRIPTION = (
    "辖区内的人员，证件号码和手机号只显示脱敏值。可按姓名/拼音（q）、证件号码、手机号（精确，"
    "经盲索引）、地址、网格、人口类别、年龄、标签、状态筛选。每次查询记入审计日志（筛选条件"
    "中的证件号码和手机号脱敏记录）。"
)


def person_with_history(person: Person) -> Person:
    """The person with their 人房关联 and household histories (as on the detail page)."""
    prefetch_related_objects(
        [person],
        Prefetch("residences", queryset=selectors.person_residences(person=person)),
        Prefetch("household_memberships", queryset=selectors.person_households(person=person)),
    )
    return person


class PersonSearchMixin(RegistryView):
    def search(self, filters: dict[str, Any]) -> Response:
        persons = selectors.person_list(
            user=self.request.user,
            grid_id=filters.get("grid"),
            category=filters.get("category"),
            age_min=filters.get("age_min"),
            age_max=filters.get("age_max"),
            tag=filters.get("tag"),
            q=filters.get("q"),
            id_number=filters.get("id_number"),
            phone=filters.get("phone"),
            address=filters.get("address"),
            status=filters.get("status"),
        ).prefetch_related("tags")
        rows = self.paginate_queryset(persons)
        page = getattr(self.paginator, "page", None)
        count = page.paginator.count if page is not None else len(rows or [])
        services.registry_access_record(
            actor=self.request.user,
            action="registry.person_search",
            request=self.request,
            filters=filters,
            count=count,
        )
        return self.get_paginated_response(PersonSerializer(rows, many=True).data)


class PersonListView(PersonSearchMixin):
    serializer_class = PersonSerializer

    @extend_schema(
        operation_id="persons_list",
        summary="人员列表与查询",
        description=PERSON_SEARCH_DESCRIPTION
        + "按证件号码或手机号查询时，请优先使用 POST /persons/search/，"
        "以免号码出现在网址和访问日志中。",
        parameters=[PersonFilterSerializer],
        responses={200: PersonSerializer(many=True), **error_responses(400)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        return self.search(self.query(PersonFilterSerializer))

    @extend_schema(
        operation_id="persons_create",
        summary="登记人员",
        description="需要 registry.collect 权限，且网格在本人辖区内（否则 403）。证件号码按类型"
        "校验（居民身份证：GB 11643 校验位、出生日期、地区码），加密保存，只返回脱敏值；"
        "同一证件号码只能登记一次（400，fields.id_number）。",
        request=PersonCreateSerializer,
        responses={201: PersonDetailSerializer, **error_responses(400)},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        fields = self.form(PersonCreateSerializer)
        data = services.person_input(
            name=fields.pop("name"),
            id_type=fields.pop("id_type"),
            id_number=fields.pop("id_number"),
            gender=fields.pop("gender", ""),
            birth_date=fields.pop("birth_date", None),
            phone=fields.pop("phone", ""),
        )
        person = services.person_create(
            actor=request.user,
            grid=fields.pop("grid"),
            data=data,
            tags=fields.pop("tags", ()),
            **fields,
        )
        return created(PersonDetailSerializer, person_with_history(person))


class PersonSearchView(PersonSearchMixin):
    """A search whose filters travel in the body, not in the URL."""

    serializer_class = PersonSerializer
    capability = VIEW

    @extend_schema(
        operation_id="persons_search",
        summary="人员查询（条件放在请求体中）",
        description=PERSON_SEARCH_DESCRIPTION
        + "与 GET /persons/ 相同，但条件在请求体中，证件号码和手机号不会出现在网址里；"
        "分页参数 page、page_size 仍放在网址中。",
        request=PersonFilterSerializer,
        responses={200: PersonSerializer(many=True), **error_responses(400)},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        return self.search(self.query(PersonFilterSerializer, data=request.data))


class PersonDetailView(RegistryView):
    serializer_class = PersonDetailSerializer

    @extend_schema(
        operation_id="persons_retrieve",
        summary="人员详情",
        description="含人房关联历史。证件号码和手机号只显示脱敏值；每次查看记入审计日志。",
        responses={200: PersonDetailSerializer, **error_responses(404)},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        person = person_with_history(selectors.person_get(user=request.user, pk=pk))
        services.registry_access_record(
            actor=request.user, action="registry.person_view", request=request, obj=person
        )
        return Response(PersonDetailSerializer(person).data)

    @extend_schema(
        operation_id="persons_partial_update",
        summary="修改人员信息",
        description="需要 registry.collect 权限。必须带上读取时的 version；他人已修改则 409，"
        "不写入任何内容。每个改动的字段记入变更记录（手机号脱敏）。",
        request=PersonUpdateSerializer,
        responses={200: PersonDetailSerializer, **error_responses(400, 404, 409)},
        tags=TAGS,
    )
    def patch(self, request: Request, pk: int) -> Response:
        person = selectors.person_get(user=request.user, pk=pk)
        changes = self.form(PersonUpdateSerializer)
        version = changes.pop("version")
        try:
            person = services.person_update(
                actor=request.user, person=person, version=version, **changes
            )
        except services.StaleEdit as exc:
            return conflict_response(str(exc))
        person = selectors.person_get(user=request.user, pk=person.pk)
        return Response(PersonDetailSerializer(person_with_history(person)).data)


class PersonUnmaskView(RegistryView):
    serializer_class = UnmaskedSerializer
    capability = VIEW

    @extend_schema(
        operation_id="persons_unmask",
        summary="查看完整证件号码或手机号",
        description="需要 registry.unmask_personal_data 权限和查看事由（至少 4 个字）。"
        "每次请求——无论是否准许——都记入审计日志，含事由。",
        request=UnmaskSerializer,
        responses={200: UnmaskedSerializer, **error_responses(400, 404)},
        tags=TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        person = selectors.person_get(user=request.user, pk=pk)
        form = UnmaskSerializer(data=request.data)
        if form.is_valid():
            field, reason = form.validated_data["field"], form.validated_data["reason"]
        elif request.user.has_perm(services.UNMASK_PERMISSION):
            raise ValidationError(form.errors)
        else:  # the service audits the refusal, whatever the body holds
            raw = request.data if isinstance(request.data, dict) else {}
            field, reason = str(raw.get("field", ""))[:32], str(raw.get("reason", ""))[:200]
        value = services.person_unmask(
            actor=request.user, person=person, field=field, reason=reason, request=request
        )
        return Response({"field": field, "value": value})


class TagListView(RegistryView):
    serializer_class = TagSerializer
    pagination_class = None

    @extend_schema(
        operation_id="person_tags_list",
        summary="人员标签",
        description="可用于人员筛选（tag）和登记（tags）的标签，不分页。",
        responses={200: TagSerializer(many=True), **error_responses()},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        return Response(TagSerializer(Tag.objects.all(), many=True).data)


# --- Households ----------------------------------------------------------------------------------


def with_member_counts(user: Any, households: list[Household]) -> list[Household]:
    """Each household's current members in the caller's scope, counted in one query for
    the page (not for the whole table, which a list of a city would make slow)."""
    visible = selectors.person_list(user=user).order_by().values("pk")
    counts = dict(
        HouseholdMember.objects.filter(
            household__in=households, to_date__isnull=True, person__in=visible
        )
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values_list("household", "n")
    )
    for household in households:
        household.member_count = counts.get(household.pk, 0)  # type: ignore[attr-defined]
    return households


def household_detail(user: Any, pk: Any) -> Household:
    """One household with its members — those in the caller's scope, as on the pages."""
    household = selectors.household_get(user=user, pk=pk)
    members = list(selectors.household_members(user=user, household=household))
    household.visible_members = members  # type: ignore[attr-defined]
    household.member_count = sum(m.to_date is None for m in members)  # type: ignore[attr-defined]
    return household


class HouseholdListView(RegistryView):
    serializer_class = HouseholdSerializer

    @extend_schema(
        operation_id="households_list",
        summary="户列表",
        description="辖区内的户；可按网格、户号/地址/户主姓名筛选。",
        parameters=[HouseholdFilterSerializer],
        responses={200: HouseholdSerializer(many=True), **error_responses(400)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        filters = self.query(HouseholdFilterSerializer)
        rows = (
            selectors.household_list(user=request.user)
            .select_related("house__building")
            .order_by("grid_id", "number", "pk")
        )
        if filters.get("grid"):
            rows = rows.filter(grid_id=filters["grid"])
        if q := filters.get("q"):
            rows = rows.filter(
                Q(number__contains=q) | Q(address__contains=q) | Q(head__name__contains=q)
            )
        page = with_member_counts(request.user, list(self.paginate_queryset(rows) or []))
        return self.get_paginated_response(HouseholdSerializer(page, many=True).data)

    @extend_schema(
        operation_id="households_create",
        summary="立户",
        description="需要 registry.collect 权限；户主同时登记为第一名成员（与户主关系：户主）。",
        request=HouseholdCreateSerializer,
        responses={201: HouseholdDetailSerializer, **error_responses(400)},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        household = services.household_create(
            actor=request.user, **self.form(HouseholdCreateSerializer)
        )
        return created(HouseholdDetailSerializer, household_detail(request.user, household.pk))


class HouseholdDetailView(RegistryView):
    serializer_class = HouseholdDetailSerializer

    @extend_schema(
        operation_id="households_retrieve",
        summary="户详情",
        description="含全部成员（含已迁出的），证件号码只显示脱敏值。",
        responses={200: HouseholdDetailSerializer, **error_responses(404)},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(HouseholdDetailSerializer(household_detail(request.user, pk)).data)


class HouseholdMemberCreateView(RegistryView):
    serializer_class = HouseholdMemberSerializer

    @extend_schema(
        operation_id="households_members_create",
        summary="添加户成员",
        description="需要 registry.collect 权限；一人同一时间只能在一户中（否则 400）。",
        request=HouseholdMemberCreateSerializer,
        responses={201: HouseholdMemberSerializer, **error_responses(400, 404)},
        tags=TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        household = get_or_404(selectors.household_list(user=request.user), pk)
        member = services.household_add_member(
            actor=request.user, household=household, **self.form(HouseholdMemberCreateSerializer)
        )
        return created(HouseholdMemberSerializer, member)


# --- Buildings -----------------------------------------------------------------------------------


class BuildingListView(RegistryView):
    serializer_class = BuildingSerializer

    @extend_schema(
        operation_id="buildings_list",
        summary="楼栋列表",
        description="辖区内的楼栋（坐标为 WGS-84）；可按网格、编码/名称/地址筛选。",
        parameters=[BuildingFilterSerializer],
        responses={200: BuildingSerializer(many=True), **error_responses(400)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        filters = self.query(BuildingFilterSerializer)
        # building_list, not building_search: the API shows no house counts, and counting
        # them for a whole city's list costs a second or more.
        rows = selectors.building_list(user=request.user).order_by("grid_id", "code")
        if filters.get("grid"):
            rows = rows.filter(grid_id=filters["grid"])
        if q := filters.get("q"):
            rows = rows.filter(Q(name__contains=q) | Q(code__icontains=q) | Q(address__contains=q))
        return self.page(rows, BuildingSerializer)

    @extend_schema(
        operation_id="buildings_create",
        summary="登记楼栋",
        description="需要 registry.collect 权限，且网格在本人辖区内（否则 403）。"
        "坐标可按 crs 给出 GCJ-02 或 BD-09，保存为 WGS-84。",
        request=BuildingCreateSerializer,
        responses={201: BuildingSerializer, **error_responses(400)},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        building = services.building_create(
            actor=request.user, **self.form(BuildingCreateSerializer)
        )
        return created(BuildingSerializer, building)


class BuildingDetailView(RegistryView):
    serializer_class = BuildingSerializer

    @extend_schema(
        operation_id="buildings_retrieve",
        summary="楼栋详情",
        responses={200: BuildingSerializer, **error_responses(404)},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        building = selectors.building_get(user=request.user, pk=pk)
        return Response(BuildingSerializer(building).data)


# --- Houses --------------------------------------------------------------------------------------


class HouseListView(RegistryView):
    serializer_class = HouseSerializer

    @extend_schema(
        operation_id="houses_list",
        summary="房屋列表",
        description="辖区内的房屋；可按网格、楼栋、房屋状态（自住/出租/空置）筛选。",
        parameters=[HouseFilterSerializer],
        responses={200: HouseSerializer(many=True), **error_responses(400)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        filters = self.query(HouseFilterSerializer)
        rows = selectors.house_list(user=request.user)
        if filters.get("grid"):
            rows = rows.filter(grid_id=filters["grid"])
        if filters.get("building"):
            rows = rows.filter(building_id=filters["building"])
        if filters.get("status"):
            rows = rows.filter(status=filters["status"])
        return self.page(rows, HouseSerializer)

    @extend_schema(
        operation_id="houses_create",
        summary="登记房屋",
        description="需要 registry.collect 权限；房屋落在楼栋所在网格，楼层不超过楼栋层数，"
        "同一楼栋的单元+室号不重复。",
        request=HouseCreateSerializer,
        responses={201: HouseDetailSerializer, **error_responses(400)},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        house = services.house_create(actor=request.user, **self.form(HouseCreateSerializer))
        return created(HouseDetailSerializer, house)


class HouseDetailView(RegistryView):
    serializer_class = HouseDetailSerializer

    @extend_schema(
        operation_id="houses_retrieve",
        summary="房屋详情",
        description="产权人只显示姓名和脱敏证件号码。",
        responses={200: HouseDetailSerializer, **error_responses(404)},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        house = selectors.house_get(user=request.user, pk=pk)
        return Response(HouseDetailSerializer(house).data)


# --- Residences (人房关联) ---------------------------------------------------------------------


class ResidenceListView(RegistryView):
    serializer_class = ResidenceSerializer

    @extend_schema(
        operation_id="residences_list",
        summary="人房关联列表",
        description="辖区内房屋的居住记录（含历史），最近登记的在前；人员和房屋都须在本人辖区内。"
        "可按人员、房屋、是否在住筛选。",
        parameters=[ResidenceFilterSerializer],
        responses={200: ResidenceSerializer(many=True), **error_responses(400)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        filters = self.query(ResidenceFilterSerializer)
        rows = selectors.residence_list(user=request.user)
        if filters.get("person"):
            rows = rows.filter(person_id=filters["person"])
        if filters.get("house"):
            rows = rows.filter(house_id=filters["house"])
        if filters.get("current") is not None:
            rows = rows.filter(to_date__isnull=filters["current"])
        return self.page(rows.order_by("-id"), ResidenceSerializer)

    @extend_schema(
        operation_id="residences_create",
        summary="登记入住（人房关联）",
        description="需要 registry.collect 权限；同一人同一房屋只能有一条在住记录。",
        request=ResidenceCreateSerializer,
        responses={201: ResidenceSerializer, **error_responses(400)},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        residence = services.residence_start(
            actor=request.user, **self.form(ResidenceCreateSerializer)
        )
        return created(ResidenceSerializer, residence)


class ResidenceDetailView(RegistryView):
    serializer_class = ResidenceSerializer

    @extend_schema(
        operation_id="residences_retrieve",
        summary="人房关联详情",
        responses={200: ResidenceSerializer, **error_responses(404)},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        residence = get_or_404(selectors.residence_list(user=request.user), pk)
        return Response(ResidenceSerializer(residence).data)


class ResidenceEndView(RegistryView):
    serializer_class = ResidenceSerializer

    @extend_schema(
        operation_id="residences_end",
        summary="登记迁出",
        description="需要 registry.collect 权限；迁出日期不早于入住日期。记录保留为历史。",
        request=ResidenceEndSerializer,
        responses={200: ResidenceSerializer, **error_responses(400, 404)},
        tags=TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        residence = get_or_404(selectors.residence_list(user=request.user), pk)
        residence = services.residence_end(
            actor=request.user, residence=residence, **self.form(ResidenceEndSerializer)
        )
        return Response(ResidenceSerializer(residence).data)


# --- Organisations -------------------------------------------------------------------------------


class OrganisationListView(RegistryView):
    serializer_class = OrganisationSerializer

    @extend_schema(
        operation_id="organisations_list",
        summary="单位列表",
        description="辖区内的单位（非公经济和社会组织等）；联系电话只显示脱敏值。",
        parameters=[OrganisationFilterSerializer],
        responses={200: OrganisationSerializer(many=True), **error_responses(400)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        filters = self.query(OrganisationFilterSerializer)
        rows = selectors.organisation_search(
            user=request.user,
            grid_id=filters.get("grid"),
            kind=filters.get("kind"),
            q=filters.get("q"),
        )
        return self.page(rows, OrganisationSerializer)

    @extend_schema(
        operation_id="organisations_create",
        summary="登记单位",
        description="需要 registry.collect 权限，且网格在本人辖区内（否则 403）。统一社会信用代码"
        "按 GB 32100 校验且不重复；联系电话加密保存，只返回脱敏值。",
        request=OrganisationCreateSerializer,
        responses={201: OrganisationSerializer, **error_responses(400)},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        organisation = services.organisation_create(
            actor=request.user, **self.form(OrganisationCreateSerializer)
        )
        return created(OrganisationSerializer, organisation)


class OrganisationDetailView(RegistryView):
    serializer_class = OrganisationSerializer

    @extend_schema(
        operation_id="organisations_retrieve",
        summary="单位详情",
        responses={200: OrganisationSerializer, **error_responses(404)},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        organisation = selectors.organisation_get(user=request.user, pk=pk)
        return Response(OrganisationSerializer(organisation).data)
