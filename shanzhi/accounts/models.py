"""Users, departments, posts (a user's role at a place) and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    real_name = models.CharField(_("姓名 real name"), max_length=50, blank=True)
    phone = models.CharField(_("手机号 phone"), max_length=32, blank=True)
    password_changed_at = models.DateTimeField(_("密码修改时间 password changed at"), null=True)

    class Meta(AbstractUser.Meta):  # type: ignore[misc]
        verbose_name = _("用户 user")  # type: ignore[assignment]
        verbose_name_plural = _("用户 users")  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.real_name or self.username

    @property
    def display_name(self) -> str:
        return self.real_name or self.username


class Department(models.Model):
    """A functional department (职能部门), e.g. 城管局, attached to an area of its level."""

    name = models.CharField(_("名称 name"), max_length=100)
    code = models.CharField(_("编码 code"), max_length=32, unique=True)
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="departments",
        verbose_name=_("所属区域 area"),
    )
    phone = models.CharField(_("电话 phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("启用 active"), default=True)

    class Meta:
        verbose_name = _("职能部门 department")
        verbose_name_plural = _("职能部门 departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("市级管理员")
    DISPATCHER = "dispatcher", _("指挥调度员")
    TOWN_OFFICER = "town_officer", _("镇街干部")
    VILLAGE_OFFICER = "village_officer", _("村居干部（网格长）")
    GRID_WORKER = "grid_worker", _("网格员")
    AUXILIARY = "auxiliary", _("协管员")
    DEPARTMENT_HANDLER = "department_handler", _("部门办理人")
    MEDIATOR = "mediator", _("调解员")
    PETITION_OFFICER = "petition_officer", _("信访干部")
    LEADER = "leader", _("领导")
    AUDITOR = "auditor", _("审计员")
    CITIZEN = "citizen", _("群众")


class Post(models.Model):
    """A user's role at a place: (user, area or department, role). A user may hold several."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="posts", verbose_name=_("用户 user")
    )
    role = models.CharField(_("角色 role"), max_length=32, choices=Role.choices)
    area = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
        verbose_name=_("区域 area"),
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
        verbose_name=_("部门 department"),
    )
    is_active = models.BooleanField(_("有效 active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("岗位 post")
        verbose_name_plural = _("岗位 posts")
        ordering = ["user_id", "role"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="department_handler") & Q(department__isnull=False))
                | (Q(role="citizen") & Q(area__isnull=True) & Q(department__isnull=True))
                | (
                    ~Q(role__in=["department_handler", "citizen"])
                    & Q(area__isnull=False)
                    & Q(department__isnull=True)
                ),
                name="post_place_matches_role",
                violation_error_message=_(
                    "部门办理人须指定部门；群众不指定区域；其他角色须指定区域。"
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "area", "department"], name="post_unique_per_place"
            ),
        ]

    def __str__(self) -> str:
        place = self.department or self.area or ""
        return f"{self.user} · {self.get_role_display()} · {place}"


class ApiToken(models.Model):
    """A per-user API token. Only its SHA-256 digest is stored; the key is shown once."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户 user")
    )
    name = models.CharField(_("名称 name"), max_length=100)
    prefix = models.CharField(_("前缀 prefix"), max_length=12, db_index=True)
    digest = models.CharField(_("摘要 digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌 API token")
        verbose_name_plural = _("API 令牌 API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
