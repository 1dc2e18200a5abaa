"""Events (事件): the one funnel every demand enters, and the closed loop that handles it.

The catalogue (``EventType`` 大类/小类 with per-step time limits and Open311-shaped attributes),
the event itself, its dispatches (``Assignment`` 派遣, one lead and any assisting 联办), its
history (``TimelineEntry``), supervision notes (督办), extension requests (延期申请), the
notification outbox and photos (``Attachment``).

The states and the transitions between them are declared once, in ``workflow.py``; only
``services`` writes these rows. The reporter's phone is sealed like registry phones
(``*_enc`` / ``*_index`` / ``*_masked``, see ``shanzhi.registry.protection``); the citizen's
query code is stored only as an HMAC (``shanzhi.core.crypto.blind_index``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .workflow import AssignmentRole, AssignmentState, State


class Priority(models.IntegerChoices):
    URGENT = 1, _("紧急")
    HIGH = 2, _("重要")
    NORMAL = 3, _("一般")


class Channel(models.TextChoices):
    GRID_INSPECTION = "grid_inspection", _("网格排查")
    CITIZEN = "citizen", _("群众上报")
    HOTLINE = "hotline", _("热线")
    TRANSFER = "transfer", _("上级转办")
    LEADER = "leader", _("领导交办")
    API = "api", _("系统接口")
    OPEN311 = "open311", _("Open311")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class EventType(models.Model):
    """A catalogue entry: a category (大类, no parent) or a subcategory (小类) under one.

    Events are reported against 小类. Time limits count on the official working-day calendar
    (``shanzhi.workdays``): acceptance and dispatch in working hours, handling and
    verification in working days. Responsible departments come from ``responsible_departments``
    and, as a fallback for departments created later, from ``department_keywords`` matched
    against department names (see ``selectors.suggest_departments``).
    """

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("大类 category"),
    )
    code = models.CharField(_("编码 code"), max_length=32, unique=True)
    name = models.CharField(_("名称 name"), max_length=100)
    description = models.TextField(_("说明 description"), blank=True)
    is_public = models.BooleanField(
        _("对公众开放 public"),
        default=True,
        help_text=_("群众和 Open311 只能选择公开的事件类型。"),
    )
    priority = models.PositiveSmallIntegerField(
        _("优先级 priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    responsible_departments = models.ManyToManyField(
        "accounts.Department",
        blank=True,
        related_name="event_types",
        verbose_name=_("责任部门 responsible departments"),
    )
    department_keywords = models.CharField(
        _("部门关键词 department keywords"),
        max_length=200,
        blank=True,
        help_text=_("逗号分隔，按部门名称匹配，例如“城管,综合执法”。"),
    )
    accept_hours = models.PositiveSmallIntegerField(
        _("受理时限（工作小时）accept limit"), default=2
    )
    dispatch_hours = models.PositiveSmallIntegerField(
        _("派遣时限（工作小时）dispatch limit"), default=4
    )
    handle_days = models.PositiveSmallIntegerField(_("办理时限（工作日）handle limit"), default=5)
    verify_days = models.PositiveSmallIntegerField(_("核查时限（工作日）verify limit"), default=2)
    order = models.PositiveSmallIntegerField(_("排序 order"), default=0)
    is_active = models.BooleanField(_("启用 active"), default=True)

    class Meta:
        verbose_name = _("事件类型 event type")
        verbose_name_plural = _("事件类型 event types")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="event_type_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def is_subcategory(self) -> bool:
        return self.parent_id is not None

    @property
    def is_open_to_public(self) -> bool:
        """Citizens and Open311 may report it: it and its 大类 are public."""
        return self.is_public and (self.parent is None or self.parent.is_public)


class AttributeDatatype(models.TextChoices):
    """Open311 GeoReport v2 attribute datatypes."""

    STRING = "string", _("短文本")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("长文本")
    SINGLE = "singlevaluelist", _("单选")
    MULTI = "multivaluelist", _("多选")


class EventTypeAttribute(models.Model):
    """An extra field of a 小类, in the shape of an Open311 service definition attribute.

    ``values`` is a list of ``{"key": …, "name": …}`` for the two list datatypes.
    """

    event_type = models.ForeignKey(
        EventType,
        on_delete=models.CASCADE,
        related_name="attributes",
        verbose_name=_("事件类型 event type"),
    )
    code = models.SlugField(_("编码 code"), max_length=50)
    datatype = models.CharField(
        _("数据类型 datatype"), max_length=16, choices=AttributeDatatype.choices
    )
    required = models.BooleanField(_("必填 required"), default=False)
    description = models.CharField(_("说明 description"), max_length=200)
    order = models.PositiveSmallIntegerField(_("排序 order"), default=0)
    values = models.JSONField(_("可选值 values"), default=list, blank=True)

    class Meta:
        verbose_name = _("事件类型属性 event type attribute")
        verbose_name_plural = _("事件类型属性 event type attributes")
        ordering = ["event_type_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_type", "code"], name="event_type_attribute_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type.code}.{self.code}"

    @property
    def keys(self) -> list[str]:
        return [str(v.get("key")) for v in self.values or [] if isinstance(v, dict)]


class CatalogueRevision(models.Model):
    """One row whose token is renewed whenever a catalogue row (a type or an attribute) is
    saved or deleted; intake's per-process snapshot of the catalogue compares it
    (``catalogue_snapshot``). A random token, as the calendar's, so a change rolled back in one
    process is never mistaken for a later one."""

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("事件分类版本 catalogue revision")
        verbose_name_plural = _("事件分类版本 catalogue revisions")

    def __str__(self) -> str:
        return f"catalogue revision {self.token}"


class EventNumberSequence(models.Model):
    """Per-day row behind ticket numbers (SZ + yyyymmdd + six digits).

    On SQLite ``last`` counts the day's numbers. On PostgreSQL numbers are drawn from the
    database sequence ``EVENT_NUMBER_SEQUENCE`` without locking this row (ADR 0010): the
    day's number is the drawn value minus ``base``, set once by the day's first report.
    """

    day = models.DateField(_("日期 day"), unique=True)
    last = models.PositiveIntegerField(_("已用序号 last number"), default=0)
    base = models.BigIntegerField(
        _("序列基数 sequence base (PostgreSQL)"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("事件编号序列 event number sequence")
        verbose_name_plural = _("事件编号序列 event number sequences")

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Event(models.Model):
    number = models.CharField(_("事件编号 ticket number"), max_length=20, unique=True)
    query_code_index = models.CharField(
        _("查询码索引 query code index"), max_length=64, blank=True, editable=False
    )
    type = models.ForeignKey(
        EventType, on_delete=models.PROTECT, related_name="events", verbose_name=_("事件类型 type")
    )
    title = models.CharField(_("标题 title"), max_length=100)
    description = models.TextField(_("描述 description (plain text)"))
    channel = models.CharField(_("来源渠道 channel"), max_length=20, choices=Channel.choices)
    state = models.CharField(
        _("状态 state"), max_length=16, choices=State.choices, default=State.REPORTED
    )
    priority = models.PositiveSmallIntegerField(
        _("优先级 priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    # Foreign keys whose lookups a composite index in Meta already serves (its first column)
    # get no index of their own: one index less to maintain on every report.
    grid = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("网格 grid"),
        db_index=False,
    )
    lon = models.FloatField(_("经度 longitude (WGS-84)"))
    lat = models.FloatField(_("纬度 latitude (WGS-84)"))
    address = models.CharField(_("地址 address"), max_length=200, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_events",
        verbose_name=_("上报人账号 reporter"),
        db_index=False,
    )
    reporter_name = models.CharField(_("上报人 reporter name"), max_length=50, blank=True)
    reporter_phone_enc = models.TextField(_("上报人电话（密文） phone (encrypted)"), blank=True)
    # Indexed in Meta (exact matches only: no LIKE-pattern index beside it).
    reporter_phone_index = models.CharField(
        _("上报人电话索引 phone blind index"), max_length=64, blank=True
    )
    reporter_phone_masked = models.CharField(
        _("上报人电话 phone (masked)"), max_length=20, blank=True
    )
    person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        verbose_name=_("关联人员 registry person"),
        db_index=False,  # a partial index in Meta: most events name no one
    )
    solved_on_spot = models.BooleanField(_("自行处置 solved on the spot"), default=False)
    attributes = models.JSONField(_("附加属性 attributes"), default=dict, blank=True)
    handling_area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="handled_events",
        verbose_name=_("受理区域 area responsible for dispatch"),
        db_index=False,
    )
    # The current step of the closed loop and its clock (see deadlines.py).
    step = models.CharField(_("当前环节 step"), max_length=16, blank=True)
    step_started_at = models.DateTimeField(_("环节开始 step started"), null=True, blank=True)
    step_due_at = models.DateTimeField(_("环节时限 step due"), null=True, blank=True)
    step_warn_at = models.DateTimeField(_("预警时间 warning from"), null=True, blank=True)
    step_red_at = models.DateTimeField(_("红牌时间 red card from"), null=True, blank=True)
    satisfaction = models.CharField(
        _("满意度 satisfaction"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    reopen_count = models.PositiveSmallIntegerField(_("返工次数 reopen count"), default=0)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        verbose_name=_("合并到 merged into"),
        db_index=False,  # a partial index in Meta: few events are merged
    )
    suspended_from_state = models.CharField(
        _("挂起前状态 state before suspension"), max_length=16, choices=State.choices, blank=True
    )
    version = models.PositiveIntegerField(_("版本 version"), default=1)
    reported_at = models.DateTimeField(_("上报时间 reported at"))
    accepted_at = models.DateTimeField(_("立案时间 accepted at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间 dispatched at"), null=True, blank=True)
    fed_back_at = models.DateTimeField(_("反馈时间 fed back at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间 closed at"), null=True, blank=True)
    evaluated_at = models.DateTimeField(_("评价时间 evaluated at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间 updated at"), auto_now=True)

    class Meta:
        verbose_name = _("事件 event")
        verbose_name_plural = _("事件 events")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["state", "step_due_at"], name="event_state_due"),
            models.Index(fields=["grid", "state"], name="event_grid_state"),
            models.Index(fields=["handling_area", "state"], name="event_handling_state"),
            # Sparse columns get partial indexes: a report that leaves them empty (most do)
            # adds no entry to them, and a lookup by value (never by "empty") still uses them.
            models.Index(
                fields=["reporter", "reported_at"],
                name="event_reporter",
                condition=Q(reporter__isnull=False),
            ),
            models.Index(fields=["person"], name="event_person", condition=Q(person__isnull=False)),
            models.Index(
                fields=["merged_into"],
                name="event_merged_into",
                condition=Q(merged_into__isnull=False),
            ),
            models.Index(fields=["reported_at"], name="event_reported_at"),
            # No index on query_code_index: a ticket is found by its number, then its code
            # compared in constant time (services.common.query_code_matches).
            models.Index(
                fields=["reporter_phone_index"],
                name="event_reporter_phone",
                condition=~Q(reporter_phone_index=""),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="event_not_merged_into_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Assignment(models.Model):
    """One dispatch (派遣) of an event to a department, or to an area level (属地办理).

    Every active dispatch has exactly one lead (主办); assisting departments (协办) work beside
    it. A grid worker's on-the-spot solution is recorded as a lead assignment to their grid.
    """

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("事件 event")
    )
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="event_assignments",
        verbose_name=_("承办部门 department"),
    )
    area = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="event_assignments",
        verbose_name=_("承办区域 area"),
    )
    role = models.CharField(_("角色 role"), max_length=8, choices=AssignmentRole.choices)
    state = models.CharField(
        _("状态 state"),
        max_length=12,
        choices=AssignmentState.choices,
        default=AssignmentState.PENDING,
    )
    due_at = models.DateTimeField(_("办理时限 due at"), null=True, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("派遣人 dispatched by"),
    )
    created_at = models.DateTimeField(_("派遣时间 dispatched at"))
    signed_at = models.DateTimeField(_("签收时间 signed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成/退回时间 finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("派遣 assignment")
        verbose_name_plural = _("派遣 assignments")
        ordering = ["event_id", "created_at", "id"]
        indexes = [
            models.Index(fields=["department", "state"], name="assignment_department_state"),
            models.Index(fields=["area", "state"], name="assignment_area_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(department__isnull=False) & Q(area__isnull=True))
                | (Q(department__isnull=True) & Q(area__isnull=False) & Q(role="lead")),
                name="assignment_department_xor_area",
                violation_error_message=_("派遣对象须是一个部门，或（主办时）一个区域。"),
            ),
            models.UniqueConstraint(
                fields=["event"],
                condition=Q(role="lead", state__in=["pending", "working"]),
                name="assignment_one_active_lead",
                violation_error_message=_("每次派遣只能有一个主办单位。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event.number} → {self.department or self.area} ({self.get_role_display()})"


class TimelineEntry(models.Model):
    """One step in an event's history: who fired which transition, from and to which state."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="timeline", verbose_name=_("事件 event")
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
    from_state = models.CharField(_("原状态 from"), max_length=16, blank=True)
    to_state = models.CharField(_("新状态 to"), max_length=16, blank=True)
    comment = models.TextField(_("意见 comment"), blank=True)
    data = models.JSONField(_("数据 data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("事件流转记录 timeline entry")
        verbose_name_plural = _("事件流转记录 timeline")
        ordering = ["event_id", "at", "id"]
        indexes = [models.Index(fields=["transition", "at"], name="timeline_transition_at")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.transition} {self.from_state}→{self.to_state}"


class Card(models.TextChoices):
    NONE = "none", _("督办")
    YELLOW = "yellow", _("黄牌督办")
    RED = "red", _("红牌督办")


class SupervisionNote(models.Model):
    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="supervision_notes",
        verbose_name=_("事件 event"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("督办人 author"),
    )
    text = models.TextField(_("督办意见 text"))
    card = models.CharField(_("督办等级 card"), max_length=8, choices=Card.choices)
    created_at = models.DateTimeField(_("时间 created at"))

    class Meta:
        verbose_name = _("督办 supervision note")
        verbose_name_plural = _("督办 supervision notes")
        ordering = ["event_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.get_card_display()}"


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class ExtensionRequest(models.Model):
    """A handler's request for more working days (延期申请); a dispatcher decides."""

    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="extension_requests",
        verbose_name=_("事件 event"),
    )
    assignment = models.ForeignKey(
        Assignment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="extension_requests",
        verbose_name=_("派遣 assignment"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人 requested by"),
    )
    days = models.PositiveSmallIntegerField(_("延期工作日 working days"))
    reason = models.TextField(_("理由 reason"))
    state = models.CharField(
        _("状态 state"),
        max_length=10,
        choices=ExtensionState.choices,
        default=ExtensionState.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审批人 decided by"),
    )
    decided_at = models.DateTimeField(_("审批时间 decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("审批意见 decision comment"), blank=True)
    created_at = models.DateTimeField(_("申请时间 requested at"))

    class Meta:
        verbose_name = _("延期申请 extension request")
        verbose_name_plural = _("延期申请 extension requests")
        ordering = ["event_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event"],
                condition=Q(state="pending"),
                name="extension_one_pending_per_event",
                violation_error_message=_("该事件已有待审批的延期申请。"),
            ),
            models.CheckConstraint(condition=Q(days__gte=1), name="extension_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} +{self.days} ({self.get_state_display()})"


class NotificationChannel(models.TextChoices):
    INAPP = "inapp", _("站内消息")
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信")


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    READ = "read", _("已读")


class Notification(models.Model):
    """The outbox. Rows are written in the event's transaction; delivery through the channel's
    adapter happens after commit (services/notifications.py). The phone is sealed."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人 recipient"),
        db_index=False,  # notification_recipient_status leads with it
    )
    recipient_phone_enc = models.TextField(_("接收电话（密文） phone (encrypted)"), blank=True)
    recipient_phone_masked = models.CharField(
        _("接收电话 phone (masked)"), max_length=20, blank=True
    )
    channel = models.CharField(_("渠道 channel"), max_length=8, choices=NotificationChannel.choices)
    subject = models.CharField(_("标题 subject"), max_length=200)
    body = models.TextField(_("内容 body"), blank=True)
    event = models.ForeignKey(
        Event,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("事件 event"),
    )
    status = models.CharField(
        _("状态 status"),
        max_length=8,
        choices=NotificationStatus.choices,
        default=NotificationStatus.QUEUED,
    )
    created_at = models.DateTimeField(_("创建时间 created at"))
    sent_at = models.DateTimeField(_("发送时间 sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("阅读时间 read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知 notification")
        verbose_name_plural = _("通知 notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "status"], name="notification_recipient_status"),
            models.Index(fields=["channel", "status"], name="notification_channel_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(recipient_phone_enc=""),
                name="notification_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.subject}"


class AttachmentKind(models.TextChoices):
    REPORT = "report", _("上报照片")
    AFTER = "after", _("处置后照片")


class Attachment(models.Model):
    """A photo of an event. Stored re-encoded (no EXIF, no GPS) under MEDIA_ROOT/events/;
    served only through a scoped view, never from MEDIA_URL."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("事件 event")
    )
    entry = models.ForeignKey(
        TimelineEntry,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
        verbose_name=_("流转记录 timeline entry"),
    )
    kind = models.CharField(_("类别 kind"), max_length=8, choices=AttachmentKind.choices)
    file = models.FileField(_("文件 file"), max_length=255)
    thumbnail = models.FileField(_("缩略图 thumbnail"), max_length=255, blank=True)
    content_type = models.CharField(_("类型 content type"), max_length=50)
    size = models.PositiveIntegerField(_("大小（字节） size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    width = models.PositiveIntegerField(_("宽 width"))
    height = models.PositiveIntegerField(_("高 height"))
    original_name = models.CharField(_("原文件名 original name"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("上传人 uploaded by"),
    )
    created_at = models.DateTimeField(_("上传时间 uploaded at"))

    class Meta:
        verbose_name = _("事件附件 attachment")
        verbose_name_plural = _("事件附件 attachments")
        ordering = ["event_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.get_kind_display()} {self.sha256[:12]}"


class ApiClient(models.Model):
    """An outside system that reports through Open311 (``api_key``). Only the SHA-256 digest of
    its key is stored (as ``accounts.ApiToken``); the key is shown once, when it is issued."""

    name = models.CharField(_("名称 name"), max_length=100)
    prefix = models.CharField(_("前缀 prefix"), max_length=12, db_index=True)
    digest = models.CharField(_("摘要 digest"), max_length=64, unique=True, editable=False)
    contact = models.CharField(_("联系人 contact"), max_length=200, blank=True)
    is_active = models.BooleanField(_("有效 active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("创建人 created by"),
    )
    created_at = models.DateTimeField(_("创建时间 created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用 last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口客户端 API client (Open311)")
        verbose_name_plural = _("接口客户端 API clients (Open311)")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
