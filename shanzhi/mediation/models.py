"""People's mediation (人民调解): bodies, mediators, cases and everything recorded on a case.

The law (人民调解法, DOMAIN.md §2.4) shapes the rows: mediation needs both parties' consent
(art. 17, ``refusal_reason`` when refused), a failed mediation records the routes the parties
were told about (art. 26, ``routes_informed``), a written agreement states facts, disputed
points, responsibilities and the manner and deadline of performance (art. 28, ``Agreement`` +
``AgreementTerm``), an oral agreement is recorded too (art. 29), and the parties may ask a court
for judicial confirmation within 30 days (art. 33, ``JudicialConfirmation``).

The states and transitions are declared once, in ``workflow.py``; only ``services`` writes these
rows. Phones and ID numbers are sealed like registry fields (``*_enc`` / ``*_index`` /
``*_masked``, see ``shanzhi.registry.protection``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .workflow import State


class BodyLevel(models.TextChoices):
    DISTRICT = "district", _("区级调解中心")
    TOWN = "town", _("镇街调解中心")
    VILLAGE = "village", _("村居调委会")


class MediationBody(models.Model):
    """A mediation organisation: a district or town centre, or a village committee (调委会)."""

    name = models.CharField(_("名称 name"), max_length=100)
    code = models.CharField(_("编码 code"), max_length=32, unique=True)
    level = models.CharField(_("层级 level"), max_length=10, choices=BodyLevel.choices)
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="mediation_bodies",
        verbose_name=_("所在区域 area"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级调解组织 parent body"),
    )
    phone = models.CharField(_("联系电话 phone"), max_length=30, blank=True)
    address = models.CharField(_("地址 address"), max_length=200, blank=True)
    active = models.BooleanField(_("启用 active"), default=True)

    class Meta:
        verbose_name = _("调解组织 mediation body")
        verbose_name_plural = _("调解组织 mediation bodies")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="mediation_body_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MediatorKind(models.TextChoices):
    FULL_TIME = "full_time", _("专职")
    INSTANT = "instant", _("即时调解员")
    LAWYER = "lawyer", _("律师")
    VOLUNTEER = "volunteer", _("志愿者")
    OTHER = "other", _("其他")


class Mediator(models.Model):
    name = models.CharField(_("姓名 name"), max_length=50)
    kind = models.CharField(
        _("类别 kind"), max_length=12, choices=MediatorKind.choices, default=MediatorKind.FULL_TIME
    )
    body = models.ForeignKey(
        MediationBody,
        on_delete=models.PROTECT,
        related_name="mediators",
        verbose_name=_("调解组织 body"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediator_roles",
        verbose_name=_("账号 account"),
    )
    phone_enc = models.TextField(_("联系电话（密文） phone (encrypted)"), blank=True)
    phone_index = models.CharField(
        _("联系电话索引 phone blind index"), max_length=64, blank=True, db_index=True
    )
    phone_masked = models.CharField(_("联系电话 phone (masked)"), max_length=20, blank=True)
    active = models.BooleanField(_("在岗 active"), default=True)
    since = models.DateField(_("任职日期 since"), null=True, blank=True)

    class Meta:
        verbose_name = _("调解员 mediator")
        verbose_name_plural = _("调解员 mediators")
        ordering = ["body_id", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.body}）"


class DisputeCategory(models.TextChoices):
    """The 15 dispute categories of the justice bureau's statistics (司法行政统计)."""

    MARRIAGE_FAMILY = "marriage_family", _("婚姻家庭")
    NEIGHBOUR = "neighbour", _("邻里")
    HOUSE_LAND = "house_land", _("房屋宅基地")
    CONTRACT = "contract", _("合同")
    BUSINESS = "business", _("生产经营")
    DAMAGES = "damages", _("损害赔偿")
    FOREST_LAND = "forest_land", _("山林土地")
    LAND_EXPROPRIATION = "land_expropriation", _("征地拆迁")
    POLLUTION = "pollution", _("环境污染")
    LABOUR = "labour", _("劳动争议")
    CONSUMER = "consumer", _("消费")
    MEDICAL = "medical", _("医疗")
    TRAFFIC = "traffic", _("道路交通事故")
    PROPERTY_MANAGEMENT = "property_management", _("物业")
    OTHER = "other", _("其他")


class CaseSource(models.TextChoices):
    WALK_IN = "walk_in", _("来访登记")
    EVENT = "event", _("事件转入")
    GRID = "grid", _("网格排查")
    PUBLIC_REPORT = "public_report", _("群众上报")
    TRANSFER = "transfer", _("上级转交")
    LEADER = "leader", _("领导交办")
    COURT = "court", _("法院诉前委派")
    REFERRAL = "referral", _("调解组织移送")


class SourceType(models.TextChoices):
    PROACTIVE = "proactive", _("主动调解")
    APPLICATION = "application", _("申请调解")
    ENTRUSTED = "entrusted", _("委托移送")


class CaseNumberSequence(models.Model):
    """Per-day row behind case numbers (TJ + yyyymmdd + four digits), locked while drawn."""

    day = models.DateField(_("日期 day"), unique=True)
    last = models.PositiveIntegerField(_("已用序号 last number"), default=0)

    class Meta:
        verbose_name = _("调解案件编号序列 case number sequence")
        verbose_name_plural = _("调解案件编号序列 case number sequences")

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class MediationCase(models.Model):
    number = models.CharField(_("案件编号 case number"), max_length=20, unique=True)
    title = models.CharField(_("案件名称 title"), max_length=100)
    category = models.CharField(
        _("纠纷类别 category"), max_length=24, choices=DisputeCategory.choices
    )
    source = models.CharField(_("案件来源 source"), max_length=16, choices=CaseSource.choices)
    source_type = models.CharField(
        _("调解方式 source type"),
        max_length=12,
        choices=SourceType.choices,
        default=SourceType.APPLICATION,
    )
    body = models.ForeignKey(
        MediationBody,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("承办调解组织 handling body"),
    )
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="mediation_cases",
        verbose_name=_("纠纷发生地 area"),
    )
    event = models.OneToOneField(
        "events.Event",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediation_case",
        verbose_name=_("来源事件 converted event"),
    )
    description = models.TextField(_("案情 facts"))
    disputed_points = models.TextField(_("争议焦点 disputed points"), blank=True)
    amount_involved = models.DecimalField(
        _("涉及金额（元）amount involved"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    people_involved = models.PositiveIntegerField(_("涉及人数 people involved"), default=2)
    state = models.CharField(
        _("状态 state"), max_length=12, choices=State.choices, default=State.REGISTERED
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registered_mediation_cases",
        verbose_name=_("登记人 registered by"),
    )
    registered_at = models.DateTimeField(_("登记时间 registered at"))
    accepted_at = models.DateTimeField(_("受理时间 accepted at"), null=True, blank=True)
    due_at = models.DateTimeField(_("调解期限 due at"), null=True, blank=True)
    warn_at = models.DateTimeField(_("预警时间 warning from"), null=True, blank=True)
    outcome_at = models.DateTimeField(_("办结时间 outcome at"), null=True, blank=True)
    refusal_reason = models.TextField(_("不予受理理由 refusal reason"), blank=True)
    failure_reason = models.TextField(_("调解不成原因 failure reason"), blank=True)
    routes_informed = models.TextField(
        _("告知的其他途径 routes informed (arbitration / administrative / judicial)"), blank=True
    )
    termination_reason = models.TextField(_("终止调解原因 termination reason"), blank=True)
    archived_at = models.DateTimeField(_("归档时间 archived at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本 version"), default=1)
    updated_at = models.DateTimeField(_("更新时间 updated at"), auto_now=True)

    class Meta:
        verbose_name = _("调解案件 mediation case")
        verbose_name_plural = _("调解案件 mediation cases")
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["state"], name="mediation_case_state"),
            models.Index(fields=["area"], name="mediation_case_area"),
            models.Index(fields=["registered_at"], name="mediation_case_registered"),
            models.Index(fields=["body", "state"], name="mediation_case_body_state"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")
    THIRD_PARTY = "third_party", _("第三人")


class PartyKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANISATION = "organisation", _("单位")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Party(models.Model):
    case = models.ForeignKey(
        MediationCase, on_delete=models.CASCADE, related_name="parties", verbose_name=_("案件 case")
    )
    role = models.CharField(_("当事人地位 role"), max_length=12, choices=PartyRole.choices)
    kind = models.CharField(
        _("类型 kind"), max_length=12, choices=PartyKind.choices, default=PartyKind.PERSON
    )
    person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediation_parties",
        verbose_name=_("登记人员 registry person"),
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediation_parties",
        verbose_name=_("登记单位 registry organisation"),
    )
    name = models.CharField(_("姓名/名称 name"), max_length=100)
    gender = models.CharField(_("性别 gender"), max_length=6, choices=Gender.choices, blank=True)
    id_number_enc = models.TextField(_("证件号码（密文） ID number (encrypted)"), blank=True)
    id_number_index = models.CharField(
        _("证件号码索引 ID number blind index"), max_length=64, blank=True, db_index=True
    )
    id_number_masked = models.CharField(_("证件号码 ID number (masked)"), max_length=32, blank=True)
    phone_enc = models.TextField(_("联系电话（密文） phone (encrypted)"), blank=True)
    phone_index = models.CharField(
        _("联系电话索引 phone blind index"), max_length=64, blank=True, db_index=True
    )
    phone_masked = models.CharField(_("联系电话 phone (masked)"), max_length=20, blank=True)
    address = models.CharField(_("住址 address"), max_length=200, blank=True)
    agent_name = models.CharField(_("代理人 agent"), max_length=50, blank=True)
    agent_relation = models.CharField(_("代理人关系 agent relation"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("当事人 party")
        verbose_name_plural = _("当事人 parties")
        ordering = ["case_id", "role", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


class CaseMediator(models.Model):
    case = models.ForeignKey(
        MediationCase,
        on_delete=models.CASCADE,
        related_name="case_mediators",
        verbose_name=_("案件 case"),
    )
    mediator = models.ForeignKey(
        Mediator,
        on_delete=models.PROTECT,
        related_name="case_assignments",
        verbose_name=_("调解员 mediator"),
    )
    is_lead = models.BooleanField(_("主调解员 lead"), default=False)
    assigned_at = models.DateTimeField(_("指派时间 assigned at"))

    class Meta:
        verbose_name = _("案件调解员 case mediator")
        verbose_name_plural = _("案件调解员 case mediators")
        ordering = ["case_id", "-is_lead", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "mediator"], name="mediation_case_mediator_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.mediator}"


class Session(models.Model):
    """调解记录: one mediation meeting."""

    case = models.ForeignKey(
        MediationCase,
        on_delete=models.CASCADE,
        related_name="sessions",
        verbose_name=_("案件 case"),
    )
    held_at = models.DateTimeField(_("调解时间 held at"))
    place = models.CharField(_("调解地点 place"), max_length=200, blank=True)
    attendees = models.TextField(_("参加人员 attendees"), blank=True)
    record = models.TextField(_("调解情况 record"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("记录人 recorded by"),
    )
    created_at = models.DateTimeField(_("记录时间 created at"))

    class Meta:
        verbose_name = _("调解记录 session")
        verbose_name_plural = _("调解记录 sessions")
        ordering = ["case_id", "held_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.held_at:%Y-%m-%d}"


class AgreementForm(models.TextChoices):
    WRITTEN = "written", _("书面")
    ORAL = "oral", _("口头")


class Agreement(models.Model):
    """调解协议 (art. 28 written, art. 29 oral: the content is recorded either way)."""

    case = models.OneToOneField(
        MediationCase,
        on_delete=models.CASCADE,
        related_name="agreement",
        verbose_name=_("案件 case"),
    )
    form = models.CharField(
        _("协议形式 form"),
        max_length=8,
        choices=AgreementForm.choices,
        default=AgreementForm.WRITTEN,
    )
    facts = models.TextField(_("纠纷主要事实 facts"), blank=True)
    disputed_points = models.TextField(_("争议事项 disputed points"), blank=True)
    responsibilities = models.TextField(_("各方责任 responsibilities"), blank=True)
    signed_on = models.DateField(_("签订日期 signed on"))
    copies = models.PositiveSmallIntegerField(_("协议份数 copies"), default=3)
    notes = models.TextField(_("备注 notes"), blank=True)
    created_at = models.DateTimeField(_("记录时间 created at"), null=True, blank=True)

    class Meta:
        verbose_name = _("调解协议 agreement")
        verbose_name_plural = _("调解协议 agreements")

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_form_display()}"


class AgreementTerm(models.Model):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="terms", verbose_name=_("协议 agreement")
    )
    order = models.PositiveSmallIntegerField(_("序号 order"), default=1)
    content = models.TextField(_("协议内容 content"))
    manner = models.CharField(_("履行方式 manner"), max_length=200, blank=True)
    deadline = models.DateField(_("履行期限 deadline"), null=True, blank=True)

    class Meta:
        verbose_name = _("协议条款 agreement term")
        verbose_name_plural = _("协议条款 agreement terms")
        ordering = ["agreement_id", "order", "id"]

    def __str__(self) -> str:
        return f"{self.agreement_id}.{self.order}"


class ConfirmationResult(models.TextChoices):
    PENDING = "pending", _("审查中")
    CONFIRMED = "confirmed", _("确认有效")
    REJECTED = "rejected", _("驳回申请")


class JudicialConfirmation(models.Model):
    """司法确认 (art. 33): applied for jointly within 30 days of the agreement taking effect."""

    case = models.OneToOneField(
        MediationCase,
        on_delete=models.CASCADE,
        related_name="confirmation",
        verbose_name=_("案件 case"),
    )
    due_on = models.DateField(_("申请截止 apply by"))
    applied_on = models.DateField(_("申请日期 applied on"))
    court = models.CharField(_("受理法院 court"), max_length=100)
    result = models.CharField(
        _("结果 result"),
        max_length=10,
        choices=ConfirmationResult.choices,
        default=ConfirmationResult.PENDING,
    )
    decided_on = models.DateField(_("裁定日期 decided on"), null=True, blank=True)
    note = models.TextField(_("备注 note"), blank=True)

    class Meta:
        verbose_name = _("司法确认 judicial confirmation")
        verbose_name_plural = _("司法确认 judicial confirmations")

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_result_display()}"


class Performance(models.TextChoices):
    FULL = "full", _("已履行")
    PARTIAL = "partial", _("部分履行")
    NONE = "none", _("未履行")


class ReturnVisit(models.Model):
    """回访: whether the agreement is being performed."""

    case = models.ForeignKey(
        MediationCase,
        on_delete=models.CASCADE,
        related_name="return_visits",
        verbose_name=_("案件 case"),
    )
    visited_on = models.DateField(_("回访日期 visited on"))
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("回访人 visitor"),
    )
    performance = models.CharField(
        _("履行情况 performance"), max_length=8, choices=Performance.choices
    )
    note = models.TextField(_("回访情况 note"), blank=True)
    created_at = models.DateTimeField(_("记录时间 created at"), null=True, blank=True)

    class Meta:
        verbose_name = _("回访 return visit")
        verbose_name_plural = _("回访 return visits")
        ordering = ["case_id", "visited_on", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.visited_on} {self.get_performance_display()}"


class CaseTimelineEntry(models.Model):
    """One step in a case's history: who fired which transition, from and to which state."""

    case = models.ForeignKey(
        MediationCase,
        on_delete=models.CASCADE,
        related_name="timeline",
        verbose_name=_("案件 case"),
    )
    at = models.DateTimeField(_("时间 at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人 actor"),
    )
    actor_post = models.CharField(_("操作人岗位 actor post"), max_length=200, blank=True)
    transition = models.CharField(_("操作 transition"), max_length=32)
    from_state = models.CharField(_("原状态 from"), max_length=12, blank=True)
    to_state = models.CharField(_("新状态 to"), max_length=12, blank=True)
    comment = models.TextField(_("意见 comment"), blank=True)
    data = models.JSONField(_("数据 data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("案件流转记录 case timeline entry")
        verbose_name_plural = _("案件流转记录 case timeline")
        ordering = ["case_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.transition} {self.from_state}→{self.to_state}"
