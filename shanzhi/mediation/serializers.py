"""Serializers of the mediation API: output shapes and input validation. Writes go through
``services``; parties' ID numbers and phones (and mediators' phones) are only shown masked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from shanzhi.areas.serializers import AreaRefSerializer
from shanzhi.core.api import ChoiceLabelField

from .models import (
    Agreement,
    AgreementForm,
    AgreementTerm,
    CaseMediator,
    CaseSource,
    CaseTimelineEntry,
    ConfirmationResult,
    DisputeCategory,
    Gender,
    JudicialConfirmation,
    MediationBody,
    MediationCase,
    Party,
    PartyKind,
    PartyRole,
    Performance,
    ReturnVisit,
    Session,
    SourceType,
)
from .workflow import State

# --- output ---------------------------------------------------------------------------------------


class BodyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = MediationBody
        fields = ("id", "code", "name", "level")


class MediationBodySerializer(serializers.ModelSerializer):
    level_label = ChoiceLabelField("level")
    area = AreaRefSerializer(read_only=True)
    # Declared fields leave the class (SerializerMetaclass), so this does not shadow .parent.
    parent = BodyRefSerializer(read_only=True, allow_null=True)  # type: ignore[assignment]

    class Meta:
        model = MediationBody
        fields = (
            "id",
            "code",
            "name",
            "level",
            "level_label",
            "area",
            "parent",
            "phone",
            "address",
            "active",
        )


class CaseSerializer(serializers.ModelSerializer):
    body = BodyRefSerializer(read_only=True)
    area = AreaRefSerializer(read_only=True)
    state_label = ChoiceLabelField("state")
    category_label = ChoiceLabelField("category")
    overdue = serializers.BooleanField(read_only=True, help_text="调解期限已过而案件仍在办理中。")

    class Meta:
        model = MediationCase
        fields: tuple[str, ...] = (
            "id",
            "number",
            "title",
            "category",
            "category_label",
            "source",
            "source_type",
            "state",
            "state_label",
            "body",
            "area",
            "event",
            "registered_at",
            "accepted_at",
            "due_at",
            "warn_at",
            "outcome_at",
            "overdue",
            "version",
            "updated_at",
        )


class PartySerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(
        source="id_number_masked", read_only=True, help_text="脱敏证件号码。"
    )
    phone = serializers.CharField(source="phone_masked", read_only=True, help_text="脱敏电话。")

    class Meta:
        model = Party
        fields = (
            "id",
            "role",
            "kind",
            "person",
            "organisation",
            "name",
            "gender",
            "id_number",
            "phone",
            "address",
            "agent_name",
            "agent_relation",
        )


class CaseMediatorSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="mediator.name", read_only=True)
    kind = serializers.CharField(source="mediator.kind", read_only=True)

    class Meta:
        model = CaseMediator
        fields = ("mediator", "name", "kind", "is_lead", "assigned_at")


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Session
        fields = ("id", "held_at", "place", "attendees", "record", "created_at")


class AgreementTermSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgreementTerm
        fields = ("order", "content", "manner", "deadline")


class AgreementSerializer(serializers.ModelSerializer):
    terms = AgreementTermSerializer(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = (
            "form",
            "facts",
            "disputed_points",
            "responsibilities",
            "signed_on",
            "copies",
            "notes",
            "terms",
        )


class ConfirmationSerializer(serializers.ModelSerializer):
    class Meta:
        model = JudicialConfirmation
        fields = ("due_on", "applied_on", "court", "result", "decided_on", "note")


class ReturnVisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReturnVisit
        fields = ("id", "visited_on", "performance", "note")


class CaseTimelineEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseTimelineEntry
        fields = ("at", "transition", "from_state", "to_state", "actor_post", "comment", "data")


class CaseDetailSerializer(CaseSerializer):
    parties = PartySerializer(many=True, read_only=True)
    mediators = CaseMediatorSerializer(source="case_mediators", many=True, read_only=True)
    sessions = SessionSerializer(many=True, read_only=True)
    agreement = serializers.SerializerMethodField()
    confirmation = serializers.SerializerMethodField()
    visits = ReturnVisitSerializer(source="return_visits", many=True, read_only=True)
    timeline = CaseTimelineEntrySerializer(many=True, read_only=True)
    actions = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="当前用户现在可执行的操作（transition 名称）。",
    )

    class Meta(CaseSerializer.Meta):
        fields = (
            *CaseSerializer.Meta.fields,
            "description",
            "disputed_points",
            "amount_involved",
            "people_involved",
            "refusal_reason",
            "failure_reason",
            "routes_informed",
            "termination_reason",
            "archived_at",
            "parties",
            "mediators",
            "sessions",
            "agreement",
            "confirmation",
            "visits",
            "timeline",
            "actions",
        )

    @extend_schema_field(AgreementSerializer(allow_null=True))
    def get_agreement(self, case: MediationCase) -> dict[str, Any] | None:
        agreement = getattr(case, "agreement", None)
        return None if agreement is None else dict(AgreementSerializer(agreement).data)

    @extend_schema_field(ConfirmationSerializer(allow_null=True))
    def get_confirmation(self, case: MediationCase) -> dict[str, Any] | None:
        confirmation = getattr(case, "confirmation", None)
        return None if confirmation is None else dict(ConfirmationSerializer(confirmation).data)


class LabelledCountSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="分组键（组织 id、类别编码或 YYYY-MM）。")
    # Declared fields leave the class (SerializerMetaclass): no shadowing of .label.
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()


class CaseStatisticsSerializer(serializers.Serializer):
    """The figures of ``statistics.case_statistics``."""

    start = serializers.DateField()
    end = serializers.DateField()
    total = serializers.IntegerField(help_text="期内登记的案件数。")
    agreed = serializers.IntegerField()
    failed = serializers.IntegerField()
    terminated = serializers.IntegerField()
    refused = serializers.IntegerField()
    pending = serializers.IntegerField()
    concluded = serializers.IntegerField()
    success_rate = serializers.FloatField(
        allow_null=True, help_text="调解成功率（%，一位小数）：成功 / 已结案。"
    )
    average_days = serializers.FloatField(allow_null=True, help_text="平均办理天数。")
    previous_total = serializers.IntegerField(help_text="上年同期登记数。")
    yoy_change = serializers.FloatField(allow_null=True, help_text="同比变化（%）。")
    overdue = serializers.IntegerField(help_text="当前超期的在办案件数。")
    group_by = serializers.CharField()
    rows = LabelledCountSerializer(many=True)
    by_level = LabelledCountSerializer(many=True)
    by_body = LabelledCountSerializer(many=True)
    by_category = LabelledCountSerializer(many=True)
    by_source = LabelledCountSerializer(many=True)
    by_source_type = LabelledCountSerializer(many=True)
    by_outcome = LabelledCountSerializer(many=True)
    by_month = LabelledCountSerializer(many=True)


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


class CaseFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=State.choices, required=False)
    category = serializers.ChoiceField(choices=DisputeCategory.choices, required=False)
    body = serializers.IntegerField(required=False, help_text="承办调解组织 id。")
    overdue = serializers.BooleanField(
        required=False, default=False, help_text="只看超过调解期限的在办案件。"
    )
    q = serializers.CharField(required=False, help_text="案件编号或名称。")


class PartyInputSerializer(StrictSerializer):
    """A party: ``person`` (or ``organisation``) from the registry in your jurisdiction, or
    entered fields."""

    role = serializers.ChoiceField(choices=PartyRole.choices)
    kind = serializers.ChoiceField(choices=PartyKind.choices, required=False)
    person = serializers.IntegerField(required=False, help_text="人口库人员 id（须在辖区内）。")
    organisation = serializers.IntegerField(required=False, help_text="单位库 id（须在辖区内）。")
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True)
    id_type = serializers.CharField(required=False, allow_blank=True, max_length=20)
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    agent_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    agent_relation = serializers.CharField(required=False, allow_blank=True, max_length=50)


class CaseRegisterSerializer(StrictSerializer):
    body = serializers.IntegerField(help_text="承办调解组织 id。")
    area = serializers.IntegerField(help_text="纠纷发生地（镇街、村居或网格）id。")
    category = serializers.ChoiceField(choices=DisputeCategory.choices)
    # Declared fields leave the class (SerializerMetaclass): no shadowing of .source.
    source = serializers.ChoiceField(choices=CaseSource.choices)  # type: ignore[assignment]
    source_type = serializers.ChoiceField(
        choices=SourceType.choices, required=False, default=SourceType.APPLICATION
    )
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=5000)
    disputed_points = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    amount_involved = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    people_involved = serializers.IntegerField(required=False, min_value=1)
    parties = PartyInputSerializer(many=True)


class AgreementTermInputSerializer(StrictSerializer):
    content = serializers.CharField()
    manner = serializers.CharField(required=False, allow_blank=True, help_text="履行方式。")
    deadline = serializers.DateField(required=False, allow_null=True, help_text="履行期限。")


class CaseTransitionSerializer(StrictSerializer):
    """The case's ``version`` as read, and the fields the transition takes (see
    ``workflow.TRANSITIONS``); fields a transition does not take are refused (400)."""

    version = serializers.IntegerField(min_value=1)
    comment = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True)
    body = serializers.IntegerField(required=False, help_text="移送：目标调解组织 id。")
    mediators = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="指派：调解员 id。"
    )
    lead = serializers.IntegerField(required=False, help_text="指派：主调解员 id。")
    held_at = serializers.DateTimeField(required=False)
    record = serializers.CharField(required=False, allow_blank=True)
    place = serializers.CharField(required=False, allow_blank=True)
    attendees = serializers.CharField(required=False, allow_blank=True)
    form = serializers.ChoiceField(choices=AgreementForm.choices, required=False)
    facts = serializers.CharField(required=False, allow_blank=True)
    disputed_points = serializers.CharField(required=False, allow_blank=True)
    responsibilities = serializers.CharField(required=False, allow_blank=True)
    signed_on = serializers.DateField(required=False)
    copies = serializers.IntegerField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    terms = AgreementTermInputSerializer(
        many=True, required=False, help_text="协议条款；书面协议每条须有履行方式和期限。"
    )
    routes_informed = serializers.CharField(required=False, allow_blank=True)
    applied_on = serializers.DateField(required=False)
    court = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)
    result = serializers.ChoiceField(choices=ConfirmationResult.choices, required=False)
    decided_on = serializers.DateField(required=False)
    visited_on = serializers.DateField(required=False)
    performance = serializers.ChoiceField(choices=Performance.choices, required=False)
    party = PartyInputSerializer(required=False, help_text="添加当事人：与登记时的当事人相同。")


class StatisticsQuerySerializer(serializers.Serializer):
    start = serializers.DateField(
        required=False, help_text="登记日期起（含），默认本年 1 月 1 日。"
    )
    end = serializers.DateField(required=False, help_text="登记日期止（含），默认今天。")
    group_by = serializers.ChoiceField(
        choices=["level", "body", "category", "source", "source_type", "outcome", "month"],
        required=False,
        default="category",
    )
