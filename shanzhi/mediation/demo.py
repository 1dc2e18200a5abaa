"""Demo part of mediation (人民调解, see core/demo.py): bodies, mediators and two years of cases.

- **Bodies**: 薛城区矛盾纠纷多元化解中心 (district), one 矛盾纠纷调解中心 per town or street, one
  人民调解委员会 (调委会) per village; codes ``MB<area code>``.
- **Mediators**: full-time ones, lawyers and volunteers at the district and town centres, one
  即时调解员 per village committee; every demo user with a mediator post in 薛城区 (``mediator``
  at 常庄街道, ``village_mediator`` at its first village) gets a ``Mediator`` row on the body
  of their post's area, so they see and work that body's cases.
- **Cases** over the last 24 months (``Size``): seed scale 2,890 in the last 12 months and
  3,222 in the 12 before (intake −10.3 % year on year, Xuecheng's figure), most at village
  level, over the 15 categories, about 95 % of concluded cases agreed; a few open, some of them
  past their mediation period. Agreed cases carry an agreement with terms, some a judicial
  confirmation and a return visit; every case has parties (ID numbers and phones sealed with
  ``registry.protection``), mediators, sessions and timeline rows. Some cases come from the
  demo's dispute events (type ``01…``) when there are any.

``plan_cases`` decides everything as plain data (no database), so tests can check the seed's
figures without building the district; ``write_cases`` turns a plan into rows with
``bulk_create``. Deadlines come from ``workflow.due_dates`` (the services' rule).

Idempotent: bodies by code, mediators only on bodies created in the run (and one per demo
user), cases only when no demo case (marked by ``DEMO_MARK`` in its facts) exists in 薛城区.
``prepare`` removes them from a small 薛城区 before ``--scale seed`` replaces it.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Max, Q
from django.utils import timezone

from shanzhi.accounts.models import Post, Role
from shanzhi.areas.models import Area, Level
from shanzhi.core.demo import DemoContext
from shanzhi.registry import identity, protection
from shanzhi.registry.demo.places import is_seed_sized
from shanzhi.workdays import calendar as workdays

from . import workflow
from .models import (
    Agreement,
    AgreementForm,
    AgreementTerm,
    BodyLevel,
    CaseMediator,
    CaseNumberSequence,
    CaseSource,
    CaseTimelineEntry,
    ConfirmationResult,
    DisputeCategory,
    Gender,
    JudicialConfirmation,
    MediationBody,
    MediationCase,
    Mediator,
    MediatorKind,
    Party,
    PartyKind,
    PartyRole,
    Performance,
    ReturnVisit,
    Session,
    SourceType,
)
from .workflow import State

XUECHENG = "370403"
DISTRICT_BODY_NAME = "薛城区矛盾纠纷多元化解中心"
DEMO_MARK = "（演示数据）"
DEMO_POST = "演示数据"
COURT = "薛城区人民法院"
ROUTES = "已告知当事人可依法通过仲裁、行政、司法等途径维护自己的权利。"


@dataclass(frozen=True)
class Size:
    current: int  # cases registered in the last 12 months
    previous: int  # cases registered in the 12 months before
    open_cases: int  # still open now (registered / accepted / mediating)
    overdue: int  # of which past their mediation period


SMALL = Size(current=15, previous=17, open_cases=5, overdue=2)
# Xuecheng: about 2,890 disputes mediated in a year, 10.3 % fewer than the year before.
SEED = Size(current=2890, previous=3222, open_cases=40, overdue=12)

# (level, weight): most disputes are settled in the village.
LEVEL_WEIGHTS: tuple[tuple[str, int], ...] = (
    (BodyLevel.VILLAGE, 62),
    (BodyLevel.TOWN, 28),
    (BodyLevel.DISTRICT, 10),
)
CATEGORY_WEIGHTS: tuple[tuple[str, float], ...] = (
    (DisputeCategory.NEIGHBOUR, 22),
    (DisputeCategory.MARRIAGE_FAMILY, 18),
    (DisputeCategory.HOUSE_LAND, 14),
    (DisputeCategory.LABOUR, 11),
    (DisputeCategory.DAMAGES, 6),
    (DisputeCategory.CONTRACT, 6),
    (DisputeCategory.TRAFFIC, 5),
    (DisputeCategory.PROPERTY_MANAGEMENT, 4),
    (DisputeCategory.FOREST_LAND, 3),
    (DisputeCategory.BUSINESS, 3),
    (DisputeCategory.LAND_EXPROPRIATION, 2),
    (DisputeCategory.CONSUMER, 2),
    (DisputeCategory.MEDICAL, 1.5),
    (DisputeCategory.POLLUTION, 1),
    (DisputeCategory.OTHER, 2.5),
)
SOURCE_WEIGHTS: tuple[tuple[str, int], ...] = (
    (CaseSource.WALK_IN, 35),
    (CaseSource.GRID, 25),
    (CaseSource.PUBLIC_REPORT, 10),
    (CaseSource.EVENT, 8),
    (CaseSource.COURT, 8),
    (CaseSource.TRANSFER, 6),
    (CaseSource.REFERRAL, 5),
    (CaseSource.LEADER, 3),
)
SOURCE_TYPE: dict[str, str] = {
    CaseSource.WALK_IN: SourceType.APPLICATION,
    CaseSource.PUBLIC_REPORT: SourceType.APPLICATION,
    CaseSource.GRID: SourceType.PROACTIVE,
    CaseSource.EVENT: SourceType.PROACTIVE,
    CaseSource.COURT: SourceType.ENTRUSTED,
    CaseSource.TRANSFER: SourceType.ENTRUSTED,
    CaseSource.REFERRAL: SourceType.ENTRUSTED,
    CaseSource.LEADER: SourceType.ENTRUSTED,
}
# Outcome of a concluded case: about 95 % agreed.
OUTCOME_WEIGHTS: tuple[tuple[str, float], ...] = (
    (State.AGREED, 95),
    (State.FAILED, 3),
    (State.TERMINATED, 1),
    (State.REFUSED, 1),
)
OPEN_STATES: tuple[str, ...] = (State.REGISTERED, State.ACCEPTED, State.MEDIATING)

# Per category: (title, facts, disputed points, agreement terms).
STORIES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    DisputeCategory.NEIGHBOUR: (
        "邻里排水纠纷",
        "双方因院墙排水沟走向发生争执，多次口角。",
        "排水沟改道及费用分担",
        ("申请人出资将排水沟改道至院墙外侧", "被申请人配合施工，不再阻拦"),
    ),
    DisputeCategory.MARRIAGE_FAMILY: (
        "赡养老人纠纷",
        "兄弟二人对母亲的赡养费分担意见不一。",
        "赡养费数额与轮流照料",
        ("兄弟二人每月各支付赡养费600元", "母亲由二人按月轮流照料"),
    ),
    DisputeCategory.HOUSE_LAND: (
        "宅基地界址纠纷",
        "两户翻建房屋时对宅基地东侧界址有争议。",
        "界址位置",
        ("以村委会2015年测量图为准确定界址", "被申请人拆除越界部分围墙"),
    ),
    DisputeCategory.LABOUR: (
        "拖欠工资纠纷",
        "申请人在工地务工三个月，工资未结清。",
        "欠薪数额及支付时间",
        ("被申请人一次性支付拖欠工资", "申请人不再就此事主张其他费用"),
    ),
    DisputeCategory.DAMAGES: (
        "人身损害赔偿纠纷",
        "双方因琐事推搡，申请人受轻伤就医。",
        "医疗费与误工费",
        ("被申请人赔偿医疗费、误工费", "双方互不追究"),
    ),
    DisputeCategory.CONTRACT: (
        "买卖合同纠纷",
        "申请人购买的农机具存在质量问题，要求退货。",
        "退货与退款",
        ("被申请人退还货款", "申请人返还农机具"),
    ),
    DisputeCategory.TRAFFIC: (
        "道路交通事故赔偿纠纷",
        "电动车与三轮车相撞，双方对赔偿数额有争议。",
        "赔偿数额",
        ("被申请人赔偿车辆维修费和医疗费", "双方就本次事故再无其他争议"),
    ),
    DisputeCategory.PROPERTY_MANAGEMENT: (
        "物业服务纠纷",
        "业主以电梯长期故障为由拒交物业费。",
        "物业费与维修责任",
        ("物业公司一个月内修复电梯", "业主补交物业费"),
    ),
    DisputeCategory.FOREST_LAND: (
        "承包地边界纠纷",
        "两户承包地相邻，地埂位置有争议。",
        "地埂位置",
        ("按土地确权图恢复地埂", "双方各自管护本方林木"),
    ),
    DisputeCategory.BUSINESS: (
        "合伙经营纠纷",
        "合伙经营的养殖场散伙，财产分割有争议。",
        "合伙财产分割",
        ("按出资比例分割养殖设备", "未结货款由双方共同追收"),
    ),
    DisputeCategory.LAND_EXPROPRIATION: (
        "征收补偿分配纠纷",
        "家庭成员对房屋征收补偿款的分配有争议。",
        "补偿款分配",
        ("补偿款按家庭成员人数平均分配", "各方配合办理领款手续"),
    ),
    DisputeCategory.CONSUMER: (
        "消费纠纷",
        "申请人办理的健身卡商家停业，要求退费。",
        "剩余费用退还",
        ("商家退还剩余期限费用",),
    ),
    DisputeCategory.MEDICAL: (
        "医疗纠纷",
        "患者家属对诊所诊疗过程提出异议。",
        "诊疗责任与补偿",
        ("诊所给予一次性补偿", "患者家属不再就此事主张权利"),
    ),
    DisputeCategory.POLLUTION: (
        "噪声污染纠纷",
        "居民反映加工作坊夜间噪声扰民。",
        "作业时间与降噪措施",
        ("作坊晚十点后停止作业", "加装隔音设施"),
    ),
    DisputeCategory.OTHER: (
        "其他民间纠纷",
        "双方因借用物品损坏发生争执。",
        "损失承担",
        ("被申请人赔偿损失",),
    ),
}
# Categories whose respondent is usually an organisation.
ORGANISATION_RESPONDENT = {
    DisputeCategory.LABOUR,
    DisputeCategory.CONSUMER,
    DisputeCategory.PROPERTY_MANAGEMENT,
    DisputeCategory.MEDICAL,
}
MOBILE_PREFIXES = "133 135 137 138 139 150 151 158 159 177 182 186 188".split()


# --- the plan: plain data -----------------------------------------------------------------------


@dataclass(slots=True)
class CasePlan:
    registered_at: datetime.datetime
    level: str
    village: int  # index into the district's villages (in code order)
    category: str
    source: str
    state: str  # the state now
    outcome: str = ""  # agreed / failed / terminated / refused once concluded, kept when archived
    event_id: int | None = None
    accepted_at: datetime.datetime | None = None
    outcome_at: datetime.datetime | None = None
    sessions: list[datetime.datetime] = field(default_factory=list)
    parties: int = 2
    amount: Decimal | None = None
    agreement_form: str = ""
    terms: int = 0
    confirmation: str = ""  # a ConfirmationResult, "" for none
    visited_on: datetime.date | None = None
    performance: str = ""
    archived_at: datetime.datetime | None = None
    second_mediator: bool = False

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


def _pick(rng: random.Random, weighted: tuple[tuple[str, Any], ...]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _hours(rng: random.Random, low: float, high: float) -> datetime.timedelta:
    return datetime.timedelta(hours=rng.uniform(low, high))


def plan_cases(
    rng: random.Random,
    size: Size,
    now: datetime.datetime,
    villages: int,
    events: list[tuple[int, datetime.datetime, int]] | None = None,
) -> list[CasePlan]:
    """The cases of the last 24 months, oldest first. ``events``: dispute events that may be
    converted, as (event id, reported at, village index); each is used at most once."""
    year = datetime.timedelta(days=365)
    pool = list(events or [])
    rng.shuffle(pool)
    plans: list[CasePlan] = []
    # Open cases first (recent, so they are decided separately), then the concluded ones.
    for n in range(size.open_cases):
        overdue = n < size.overdue
        if overdue:
            registered = now - datetime.timedelta(days=rng.uniform(33, 55))
        else:
            registered = now - datetime.timedelta(days=rng.uniform(0.1, 22))
        state = (
            State.MEDIATING
            if overdue
            else (OPEN_STATES[n % 3] if n < size.overdue + 3 else rng.choice(OPEN_STATES))
        )
        plan = CasePlan(
            registered_at=registered,
            # Half of them at the showcase village / town, so its mediators have work.
            level=BodyLevel.VILLAGE if n % 2 else BodyLevel.TOWN,
            village=0 if n % 4 < 2 else rng.randrange(villages),
            category=_pick(rng, CATEGORY_WEIGHTS),
            source=_pick(rng, SOURCE_WEIGHTS),
            state=state,
        )
        plans.append(plan)
    windows = (
        (now - 2 * year, now - year, size.previous),
        (now - year, now, size.current - size.open_cases),
    )
    for start, end, count in windows:
        span = (end - start).total_seconds()
        for _ in range(count):
            plans.append(
                CasePlan(
                    registered_at=start + datetime.timedelta(seconds=rng.uniform(0, span)),
                    level=_pick(rng, LEVEL_WEIGHTS),
                    village=rng.randrange(villages),
                    category=_pick(rng, CATEGORY_WEIGHTS),
                    source=_pick(rng, SOURCE_WEIGHTS),
                    state=_pick(rng, OUTCOME_WEIGHTS),
                )
            )
    for plan in plans:
        # Events are of the last 12 months: only this year's cases come from them (an older
        # one moved to its event's time would shift the year-on-year change).
        if plan.source == CaseSource.EVENT and plan.registered_at < now - year:
            plan.source = CaseSource.GRID
        elif plan.source == CaseSource.EVENT:
            _from_event(plan, pool, rng, now)
        _timeline(plan, rng, now)
    plans.sort(key=lambda p: p.registered_at)
    return plans


def _from_event(
    plan: CasePlan, pool: list[tuple[int, datetime.datetime, int]], rng: random.Random, now: Any
) -> None:
    """A dispute event converted into this case (registered after the event was reported), or
    a grid worker's own finding when no event is left."""
    for k in range(len(pool) - 1, -1, -1):
        event_id, reported, village = pool[k]
        registered = reported + _hours(rng, 2, 72)
        if not now - datetime.timedelta(days=365) < registered < now - datetime.timedelta(hours=1):
            continue
        if plan.is_open and plan.registered_at < now - datetime.timedelta(days=30):
            # An overdue open case keeps its age; the event must be older than it.
            if reported >= plan.registered_at:
                continue
            registered = plan.registered_at
        elif plan.is_open and registered < now - datetime.timedelta(days=22):
            continue
        del pool[k]
        plan.event_id, plan.registered_at, plan.village = event_id, registered, village
        return
    plan.source = CaseSource.GRID


def _timeline(plan: CasePlan, rng: random.Random, now: datetime.datetime) -> None:
    """Times and outcome details, registered < accepted < sessions < outcome < now."""
    latest = now - datetime.timedelta(minutes=5)
    plan.parties = 3 if rng.random() < 0.3 else 2
    plan.second_mediator = plan.level != BodyLevel.VILLAGE and rng.random() < 0.25
    if rng.random() < 0.6:
        plan.amount = Decimal(rng.randrange(5, 400) * 100)
    if plan.state == State.REGISTERED:
        return
    if plan.state == State.REFUSED:
        plan.outcome = State.REFUSED
        plan.outcome_at = min(plan.registered_at + _hours(rng, 1, 48), latest)
        return
    accepted = plan.registered_at + _hours(rng, 0.2, 30)
    if plan.is_open and plan.registered_at < now - datetime.timedelta(days=30):
        accepted = plan.registered_at + _hours(rng, 0.2, 6)  # overdue: accepted long ago
    plan.accepted_at = min(accepted, latest - datetime.timedelta(minutes=10))
    if plan.state == State.ACCEPTED:
        return
    if plan.is_open:  # mediating
        held = plan.accepted_at + _hours(rng, 2, 120)
        plan.sessions = [held] if held < latest and rng.random() < 0.7 else []
        return
    # Concluded: village instant mediation takes hours to days, the centres longer.
    days = {BodyLevel.VILLAGE: (0.1, 6), BodyLevel.TOWN: (0.5, 18), BodyLevel.DISTRICT: (2, 27)}
    low, high = days[plan.level]
    outcome = plan.accepted_at + datetime.timedelta(days=rng.uniform(low, high))
    if outcome > latest:
        if plan.accepted_at + datetime.timedelta(hours=2) > latest:
            plan.state = State.MEDIATING  # too fresh to have concluded
            return
        outcome = plan.accepted_at + (latest - plan.accepted_at) * rng.uniform(0.3, 0.95)
    plan.outcome_at = outcome
    plan.outcome = plan.state
    sessions = 1 if plan.level == BodyLevel.VILLAGE else rng.choice((1, 2, 2, 3))
    span = outcome - plan.accepted_at
    plan.sessions = sorted(
        plan.accepted_at + span * ((k + 1) / (sessions + 1)) for k in range(sessions)
    )
    if plan.state == State.AGREED:
        plan.agreement_form = AgreementForm.ORAL if rng.random() < 0.15 else AgreementForm.WRITTEN
        plan.terms = len(STORIES[plan.category][3])
        signed = workdays.local_day(outcome)
        today = workdays.local_day(now)
        if plan.agreement_form == AgreementForm.WRITTEN and rng.random() < 0.1:
            decided = signed + datetime.timedelta(days=rng.randint(8, 25))
            plan.confirmation = (
                ConfirmationResult.PENDING
                if decided >= today
                else (
                    ConfirmationResult.REJECTED
                    if rng.random() < 0.04
                    else ConfirmationResult.CONFIRMED
                )
            )
        visit = signed + datetime.timedelta(days=rng.randint(7, 30))
        if visit < today and rng.random() < 0.75:
            plan.state = State.VISITED
            plan.visited_on = visit
            plan.performance = rng.choices(
                [Performance.FULL, Performance.PARTIAL, Performance.NONE], [90, 8, 2]
            )[0]
            if outcome < now - datetime.timedelta(days=200) and rng.random() < 0.4:
                plan.archived_at = workdays.end_of_day(visit) + _hours(rng, 24, 24 * 60)
    elif outcome < now - datetime.timedelta(days=60) and rng.random() < 0.6:
        plan.archived_at = outcome + _hours(rng, 24, 24 * 40)
    if plan.archived_at is not None:
        plan.archived_at = min(plan.archived_at, latest)
        plan.state = State.ARCHIVED


def yoy_change(plans: list[CasePlan], now: datetime.datetime) -> float:
    """Intake of the last 12 months against the 12 before, as a fraction (−0.103 = −10.3 %)."""
    year_ago = now - datetime.timedelta(days=365)
    current = sum(1 for p in plans if p.registered_at >= year_ago)
    previous = len(plans) - current
    return current / previous - 1 if previous else 0.0


# --- writing ------------------------------------------------------------------------------------


@contextmanager
def one_calendar() -> Iterator[None]:
    """The deadline helpers read the working-day calendar's revision on every call; within
    this block they read it once (as within one HTTP request)."""
    was_active = getattr(workdays._request, "active", False)
    workdays.request_started()
    try:
        yield
    finally:
        workdays.request_finished()
        workdays._request.active = was_active


def build(ctx: DemoContext, size: Size | None = None) -> None:
    district = Area.objects.filter(code=XUECHENG, level=Level.DISTRICT).first()
    if district is None:
        ctx.log("  人民调解 mediation: 缺少薛城区，跳过 (district missing)")
        return
    started = time.monotonic()
    bodies = bodies_ensure(ctx, district)
    mediators_link(district, bodies)
    if MediationCase.objects.filter(
        area__path__startswith=district.path, description__endswith=DEMO_MARK
    ).exists():
        ctx.log("  人民调解 mediation: 演示案件已存在，跳过 demo cases exist, kept")
        return
    if size is None:
        size = SEED if ctx.scale == "seed" and is_seed_sized(district) else SMALL
    with one_calendar():
        made = write_cases(ctx, district, bodies, size)
    ctx.log(
        f"  人民调解 mediation: {len(bodies)} 调解组织, {made} 案件 cases "
        f"({time.monotonic() - started:.1f} s)"
    )


def prepare(ctx: DemoContext) -> None:
    """Remove the demo's mediation rows from a small 薛城区 that ``--scale seed`` replaces."""
    if ctx.scale != "seed":
        return
    district = Area.objects.filter(code=XUECHENG, level=Level.DISTRICT).first()
    if district is None or is_seed_sized(district):
        return
    below = Q(area__path__startswith=district.path) & ~Q(area=district)
    MediationCase.objects.filter(below, description__endswith=DEMO_MARK).delete()
    bodies = MediationBody.objects.filter(below, code__startswith="MB")
    if not MediationCase.objects.filter(body__in=bodies).exists():
        Mediator.objects.filter(body__in=bodies).delete()
        for level in (BodyLevel.VILLAGE, BodyLevel.TOWN):
            bodies.filter(level=level).delete()


def _phone(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def bodies_ensure(ctx: DemoContext, district: Area) -> dict[str, MediationBody]:
    """The district's mediation bodies by area code, creating the missing ones (and the
    mediators of the ones created now)."""
    areas = [district, *_towns(district), *_villages(district)]
    existing = {
        b.code: b for b in MediationBody.objects.filter(code__in=[f"MB{a.code}" for a in areas])
    }
    rng = ctx.rng("mediation", "bodies")
    level_of = {Level.DISTRICT: BodyLevel.DISTRICT, Level.TOWN: BodyLevel.TOWN}
    created: list[MediationBody] = []
    by_code = {a.code: a for a in areas}
    for level in (Level.DISTRICT, Level.TOWN, Level.VILLAGE):
        new = []
        for area in (a for a in areas if a.level == level):
            code = f"MB{area.code}"
            if code in existing:
                continue
            parent_area = (
                by_code.get(area.code[: len(area.code) - 3]) if level != Level.DISTRICT else None
            )
            body_level = level_of.get(level, BodyLevel.VILLAGE)
            name = {
                BodyLevel.DISTRICT: DISTRICT_BODY_NAME,
                BodyLevel.TOWN: f"{area.name}矛盾纠纷调解中心",
                BodyLevel.VILLAGE: f"{area.name}人民调解委员会",
            }[body_level]
            new.append(
                MediationBody(
                    name=name,
                    code=code,
                    level=body_level,
                    area=area,
                    parent=existing.get(f"MB{parent_area.code}") if parent_area else None,
                    phone=f"0632-{rng.randint(4400000, 4499999)}",
                    address=area.name
                    + ("党群服务中心" if level == Level.VILLAGE else "社会治理服务中心"),
                )
            )
        MediationBody.objects.bulk_create(new)
        existing.update({b.code: b for b in new})
        created.extend(new)
    _mediators_create(ctx, created)
    return {code[2:]: body for code, body in existing.items()}


def _towns(district: Area) -> list[Area]:
    return list(
        Area.objects.filter(path__startswith=district.path, level=Level.TOWN).order_by("code")
    )


def _villages(district: Area) -> list[Area]:
    return list(
        Area.objects.filter(path__startswith=district.path, level=Level.VILLAGE).order_by("code")
    )


# (kind, count) per body level
STAFF: dict[str, tuple[tuple[str, int], ...]] = {
    BodyLevel.DISTRICT: (
        (MediatorKind.FULL_TIME, 6),
        (MediatorKind.LAWYER, 3),
        (MediatorKind.VOLUNTEER, 3),
    ),
    BodyLevel.TOWN: (
        (MediatorKind.FULL_TIME, 3),
        (MediatorKind.LAWYER, 1),
        (MediatorKind.VOLUNTEER, 1),
    ),
    BodyLevel.VILLAGE: ((MediatorKind.INSTANT, 1),),
}


def _mediators_create(ctx: DemoContext, bodies: list[MediationBody]) -> None:
    rows = []
    for body in bodies:
        fake = ctx.faker("mediation", "mediators", body.code)
        rng = ctx.rng("mediation", "mediators", body.code)
        for kind, count in STAFF[body.level]:
            for _ in range(count):
                phone = protection.seal_phone(_phone(rng))
                rows.append(
                    Mediator(
                        name=fake.name(),
                        kind=kind,
                        body=body,
                        phone_enc=phone.enc,
                        phone_index=phone.index,
                        phone_masked=phone.masked,
                        since=datetime.date(2026, 1, 1)
                        - datetime.timedelta(days=rng.randint(60, 3000)),
                    )
                )
    Mediator.objects.bulk_create(rows, batch_size=1000)


def mediators_link(district: Area, bodies: dict[str, MediationBody]) -> None:
    """A Mediator row for every mediator user posted in the district, on the body of the
    post's area (the nearest body above it)."""
    posts = (
        Post.objects.filter(
            role=Role.MEDIATOR, is_active=True, area__path__startswith=district.path
        )
        .select_related("user", "area")
        .order_by("user_id", "id")
    )
    linked = set(Mediator.objects.filter(user__isnull=False).values_list("user_id", "body_id"))
    rows = []
    for post in posts:
        code = post.area.code
        while code and code not in bodies:
            code = code[:-3]
        body = bodies.get(code)
        if body is None or (post.user_id, body.pk) in linked:
            continue
        linked.add((post.user_id, body.pk))
        rows.append(
            Mediator(
                name=post.user.real_name or post.user.username,
                kind=MediatorKind.FULL_TIME
                if body.level != BodyLevel.VILLAGE
                else MediatorKind.INSTANT,
                body=body,
                user=post.user,
                phone_masked=identity.mask_phone(post.user.phone) if post.user.phone else "",
                since=datetime.date(2024, 1, 1),
            )
        )
    Mediator.objects.bulk_create(rows)


def _dispute_events(district: Area, villages: dict[str, int], limit: int) -> list[Any]:
    from shanzhi.events.models import Event

    rows = (
        Event.objects.filter(
            type__code__startswith="01",
            grid__path__startswith=district.path,
            mediation_case__isnull=True,
        )
        .order_by("-id")
        .values_list("id", "reported_at", "grid__parent__code")[:limit]
    )
    return [(pk, at, villages[code]) for pk, at, code in rows if code in villages]


def _resident_id(rng: random.Random, gender: str) -> str:
    born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randint(0, 365 * 52))
    seq = 2 * rng.randrange(250, 499) + (1 if gender == Gender.MALE else 0)
    first17 = f"{XUECHENG}{born:%Y%m%d}{seq:03d}"
    return first17 + identity.check_digit(first17)


def write_cases(
    ctx: DemoContext, district: Area, bodies: dict[str, MediationBody], size: Size
) -> int:
    now = timezone.now()
    villages = _villages(district)
    if not villages:
        return 0
    index = {v.code: i for i, v in enumerate(villages)}
    events = _dispute_events(district, index, limit=max(20, size.current // 6))
    rng = ctx.rng("mediation", "cases", size.current)
    plans = plan_cases(rng, size, now, len(villages), events)
    fake = ctx.faker("mediation", "cases", size.current)
    staff: dict[int, list[Mediator]] = {}
    for mediator in Mediator.objects.filter(body__in=bodies.values(), active=True).order_by(
        "body_id", "id"
    ):
        staff.setdefault(mediator.body_id, []).append(mediator)
    district_body = bodies[district.code]

    def body_for(plan: CasePlan) -> MediationBody:
        village = villages[plan.village]
        if plan.level == BodyLevel.VILLAGE and village.code in bodies:
            return bodies[village.code]
        if plan.level != BodyLevel.DISTRICT and village.code[:9] in bodies:
            return bodies[village.code[:9]]
        return district_body

    numbers = _numbers([p.registered_at for p in plans])
    cases: list[MediationCase] = []
    chosen: list[tuple[MediationBody, list[Mediator]]] = []
    for plan, number in zip(plans, numbers, strict=True):
        body = body_for(plan)
        team = staff.get(body.pk) or staff.get(district_body.pk, [])
        users = [m for m in team if m.user_id]
        lead = rng.choice(users) if users and rng.random() < 0.5 else rng.choice(team)
        helpers = [lead]
        if plan.second_mediator and len(team) > 1:
            helpers.append(rng.choice([m for m in team if m.pk != lead.pk]))
        chosen.append((body, helpers))
        title, facts, points, _ = STORIES[plan.category]
        case = MediationCase(
            number=number,
            title=f"{villages[plan.village].name}{title}",
            category=plan.category,
            source=plan.source,
            source_type=SOURCE_TYPE[plan.source],
            body=body,
            area=villages[plan.village],
            event_id=plan.event_id,
            description=f"{facts}{DEMO_MARK}",
            disputed_points=points,
            amount_involved=plan.amount,
            people_involved=plan.parties + (rng.randint(0, 6) if rng.random() < 0.1 else 0),
            state=plan.state,
            registered_by=lead.user,
            registered_at=plan.registered_at,
            accepted_at=plan.accepted_at,
            outcome_at=plan.outcome_at,
            archived_at=plan.archived_at,
        )
        if plan.accepted_at is not None:
            case.due_at, case.warn_at = workflow.due_dates(plan.accepted_at)
        if plan.outcome == State.REFUSED:
            case.refusal_reason = "一方当事人明确拒绝调解。"
        elif plan.outcome == State.FAILED:
            case.failure_reason = "双方分歧较大，经多次调解未能达成一致。"
            case.routes_informed = ROUTES
        elif plan.outcome == State.TERMINATED:
            case.termination_reason = "申请人撤回调解申请，已另行起诉。"
        cases.append(case)
    MediationCase.objects.bulk_create(cases, batch_size=1000)

    parties: list[Party] = []
    mediators: list[CaseMediator] = []
    sessions: list[Session] = []
    agreements: list[Agreement] = []
    confirmations: list[JudicialConfirmation] = []
    visits: list[ReturnVisit] = []
    timeline: list[CaseTimelineEntry] = []
    converted: list[tuple[int, datetime.datetime, str]] = []
    for plan, case, (body, helpers) in zip(plans, cases, chosen, strict=True):
        lead_user = helpers[0].user
        parties.extend(_parties(case, plan, fake, rng))

        def entry(
            at: Any,
            transition: str,
            before: str,
            after: str,
            comment: str = "",
            case: MediationCase = case,
            body: MediationBody = body,
            actor: Any = lead_user,
        ) -> None:
            timeline.append(
                CaseTimelineEntry(
                    case=case,
                    at=at,
                    actor=actor,
                    actor_post=body.name,
                    transition=transition,
                    from_state=before,
                    to_state=after,
                    comment=comment,
                )
            )

        entry(plan.registered_at, "register", "", State.REGISTERED)
        if plan.event_id is not None:
            converted.append((plan.event_id, plan.registered_at, case.number))
        if plan.outcome == State.REFUSED:
            entry(plan.outcome_at, "refuse", State.REGISTERED, State.REFUSED,
                  case.refusal_reason)  # fmt: skip
            _archive(plan, entry, State.REFUSED)
            continue
        if plan.accepted_at is None:
            continue
        entry(plan.accepted_at, "accept", State.REGISTERED, State.ACCEPTED)
        if plan.state == State.ACCEPTED:
            continue
        assigned = plan.accepted_at + datetime.timedelta(minutes=rng.randint(5, 120))
        if plan.sessions:
            assigned = min(assigned, plan.sessions[0] - datetime.timedelta(minutes=1))
        assigned = max(assigned, plan.accepted_at + datetime.timedelta(seconds=1))
        for k, mediator in enumerate(helpers):
            mediators.append(
                CaseMediator(case=case, mediator=mediator, is_lead=k == 0, assigned_at=assigned)
            )
        entry(assigned, "assign", State.ACCEPTED, State.MEDIATING,
              "、".join(m.name for m in helpers))  # fmt: skip
        for held in plan.sessions:
            sessions.append(
                Session(
                    case=case,
                    held_at=held,
                    place=body.address or body.name,
                    attendees="、".join(m.name for m in helpers) + "及双方当事人",
                    record="调解员分别听取双方陈述，释法说理，引导双方互谅互让。",
                    recorded_by=lead_user,
                    created_at=held + datetime.timedelta(hours=1),
                )
            )
        if plan.outcome_at is None:
            continue
        if plan.outcome == State.AGREED:
            entry(plan.outcome_at, "agree", State.MEDIATING, State.AGREED)
            signed = workdays.local_day(plan.outcome_at)
            agreements.append(
                Agreement(
                    case=case,
                    form=plan.agreement_form,
                    facts=STORIES[plan.category][1],
                    disputed_points=STORIES[plan.category][2],
                    responsibilities="双方自愿达成如下协议，各自履行。",
                    signed_on=signed,
                    copies=plan.parties + 1,
                    created_at=plan.outcome_at,
                )
            )
            if plan.confirmation:
                applied = signed + datetime.timedelta(days=rng.randint(1, 7))
                decided = applied + datetime.timedelta(days=rng.randint(5, 15))
                confirmations.append(
                    JudicialConfirmation(
                        case=case,
                        due_on=signed + datetime.timedelta(days=30),
                        applied_on=applied,
                        court=COURT,
                        result=plan.confirmation,
                        decided_on=None
                        if plan.confirmation == ConfirmationResult.PENDING
                        else decided,
                    )
                )
            if plan.visited_on is not None:
                visit_at = workdays.end_of_day(plan.visited_on) - datetime.timedelta(hours=7)
                visits.append(
                    ReturnVisit(
                        case=case,
                        visited_on=plan.visited_on,
                        visitor=lead_user,
                        performance=plan.performance,
                        note="当事人表示协议已按约履行。"
                        if plan.performance == Performance.FULL
                        else "已督促义务人按协议履行。",
                        created_at=visit_at,
                    )
                )
                entry(visit_at, "visit", State.AGREED, State.VISITED)
                _archive(plan, entry, State.VISITED)
        elif plan.outcome == State.FAILED:
            entry(plan.outcome_at, "fail", State.MEDIATING, State.FAILED, case.failure_reason)
            _archive(plan, entry, State.FAILED)
        else:
            entry(plan.outcome_at, "terminate", State.MEDIATING, State.TERMINATED,
                  case.termination_reason)  # fmt: skip
            _archive(plan, entry, State.TERMINATED)
    Party.objects.bulk_create(parties, batch_size=2000)
    CaseMediator.objects.bulk_create(mediators, batch_size=2000)
    Session.objects.bulk_create(sessions, batch_size=2000)
    Agreement.objects.bulk_create(agreements, batch_size=2000)
    terms = []
    plan_of = {case.pk: plan for plan, case in zip(plans, cases, strict=True)}
    for agreement in agreements:
        plan = plan_of[agreement.case.pk]
        for k, content in enumerate(STORIES[plan.category][3], start=1):
            terms.append(
                AgreementTerm(
                    agreement=agreement,
                    order=k,
                    content=content,
                    manner="一次性履行" if k == 1 else "按约定履行",
                    deadline=agreement.signed_on + datetime.timedelta(days=15 * k),
                )
            )
    AgreementTerm.objects.bulk_create(terms, batch_size=2000)
    JudicialConfirmation.objects.bulk_create(confirmations, batch_size=2000)
    ReturnVisit.objects.bulk_create(visits, batch_size=2000)
    CaseTimelineEntry.objects.bulk_create(timeline, batch_size=2000)
    _note_events(converted)
    return len(cases)


def _archive(plan: CasePlan, entry: Any, before: str) -> None:
    if plan.archived_at is not None:
        entry(plan.archived_at, "archive", before, State.ARCHIVED)


def _parties(case: MediationCase, plan: CasePlan, fake: Any, rng: random.Random) -> list[Party]:
    out = []
    roles = [PartyRole.APPLICANT, PartyRole.RESPONDENT, PartyRole.THIRD_PARTY][: plan.parties]
    for role in roles:
        if role == PartyRole.RESPONDENT and plan.category in ORGANISATION_RESPONDENT:
            phone = protection.seal_phone(f"0632-{rng.randint(4000000, 8999999)}")
            out.append(
                Party(
                    case=case,
                    role=role,
                    kind=PartyKind.ORGANISATION,
                    name=fake.company(),
                    phone_enc=phone.enc,
                    phone_index=phone.index,
                    phone_masked=phone.masked,
                    address=f"{case.area.name}",
                    agent_name=fake.name(),
                    agent_relation="单位负责人",
                )
            )
            continue
        gender = Gender.MALE if rng.random() < 0.55 else Gender.FEMALE
        name = fake.name_male() if gender == Gender.MALE else fake.name_female()
        sealed_id = protection.seal_id(identity.IdType.RESIDENT, _resident_id(rng, gender))
        phone = protection.seal_phone(_phone(rng))
        out.append(
            Party(
                case=case,
                role=role,
                kind=PartyKind.PERSON,
                name=name,
                gender=gender,
                id_number_enc=sealed_id.enc,
                id_number_index=sealed_id.index,
                id_number_masked=sealed_id.masked,
                phone_enc=phone.enc,
                phone_index=phone.index,
                phone_masked=phone.masked,
                address=f"{case.area.name}{rng.randint(1, 120)}号",
            )
        )
    return out


def _numbers(instants: list[datetime.datetime]) -> list[str]:
    """Case numbers TJ + yyyymmdd + four digits, continuing each day's sequence."""
    days = [workdays.local_day(at) for at in instants]
    last = dict(CaseNumberSequence.objects.filter(day__in=set(days)).values_list("day", "last"))
    for day in set(days):
        top = MediationCase.objects.filter(number__startswith=f"TJ{day:%Y%m%d}").aggregate(
            top=Max("number")
        )["top"]
        if top:
            last[day] = max(last.get(day, 0), int(top[-4:]))
    out = []
    for day in days:
        last[day] = last.get(day, 0) + 1
        out.append(f"TJ{day:%Y%m%d}{last[day]:04d}")
    CaseNumberSequence.objects.bulk_create(
        [CaseNumberSequence(day=day, last=value) for day, value in last.items()],
        update_conflicts=True,
        unique_fields=["day"],
        update_fields=["last"],
    )
    return out


def _note_events(converted: list[tuple[int, datetime.datetime, str]]) -> None:
    """The converted events' timelines say so (as ``events.services.event_note_linked``)."""
    if not converted:
        return
    from shanzhi.events.models import Event, TimelineEntry

    states = dict(Event.objects.filter(pk__in=[c[0] for c in converted]).values_list("id", "state"))
    TimelineEntry.objects.bulk_create(
        [
            TimelineEntry(
                event_id=event_id,
                at=at,
                actor_post=DEMO_POST,
                transition="linked_note",
                from_state=states[event_id],
                to_state=states[event_id],
                comment=f"转人民调解，案件编号 {number}",
                data={"mediation_case": number},
            )
            for event_id, at, number in converted
        ],
        batch_size=2000,
    )


def counts(district: Area) -> dict[str, Any]:
    """Demo figures for the report line and tests: cases by level and state."""
    cases = MediationCase.objects.filter(area__path__startswith=district.path)
    return {
        "levels": Counter(cases.values_list("body__level", flat=True)),
        "states": Counter(cases.values_list("state", flat=True)),
    }
