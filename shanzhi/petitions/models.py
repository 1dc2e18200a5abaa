"""Petitions (信访), after the 信访工作条例 (2022).

A ``Petition`` is one letter, call, visit, fax or online submission, registered and then
transferred or assigned (转送/交办) to the body with power to handle it (有权处理机关: a
department or a town). Repeated petitions on the same matter share one ``PetitionMatter``;
once a matter's 复核 is decided it is final and new petitions on it are not accepted.
The handling body accepts (受理) or objects (管辖异议), handles and issues a ``Reply``
(处理意见书); the petitioner may ask for a ``Review`` (复查, then 复核).

Beside the case file: leader reception days (领导接访), special actions with case lists and
checklists (专项行动, e.g. "四查四清四到位") and judicial aid (司法救助) with its payment ledger.

States and transitions are declared once, in ``workflow.py``; only ``services`` writes these
rows. Petitioners' ID numbers and phones are sealed (``shanzhi.registry.protection``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import (
    AidState,
    BookingState,
    Channel,
    Decision,
    PetitionType,
    ReviewDecision,
    ReviewKind,
    State,
)

__all__ = [
    "AidApplication",
    "AidPayment",
    "AidState",
    "BookingState",
    "Channel",
    "ChecklistItem",
    "Decision",
    "Petition",
    "PetitionMatter",
    "PetitionNumberSequence",
    "PetitionTimelineEntry",
    "PetitionType",
    "Petitioner",
    "ReceptionBooking",
    "ReceptionDay",
    "ReceptionSlot",
    "Reply",
    "Review",
    "ReviewDecision",
    "ReviewKind",
    "SpecialAction",
    "SpecialActionCase",
    "State",
]

USER = settings.AUTH_USER_MODEL


class PetitionMatter(models.Model):
    """信访事项: groups repeated petitions (重复信访) on the same matter."""

    title = models.CharField(_("事项名称 title"), max_length=200)
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="petition_matters",
        verbose_name=_("事项发生地 area"),
    )
    first_petition = models.ForeignKey(
        "Petition",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("首次信访 first petition"),
    )
    finalised_at = models.DateTimeField(_("复核终结时间 finalised at"), null=True, blank=True)
    final_reason = models.TextField(_("终结说明 final reason"), blank=True)
    created_at = models.DateTimeField(_("创建时间 created at"))

    class Meta:
        verbose_name = _("信访事项 petition matter")
        verbose_name_plural = _("信访事项 petition matters")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_final(self) -> bool:
        return self.finalised_at is not None


class PetitionNumberSequence(models.Model):
    """Per-day counter behind petition numbers (XF + yyyymmdd + four digits)."""

    day = models.DateField(_("日期 day"), unique=True)
    last = models.PositiveIntegerField(_("已用序号 last number"), default=0)

    class Meta:
        verbose_name = _("信访编号序列 petition number sequence")
        verbose_name_plural = _("信访编号序列 petition number sequences")

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Petition(models.Model):
    number = models.CharField(_("信访编号 number"), max_length=20, unique=True)
    matter = models.ForeignKey(
        PetitionMatter,
        on_delete=models.PROTECT,
        related_name="petitions",
        verbose_name=_("信访事项 matter"),
    )
    channel = models.CharField(_("信访形式 channel"), max_length=10, choices=Channel.choices)
    type = models.CharField(_("信访类别 type"), max_length=12, choices=PetitionType.choices)
    title = models.CharField(_("标题 title"), max_length=200)
    content = models.TextField(_("信访内容 content"))
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="petitions",
        verbose_name=_("事项发生地 area"),
    )
    is_group = models.BooleanField(_("集体信访 group petition"), default=False)
    group_size = models.PositiveIntegerField(_("人数 number of people"), default=1)
    law_related = models.BooleanField(_("涉法涉诉 law-related"), default=False)
    legal_body = models.CharField(
        _("政法机关 political-legal organ"),
        max_length=100,
        blank=True,
        help_text=_("涉法涉诉信访导入法律程序时填写（诉访分离）。"),
    )
    state = models.CharField(
        _("状态 state"), max_length=20, choices=State.choices, default=State.REGISTERED
    )
    registered_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registered_petitions",
        verbose_name=_("登记人 registered by"),
    )
    registered_at = models.DateTimeField(_("登记时间 registered at"))
    route_due_at = models.DateTimeField(
        _("转送交办期限 transfer due (art. 22)"), null=True, blank=True
    )
    assigned_department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="petitions",
        verbose_name=_("有权处理部门 handling department"),
    )
    assigned_area = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_petitions",
        verbose_name=_("有权处理属地 handling area"),
    )
    assigned_at = models.DateTimeField(_("转送交办时间 assigned at"), null=True, blank=True)
    accept_due_at = models.DateTimeField(
        _("受理告知期限 acceptance due (art. 23)"), null=True, blank=True
    )
    objection_due_at = models.DateTimeField(
        _("管辖异议期限 objection due (art. 23)"), null=True, blank=True
    )
    accepted_at = models.DateTimeField(_("受理时间 accepted at"), null=True, blank=True)
    not_accepted_reason = models.TextField(_("不予受理理由 reason not accepted"), blank=True)
    handle_due_at = models.DateTimeField(
        _("办理期限 handling due (art. 34)"), null=True, blank=True
    )
    extension_days = models.PositiveSmallIntegerField(_("延长天数 extension days"), default=0)
    extension_reason = models.TextField(_("延期理由 extension reason"), blank=True)
    extended_at = models.DateTimeField(_("延期时间 extended at"), null=True, blank=True)
    extended_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("延期批准人 extension approved by"),
    )
    replied_at = models.DateTimeField(_("出具处理意见时间 replied at"), null=True, blank=True)
    decision = models.CharField(
        _("处理意见 decision"), max_length=10, choices=Decision.choices, blank=True
    )
    review_request_due_at = models.DateTimeField(
        _("复查/复核申请期限 review request due"), null=True, blank=True
    )
    closed_at = models.DateTimeField(_("办结时间 closed at"), null=True, blank=True)
    # The running time limit of the current step, kept by the services (see deadlines.py) so
    # lists and counts filter overdue petitions in SQL.
    due_kind = models.CharField(_("当前时限类别 running deadline kind"), max_length=16, blank=True)
    due_at = models.DateTimeField(_("当前时限 running deadline"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本 version"), default=1)
    updated_at = models.DateTimeField(_("更新时间 updated at"), auto_now=True)

    class Meta:
        verbose_name = _("信访件 petition")
        verbose_name_plural = _("信访件 petitions")
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["state", "registered_at"], name="petition_state_registered"),
            models.Index(fields=["area", "state"], name="petition_area_state"),
            models.Index(fields=["assigned_department", "state"], name="petition_dept_state"),
            models.Index(fields=["assigned_area", "state"], name="petition_assigned_area_state"),
            models.Index(fields=["registered_at"], name="petition_registered_at"),
            models.Index(fields=["state", "due_at"], name="petition_state_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(extension_days__lte=30), name="petition_extension_at_most_30"
            ),
            models.CheckConstraint(
                condition=Q(assigned_department__isnull=True) | Q(assigned_area__isnull=True),
                name="petition_assigned_department_or_area",
                violation_error_message=_("有权处理机关须是一个部门或一个属地，不能同时是两者。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def handling_body(self):
        """The body with power to handle it (有权处理机关): a department or a town."""
        return self.assigned_department or self.assigned_area


class Petitioner(models.Model):
    petition = models.ForeignKey(
        Petition,
        on_delete=models.CASCADE,
        related_name="petitioners",
        verbose_name=_("信访件 petition"),
    )
    person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="petitions",
        verbose_name=_("关联人员 registry person"),
    )
    name = models.CharField(_("姓名 name"), max_length=50)
    id_number_enc = models.TextField(_("身份证号（密文） ID number (encrypted)"), blank=True)
    id_number_index = models.CharField(
        _("身份证号索引 ID number blind index"), max_length=64, blank=True, db_index=True
    )
    id_number_masked = models.CharField(_("身份证号 ID number (masked)"), max_length=24, blank=True)
    phone_enc = models.TextField(_("电话（密文） phone (encrypted)"), blank=True)
    phone_index = models.CharField(
        _("电话索引 phone blind index"), max_length=64, blank=True, db_index=True
    )
    phone_masked = models.CharField(_("电话 phone (masked)"), max_length=20, blank=True)
    address = models.CharField(_("住址 address"), max_length=200, blank=True)
    is_representative = models.BooleanField(_("代表人 representative"), default=False)

    class Meta:
        verbose_name = _("信访人 petitioner")
        verbose_name_plural = _("信访人 petitioners")
        ordering = ["petition_id", "-is_representative", "id"]

    def __str__(self) -> str:
        return self.name


class Reply(models.Model):
    """处理意见书 (art. 32)."""

    petition = models.OneToOneField(
        Petition, on_delete=models.CASCADE, related_name="reply", verbose_name=_("信访件 petition")
    )
    decision = models.CharField(_("处理意见 decision"), max_length=10, choices=Decision.choices)
    facts = models.TextField(_("查明事实 facts"))
    basis = models.TextField(_("依据和理由 basis"))
    opinion = models.TextField(_("处理意见 opinion"))
    review_body = models.CharField(_("复查机关 review body"), max_length=100, blank=True)
    issued_at = models.DateTimeField(_("出具时间 issued at"))
    issued_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("出具人 issued by"),
    )

    class Meta:
        verbose_name = _("处理意见书 reply")
        verbose_name_plural = _("处理意见书 replies")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.get_decision_display()}"


class Review(models.Model):
    """复查 (art. 35) or 复核 (art. 36)."""

    petition = models.ForeignKey(
        Petition,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("信访件 petition"),
    )
    kind = models.CharField(_("类别 kind"), max_length=10, choices=ReviewKind.choices)
    requested_at = models.DateTimeField(_("申请时间 requested at"))
    request_due_at = models.DateTimeField(_("申请期限 request due"), null=True, blank=True)
    decide_due_at = models.DateTimeField(_("决定期限 decision due"))
    reviewing_body = models.CharField(_("复查/复核机关 reviewing body"), max_length=100)
    reason = models.TextField(_("申请理由 reason"), blank=True)
    decided_at = models.DateTimeField(_("决定时间 decided at"), null=True, blank=True)
    decision = models.CharField(
        _("决定 decision"), max_length=10, choices=ReviewDecision.choices, blank=True
    )
    opinion = models.TextField(_("复查/复核意见 opinion"), blank=True)
    decided_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("决定人 decided by"),
    )
    created_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人 recorded by"),
    )

    class Meta:
        verbose_name = _("复查复核 review")
        verbose_name_plural = _("复查复核 reviews")
        ordering = ["petition_id", "requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "kind"],
                name="petition_review_once_per_kind",
                violation_error_message=_("同一信访件的复查或复核只能申请一次。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.get_kind_display()}"


class PetitionTimelineEntry(models.Model):
    """One step in a petition's history: who fired which transition, from and to which state."""

    petition = models.ForeignKey(
        Petition,
        on_delete=models.CASCADE,
        related_name="timeline",
        verbose_name=_("信访件 petition"),
    )
    at = models.DateTimeField(_("时间 at"))
    actor = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人 actor"),
    )
    actor_post = models.CharField(_("操作人岗位 actor post"), max_length=200, blank=True)
    transition = models.CharField(_("操作 transition"), max_length=32)
    from_state = models.CharField(_("原状态 from"), max_length=20, blank=True)
    to_state = models.CharField(_("新状态 to"), max_length=20, blank=True)
    comment = models.TextField(_("意见 comment"), blank=True)
    data = models.JSONField(_("数据 data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("信访流转记录 petition timeline entry")
        verbose_name_plural = _("信访流转记录 petition timeline")
        ordering = ["petition_id", "at", "id"]
        indexes = [models.Index(fields=["transition", "at"], name="petition_timeline_tr_at")]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.transition} {self.from_state}→{self.to_state}"


# --- Leader reception (领导接访) -------------------------------------------------------------


class ReceptionDay(models.Model):
    date = models.DateField(_("日期 date"))
    leader = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        related_name="reception_days",
        verbose_name=_("接访领导 leader"),
    )
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="reception_days",
        verbose_name=_("区域 area"),
    )
    place = models.CharField(_("地点 place"), max_length=200)
    title = models.CharField(_("名称 title"), max_length=100, default="周五信访例会")
    notes = models.TextField(_("备注 notes"), blank=True)
    created_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("创建人 created by"),
    )
    created_at = models.DateTimeField(_("创建时间 created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("领导接访日 reception day")
        verbose_name_plural = _("领导接访日 reception days")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"


class ReceptionSlot(models.Model):
    day = models.ForeignKey(
        ReceptionDay, on_delete=models.CASCADE, related_name="slots", verbose_name=_("接访日 day")
    )
    starts_at = models.DateTimeField(_("开始 starts at"))
    ends_at = models.DateTimeField(_("结束 ends at"))
    capacity = models.PositiveSmallIntegerField(_("可约人数 capacity"), default=5)

    class Meta:
        verbose_name = _("接访时段 reception slot")
        verbose_name_plural = _("接访时段 reception slots")
        ordering = ["day_id", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="reception_slot_ends_after"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="reception_slot_capacity"),
        ]

    def __str__(self) -> str:
        return f"{self.day_id} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"


class ReceptionBooking(models.Model):
    slot = models.ForeignKey(
        ReceptionSlot,
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("时段 slot"),
    )
    petition = models.ForeignKey(
        Petition,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reception_bookings",
        verbose_name=_("信访件 petition"),
    )
    petitioner_name = models.CharField(_("信访人 petitioner"), max_length=50)
    phone_enc = models.TextField(_("电话（密文） phone (encrypted)"), blank=True)
    phone_masked = models.CharField(_("电话 phone (masked)"), max_length=20, blank=True)
    subject = models.CharField(_("反映事项 subject"), max_length=200, blank=True)
    state = models.CharField(
        _("状态 state"), max_length=10, choices=BookingState.choices, default=BookingState.BOOKED
    )
    outcome = models.TextField(_("接访结果 outcome"), blank=True)
    assigned_department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("交办部门 assigned department"),
    )
    assigned_area = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("交办属地 assigned area"),
    )
    created_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人 created by"),
    )
    created_at = models.DateTimeField(_("预约时间 booked at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间 updated at"), auto_now=True)

    class Meta:
        verbose_name = _("接访预约 reception booking")
        verbose_name_plural = _("接访预约 reception bookings")
        ordering = ["slot_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.slot_id} {self.petitioner_name}"


# --- Special actions (专项行动) ---------------------------------------------------------------


class SpecialAction(models.Model):
    name = models.CharField(_("名称 name"), max_length=100)
    description = models.TextField(_("说明 description"), blank=True)
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="petition_actions",
        verbose_name=_("区域 area"),
    )
    starts_on = models.DateField(_("开始日期 starts on"))
    ends_on = models.DateField(_("结束日期 ends on"))
    checklist = models.JSONField(_("清单项 checklist"), default=list, blank=True)
    created_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("创建人 created by"),
    )
    created_at = models.DateTimeField(_("创建时间 created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("专项行动 special action")
        verbose_name_plural = _("专项行动 special actions")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="special_action_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SpecialActionCase(models.Model):
    action = models.ForeignKey(
        SpecialAction,
        on_delete=models.CASCADE,
        related_name="cases",
        verbose_name=_("专项行动 action"),
    )
    petition = models.ForeignKey(
        Petition,
        on_delete=models.PROTECT,
        related_name="action_cases",
        verbose_name=_("信访件 petition"),
    )
    responsible_department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任部门 responsible department"),
    )
    responsible_area = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任属地 responsible area"),
    )
    note = models.TextField(_("备注 note"), blank=True)
    created_at = models.DateTimeField(_("加入时间 added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("专项行动案件 action case")
        verbose_name_plural = _("专项行动案件 action cases")
        ordering = ["action_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "petition"],
                name="special_action_case_unique",
                violation_error_message=_("该信访件已在本专项行动的案件清单中。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action_id} {self.petition_id}"


class ChecklistItem(models.Model):
    action_case = models.ForeignKey(
        SpecialActionCase,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("案件 case"),
    )
    label = models.CharField(_("清单项 label"), max_length=100)
    order = models.PositiveSmallIntegerField(_("排序 order"), default=0)
    done = models.BooleanField(_("已完成 done"), default=False)
    done_at = models.DateTimeField(_("完成时间 done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("完成人 done by"),
    )
    note = models.TextField(_("备注 note"), blank=True)

    class Meta:
        verbose_name = _("清单项 checklist item")
        verbose_name_plural = _("清单项 checklist items")
        ordering = ["action_case_id", "order", "id"]

    def __str__(self) -> str:
        return self.label


# --- Judicial aid (司法救助) ------------------------------------------------------------------


class AidApplication(models.Model):
    petition = models.ForeignKey(
        Petition,
        on_delete=models.PROTECT,
        related_name="aid_applications",
        verbose_name=_("信访件 petition"),
    )
    applicant_name = models.CharField(_("申请人 applicant"), max_length=50)
    reason = models.TextField(_("申请理由 reason"))
    amount_requested = models.DecimalField(
        _("申请金额（元） amount requested"), max_digits=12, decimal_places=2
    )
    state = models.CharField(
        _("状态 state"), max_length=10, choices=AidState.choices, default=AidState.APPLIED
    )
    approved_amount = models.DecimalField(
        _("批准金额（元） approved amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    decided_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审批人 decided by"),
    )
    decided_at = models.DateTimeField(_("审批时间 decided at"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见 decision note"), blank=True)
    version = models.PositiveIntegerField(_("版本 version"), default=1)
    created_at = models.DateTimeField(_("申请时间 applied at"))
    created_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("登记人 created by"),
    )

    class Meta:
        verbose_name = _("司法救助申请 judicial aid application")
        verbose_name_plural = _("司法救助申请 judicial aid applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_requested__gt=0), name="aid_amount_requested_positive"
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gte=0),
                name="aid_approved_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.applicant_name} {self.amount_requested}"


class AidPayment(models.Model):
    application = models.ForeignKey(
        AidApplication,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("救助申请 application"),
    )
    amount = models.DecimalField(_("发放金额（元） amount"), max_digits=12, decimal_places=2)
    paid_on = models.DateField(_("发放日期 paid on"))
    voucher_no = models.CharField(_("凭证号 voucher number"), max_length=50, blank=True)
    paid_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("经办人 paid by"),
    )
    created_at = models.DateTimeField(_("登记时间 created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("司法救助发放 judicial aid payment")
        verbose_name_plural = _("司法救助发放 judicial aid payments")
        ordering = ["paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="aid_payment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.amount} {self.paid_on}"
