"""API of petitions (信访): the scoped list, registration with petitioners, one petition with its
deadlines, repeats and timeline, workflow transitions, the judicial aid ledger and statistics.

Reads go through ``selectors`` (a petition outside the caller's scope is 404, as if it did not
exist); every write goes through ``services``: a registration through ``petition_register``, a
state change through ``petition_transition`` with the ``version`` the client last read (stale →
409, nothing written; not the caller's to fire → 403; invalid fields or time rules → 400 with
the services' Chinese messages). Petitioners' ID numbers and phones are only shown masked.

One adapter lives here: a petitioner given as a registry ``person`` id is looked up through
``registry.selectors.person_list`` (the caller's scope) before it reaches the service, which
takes ``Person`` rows; a person outside the scope is a 400 on ``petitioners``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from shanzhi.accounts.scope import scope_for
from shanzhi.areas.models import Area
from shanzhi.core.api import conflict_response, error_responses

from . import deadlines, selectors, services, statistics
from .serializers import (
    AidLedgerQuerySerializer,
    AidLedgerSerializer,
    PeriodQuerySerializer,
    PetitionDetailSerializer,
    PetitionFilterSerializer,
    PetitionRegisterSerializer,
    PetitionSerializer,
    PetitionStatisticsSerializer,
    PetitionTransitionSerializer,
)

TAGS = ["petitions"]
AID_CAPABILITIES = ("petitions.aid", "petitions.aid_approve", "petitions.stats")


def _validated(serializer_class: type, data: Any) -> dict[str, Any]:
    form = serializer_class(data=data)
    form.is_valid(raise_exception=True)
    return dict(form.validated_data)


def _detail(request: Request, pk: Any) -> dict[str, Any]:
    """One petition (scoped; 404 outside) with petitioners (masked), deadlines, the repeats of
    its matter, reply, reviews, timeline and the caller's actions."""
    petition = selectors.petition_detail(user=request.user, pk=pk, request=request)
    now = timezone.now()
    running = deadlines.deadline_of(petition, now)
    petition.deadlines = {  # type: ignore[attr-defined]
        "running": {
            "kind": running.kind,
            "label": running.label,
            "due_at": running.due_at,
            "warn_at": running.warn_at,
            "status": running.status,
            "calendar_warning": running.calendar_warning,
        },
        "route_due_at": petition.route_due_at,
        "accept_due_at": petition.accept_due_at,
        "objection_due_at": petition.objection_due_at,
        "handle_due_at": petition.handle_due_at,
        "extension_days": petition.extension_days,
        "review_request_due_at": petition.review_request_due_at,
    }
    petition.repeats = list(  # type: ignore[attr-defined]
        selectors.repeats_of(user=request.user, petition=petition)
    )
    petition.actions = [  # type: ignore[attr-defined]
        t.name for t in selectors.petition_actions(user=request.user, petition=petition)
    ]
    return dict(PetitionDetailSerializer(petition).data)


def _petitioners(user: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adapter: registry ``person`` ids as ``Person`` rows in the caller's scope (400 outside)."""
    from shanzhi.registry import selectors as registry_selectors

    result = []
    for i, raw in enumerate(rows):
        row = dict(raw)
        if row.get("person") is not None:
            found = registry_selectors.person_list(user=user).filter(pk=row["person"]).first()
            if found is None:
                raise ValidationError(
                    {"petitioners": [_("第 %(n)s 位信访人不在您的管辖范围内。") % {"n": i + 1}]}
                )
            row["person"] = found
            row["name"] = row.get("name") or found.name
        else:
            row.pop("person", None)
        row.setdefault("name", "")
        result.append(row)
    return result


class PetitionListView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = PetitionSerializer

    @extend_schema(
        operation_id="petitions_list",
        summary="信访件列表（本人辖区）",
        description="事项发生地或交办属地在本人辖区内、或交办给本部门的信访件，最新登记的在前；"
        "可按状态、信访形式、类别、时限状态、关键词和登记日期筛选。",
        parameters=[PetitionFilterSerializer],
        responses={200: PetitionSerializer(many=True), **error_responses(400)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        f = _validated(PetitionFilterSerializer, request.query_params)
        petitions = selectors.petitions_for(
            request.user,
            {
                "state": f.get("state"),
                "open_only": f.get("open"),
                "channel": f.get("channel"),
                "type": f.get("type"),
                "deadline": f.get("deadline"),
                "q": f.get("q"),
                "registered_from": f.get("registered_from"),
                "registered_to": f.get("registered_to"),
            },
        )
        page = self.paginate_queryset(petitions)
        return self.get_paginated_response(PetitionSerializer(page, many=True).data)

    @extend_schema(
        operation_id="petitions_create",
        summary="登记信访件",
        description="需要 petitions.register 权限，事项发生地须在本人辖区内（否则 403）。"
        "多人走访（channel=visit、is_group=true）推选的代表不得超过 5 人（否则 400）；"
        "matter 为已复核终结的事项时登记为不予受理。身份证号和电话只以脱敏形式返回。",
        request=PetitionRegisterSerializer,
        responses={201: PetitionDetailSerializer, **error_responses(400)},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        f = _validated(PetitionRegisterSerializer, request.data)
        area = Area.objects.filter(pk=f.pop("area")).first()
        if area is None:
            raise ValidationError({"area": [_("请选择事项发生地。")]})
        matter_id = f.pop("matter", None)
        matter = None
        if matter_id is not None:
            matter = selectors.matters_for(user=request.user).filter(pk=matter_id).first()
            if matter is None:
                raise ValidationError({"matter": [_("所选信访事项不存在或不在您的管辖范围内。")]})
        petitioners = _petitioners(request.user, [dict(p) for p in f.pop("petitioners")])
        petition = services.petition_register(
            actor=request.user, area=area, matter=matter, petitioners=petitioners, **f
        )
        return Response(_detail(request, petition.pk), status=status.HTTP_201_CREATED)


class PetitionDetailView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = PetitionDetailSerializer

    @extend_schema(
        operation_id="petitions_retrieve",
        summary="信访件详情",
        description="含信访人（身份证号、电话脱敏）、各项时限、同一事项的重复信访、处理意见书、"
        "复查复核、流转记录和当前用户可执行的操作。查看会记入审计日志。不在辖区内则 404。",
        responses={200: PetitionDetailSerializer, **error_responses(404)},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(request, pk))


class PetitionTransitionView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = PetitionTransitionSerializer

    @extend_schema(
        operation_id="petitions_transition",
        summary="执行信访操作（转送交办、受理、延期、出具处理意见书、复查复核……）",
        description="name 为操作名（route、divert、accept、not_accept、object、start、extend、"
        "reply、request_review、decide_review、request_rereview、decide_rereview、close），"
        "字段见各操作（例如 extend 需要 days（至多 30 日，仅一次）和 reason）。"
        "必须带上读取时的 version；他人已处理则 409，不写入任何内容；无权执行则 403；"
        "不在辖区内则 404；期限规则不满足则 400。",
        parameters=[OpenApiParameter("name", str, OpenApiParameter.PATH)],
        request=PetitionTransitionSerializer,
        responses={200: PetitionDetailSerializer, **error_responses(400, 404, 409)},
        tags=TAGS,
    )
    def post(self, request: Request, pk: int, name: str) -> Response:
        petition = selectors.petition_get(user=request.user, pk=pk)
        data = _validated(PetitionTransitionSerializer, request.data)
        version = data.pop("version")
        try:
            services.petition_transition(
                actor=request.user, petition=petition, name=name, version=version, data=data
            )
        except services.PetitionConflict as exc:
            return conflict_response(str(exc))
        return Response(_detail(request, pk))


class AidLedgerView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = AidLedgerSerializer
    pagination_class = None

    @extend_schema(
        operation_id="petitions_aid_ledger",
        summary="司法救助发放台账合计",
        description="本人辖区内信访件的司法救助发放金额和笔数，按月、季度或年合计"
        "（period=month/quarter/year），可限定发放日期。需要 petitions.aid、"
        "petitions.aid_approve 或 petitions.stats 权限。",
        parameters=[AidLedgerQuerySerializer],
        responses={200: AidLedgerSerializer, **error_responses(400)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        scope = scope_for(request.user)
        if not any(scope.can(c) for c in AID_CAPABILITIES):
            raise PermissionDenied(_("您无权查看司法救助台账。"))
        f = _validated(AidLedgerQuerySerializer, request.query_params)
        start, end = f.get("start"), f.get("end")
        periods = statistics.aid_statistics(
            user=request.user, start=start, end=end, period=f["period"]
        )
        return Response(
            AidLedgerSerializer(
                {
                    "start": start,
                    "end": end,
                    "period": f["period"],
                    "total_amount": sum((p["amount"] for p in periods), Decimal("0.00")),
                    "total_count": sum(p["count"] for p in periods),
                    "periods": periods,
                }
            ).data
        )


class StatisticsView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = PetitionStatisticsSerializer
    pagination_class = None

    @extend_schema(
        operation_id="petitions_statistics",
        summary="信访统计",
        description="期内（按登记日期，可不限）本人辖区的信访件：总数，按形式、类别、状态、"
        "月份的计数，涉法涉诉、集体信访、超期数，按期办结率和司法救助合计。"
        "需要 petitions.stats 权限。",
        parameters=[PeriodQuerySerializer],
        responses={200: PetitionStatisticsSerializer, **error_responses(400)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        if not scope_for(request.user).can("petitions.stats"):
            raise PermissionDenied(_("您无权查看信访统计。"))
        f = _validated(PeriodQuerySerializer, request.query_params)
        start: datetime.date | None = f.get("start")
        end: datetime.date | None = f.get("end")
        figures = statistics.petition_statistics(user=request.user, start=start, end=end)
        return Response(PetitionStatisticsSerializer({"start": start, "end": end, **figures}).data)
