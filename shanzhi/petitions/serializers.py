"""Serializers of the petitions API: output shapes and input validation. Writes go through
``services``; petitioners' ID numbers and phones are only shown masked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shanzhi.areas.serializers import AreaRefSerializer
from shanzhi.core.api import ChoiceLabelField

from .choices import Channel, PetitionType, State
from .deadlines import Status
from .models import (
    Petition,
    Petitioner,
    PetitionMatter,
    PetitionTimelineEntry,
    Reply,
    Review,
)

# --- output ---------------------------------------------------------------------------------------


class DepartmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PetitionSerializer(serializers.ModelSerializer):
    area = AreaRefSerializer(read_only=True)
    assigned_area = AreaRefSerializer(read_only=True, allow_null=True)
    assigned_department = DepartmentRefSerializer(read_only=True, allow_null=True)
    state_label = ChoiceLabelField("state")
    deadline_status = serializers.ChoiceField(
        choices=Status.choices,
        read_only=True,
        help_text="当前时限状态：none/normal/warning/overdue。",
    )
    petitioner_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Petition
        fields: tuple[str, ...] = (
            "id",
            "number",
            "title",
            "channel",
            "type",
            "state",
            "state_label",
            "area",
            "assigned_department",
            "assigned_area",
            "is_group",
            "group_size",
            "law_related",
            "matter",
            "petitioner_count",
            "due_kind",
            "due_at",
            "deadline_status",
            "registered_at",
            "version",
            "updated_at",
        )


class PetitionerSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(
        source="id_number_masked", read_only=True, help_text="脱敏身份证号。"
    )
    phone = serializers.CharField(source="phone_masked", read_only=True, help_text="脱敏电话。")

    class Meta:
        model = Petitioner
        fields = ("id", "person", "name", "id_number", "phone", "address", "is_representative")


class ReplySerializer(serializers.ModelSerializer):
    class Meta:
        model = Reply
        fields = ("decision", "facts", "basis", "opinion", "review_body", "issued_at")


class ReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = Review
        fields = (
            "id",
            "kind",
            "requested_at",
            "request_due_at",
            "decide_due_at",
            "reviewing_body",
            "reason",
            "decided_at",
            "decision",
            "opinion",
        )


class PetitionTimelineEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = PetitionTimelineEntry
        fields = ("at", "transition", "from_state", "to_state", "actor_post", "comment", "data")


class MatterSerializer(serializers.ModelSerializer):
    is_final = serializers.BooleanField(read_only=True, help_text="复核已终结，不再受理。")

    class Meta:
        model = PetitionMatter
        fields = ("id", "title", "first_petition", "is_final", "finalised_at", "final_reason")


class RunningDeadlineSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="route/accept/handle/review/rereview；无时限为空。")
    # Declared fields leave the class (SerializerMetaclass): no shadowing of .label.
    label = serializers.CharField()  # type: ignore[assignment]
    due_at = serializers.DateTimeField(allow_null=True)
    warn_at = serializers.DateTimeField(allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices)
    calendar_warning = serializers.CharField(allow_null=True, help_text="节假日未录入时的提示。")


class DeadlinesSerializer(serializers.Serializer):
    """The petition's time limits (信访工作条例 arts. 22, 23, 34, 35-36)."""

    running = RunningDeadlineSerializer(help_text="当前步骤的时限。")
    route_due_at = serializers.DateTimeField(allow_null=True, help_text="转送交办期限（15 日）。")
    accept_due_at = serializers.DateTimeField(allow_null=True, help_text="受理告知期限（15 日）。")
    objection_due_at = serializers.DateTimeField(
        allow_null=True, help_text="管辖异议期限（5 个工作日）。"
    )
    handle_due_at = serializers.DateTimeField(allow_null=True, help_text="办理期限（60 日）。")
    extension_days = serializers.IntegerField(help_text="已延长天数（至多一次、30 日）。")
    review_request_due_at = serializers.DateTimeField(
        allow_null=True, help_text="复查/复核申请期限（30 日）。"
    )


class RepeatSerializer(serializers.ModelSerializer):
    class Meta:
        model = Petition
        fields = ("id", "number", "title", "channel", "state", "registered_at")


class PetitionDetailSerializer(PetitionSerializer):
    matter = MatterSerializer(read_only=True)  # type: ignore[assignment]
    petitioners = PetitionerSerializer(many=True, read_only=True)
    deadlines = DeadlinesSerializer(read_only=True)
    repeats = RepeatSerializer(many=True, read_only=True, help_text="同一信访事项的各次信访。")
    reply = serializers.SerializerMethodField()
    reviews = ReviewSerializer(many=True, read_only=True)
    timeline = PetitionTimelineEntrySerializer(many=True, read_only=True)
    actions = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="当前用户现在可执行的操作（transition 名称）。",
    )

    class Meta(PetitionSerializer.Meta):
        fields = (
            *PetitionSerializer.Meta.fields,
            "content",
            "legal_body",
            "not_accepted_reason",
            "extension_reason",
            "decision",
            "closed_at",
            "petitioners",
            "deadlines",
            "repeats",
            "reply",
            "reviews",
            "timeline",
            "actions",
        )

    @extend_schema_field(ReplySerializer(allow_null=True))
    def get_reply(self, petition: Petition) -> dict[str, Any] | None:
        reply = getattr(petition, "reply", None)
        return None if reply is None else dict(ReplySerializer(reply).data)


class CountSerializer(serializers.Serializer):
    key = serializers.CharField()
    # Declared fields leave the class (SerializerMetaclass): no shadowing of .label.
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()


class MonthCountSerializer(serializers.Serializer):
    month = serializers.DateField()
    count = serializers.IntegerField()


class YesNoSerializer(serializers.Serializer):
    yes = serializers.IntegerField()
    no = serializers.IntegerField()


class AidSumSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    count = serializers.IntegerField()


class PetitionStatisticsSerializer(serializers.Serializer):
    """The figures of ``statistics.petition_statistics``."""

    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    total = serializers.IntegerField()
    by_channel = CountSerializer(many=True)
    by_type = CountSerializer(many=True)
    by_state = CountSerializer(many=True)
    law_related = YesNoSerializer(help_text="涉法涉诉与否。")
    by_month = MonthCountSerializer(many=True)
    group = serializers.IntegerField(help_text="集体信访件数。")
    overdue = serializers.IntegerField(help_text="当前超期件数。")
    replied = serializers.IntegerField()
    replied_on_time = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True, help_text="按期办结率（0～1）。")
    aid = AidSumSerializer(help_text="期内司法救助发放合计。")


class AidPeriodSerializer(serializers.Serializer):
    period = serializers.DateField(help_text="期间第一天。")
    # Declared fields leave the class (SerializerMetaclass): no shadowing of .label.
    label = serializers.CharField(help_text="例如 2026年3月、2026年第1季度、2026年。")  # type: ignore[assignment]
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    count = serializers.IntegerField()


class AidLedgerSerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    period = serializers.CharField()
    total_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    total_count = serializers.IntegerField()
    periods = AidPeriodSerializer(many=True)


# --- input ----------------------------------------------------------------------------------------


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not declare (400), like the events API."""

    def to_internal_value(self, data: Any) -> Any:
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, Mapping) else []
        errors = {name: [_("未知字段。")] for name in unknown}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            raise serializers.ValidationError({**exc.detail, **errors}) from None
        if errors:
            raise serializers.ValidationError(errors)
        return value


class PetitionFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=State.choices, required=False)
    open = serializers.BooleanField(required=False, default=False, help_text="只看在办的。")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    type = serializers.ChoiceField(choices=PetitionType.choices, required=False)
    deadline = serializers.ChoiceField(choices=Status.choices, required=False)
    q = serializers.CharField(required=False, help_text="编号、标题、内容或信访人姓名。")
    registered_from = serializers.DateField(required=False)
    registered_to = serializers.DateField(required=False)


class PetitionerInputSerializer(StrictSerializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    person = serializers.IntegerField(required=False, help_text="人口库人员 id（须在辖区内）。")
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=24)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    is_representative = serializers.BooleanField(required=False, default=False)


class PetitionRegisterSerializer(StrictSerializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    type = serializers.ChoiceField(choices=PetitionType.choices)
    title = serializers.CharField(max_length=200)
    content = serializers.CharField(max_length=5000)
    area = serializers.IntegerField(help_text="事项发生地 id（须在辖区内）。")
    petitioners = PetitionerInputSerializer(
        many=True, help_text="多人走访须推选代表，代表不超过 5 人。"
    )
    matter = serializers.IntegerField(required=False, help_text="重复信访：已有信访事项 id。")
    is_group = serializers.BooleanField(required=False, default=False)
    group_size = serializers.IntegerField(required=False, min_value=1)
    law_related = serializers.BooleanField(required=False, default=False)


class PetitionTransitionSerializer(StrictSerializer):
    """The petition's ``version`` as read, and the fields the transition takes (see
    ``workflow.TRANSITIONS``); fields a transition does not take are refused (400)."""

    version = serializers.IntegerField(min_value=1)
    comment = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True)
    department = serializers.IntegerField(required=False, help_text="转送交办：部门 id。")
    area = serializers.IntegerField(required=False, help_text="转送交办：属地（区县或镇街）id。")
    legal_body = serializers.CharField(required=False, allow_blank=True)
    days = serializers.IntegerField(required=False, help_text="延期天数（至多 30 日，仅一次）。")
    decision = serializers.CharField(
        required=False,
        help_text="处理意见 support/explain/reject；复查复核决定 uphold/change/revoke。",
    )
    facts = serializers.CharField(required=False, allow_blank=True)
    basis = serializers.CharField(required=False, allow_blank=True)
    opinion = serializers.CharField(required=False, allow_blank=True)
    review_body = serializers.CharField(required=False, allow_blank=True)
    reviewing_body = serializers.CharField(required=False, allow_blank=True)
    requested_at = serializers.DateTimeField(required=False)


class PeriodQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="起始日期（含）。")
    end = serializers.DateField(required=False, help_text="截止日期（含）。")


class AidLedgerQuerySerializer(PeriodQuerySerializer):
    period = serializers.ChoiceField(
        choices=["month", "quarter", "year"], required=False, default="month"
    )
