"""API of people's mediation (人民调解): the scoped case list, registration with parties, one
case with everything recorded on it, workflow transitions, the bodies and the statistics.

Reads go through ``selectors`` (a case outside the caller's scope is 404, as if it did not
exist); every write goes through ``services``: a registration through ``case_register``, a
state change through ``case_transition`` with the ``version`` the client last read (stale → 409,
nothing written; not the caller's to fire → 403; invalid fields → 400 with the services'
Chinese messages). Parties' ID numbers and phones are only shown masked.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from shanzhi.accounts.scope import scope_for
from shanzhi.core.api import conflict_response, error_responses

from . import selectors, services, statistics, workflow
from .serializers import (
    CaseDetailSerializer,
    CaseFilterSerializer,
    CaseRegisterSerializer,
    CaseSerializer,
    CaseStatisticsSerializer,
    CaseTransitionSerializer,
    MediationBodySerializer,
    StatisticsQuerySerializer,
)

TAGS = ["mediation"]


def _validated(serializer_class: type, data: Any) -> dict[str, Any]:
    form = serializer_class(data=data)
    form.is_valid(raise_exception=True)
    return dict(form.validated_data)


def _plain(value: Any) -> Any:
    """Validated nested data (OrderedDicts) as plain dicts and lists for the services."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _with_overdue(cases: Any, now: datetime.datetime) -> Any:
    for case in cases:
        case.overdue = workflow.is_overdue(case, now)
    return cases


def _detail(request: Request, pk: Any) -> dict[str, Any]:
    """One case (scoped; 404 outside) with parties (masked), mediators, sessions, agreement,
    confirmation, return visits, timeline and the caller's actions."""
    case = selectors.case_detail(request.user, pk)
    case.overdue = workflow.is_overdue(case, timezone.now())  # type: ignore[attr-defined]
    case.actions = [  # type: ignore[attr-defined]
        t.name for t in selectors.case_actions(user=request.user, case=case)
    ]
    return dict(CaseDetailSerializer(case).data)


class CaseListView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = CaseSerializer

    @extend_schema(
        operation_id="mediation_cases_list",
        summary="调解案件列表（本人辖区）",
        description="纠纷发生地或承办调解组织在本人辖区内的案件（调解员：本调解组织的案件），"
        "最新登记的在前；可按状态、纠纷类别、调解组织、是否超期和关键词筛选。",
        parameters=[CaseFilterSerializer],
        responses={200: CaseSerializer(many=True), **error_responses(400)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        f = _validated(CaseFilterSerializer, request.query_params)
        now = timezone.now()
        cases = selectors.cases_for(
            request.user,
            {
                "state": f.get("state"),
                "category": f.get("category"),
                "body": f.get("body"),
                "overdue": f.get("overdue"),
                "q": f.get("q"),
            },
            now=now,
        )
        page = self.paginate_queryset(cases)
        return self.get_paginated_response(CaseSerializer(_with_overdue(page, now), many=True).data)

    @extend_schema(
        operation_id="mediation_cases_create",
        summary="登记调解案件",
        description="需要 mediation.register 权限，纠纷发生地或调解组织须在本人辖区内（否则 403）。"
        "当事人可引用人口库人员（person，须在辖区内，否则 400）或直接填写姓名、证件号、电话；"
        "证件号和电话只以脱敏形式返回。",
        request=CaseRegisterSerializer,
        responses={201: CaseDetailSerializer, **error_responses(400)},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        f = _plain(_validated(CaseRegisterSerializer, request.data))
        case = services.case_register(actor=request.user, **f)
        return Response(_detail(request, case.pk), status=status.HTTP_201_CREATED)


class CaseDetailView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = CaseDetailSerializer

    @extend_schema(
        operation_id="mediation_cases_retrieve",
        summary="调解案件详情",
        description="含当事人（证件号、电话脱敏）、调解员、调解记录、调解协议及条款、司法确认、"
        "回访、流转记录和当前用户可执行的操作。不在辖区内则 404。",
        responses={200: CaseDetailSerializer, **error_responses(404)},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(request, pk))


class CaseTransitionView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = CaseTransitionSerializer

    @extend_schema(
        operation_id="mediation_cases_transition",
        summary="执行调解操作（受理、指派、调解记录、调解成功、回访、归档……）",
        description="name 为操作名（accept、refuse、refer、assign、session、agree、fail、"
        "terminate、confirmation_apply、confirmation_decide、visit、archive），字段见各操作"
        "（例如 agree 需要 signed_on 和 terms，书面协议还需 facts、disputed_points、"
        "responsibilities，每条 terms 须有 manner 和 deadline）。必须带上读取时的 version；"
        "他人已处理则 409，不写入任何内容；无权执行则 403；不在辖区内则 404。",
        parameters=[OpenApiParameter("name", str, OpenApiParameter.PATH)],
        request=CaseTransitionSerializer,
        responses={200: CaseDetailSerializer, **error_responses(400, 404, 409)},
        tags=TAGS,
    )
    def post(self, request: Request, pk: int, name: str) -> Response:
        case = selectors.cases_for(request.user).filter(pk=pk).first()
        if case is None:
            raise Http404
        data = _plain(_validated(CaseTransitionSerializer, request.data))
        version = data.pop("version")
        try:
            services.case_transition(
                actor=request.user, case=case, name=name, version=version, data=data
            )
        except services.MediationConflict as exc:
            return conflict_response(str(exc))
        return Response(_detail(request, pk))


class BodyListView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MediationBodySerializer
    pagination_class = None

    @extend_schema(
        operation_id="mediation_bodies_list",
        summary="调解组织",
        description="本人辖区内（调解员：本人所在）的启用调解组织：区级调解中心、镇街调解中心、"
        "村居调委会。不分页。",
        responses={200: MediationBodySerializer(many=True), **error_responses()},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        return Response(MediationBodySerializer(selectors.bodies_for(request.user), many=True).data)


class StatisticsView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = CaseStatisticsSerializer
    pagination_class = None

    @extend_schema(
        operation_id="mediation_statistics",
        summary="调解统计",
        description="期内（按登记日期）本人辖区的调解案件：总数、调解成功率、平均办理天数、"
        "同比、超期数，以及按调解组织层级、调解组织、纠纷类别、来源、调解方式、结果和月份的"
        "分组计数。需要 mediation.stats 权限。",
        parameters=[StatisticsQuerySerializer],
        responses={200: CaseStatisticsSerializer, **error_responses(400)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        if not scope_for(request.user).can("mediation.stats"):
            raise PermissionDenied(_("您无权查看调解统计。"))
        f = _validated(StatisticsQuerySerializer, request.query_params)
        today = timezone.localdate()
        figures = statistics.case_statistics(
            request.user,
            start=f.get("start") or today.replace(month=1, day=1),
            end=f.get("end") or today,
            group_by=f["group_by"],
        )
        return Response(CaseStatisticsSerializer(figures).data)
