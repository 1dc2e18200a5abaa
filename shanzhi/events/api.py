"""API of events: the scoped list, one event with its timeline, reporting (channel ``api``),
transitions and the catalogue.

Reads go through ``selectors`` (an event outside the caller's scope is 404, as if it did not
exist); every write goes through ``services``: a report through ``event_report``, a state
change through ``event_transition`` with the ``version`` the client last read (stale → 409,
nothing written; not the caller's to fire → 403). The reporter's phone is only shown masked.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import prefetch_related_objects
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from shanzhi.accounts.models import Role
from shanzhi.accounts.scope import scope_for
from shanzhi.core.api import conflict_response, error_responses

from . import selectors, services
from .models import Channel, Event
from .serializers import (
    EventDetailSerializer,
    EventFilterSerializer,
    EventReportedSerializer,
    EventReportSerializer,
    EventSerializer,
    EventTypeSerializer,
    TransitionSerializer,
)

TAGS = ["events"]
# Serializers validated through one shared instance (``_validated``).
_STATELESS_FORMS = frozenset({EventReportSerializer, EventFilterSerializer})


def _validated(serializer_class: type, data: Any) -> dict[str, Any]:
    if serializer_class in _STATELESS_FORMS:
        # The same checks and the same ValidationError as ``is_valid(raise_exception=True)``,
        # without building the serializer's fields again for every request.
        return dict(_shared_form(serializer_class).run_validation(data))
    form = serializer_class(data=data)
    form.is_valid(raise_exception=True)
    return dict(form.validated_data)


@functools.cache
def _shared_form(serializer_class: type) -> Any:
    """One instance per process of a serializer whose validation keeps no state on itself
    (``_STATELESS_FORMS``: no ``validate`` reading ``initial_data``, no context); building
    its fields (deep copies of the declared ones) cost about as much as validating."""
    return serializer_class()


def _detail(request: Request, pk: Any, event: Event | None = None) -> dict[str, Any]:
    """One event (scoped; 404 outside) with its timeline and the caller's actions; ``event``
    when it is already loaded as ``selectors.event_get`` would load it."""
    if event is None:
        event = selectors.event_get(user=request.user, pk=pk)
    event.actions = [  # type: ignore[attr-defined]
        t.name for t in selectors.event_actions(user=request.user, event=event)
    ]
    return dict(_detail_serializer().to_representation(event))


@functools.cache
def _detail_serializer() -> EventDetailSerializer:
    """One EventDetailSerializer per process: building its fields (model introspection,
    nested serializers) cost more than the rest of a detail answer; rendering with it
    keeps no state, so requests share it."""
    return EventDetailSerializer()


class EventListView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = EventSerializer

    @extend_schema(
        operation_id="events_list",
        summary="事件列表（本人辖区）",
        description="辖区内（部门：派给本部门的；群众：本人上报的）事件，最新的在前；"
        "可按状态、类型、渠道、网格、区域、部门、时限等级、关键词和上报日期筛选。",
        parameters=[EventFilterSerializer],
        responses={200: EventSerializer(many=True), **error_responses(400)},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        f = _validated(EventFilterSerializer, request.query_params)
        events = selectors.event_list(
            user=request.user,
            state=f.get("state"),
            open_only=f.get("open", False),
            type_code=f.get("type"),
            channel=f.get("channel"),
            grid_id=f.get("grid"),
            area_id=f.get("area"),
            department_id=f.get("department"),
            level=f.get("level"),
            q=f.get("q"),
            reported_from=f.get("reported_from"),
            reported_to=f.get("reported_to"),
        )
        page = self.paginate_queryset(events)
        return self.get_paginated_response(EventSerializer(page, many=True).data)

    @extend_schema(
        operation_id="events_create",
        summary="上报事件（系统接口渠道）",
        description="需要 events.report 权限，位置须在本人辖区内（否则 403）；"
        "坐标可为 WGS-84、GCJ-02 或 BD-09，自动落到网格，不在任何网格内则 400。"
        "类型的附加属性按服务定义校验（fields 中为 attributes.<code>）。",
        request=EventReportSerializer,
        responses={201: EventReportedSerializer, **error_responses(400)},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        f = _validated(EventReportSerializer, request.data)
        result = services.event_report(actor=request.user, channel=Channel.API, **f)
        # A fresh report is shown as written (the same body GET returns), not read back.
        fresh = (
            selectors.event_as_reported(event=result.event, entry=result.entry)
            if result.entry is not None
            else None
        )
        data = _detail(request, result.event.pk, fresh)
        data["query_code"] = result.query_code
        return Response(data, status=status.HTTP_201_CREATED)


class EventDetailView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = EventDetailSerializer

    @extend_schema(
        operation_id="events_retrieve",
        summary="事件详情与流转记录",
        description="含派遣、流转记录（时间顺序）和当前用户可执行的操作；"
        "上报人电话只显示脱敏值。不在辖区内则 404。",
        responses={200: EventDetailSerializer, **error_responses(404)},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(request, pk))


class EventTransitionView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = TransitionSerializer
    # JSON, or multipart when the step carries photos (feedback, solve on the spot, a failed
    # verification): ``photos`` repeated, one file each.
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="events_transition",
        summary="执行事件操作（立案、派遣、签收、反馈、核查……）",
        description="name 为操作名（accept、reject、escalate、dispatch、sign、return、feedback、"
        "solve_on_spot、verify_pass、verify_fail、evaluate、reopen、request_extension、"
        "approve_extension、reject_extension、suspend、resume、merge、cancel、supervise）。"
        "必须带上读取时的 version；他人已处理则 409，不写入任何内容；无权执行则 403；"
        "不在辖区内则 404。带照片的操作（处置反馈、自行处置、核查不通过）用 "
        "multipart/form-data 提交，photos 可重复，每张一个文件（JPEG/PNG/WebP）。",
        parameters=[OpenApiParameter("name", str, OpenApiParameter.PATH)],
        request={
            "application/json": TransitionSerializer,
            "multipart/form-data": TransitionSerializer,
        },
        responses={200: EventDetailSerializer, **error_responses(400, 404, 409)},
        tags=TAGS,
    )
    def post(self, request: Request, pk: int, name: str) -> Response:
        event = selectors.event_get(user=request.user, pk=pk)
        data = _validated(TransitionSerializer, request.data)
        version = data.pop("version")
        try:
            services.event_transition(
                actor=request.user, event=event, transition=name, version=version, **data
            )
        except services.EventConflict as exc:
            return conflict_response(str(exc))
        return Response(_detail(request, pk))


class EventTypeListView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = EventTypeSerializer
    pagination_class = None

    @extend_schema(
        operation_id="event_types_list",
        summary="事件分类",
        description="启用的大类和小类及其附加属性（Open311 服务定义的形式）；"
        "群众只看到对公众开放的类型。不分页。",
        responses={200: EventTypeSerializer(many=True), **error_responses()},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        scope = scope_for(request.user)
        public_only = not scope.is_all and not (scope.roles - {Role.CITIZEN})
        types = list(selectors.event_types(public_only=public_only))
        prefetch_related_objects(types, "attributes")
        return Response(EventTypeSerializer(types, many=True).data)
