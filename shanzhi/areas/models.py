"""The area tree (City → District → Town → Village → Grid) and grid teams (1+1+N).

Subtree queries use the materialised ``path`` ("/1/5/32/"): an area's subtree is every row
whose path starts with its own. Boundaries are stored as GeoJSON geometry text in WGS-84
(lon, lat); centroid and planar area are derived on save by ``services.area_set_boundary``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    CITY = 1, _("市")
    DISTRICT = 2, _("区县")
    TOWN = 3, _("镇街")
    VILLAGE = 4, _("村居")
    GRID = 5, _("网格")


class GridKind(models.TextChoices):
    BASIC = "basic", _("基础网格")
    DEDICATED = "dedicated", _("专属网格")
    PROFESSIONAL = "professional", _("专业网格")


class Area(models.Model):
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级区域 parent"),
    )
    level = models.PositiveSmallIntegerField(_("层级 level"), choices=Level.choices)
    kind = models.CharField(
        _("网格类型 grid kind"), max_length=16, choices=GridKind.choices, blank=True, default=""
    )
    name = models.CharField(_("名称 name"), max_length=100)
    code = models.CharField(
        _("编码 code"),
        max_length=32,
        unique=True,
        help_text=_("市、区县用 GB/T 2260 六位代码；以下各级在上级编码后逐级追加。"),
    )
    path = models.CharField(_("路径 path"), max_length=255, db_index=True, editable=False)
    boundary = models.TextField(_("边界 boundary (GeoJSON, WGS-84)"), blank=True, default="")
    centroid_lon = models.FloatField(_("中心经度 centroid longitude"), null=True, blank=True)
    centroid_lat = models.FloatField(_("中心纬度 centroid latitude"), null=True, blank=True)
    area_km2 = models.FloatField(_("面积 area (km²)"), null=True, blank=True)
    supervision_phone = models.CharField(_("监督电话 supervision phone"), max_length=32, blank=True)
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="professional_grids",
        verbose_name=_("所属部门 department (professional grids)"),
    )
    description = models.TextField(_("说明 description"), blank=True)
    is_active = models.BooleanField(_("启用 active"), default=True)
    version = models.PositiveIntegerField(_("版本 version"), default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("区域 area")
        verbose_name_plural = _("区域 areas")
        ordering = ["path"]
        indexes = [
            models.Index(
                fields=["path"], name="area_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["level", "kind"], name="area_level_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level=Level.GRID) & ~Q(kind="")) | (~Q(level=Level.GRID) & Q(kind="")),
                name="area_kind_only_on_grids",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def is_grid(self) -> bool:
        return self.level == Level.GRID

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]


class BoundaryRevision(models.Model):
    """One row whose counter rises whenever any boundary changes; locate caches compare it."""

    revision = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("边界版本 boundary revision")

    def __str__(self) -> str:
        return f"boundary revision {self.revision}"


class TeamRole(models.TextChoices):
    LEADER = "leader", _("网格长")
    WORKER = "worker", _("专职网格员")
    AUXILIARY = "auxiliary", _("协管力量")


class AuxiliaryRole(models.TextChoices):
    PARTY_MEMBER = "party_member", _("党员")
    POLICE = "police", _("片警")
    LAWYER = "lawyer", _("律师")
    PROPERTY = "property", _("物业")
    VOLUNTEER = "volunteer", _("志愿者")
    MEDIATOR = "mediator", _("调解员")
    BUILDING_HEAD = "building_head", _("楼栋长")


class GridMembership(models.Model):
    """A dated assignment to a grid's 1+1+N team; ended assignments stay as history."""

    grid = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("网格 grid")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grid_memberships",
        verbose_name=_("账号 user"),
    )
    name = models.CharField(_("姓名 name"), max_length=50)
    phone = models.CharField(_("电话 phone"), max_length=32, blank=True)
    role = models.CharField(_("角色 role"), max_length=16, choices=TeamRole.choices)
    auxiliary_role = models.CharField(
        _("协管类别 auxiliary role"), max_length=16, choices=AuxiliaryRole.choices, blank=True
    )
    start_date = models.DateField(_("起始日期 start date"))
    end_date = models.DateField(_("结束日期 end date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("网格成员 grid team member")
        verbose_name_plural = _("网格成员 grid team members")
        ordering = ["grid_id", "role", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["grid"],
                condition=Q(role="worker", end_date__isnull=True),
                name="one_current_worker_per_grid",
                violation_error_message=_("该网格已有在岗的专职网格员。"),
            ),
            models.UniqueConstraint(
                fields=["grid"],
                condition=Q(role="leader", end_date__isnull=True),
                name="one_current_leader_per_grid",
                violation_error_message=_("该网格已有在岗的网格长。"),
            ),
            models.CheckConstraint(
                condition=(Q(role="auxiliary") & ~Q(auxiliary_role=""))
                | (~Q(role="auxiliary") & Q(auxiliary_role="")),
                name="auxiliary_role_only_for_auxiliaries",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid.name} · {self.get_role_display()} · {self.name}"
