"""Serializers of the events API: output shapes and input validation. Writes go through
``services``; the reporter's phone is only ever shown masked."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from shanzhi.areas import coords
from shanzhi.areas.serializers import AreaRefSerializer
from shanzhi.core.api import ChoiceLabelField

from .models import (
    Card,
    Channel,
    Event,
    EventType,
    EventTypeAttribute,
    Priority,
    Satisfaction,
    TimelineEntry,
)
from .workflow import State


class EventTypeAttributeSerializer(serializers.ModelSerializer):
    values = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text="单选/多选的可选值：[{key, name}]。",
    )

    class Meta:
        model = EventTypeAttribute
        fields = ("code", "datatype", "required", "description", "order", "values")


class EventTypeSerializer(serializers.ModelSerializer):
    # Declared fields leave the class (SerializerMetaclass), so this does not shadow .parent.
    parent = serializers.SlugRelatedField(  # type: ignore[assignment,var-annotated]
        slug_field="code", read_only=True, allow_null=True
    )
    attributes = EventTypeAttributeSerializer(many=True, read_only=True)

    class Meta:
        model = EventType
        fields = (
            "id",
            "code",
            "name",
            "parent",
            "description",
            "is_public",
            "priority",
            "accept_hours",
            "dispatch_hours",
            "handle_days",
            "verify_days",
            "attributes",
        )


class TypeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = EventType
        fields = ("id", "code", "name")


class EventSerializer(serializers.ModelSerializer):
    type = TypeRefSerializer(read_only=True)
    grid = AreaRefSerializer(read_only=True)
    handling_area = AreaRefSerializer(read_only=True)
    state_label = ChoiceLabelField("state")
    deadline_level = serializers.CharField(
        read_only=True, help_text="none / normal / warning / yellow / red"
    )

    class Meta:
        model = Event
        fields: tuple[str, ...] = (
            "id",
            "number",
            "title",
            "type",
            "state",
            "state_label",
            "channel",
            "priority",
            "grid",
            "handling_area",
            "lon",
            "lat",
            "address",
            "step",
            "step_due_at",
            "deadline_level",
            "version",
            "reported_at",
            "updated_at",
        )


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.CharField()
    state = serializers.CharField()
    department = serializers.CharField(source="department.name", default=None)
    area = serializers.CharField(source="area.name", default=None)
    due_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class TimelineEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = TimelineEntry
        fields = ("at", "transition", "from_state", "to_state", "actor_post", "comment")


class EventDetailSerializer(EventSerializer):
    reporter_phone = serializers.CharField(
        source="reporter_phone_masked", read_only=True, help_text="脱敏电话。"
    )
    assignments = AssignmentSerializer(many=True, read_only=True)
    timeline = TimelineEntrySerializer(many=True, read_only=True)
    actions = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="当前用户现在可执行的操作（transition 名称）。",
    )

    class Meta(EventSerializer.Meta):
        fields = (
            *EventSerializer.Meta.fields,
            "description",
            "attributes",
            "reporter_name",
            "reporter_phone",
            "solved_on_spot",
            "satisfaction",
            "assignments",
            "timeline",
            "actions",
        )


class EventFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=State.choices, required=False)
    open = serializers.BooleanField(required=False, default=False, help_text="只看未办结的。")
    type = serializers.CharField(required=False, help_text="小类或大类编码。")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    grid = serializers.IntegerField(required=False)
    area = serializers.IntegerField(required=False, help_text="该区域（含下级）内的事件。")
    department = serializers.IntegerField(required=False)
    level = serializers.ChoiceField(
        choices=["none", "normal", "warning", "yellow", "red"], required=False
    )
    q = serializers.CharField(required=False, help_text="编号、标题、描述或地址。")
    reported_from = serializers.DateField(required=False)
    reported_to = serializers.DateField(required=False)


class EventReportSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="事件小类编码，例如 0501。")
    description = serializers.CharField(max_length=2000)
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    crs = serializers.ChoiceField(choices=coords.CRS_CHOICES, required=False, default=coords.WGS84)
    title = serializers.CharField(required=False, allow_blank=True, max_length=100)
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    reporter_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    reporter_phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    attributes = serializers.DictField(required=False, default=dict)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)


class EventReportedSerializer(EventDetailSerializer):
    query_code = serializers.CharField(read_only=True, help_text="查询码（仅此一次显示）。")

    class Meta(EventDetailSerializer.Meta):
        fields = (*EventDetailSerializer.Meta.fields, "query_code")


class TransitionSerializer(serializers.Serializer):
    """The event's ``version`` as read, and the fields the transition takes (see
    ``workflow.TRANSITIONS``); fields a transition does not take are refused (400)."""

    version = serializers.IntegerField(min_value=1)
    comment = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    lead_department = serializers.IntegerField(required=False, help_text="主办部门 id。")
    assist_departments = serializers.ListField(child=serializers.IntegerField(), required=False)
    area = serializers.IntegerField(required=False, help_text="属地办理：派遣到的区域 id。")
    into = serializers.IntegerField(required=False, help_text="合并到的事件 id。")
    days = serializers.IntegerField(required=False, min_value=1)
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, required=False)
    card = serializers.ChoiceField(choices=Card.choices, required=False)
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="照片（multipart/form-data）：处置反馈、自行处置、核查不通过时可附。",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["未知字段。"] for name in unknown})
        return attrs
