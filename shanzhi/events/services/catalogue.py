"""The default event catalogue (事件分类): nine 大类 with their 小类, limits and attributes.

``catalogue_seed()`` creates whatever of it is missing, by code, and changes nothing that
exists (administrators may have edited names or limits); the demo and the tests call it. A
city that uses its own catalogue simply does not call it. Codes: two digits for a 大类, four for
a 小类 (its 大类's code + two digits); ``xx99`` is always "其他".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from shanzhi.core.audit import audit_record

from ..catalogue_snapshot import catalogue_revision_renew
from ..models import AttributeDatatype, EventType, EventTypeAttribute, Priority

URGENT, HIGH, NORMAL = Priority.URGENT, Priority.HIGH, Priority.NORMAL


@dataclass(frozen=True)
class Attr:
    code: str
    datatype: str
    description: str
    required: bool = False
    values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Sub:
    code: str
    name: str
    keywords: str = ""
    public: bool = True
    priority: int = NORMAL
    attrs: tuple[Attr, ...] = ()
    # (accept hours, dispatch hours, handle days, verify days); None: the category's.
    limits: tuple[int, int, int, int] | None = None


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    keywords: str
    limits: tuple[int, int, int, int]
    subs: tuple[Sub, ...] = field(default_factory=tuple)
    priority: int = NORMAL


HAZARD_LEVEL = Attr(
    "hazard_level",
    AttributeDatatype.SINGLE,
    "隐患等级",
    required=True,
    values=(("general", "一般隐患"), ("major", "重大隐患")),
)
PARTIES = Attr("parties", AttributeDatatype.NUMBER, "涉及人数", required=True)
CASUALTIES = Attr("casualties", AttributeDatatype.NUMBER, "伤亡人数")
OCCURRED_AT = Attr("occurred_at", AttributeDatatype.DATETIME, "发生时间")

CATALOGUE: tuple[Category, ...] = (
    Category(
        "01",
        "矛盾纠纷",
        "司法,调解,信访",
        (2, 4, 10, 3),
        (
            Sub("0101", "婚姻家庭纠纷", attrs=(PARTIES,)),
            Sub("0102", "邻里纠纷", attrs=(PARTIES,)),
            Sub("0103", "房屋宅基地纠纷", "自然资源,司法", attrs=(PARTIES,)),
            Sub("0104", "劳动争议（欠薪）", "人社,劳动", priority=HIGH, attrs=(PARTIES,)),
            Sub("0105", "物业纠纷", "住建,房管", attrs=(PARTIES,)),
            Sub("0106", "征地拆迁纠纷", "自然资源,住建", priority=HIGH, attrs=(PARTIES,)),
            Sub("0199", "其他矛盾纠纷"),
        ),
    ),
    Category(
        "02",
        "治安隐患",
        "公安,派出所",
        (1, 2, 3, 2),
        (
            Sub("0201", "涉黄涉赌线索"),
            Sub("0202", "可疑人员或物品"),
            Sub("0203", "电信网络诈骗线索", "公安,反诈"),
            Sub("0204", "出租房屋治安隐患"),
            Sub("0299", "其他治安隐患"),
        ),
        priority=HIGH,
    ),
    Category(
        "03",
        "安全隐患",
        "应急,消防,安监",
        (1, 2, 3, 2),
        (
            Sub("0301", "消防安全隐患", "消防,应急", attrs=(HAZARD_LEVEL,)),
            Sub("0302", "燃气安全隐患", "住建,燃气", attrs=(HAZARD_LEVEL,)),
            Sub("0303", "危房危墙", "住建", attrs=(HAZARD_LEVEL,)),
            Sub("0304", "生产经营安全隐患", "应急", attrs=(HAZARD_LEVEL,)),
            Sub("0305", "道路交通安全隐患", "公安,交警,交通", attrs=(HAZARD_LEVEL,)),
            Sub("0306", "食品药品安全隐患", "市场监管"),
            Sub("0399", "其他安全隐患"),
        ),
        priority=HIGH,
    ),
    Category(
        "04",
        "市容环境",
        "城管,综合执法,环卫",
        (2, 4, 3, 2),
        (
            Sub("0401", "垃圾乱堆乱放"),
            Sub("0402", "违规张贴广告"),
            Sub("0403", "污水外溢", "城管,住建,水务"),
            Sub("0404", "绿化损坏", "城管,园林"),
            Sub("0405", "大气水体污染", "生态环境,环保"),
            Sub("0499", "其他市容环境问题"),
        ),
    ),
    Category(
        "05",
        "街面秩序",
        "城管,综合执法",
        (2, 4, 2, 2),
        (
            Sub(
                "0501",
                "占道经营",
                attrs=(Attr("shop_name", AttributeDatatype.STRING, "店铺名称"),),
            ),
            Sub("0502", "流动摊贩"),
            Sub("0503", "车辆乱停乱放", "城管,交警"),
            Sub("0504", "噪声扰民", "城管,生态环境,公安"),
            Sub("0599", "其他街面秩序问题"),
        ),
    ),
    Category(
        "06",
        "施工管理",
        "住建,城管,综合执法",
        (2, 4, 5, 2),
        (
            Sub("0601", "违法建设", "自然资源,城管,综合执法", priority=HIGH),
            Sub("0602", "施工扰民"),
            Sub("0603", "渣土撒漏"),
            Sub("0604", "工地安全防护缺失", "住建,应急", priority=HIGH),
            Sub("0699", "其他施工管理问题"),
        ),
    ),
    Category(
        "07",
        "突发事件",
        "应急",
        (1, 1, 1, 1),
        (
            Sub("0701", "自然灾害", attrs=(OCCURRED_AT, CASUALTIES)),
            Sub("0702", "事故灾难", attrs=(OCCURRED_AT, CASUALTIES)),
            Sub("0703", "公共卫生事件", "卫健,疾控", attrs=(OCCURRED_AT, CASUALTIES)),
            Sub("0704", "社会安全事件", "公安", public=False, attrs=(OCCURRED_AT, PARTIES)),
            Sub("0799", "其他突发事件"),
        ),
        priority=URGENT,
    ),
    Category(
        "08",
        "民生服务",
        "民政,人社,住建",
        (2, 4, 5, 2),
        (
            Sub("0801", "供水供电供气供暖", "住建,水务,供电"),
            Sub("0802", "养老助残", "民政,残联"),
            Sub("0803", "就业社保", "人社,医保"),
            Sub("0804", "道路设施损坏", "交通,住建,城管"),
            Sub("0805", "路灯井盖", "城管"),
            Sub("0899", "其他民生诉求"),
        ),
    ),
    Category(
        "09",
        "政策咨询",
        "",
        (2, 4, 3, 1),
        (
            Sub("0901", "社保医保政策", "人社,医保"),
            Sub("0902", "户籍证件政策", "公安"),
            Sub("0903", "惠民补贴政策", "民政,财政"),
            Sub("0999", "其他政策咨询"),
        ),
    ),
)


def _type_fields(limits: tuple[int, int, int, int]) -> dict[str, Any]:
    accept, dispatch, handle, verify = limits
    return {
        "accept_hours": accept,
        "dispatch_hours": dispatch,
        "handle_days": handle,
        "verify_days": verify,
    }


@transaction.atomic
def catalogue_seed(*, actor: Any = None) -> int:
    """Create the missing entries of the default catalogue; returns how many types were new."""
    existing = set(EventType.objects.values_list("code", flat=True))
    created = 0
    for order, category in enumerate(CATALOGUE):
        parent, made = EventType.objects.get_or_create(
            code=category.code,
            defaults={
                "name": category.name,
                "priority": category.priority,
                "department_keywords": category.keywords,
                "order": order,
                **_type_fields(category.limits),
            },
        )
        created += made
        for sub_order, sub in enumerate(category.subs):
            if sub.code in existing:
                continue
            event_type = EventType.objects.create(
                parent=parent,
                code=sub.code,
                name=sub.name,
                is_public=sub.public,
                priority=min(sub.priority, category.priority),
                department_keywords=sub.keywords or category.keywords,
                order=sub_order,
                **_type_fields(sub.limits or category.limits),
            )
            created += 1
            EventTypeAttribute.objects.bulk_create(
                EventTypeAttribute(
                    event_type=event_type,
                    code=attr.code,
                    datatype=attr.datatype,
                    required=attr.required,
                    description=attr.description,
                    order=attr_order,
                    values=[{"key": key, "name": name} for key, name in attr.values],
                )
                for attr_order, attr in enumerate(sub.attrs)
            )
    if created:
        # Attributes are bulk-created, which sends no signal: renew the snapshot token here.
        catalogue_revision_renew()
        audit_record(action="events.catalogue_seed", actor=actor, detail={"created": created})
    return created
