"""Basic data (基础数据) in the spirit of GB/T 31000-2015: people, households, buildings,
houses (with 人房关联 history) and organisations, each located in a grid.

Personal data protection (DOMAIN.md §3): ID numbers and phones are never stored in clear.
Each sensitive value has three columns: ``*_enc`` (SM4-GCM ciphertext, shanzhi.core.crypto),
``*_index`` (HMAC-SM3 blind index for exact search and uniqueness) and ``*_masked`` (the display
form, e.g. ``370403********1234``). Only ``shanzhi.registry.services`` writes them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .identity import Gender, IdType


class ResidenceCategory(models.TextChoices):
    REGISTERED = "registered", _("户籍人口")
    FLOATING = "floating", _("流动人口")
    OVERSEAS = "overseas", _("境外人员")
    LEFT_BEHIND = "left_behind", _("留守人员")


class PoliticalStatus(models.TextChoices):
    PARTY_MEMBER = "party_member", _("中共党员")
    PROBATIONARY = "probationary", _("中共预备党员")
    LEAGUE_MEMBER = "league_member", _("共青团员")
    DEMOCRATIC_PARTY = "democratic_party", _("民主党派")
    MASSES = "masses", _("群众")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    MOVED_OUT = "moved_out", _("迁出")
    DECEASED = "deceased", _("死亡")


class Tag(models.Model):
    """A label on a person (e.g. 低保, 残疾, 独居老人, 退役军人), maintained by administrators."""

    code = models.SlugField(_("代码 code"), max_length=32, unique=True)
    name = models.CharField(_("名称 name"), max_length=32, unique=True)

    class Meta:
        verbose_name = _("人员标签 person tag")
        verbose_name_plural = _("人员标签 person tags")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    name = models.CharField(_("姓名 name"), max_length=50)
    name_pinyin = models.CharField(_("姓名拼音 pinyin"), max_length=120)
    name_initials = models.CharField(_("拼音首字母 pinyin initials"), max_length=30)
    gender = models.CharField(_("性别 gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期 birth date"), null=True, blank=True)
    ethnicity = models.CharField(_("民族 ethnicity"), max_length=20, default="汉族")
    id_type = models.CharField(
        _("证件类型 ID type"), max_length=16, choices=IdType.choices, default=IdType.RESIDENT
    )
    id_number_enc = models.TextField(_("证件号码（密文） ID number (encrypted)"))
    id_index = models.CharField(_("证件号码索引 ID blind index"), max_length=64)
    id_masked = models.CharField(_("证件号码 ID number (masked)"), max_length=32)
    phone_enc = models.TextField(_("联系电话（密文） phone (encrypted)"), blank=True)
    phone_index = models.CharField(
        _("联系电话索引 phone blind index"), max_length=64, blank=True, db_index=True
    )
    phone_masked = models.CharField(_("联系电话 phone (masked)"), max_length=20, blank=True)
    residence_category = models.CharField(
        _("人口类别 residence category"),
        max_length=16,
        choices=ResidenceCategory.choices,
        default=ResidenceCategory.REGISTERED,
    )
    registered_address = models.CharField(
        _("户籍地址 registered address"), max_length=200, blank=True
    )
    current_address = models.CharField(_("现住址 current address"), max_length=200, blank=True)
    origin_place = models.CharField(
        _("流出地/国籍 place of origin or nationality"), max_length=100, blank=True
    )
    occupation = models.CharField(_("职业 occupation"), max_length=50, blank=True)
    employer = models.CharField(_("工作单位 employer"), max_length=100, blank=True)
    political_status = models.CharField(
        _("政治面貌 political status"),
        max_length=20,
        choices=PoliticalStatus.choices,
        default=PoliticalStatus.MASSES,
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="persons", verbose_name=_("标签"))
    notes = models.TextField(_("备注 notes"), blank=True)
    status = models.CharField(
        _("状态 status"), max_length=16, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    grid = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="persons",
        verbose_name=_("所属网格 grid"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("采集人 collected by"),
    )
    version = models.PositiveIntegerField(_("版本 version"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("实有人口 person")
        verbose_name_plural = _("实有人口 persons")
        ordering = ["grid_id", "name", "id"]
        permissions = [
            ("unmask_personal_data", "可查看完整证件号码和电话 may unmask personal data"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_type", "id_index"],
                name="person_unique_identity",
                violation_error_message=_("该证件号码已登记，不能重复登记同一人。"),
            ),
        ]
        indexes = [
            # Name search is a prefix match (surname first, or pinyin/initials): pattern-ops
            # indexes let PostgreSQL answer LIKE 'x%' from the index under any collation.
            models.Index(
                fields=["name"], name="person_name_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["name_pinyin"],
                name="person_pinyin_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["name_initials"],
                name="person_initials_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["grid", "name"], name="person_grid_name"),
            models.Index(fields=["grid", "residence_category"], name="person_grid_category"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_masked}）"


class Building(models.Model):
    class Use(models.TextChoices):
        RESIDENTIAL = "residential", _("住宅")
        COMMERCIAL = "commercial", _("商业")
        OFFICE = "office", _("办公")
        INDUSTRIAL = "industrial", _("工业")
        MIXED = "mixed", _("商住混合")
        PUBLIC = "public", _("公共服务")
        OTHER = "other", _("其他")

    code = models.CharField(_("楼栋编码 building code"), max_length=40, unique=True)
    name = models.CharField(_("楼栋名称 name"), max_length=100)
    address = models.CharField(_("地址 address"), max_length=200)
    grid = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="buildings",
        verbose_name=_("所属网格 grid"),
    )
    lon = models.FloatField(_("经度 longitude (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("纬度 latitude (WGS-84)"), null=True, blank=True)
    floors = models.PositiveSmallIntegerField(_("层数 floors"), default=1)
    units = models.PositiveSmallIntegerField(_("单元数 units"), default=1)
    use = models.CharField(
        _("用途 use"), max_length=16, choices=Use.choices, default=Use.RESIDENTIAL
    )
    built_year = models.PositiveSmallIntegerField(_("建成年份 year built"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本 version"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("楼栋 building")
        verbose_name_plural = _("楼栋 buildings")
        ordering = ["grid_id", "code"]

    def __str__(self) -> str:
        return self.name


class House(models.Model):
    class Use(models.TextChoices):
        RESIDENTIAL = "residential", _("住宅")
        COMMERCIAL = "commercial", _("商铺")
        OFFICE = "office", _("办公")
        STORAGE = "storage", _("仓储")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        SELF_OCCUPIED = "self_occupied", _("自住")
        RENTED = "rented", _("出租")
        VACANT = "vacant", _("空置")

    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="houses", verbose_name=_("楼栋 building")
    )
    grid = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="houses",
        verbose_name=_("所属网格 grid"),
        help_text=_("与楼栋相同，冗余保存以便按辖区筛选。"),
    )
    unit = models.CharField(_("单元 unit"), max_length=10, blank=True)
    floor = models.SmallIntegerField(_("楼层 floor"), default=1)
    room = models.CharField(_("室号 room"), max_length=20)
    floor_area = models.DecimalField(
        _("建筑面积 floor area (m²)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    use = models.CharField(
        _("用途 use"), max_length=16, choices=Use.choices, default=Use.RESIDENTIAL
    )
    status = models.CharField(
        _("房屋状态 status"), max_length=16, choices=Status.choices, default=Status.SELF_OCCUPIED
    )
    owner = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_houses",
        verbose_name=_("产权人 owner"),
    )
    version = models.PositiveIntegerField(_("版本 version"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("房屋 house")
        verbose_name_plural = _("房屋 houses")
        ordering = ["building_id", "unit", "floor", "room"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "unit", "room"],
                name="house_unique_room",
                violation_error_message=_("该楼栋已有相同单元、室号的房屋。"),
            ),
        ]

    def __str__(self) -> str:
        unit = f"{self.unit}单元" if self.unit else ""
        return f"{self.building.name}{unit}{self.room}室"


class Household(models.Model):
    """户: a household with a head and dated members."""

    number = models.CharField(_("户号 household number"), max_length=40, unique=True)
    head = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="headed_households",
        verbose_name=_("户主 head"),
    )
    house = models.ForeignKey(
        House,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="households",
        verbose_name=_("住所 house"),
    )
    address = models.CharField(_("地址 address"), max_length=200, blank=True)
    grid = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("所属网格 grid"),
    )
    version = models.PositiveIntegerField(_("版本 version"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("户 household")
        verbose_name_plural = _("户 households")
        ordering = ["grid_id", "number"]

    def __str__(self) -> str:
        return f"{self.number}（户主 {self.head.name}）"


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    GRANDPARENT = "grandparent", _("祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class HouseholdMember(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("户")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="household_memberships"
    )
    relation = models.CharField(
        _("与户主关系 relation to head"), max_length=16, choices=Relation.choices
    )
    from_date = models.DateField(_("起始日期 from"))
    to_date = models.DateField(_("结束日期 to"), null=True, blank=True)

    class Meta:
        verbose_name = _("户成员 household member")
        verbose_name_plural = _("户成员 household members")
        ordering = ["household_id", "from_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(to_date__isnull=True),
                name="one_current_household_per_person",
                violation_error_message=_("此人已在另一户中，请先办理迁出。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.get_relation_display()}"


class Residence(models.Model):
    """人房关联: a person lives in (or owns, or rents) a house over a dated period."""

    class Kind(models.TextChoices):
        OWNER = "owner", _("户主/产权人")
        FAMILY = "family", _("家庭成员")
        TENANT = "tenant", _("租户")
        OTHER = "other", _("其他")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="residences")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="residences")
    kind = models.CharField(_("关系 relation"), max_length=16, choices=Kind.choices)
    from_date = models.DateField(_("入住日期 from"))
    to_date = models.DateField(_("迁出日期 to"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("人房关联 residence")
        verbose_name_plural = _("人房关联 residences")
        ordering = ["-from_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "house"],
                condition=Q(to_date__isnull=True),
                name="one_open_residence_per_person_house",
            ),
            models.CheckConstraint(
                condition=Q(to_date__isnull=True) | Q(to_date__gte=models.F("from_date")),
                name="residence_to_after_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} @ {self.house}"


class Organisation(models.Model):
    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        INDIVIDUAL = "individual", _("个体工商户")
        SOCIAL = "social", _("社会组织")
        SCHOOL = "school", _("学校")
        HOSPITAL = "hospital", _("医院")
        GOVERNMENT = "government", _("机关事业单位")
        OTHER = "other", _("其他")

    name = models.CharField(_("单位名称 name"), max_length=200)
    kind = models.CharField(_("单位类型 kind"), max_length=16, choices=Kind.choices)
    uscc = models.CharField(
        _("统一社会信用代码 USCC"), max_length=18, null=True, blank=True, unique=True
    )
    address = models.CharField(_("地址 address"), max_length=200)
    grid = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("所属网格 grid"),
    )
    lon = models.FloatField(_("经度 longitude (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("纬度 latitude (WGS-84)"), null=True, blank=True)
    legal_representative = models.CharField(
        _("法定代表人 legal representative"), max_length=50, blank=True
    )
    contact_name = models.CharField(_("联系人 contact"), max_length=50, blank=True)
    contact_phone_enc = models.TextField(_("联系电话（密文）"), blank=True)
    contact_phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    contact_phone_masked = models.CharField(_("联系电话 contact phone"), max_length=20, blank=True)
    employees = models.PositiveIntegerField(_("从业人数 employees"), null=True, blank=True)
    notes = models.TextField(_("备注 notes"), blank=True)
    version = models.PositiveIntegerField(_("版本 version"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("单位 organisation")
        verbose_name_plural = _("单位 organisations")
        ordering = ["grid_id", "name"]

    def __str__(self) -> str:
        return self.name


class ChangeRecord(models.Model):
    """Who changed which field of a registry record, when. Sensitive values are stored masked."""

    object_type = models.CharField(_("对象类型 object type"), max_length=40)
    object_id = models.BigIntegerField(_("对象 object id"))
    field = models.CharField(_("字段 field"), max_length=64)
    old_value = models.TextField(_("原值 old value"), blank=True)
    new_value = models.TextField(_("新值 new value"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("修改人 changed by"),
    )
    changed_at = models.DateTimeField(_("时间 time"), auto_now_add=True)

    class Meta:
        verbose_name = _("变更记录 change record")
        verbose_name_plural = _("变更记录 change records")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="change_object")]

    def __str__(self) -> str:
        return f"{self.object_type}#{self.object_id}.{self.field}"


# --- Excel/CSV import and export jobs (shanzhi.registry.importing) ------------------------------


class ImportKind(models.TextChoices):
    PERSONS = "persons", _("实有人口")
    HOUSEHOLDS = "households", _("户")
    BUILDINGS = "buildings", _("楼栋")
    HOUSES = "houses", _("房屋")
    ORGANISATIONS = "organisations", _("单位")


class ImportJob(models.Model):
    """One uploaded file: dry run (校验), then an all-or-nothing commit (导入).

    States and who moves them are in ``shanzhi.registry.importing.jobs.TRANSITIONS``."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        VALIDATING = "validating", _("校验中")
        VALIDATED = "validated", _("校验通过")
        INVALID = "invalid", _("校验未通过")
        FAILED = "failed", _("失败")
        COMMITTING = "committing", _("导入中")
        DONE = "done", _("已导入")

    kind = models.CharField(_("数据类别 kind"), max_length=16, choices=ImportKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("导入人 imported by"),
    )
    area = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("限定区域 limited to area"),
    )
    original_name = models.CharField(_("文件名 file name"), max_length=200)
    file_path = models.CharField(_("文件 stored file"), max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(_("文件大小 size (bytes)"), default=0)
    status = models.CharField(
        _("状态 status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    message = models.TextField(_("说明 message"), blank=True)
    progress = models.PositiveSmallIntegerField(_("进度 progress (%)"), default=0)
    rows_total = models.PositiveIntegerField(_("总行数 rows"), default=0)
    rows_valid = models.PositiveIntegerField(_("有效行 valid rows"), default=0)
    rows_error = models.PositiveIntegerField(_("错误行 rows with errors"), default=0)
    created = models.PositiveIntegerField(_("新增 created"), default=0)
    updated = models.PositiveIntegerField(_("更新 updated"), default=0)
    unchanged = models.PositiveIntegerField(_("未变 unchanged"), default=0)
    report_path = models.CharField(_("错误报告 error report"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("上传时间 uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间 started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间 finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务 import job")
        verbose_name_plural = _("导入任务 import jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name}"


class ExportJob(models.Model):
    """A large export (导出) written in the background; small ones are streamed at once."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("数据类别 kind"), max_length=16, choices=ImportKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("导出人 exported by"),
    )
    filters = models.JSONField(_("筛选条件 filters"), default=dict, blank=True)
    status = models.CharField(
        _("状态 status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    message = models.TextField(_("说明 message"), blank=True)
    progress = models.PositiveSmallIntegerField(_("进度 progress (%)"), default=0)
    row_count = models.PositiveIntegerField(_("行数 rows"), default=0)
    file_path = models.CharField(_("文件 file"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("申请时间 requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间 finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务 export job")
        verbose_name_plural = _("导出任务 export jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"
