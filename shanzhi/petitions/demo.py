"""Demo part of petitions (信访, see core/demo.py): a year of petitions in 薛城区 and what hangs on
them.

- **Petitions** over the last 12 months (``Size``): seed scale 600 — Zaozhuang's figures: 142
  涉法涉诉 petitions diverted to the political-legal organs (诉访分离, all resolved there) with
  judicial aid of 5,820,000.00 yuan paid on them; the rest routed to a department or a town,
  accepted, handled and answered with a 处理意见书, some asked for 复查, a few taken through 复核
  (the matter is then final, and a later petition on it is not accepted), some not accepted,
  a few still open (some overdue). Group visits name at most five representatives (art. 18).
- **Reception days**: the Friday 周五信访例会 with the district leader, three slots each, with
  bookings (past ones attended or missed, coming ones booked).
- **Special action** "四查四清四到位" with a case list and checklists partly ticked.

``plan_petitions`` decides the petitions and the aid as plain data (no database), so tests
check the seed's 142 cases and 5.82 M without building the district; ``write_petitions``
writes them with ``bulk_create``. Deadlines come from ``petitions.deadlines`` (the services'
rules), timestamps run registered < routed < accepted < replied < closed.

Idempotent: petitions only when no demo petition (``DEMO_MARK`` ends its content) exists in
薛城区, reception days and the special action by their demo note / name. ``prepare`` removes
them from a small 薛城区 before ``--scale seed`` replaces it.
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

from django.db.models import Max
from django.utils import timezone

from shanzhi.accounts.models import Department, Post, Role, User
from shanzhi.areas.models import Area, Level
from shanzhi.core.demo import DemoContext
from shanzhi.registry import identity, protection
from shanzhi.registry.demo.places import is_seed_sized
from shanzhi.workdays import calendar as workdays

from . import deadlines
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
from .models import (
    AidApplication,
    AidPayment,
    ChecklistItem,
    Petition,
    Petitioner,
    PetitionMatter,
    PetitionNumberSequence,
    PetitionTimelineEntry,
    ReceptionBooking,
    ReceptionDay,
    ReceptionSlot,
    Reply,
    Review,
    SpecialAction,
    SpecialActionCase,
)
from .services.petitions import final_message

XUECHENG = "370403"
DEMO_MARK = "（演示数据）"
OFFICE = "薛城区信访局"
ACTION_NAME = "四查四清四到位"
ACTION_CHECKLIST = ["查清信访诉求", "查清政策依据", "查清责任主体", "化解措施到位"]
REVIEW_BODY = "薛城区人民政府"
REREVIEW_BODY = "枣庄市人民政府信访事项复查复核委员会"
LEGAL_BODIES = (
    "薛城区人民法院",
    "薛城区人民法院",
    "薛城区人民检察院",
    "枣庄市公安局薛城分局",
    "薛城区司法局",
)


@dataclass(frozen=True)
class Size:
    total: int  # petitions registered in the last 12 months
    law: int  # 涉法涉诉, diverted to the political-legal organs
    aid_paid: int  # judicial aid applications paid (on law-related petitions)
    aid_rejected: int
    aid_pending: int
    aid_total: Decimal  # paid in all
    finalised: int  # matters taken through 复核, each with one later petition refused
    reviews: int  # further petitions with a 复查 only
    open: int  # still with an office
    overdue: int  # of which past their running deadline
    not_accepted: int


SMALL = Size(
    total=20, law=4, aid_paid=3, aid_rejected=1, aid_pending=0, aid_total=Decimal("126000.00"),
    finalised=1, reviews=1, open=5, overdue=1, not_accepted=1,
)  # fmt: skip
# Zaozhuang: 142 涉法涉诉 cases resolved, 5.82 M yuan of judicial aid.
SEED = Size(
    total=600, law=142, aid_paid=120, aid_rejected=8, aid_pending=4,
    aid_total=Decimal("5820000.00"), finalised=4, reviews=18, open=30, overdue=5,
    not_accepted=10,
)  # fmt: skip

CHANNEL_WEIGHTS: tuple[tuple[str, int], ...] = (
    (Channel.VISIT, 30),
    (Channel.ONLINE, 30),
    (Channel.PHONE, 20),
    (Channel.LETTER, 15),
    (Channel.FAX, 5),
)
TYPE_WEIGHTS: tuple[tuple[str, int], ...] = (
    (PetitionType.APPEAL, 70),
    (PetitionType.SUGGESTION, 15),
    (PetitionType.ACCUSATION, 15),
)
SUBJECTS: dict[str, tuple[str, ...]] = {
    PetitionType.APPEAL: (
        "反映拖欠工程款问题", "要求解决房屋漏水问题", "反映征地补偿标准问题",
        "要求落实低保待遇", "反映企业改制职工安置问题", "要求解决子女入学问题",
        "反映小区供暖不达标问题", "要求办理不动产登记", "反映养老保险待遇问题",
    ),
    PetitionType.SUGGESTION: (
        "建议增设公交线路", "建议改造老旧小区路灯", "建议规范农贸市场管理",
        "建议增设学校周边减速带",
    ),
    PetitionType.ACCUSATION: (
        "举报村干部违规发放补贴", "举报企业违法排污", "举报违章建筑", "举报非法占用耕地",
    ),
}  # fmt: skip
LAW_SUBJECTS = (
    "对民事判决不服申诉", "要求法院执行到位", "反映案件久拖未决", "不服公安机关处理决定",
    "要求追究交通肇事者刑事责任", "反映执行款未发放",
)  # fmt: skip
# Handling bodies: a department of the district (key) or a town (None).
HANDLERS: tuple[tuple[str | None, int], ...] = (
    (None, 40),
    ("ZJ", 14),
    ("RS", 12),
    ("CG", 10),
    ("SJ", 8),
    ("GA", 6),
    ("YJ", 4),
    ("WJ", 4),
    ("SF", 2),
)
DECISION_WEIGHTS = ((Decision.SUPPORT, 35), (Decision.EXPLAIN, 45), (Decision.REJECT, 20))
MOBILE_PREFIXES = "133 135 137 138 139 150 151 158 159 177 182 186 188".split()


# --- the plan: plain data -----------------------------------------------------------------------


@dataclass(slots=True)
class ReviewPlan:
    kind: str
    requested_at: datetime.datetime
    decided_at: datetime.datetime | None
    decision: str = ""


@dataclass(slots=True)
class AidPlan:
    state: str
    requested: Decimal
    approved: Decimal | None
    applied_at: datetime.datetime
    decided_at: datetime.datetime | None
    payments: list[tuple[Decimal, datetime.date]] = field(default_factory=list)


@dataclass(slots=True)
class PetitionPlan:
    registered_at: datetime.datetime
    kind: str  # law / regular / repeat (refused: matter final) / not_accepted / open
    state: str
    channel: str
    type: str
    subject: str
    village: int
    matter: int  # petitions with the same number share a matter
    handler: str | None = None  # department key, or None for the petition's town
    is_group: bool = False
    group_size: int = 1
    representatives: int = 1
    legal_body: str = ""
    diverted_at: datetime.datetime | None = None
    assigned_at: datetime.datetime | None = None
    accepted_at: datetime.datetime | None = None
    started_at: datetime.datetime | None = None
    extension_days: int = 0
    extended_at: datetime.datetime | None = None
    replied_at: datetime.datetime | None = None
    decision: str = ""
    closed_at: datetime.datetime | None = None
    not_accepted_at: datetime.datetime | None = None
    reviews: list[ReviewPlan] = field(default_factory=list)
    finalised_at: datetime.datetime | None = None
    aid: AidPlan | None = None


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _days(rng: random.Random, low: float, high: float) -> datetime.timedelta:
    return datetime.timedelta(days=rng.uniform(low, high))


def plan_petitions(
    rng: random.Random, size: Size, now: datetime.datetime, villages: int
) -> list[PetitionPlan]:
    """The petitions of the last 12 months, oldest first (see the module doc)."""
    latest = now - datetime.timedelta(minutes=5)
    plans: list[PetitionPlan] = []
    matter = 0

    def new(kind: str, registered: datetime.datetime, **extra: Any) -> PetitionPlan:
        nonlocal matter
        ptype = extra.pop("type", None) or _pick(rng, TYPE_WEIGHTS)
        channel = extra.pop("channel", None) or _pick(rng, CHANNEL_WEIGHTS)
        plan = PetitionPlan(
            registered_at=registered,
            kind=kind,
            state=State.REGISTERED,
            channel=channel,
            type=ptype,
            subject=rng.choice(LAW_SUBJECTS if kind == "law" else SUBJECTS[ptype]),
            village=rng.randrange(villages),
            matter=extra.pop("matter", None) if "matter" in extra else matter,
            handler=_pick(rng, HANDLERS),
            **extra,
        )
        if plan.matter == matter:
            matter += 1
        if channel == Channel.VISIT and kind in ("regular", "open") and rng.random() < 0.12:
            plan.is_group = True
            plan.group_size = rng.randint(6, 40)
            plan.representatives = rng.randint(2, 5)  # art. 18: at most five
        plans.append(plan)
        return plan

    def some_time(low_days: float, high_days: float) -> datetime.datetime:
        return now - _days(rng, low_days, high_days)

    # 涉法涉诉: diverted to the political-legal organs within days (诉访分离).
    for _ in range(size.law):
        plan = new("law", some_time(3, 364), type=PetitionType.APPEAL)
        plan.state = State.DIVERTED
        plan.legal_body = rng.choice(LEGAL_BODIES)
        plan.diverted_at = min(plan.registered_at + _days(rng, 0.1, 8), latest)
        plan.handler = None
    _plan_aid(rng, size, [p for p in plans if p.kind == "law"], latest)
    # Matters taken through 复查 and 复核, then a repeat petition refused.
    for _ in range(size.finalised):
        plan = new("regular", some_time(300, 355), type=PetitionType.APPEAL)
        _handle(plan, rng, latest, reply_days=(20, 40))
        plan.decision = rng.choice([Decision.EXPLAIN, Decision.REJECT])
        asked = plan.replied_at + _days(rng, 3, 25)
        review = ReviewPlan(ReviewKind.REVIEW, asked, asked + _days(rng, 10, 28),
                            ReviewDecision.UPHOLD)  # fmt: skip
        asked = review.decided_at + _days(rng, 3, 25)
        rereview = ReviewPlan(ReviewKind.REREVIEW, asked, asked + _days(rng, 10, 28),
                              ReviewDecision.UPHOLD)  # fmt: skip
        plan.reviews = [review, rereview]
        plan.state = State.REREVIEWED
        plan.finalised_at = rereview.decided_at
        repeat = new(
            "repeat",
            min(rereview.decided_at + _days(rng, 10, 60), latest - datetime.timedelta(days=3)),
            type=plan.type,
            matter=plan.matter,
        )
        repeat.subject, repeat.village, repeat.handler = plan.subject, plan.village, plan.handler
        # As ``petition_register`` records it: not accepted on registration, never routed.
        repeat.not_accepted_at = repeat.registered_at
        repeat.state = State.NOT_ACCEPTED
    # Petitions with a 复查 (decided, or waiting for the decision when recent).
    for n in range(size.reviews):
        # The first one still waits for its decision (asked within the last ten days).
        plan = new("regular", some_time(60, 330) if n else some_time(40, 45))
        _handle(plan, rng, latest, reply_days=(10, 45) if n else (5, 15))
        if plan.replied_at is None:
            continue
        asked = min(plan.replied_at + _days(rng, 2, 25), latest)
        if n == 0:
            ten_days_ago = now - datetime.timedelta(days=10)
            asked = min(max(plan.replied_at + _days(rng, 0.2, 1), ten_days_ago), latest)
        decided = asked + _days(rng, 8, 28)
        if n == 0 or decided >= latest:
            plan.reviews = [ReviewPlan(ReviewKind.REVIEW, asked, None)]
            plan.state = State.REVIEW_REQUESTED
            continue
        plan.reviews = [ReviewPlan(ReviewKind.REVIEW, asked, decided,
                                   _pick(rng, ((ReviewDecision.UPHOLD, 85),
                                               (ReviewDecision.CHANGE, 10),
                                               (ReviewDecision.REVOKE, 5))))]  # fmt: skip
        plan.state = State.REVIEWED
        window = deadlines.request_due(decided)
        if window < latest:
            plan.closed_at = min(window + _days(rng, 0.5, 3), latest)
            plan.state = State.CLOSED
    for _ in range(size.not_accepted):
        plan = new("not_accepted", some_time(20, 360))
        plan.assigned_at = plan.registered_at + _days(rng, 0.5, 10)
        plan.not_accepted_at = min(plan.assigned_at + _days(rng, 1, 12), latest)
        plan.state = State.NOT_ACCEPTED
    # Open ones: the overdue first (past their running deadline), then fresh ones.
    for n in range(size.open):
        if n < size.overdue:
            plan = new("open", some_time(80, 110))
            _route(plan, rng, latest)
            plan.accepted_at = plan.assigned_at + _days(rng, 1, 5)
            plan.started_at = plan.accepted_at + _days(rng, 0.2, 2)
            plan.state = State.HANDLING
            continue
        state = rng.choice([State.REGISTERED, State.ASSIGNED, State.ACCEPTED, State.HANDLING])
        age = {State.REGISTERED: (0.2, 8), State.ASSIGNED: (1, 12)}.get(state, (3, 40))
        plan = new("open", some_time(*age))
        if state == State.REGISTERED:
            continue
        plan.assigned_at = min(plan.registered_at + _days(rng, 0.1, 2), latest)
        plan.state = State.ASSIGNED
        if state == State.ASSIGNED:
            continue
        accepted = plan.assigned_at + _days(rng, 0.5, 3)
        if accepted >= latest:
            continue
        plan.accepted_at, plan.state = accepted, State.ACCEPTED
        started = accepted + _days(rng, 0.1, 2)
        if state == State.HANDLING and started < latest:
            plan.started_at, plan.state = started, State.HANDLING
    # The rest: routed, accepted, handled and answered; closed once the 复查 window passed.
    while len(plans) < size.total:
        plan = new("regular", some_time(12, 364))
        _handle(plan, rng, latest, reply_days=(5, 55))
        if plan.replied_at is None:  # too fresh to be answered
            continue
        window = deadlines.request_due(plan.replied_at)
        if window < latest:
            plan.closed_at = min(window + _days(rng, 0.5, 3), latest)
            plan.state = State.CLOSED
    # Group visits (集体访): a few, at least one.
    groups = sum(p.is_group for p in plans)
    for plan in plans:
        if groups >= max(1, size.total // 60):
            break
        if plan.kind in ("regular", "open") and not plan.is_group and not plan.reviews:
            plan.channel, plan.is_group = Channel.VISIT, True
            plan.group_size, plan.representatives = rng.randint(6, 40), rng.randint(2, 5)
            groups += 1
    plans.sort(key=lambda p: p.registered_at)
    return plans


def _route(plan: PetitionPlan, rng: random.Random, latest: datetime.datetime) -> None:
    plan.assigned_at = min(plan.registered_at + _days(rng, 0.3, 12), latest)
    plan.state = State.ASSIGNED


def _handle(
    plan: PetitionPlan, rng: random.Random, latest: datetime.datetime, reply_days: tuple[int, int]
) -> None:
    """Route, accept, start and reply (within the art. 34 limit, sometimes extended)."""
    _route(plan, rng, latest)
    accepted = plan.assigned_at + _days(rng, 0.5, 10)
    if accepted >= latest:
        return
    plan.accepted_at, plan.state = accepted, State.ACCEPTED
    plan.started_at = accepted + _days(rng, 0.05, 2)
    if plan.started_at >= latest:
        plan.started_at = None
        return
    plan.state = State.HANDLING
    replied = plan.started_at + _days(rng, *reply_days)
    if rng.random() < 0.05:
        plan.extension_days = rng.choice((15, 20, 30))
        plan.extended_at = plan.started_at + _days(rng, 20, 40)
        replied = deadlines.handle_due(accepted) + _days(rng, 1, plan.extension_days - 1)
    if replied >= latest:
        plan.extension_days, plan.extended_at = 0, None
        return
    plan.replied_at = replied
    plan.decision = _pick(rng, DECISION_WEIGHTS)
    plan.state = State.REPLIED


def _amounts(rng: random.Random, total: Decimal, count: int) -> list[Decimal]:
    """``count`` amounts in whole hundreds of yuan summing exactly to ``total``."""
    if count <= 0:
        return []
    hundreds = int(total / 100)
    weights = [rng.uniform(0.3, 2.5) for _ in range(count)]
    scale = sum(weights)
    parts = [max(30, int(hundreds * w / scale)) for w in weights]
    parts[parts.index(max(parts))] += hundreds - sum(parts)
    cents = total - Decimal(hundreds * 100)
    out = [Decimal(p * 100) for p in parts]
    out[0] += cents
    return out


def _plan_aid(
    rng: random.Random, size: Size, law: list[PetitionPlan], latest: datetime.datetime
) -> None:
    """Judicial aid on the law-related petitions: ``aid_paid`` paid (``aid_total`` in all, some
    in two instalments), some rejected, some still waiting."""
    chosen = rng.sample(law, min(len(law), size.aid_paid + size.aid_rejected + size.aid_pending))
    chosen.sort(key=lambda p: p.registered_at)
    # The newest wait for a decision; the paid ones are the oldest.
    pending = chosen[len(chosen) - size.aid_pending :] if size.aid_pending else []
    rest = chosen[: len(chosen) - len(pending)]
    rejected = set(id(p) for p in rng.sample(rest, min(size.aid_rejected, len(rest))))
    paid = [p for p in rest if id(p) not in rejected]
    amounts = _amounts(rng, size.aid_total, len(paid))
    for plan in rest:
        applied = min(plan.diverted_at + _days(rng, 1, 20), latest - datetime.timedelta(days=2))
        decided = min(applied + _days(rng, 3, 25), latest - datetime.timedelta(days=1))
        if id(plan) in rejected:
            requested = Decimal(rng.randrange(50, 600) * 100)
            plan.aid = AidPlan(AidState.REJECTED, requested, None, applied, decided)
            continue
        approved = amounts.pop()
        requested = approved + Decimal(rng.randrange(0, 200) * 100)
        first_day = min(workdays.local_day(decided) + datetime.timedelta(days=rng.randint(1, 10)),
                        workdays.local_day(latest))  # fmt: skip
        if approved >= 20_000 and rng.random() < 0.3:
            first = (approved * Decimal("0.6")).quantize(Decimal("100"))
            second_day = min(first_day + datetime.timedelta(days=rng.randint(20, 60)),
                             workdays.local_day(latest))  # fmt: skip
            payments = [(first, first_day), (approved - first, second_day)]
        else:
            payments = [(approved, first_day)]
        plan.aid = AidPlan(AidState.PAID, requested, approved, applied, decided, payments)
    for plan in pending:
        applied = min(plan.diverted_at + _days(rng, 1, 5), latest)
        plan.aid = AidPlan(
            AidState.APPLIED, Decimal(rng.randrange(100, 800) * 100), None, applied, None
        )


def aid_paid_total(plans: list[PetitionPlan]) -> Decimal:
    return sum((amount for p in plans if p.aid for amount, _ in p.aid.payments), start=Decimal("0"))


# --- writing ------------------------------------------------------------------------------------


def build(ctx: DemoContext, size: Size | None = None) -> None:
    district = Area.objects.filter(code=XUECHENG, level=Level.DISTRICT).first()
    if district is None:
        ctx.log("  信访 petitions: 缺少薛城区，跳过 (district missing)")
        return
    started = time.monotonic()
    if size is None:
        size = SEED if ctx.scale == "seed" and is_seed_sized(district) else SMALL
    users = _users(district)
    made = 0
    if not Petition.objects.filter(
        area__path__startswith=district.path, content__endswith=DEMO_MARK
    ).exists():
        with one_calendar():
            made = write_petitions(ctx, district, size, users)
    days = reception_ensure(ctx, district, users, weeks_back=12 if size.total > 100 else 4)
    cases = action_ensure(ctx, district, users, cases=36 if size.total > 100 else 6)
    ctx.log(
        f"  信访 petitions: {made} 信访件, {days} 接访日 reception days, "
        f"{cases} 专项行动案件 ({time.monotonic() - started:.1f} s)"
    )


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


def prepare(ctx: DemoContext) -> None:
    """Remove the demo's petition rows from a small 薛城区 that ``--scale seed`` replaces."""
    if ctx.scale != "seed":
        return
    district = Area.objects.filter(code=XUECHENG, level=Level.DISTRICT).first()
    if district is None or is_seed_sized(district):
        return
    petitions = Petition.objects.filter(
        area__path__startswith=district.path, content__endswith=DEMO_MARK
    )
    SpecialAction.objects.filter(area=district, name=ACTION_NAME).delete()
    ReceptionBooking.objects.filter(slot__day__area=district, slot__day__notes=DEMO_MARK).delete()
    ReceptionDay.objects.filter(area=district, notes=DEMO_MARK).delete()
    AidPayment.objects.filter(application__petition__in=petitions).delete()
    AidApplication.objects.filter(petition__in=petitions).delete()
    matters = list(petitions.values_list("matter_id", flat=True))
    PetitionMatter.objects.filter(pk__in=matters).update(first_petition=None)
    petitions.delete()
    PetitionMatter.objects.filter(pk__in=matters, petitions__isnull=True).delete()


def _users(district: Area) -> dict[str, User | None]:
    """The demo's office staff: the petitions officer, the leader, the approver of aid."""

    def first(role: str, area: Area | None) -> User | None:
        posts = Post.objects.filter(role=role, is_active=True)
        if area is not None:
            posts = posts.filter(area=area)
        post = posts.select_related("user").order_by("id").first()
        return post.user if post else None

    return {
        "officer": first(Role.PETITION_OFFICER, district),
        "leader": first(Role.LEADER, district),
        "approver": first(Role.CITY_ADMIN, None),
    }


def _phone(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def _resident_id(rng: random.Random) -> str:
    born = datetime.date(1945, 1, 1) + datetime.timedelta(days=rng.randint(0, 365 * 55))
    first17 = f"{XUECHENG}{born:%Y%m%d}{rng.randrange(500, 999):03d}"
    return first17 + identity.check_digit(first17)


def write_petitions(
    ctx: DemoContext, district: Area, size: Size, users: dict[str, User | None]
) -> int:
    now = timezone.now()
    villages = list(
        Area.objects.filter(path__startswith=district.path, level=Level.VILLAGE)
        .select_related("parent")
        .order_by("code")
    )
    if not villages:
        return 0
    departments = {
        d.code.split("-", 1)[1]: d
        for d in Department.objects.filter(area=district, is_active=True, code__contains="-")
    }
    rng = ctx.rng("petitions", size.total)
    fake = ctx.faker("petitions", size.total)
    plans = plan_petitions(rng, size, now, len(villages))
    officer, approver = users["officer"], users["approver"]
    post = OFFICE

    matters: dict[int, PetitionMatter] = {}
    for plan in plans:
        if plan.matter not in matters:
            matters[plan.matter] = PetitionMatter(
                title=plan.subject,
                area=villages[plan.village],
                created_at=plan.registered_at,
            )
        if plan.finalised_at is not None:
            matter = matters[plan.matter]
            matter.finalised_at = plan.finalised_at
            matter.final_reason = "复核维持原处理意见，信访事项终结。"
    PetitionMatter.objects.bulk_create(matters.values(), batch_size=1000)

    numbers = _numbers([p.registered_at for p in plans])
    petitions: list[Petition] = []
    for plan, number in zip(plans, numbers, strict=True):
        village = villages[plan.village]
        department = departments.get(plan.handler) if plan.handler else None
        area = None if department is not None else (village.parent or village)
        routed = plan.assigned_at is not None
        p = Petition(
            number=number,
            matter=matters[plan.matter],
            channel=plan.channel,
            type=plan.type,
            title=f"{village.name}群众{plan.subject}",
            content=f"信访人{plan.subject}，请求有关部门依法处理。{DEMO_MARK}",
            area=village,
            is_group=plan.is_group,
            group_size=plan.group_size,
            law_related=plan.kind == "law",
            legal_body=plan.legal_body,
            state=plan.state,
            registered_by=officer,
            registered_at=plan.registered_at,
            route_due_at=deadlines.route_due(plan.registered_at),
            assigned_department=department if routed else None,
            assigned_area=area if routed else None,
            assigned_at=plan.assigned_at,
            accept_due_at=deadlines.accept_due(plan.assigned_at) if routed else None,
            objection_due_at=deadlines.objection_due(plan.assigned_at) if routed else None,
            accepted_at=plan.accepted_at,
            not_accepted_reason=(
                final_message()
                if plan.kind == "repeat"
                else (
                    "不属于本机关职权范围，且已告知信访人向有权机关提出。"
                    if plan.kind == "not_accepted"
                    else ""
                )
            ),  # fmt: skip
            extension_days=plan.extension_days,
            extension_reason="案情复杂，需进一步调查核实。" if plan.extension_days else "",
            extended_at=plan.extended_at,
            extended_by=officer if plan.extension_days else None,
            replied_at=plan.replied_at,
            decision=plan.decision,
            closed_at=plan.closed_at,
        )
        if plan.accepted_at is not None:
            p.handle_due_at = deadlines.handle_due(plan.accepted_at) + datetime.timedelta(
                days=plan.extension_days
            )
        last_decision = plan.reviews[-1].decided_at if plan.reviews else None
        if plan.replied_at is not None:
            p.review_request_due_at = deadlines.request_due(last_decision or plan.replied_at)
        kind, field_name = deadlines.RUNNING.get(plan.state, ("", None))
        if kind:
            p.due_kind = kind
            if field_name:
                p.due_at = getattr(p, field_name)
            else:
                p.due_at = deadlines.decide_due(plan.reviews[-1].requested_at)
        petitions.append(p)
    Petition.objects.bulk_create(petitions, batch_size=1000)
    firsts = {}
    for p in petitions:
        firsts.setdefault(p.matter_id, p.pk)
    for matter in matters.values():
        matter.first_petition_id = firsts.get(matter.pk)
    PetitionMatter.objects.bulk_update(matters.values(), ["first_petition"], batch_size=1000)

    petitioners: list[Petitioner] = []
    replies: list[Reply] = []
    reviews: list[Review] = []
    timeline: list[PetitionTimelineEntry] = []
    aid_rows: list[tuple[AidApplication, AidPlan]] = []
    for plan, p in zip(plans, petitions, strict=True):
        for k in range(plan.representatives):
            sealed_id = protection.seal_id(identity.IdType.RESIDENT, _resident_id(rng))
            phone = protection.seal_phone(_phone(rng))
            petitioners.append(
                Petitioner(
                    petition=p,
                    name=fake.name(),
                    id_number_enc=sealed_id.enc,
                    id_number_index=sealed_id.index,
                    id_number_masked=sealed_id.masked,
                    phone_enc=phone.enc,
                    phone_index=phone.index,
                    phone_masked=phone.masked,
                    address=f"{p.area.name}{rng.randint(1, 150)}号",
                    is_representative=plan.is_group or k == 0 and plan.representatives > 1,
                )
            )
        handler_post = str(p.assigned_department or p.assigned_area or "")

        def entry(
            at: Any,
            transition: str,
            before: str,
            after: str,
            comment: str = "",
            actor: Any = None,
            where: str = post,
            petition: Petition = p,
        ) -> None:
            timeline.append(
                PetitionTimelineEntry(
                    petition=petition,
                    at=at,
                    actor=actor,
                    actor_post=where,
                    transition=transition,
                    from_state=before,
                    to_state=after,
                    comment=comment,
                )
            )

        entry(plan.registered_at, "register", "", State.REGISTERED, actor=officer)
        if plan.diverted_at is not None:
            entry(plan.diverted_at, "divert", State.REGISTERED, State.DIVERTED,
                  f"导入法律程序：{plan.legal_body}", actor=officer)  # fmt: skip
        if plan.kind == "repeat":
            entry(plan.registered_at, "not_accept", State.REGISTERED, State.NOT_ACCEPTED,
                  p.not_accepted_reason, actor=officer)  # fmt: skip
            continue
        if plan.assigned_at is None:
            if plan.aid is not None:
                aid_rows.append((_aid_application(plan.aid, p, fake, officer, approver),
                                 plan.aid))  # fmt: skip
            continue
        entry(plan.assigned_at, "route", State.REGISTERED, State.ASSIGNED,
              f"交办{handler_post}", actor=officer)  # fmt: skip
        if plan.not_accepted_at is not None:
            entry(plan.not_accepted_at, "not_accept", State.ASSIGNED, State.NOT_ACCEPTED,
                  p.not_accepted_reason, where=handler_post)  # fmt: skip
            continue
        if plan.accepted_at is None:
            continue
        entry(plan.accepted_at, "accept", State.ASSIGNED, State.ACCEPTED, where=handler_post)
        if plan.started_at is None:
            continue
        entry(plan.started_at, "start", State.ACCEPTED, State.HANDLING, where=handler_post)
        if plan.extended_at is not None:
            entry(plan.extended_at, "extend", State.HANDLING, State.HANDLING,
                  f"延长办理期限 {plan.extension_days} 日", actor=officer)  # fmt: skip
        if plan.replied_at is None:
            continue
        entry(plan.replied_at, "reply", State.HANDLING, State.REPLIED, where=handler_post)
        replies.append(
            Reply(
                petition=p,
                decision=plan.decision,
                facts=f"经调查核实，信访人{plan.subject}情况属实。",
                basis="依据国家有关法律法规和政策规定。",
                opinion={
                    Decision.SUPPORT: "信访人诉求合理，予以支持，责成有关单位限期解决。",
                    Decision.EXPLAIN: "已向信访人解释说明有关政策规定。",
                    Decision.REJECT: "信访人诉求缺乏依据，不予支持。",
                }[plan.decision],
                review_body=REVIEW_BODY,
                issued_at=plan.replied_at,
            )
        )
        state = State.REPLIED
        for review in plan.reviews:
            body = REVIEW_BODY if review.kind == ReviewKind.REVIEW else REREVIEW_BODY
            requested = State.REVIEW_REQUESTED
            decided_state = State.REVIEWED
            if review.kind == ReviewKind.REREVIEW:
                requested, decided_state = State.REREVIEW_REQUESTED, State.REREVIEWED
            reviews.append(
                Review(
                    petition=p,
                    kind=review.kind,
                    requested_at=review.requested_at,
                    request_due_at=deadlines.request_due(
                        reviews[-1].decided_at
                        if review.kind == ReviewKind.REREVIEW
                        else plan.replied_at
                    ),
                    decide_due_at=deadlines.decide_due(review.requested_at),
                    reviewing_body=body,
                    reason="信访人对处理意见不服。",
                    decided_at=review.decided_at,
                    decision=review.decision,
                    opinion="原处理意见认定事实清楚，适用依据正确，予以维持。"
                    if review.decision == ReviewDecision.UPHOLD
                    else ("复查意见已作出。" if review.decision else ""),
                    decided_by=officer if review.decided_at else None,
                    created_by=officer,
                )
            )
            name = "request_review" if review.kind == ReviewKind.REVIEW else "request_rereview"
            entry(review.requested_at, name, state, requested, actor=officer)
            state = requested
            if review.decided_at is not None:
                entry(review.decided_at, name.replace("request", "decide"), state,
                      decided_state, where=body)  # fmt: skip
                state = decided_state
        if plan.closed_at is not None:
            entry(plan.closed_at, "close", state, State.CLOSED, actor=officer)
    Petitioner.objects.bulk_create(petitioners, batch_size=2000)
    Reply.objects.bulk_create(replies, batch_size=2000)
    Review.objects.bulk_create(reviews, batch_size=2000)
    PetitionTimelineEntry.objects.bulk_create(timeline, batch_size=2000)
    AidApplication.objects.bulk_create([a for a, _ in aid_rows], batch_size=1000)
    AidPayment.objects.bulk_create(
        [
            AidPayment(
                application=application,
                amount=amount,
                paid_on=paid_on,
                voucher_no=f"SFJZ{paid_on:%Y%m%d}{application.pk:05d}{k}",
                paid_by=officer,
            )
            for application, aid in aid_rows
            for k, (amount, paid_on) in enumerate(aid.payments, start=1)
        ],
        batch_size=1000,
    )
    return len(petitions)


def _aid_application(
    aid: AidPlan, petition: Petition, fake: Any, officer: Any, approver: Any
) -> AidApplication:
    return AidApplication(
        petition=petition,
        applicant_name=fake.name(),
        reason="因案致贫，生活陷入困难，申请国家司法救助。",
        amount_requested=aid.requested,
        state=aid.state,
        approved_amount=aid.approved,
        decided_by=approver if aid.decided_at else None,
        decided_at=aid.decided_at,
        decision_note={
            AidState.PAID: "符合司法救助条件，同意救助。",
            AidState.REJECTED: "不符合司法救助条件。",
        }.get(aid.state, ""),
        created_at=aid.applied_at,
        created_by=officer,
    )


def _numbers(instants: list[datetime.datetime]) -> list[str]:
    """Petition numbers XF + yyyymmdd + four digits, continuing each day's sequence."""
    days = [workdays.local_day(at) for at in instants]
    last = dict(PetitionNumberSequence.objects.filter(day__in=set(days)).values_list("day", "last"))
    for day in set(days):
        top = Petition.objects.filter(number__startswith=f"XF{day:%Y%m%d}").aggregate(
            top=Max("number")
        )["top"]
        if top:
            last[day] = max(last.get(day, 0), int(top[-4:]))
    out = []
    for day in days:
        last[day] = last.get(day, 0) + 1
        out.append(f"XF{day:%Y%m%d}{last[day]:04d}")
    PetitionNumberSequence.objects.bulk_create(
        [PetitionNumberSequence(day=day, last=value) for day, value in last.items()],
        update_conflicts=True,
        unique_fields=["day"],
        update_fields=["last"],
    )
    return out


# --- reception days and the special action ------------------------------------------------------


def fridays(today: datetime.date, weeks_back: int, weeks_ahead: int) -> list[datetime.date]:
    friday = today + datetime.timedelta(days=(4 - today.weekday()) % 7)
    return [friday + datetime.timedelta(weeks=w) for w in range(-weeks_back, weeks_ahead + 1)]


SLOTS = ((9, 0, 10, 0), (10, 0, 11, 30), (14, 30, 16, 30))


def reception_ensure(
    ctx: DemoContext, district: Area, users: dict[str, User | None], weeks_back: int
) -> int:
    """周五信访例会: the leader receives petitioners on Fridays (past and coming weeks)."""
    leader = users["leader"]
    if leader is None or ReceptionDay.objects.filter(area=district, notes=DEMO_MARK).exists():
        return 0
    rng = ctx.rng("petitions", "reception")
    fake = ctx.faker("petitions", "reception")
    today = workdays.today()
    now = timezone.now()
    visits = list(
        Petition.objects.filter(
            area__path__startswith=district.path, channel=Channel.VISIT, law_related=False
        )
        .select_related("assigned_department", "assigned_area")
        .order_by("registered_at")
    )
    days = [
        ReceptionDay(
            date=day,
            leader=leader,
            area=district,
            place="薛城区人民来访接待中心",
            title="周五信访例会",
            notes=DEMO_MARK,
            created_by=users["officer"],
        )
        for day in fridays(today, weeks_back, 3)
        if workdays.work_calendar().is_working_day(day)
    ]
    ReceptionDay.objects.bulk_create(days)
    slots = []
    for day in days:
        for h1, m1, h2, m2 in SLOTS:
            start = datetime.datetime.combine(
                day.date, datetime.time(h1, m1), tzinfo=workdays.CALENDAR_TZ
            )
            end = datetime.datetime.combine(
                day.date, datetime.time(h2, m2), tzinfo=workdays.CALENDAR_TZ
            )
            slots.append(ReceptionSlot(day=day, starts_at=start, ends_at=end, capacity=5))
    ReceptionSlot.objects.bulk_create(slots)
    bookings = []
    for slot in slots:
        past = slot.ends_at < now
        for _ in range(rng.randint(1, 4)):
            phone = protection.seal_phone(_phone(rng))
            petition = None
            if past and visits and rng.random() < 0.5:
                near = [p for p in visits if abs((p.registered_at - slot.starts_at).days) <= 7]
                petition = rng.choice(near) if near else None
            state = (
                (BookingState.ATTENDED if rng.random() < 0.8 else BookingState.NO_SHOW)
                if past
                else (BookingState.CANCELLED if rng.random() < 0.05 else BookingState.BOOKED)
            )
            attended = state == BookingState.ATTENDED
            bookings.append(
                ReceptionBooking(
                    slot=slot,
                    petition=petition,
                    petitioner_name=fake.name(),
                    phone_enc=phone.enc,
                    phone_masked=phone.masked,
                    subject=petition.title
                    if petition
                    else rng.choice(SUBJECTS[PetitionType.APPEAL]),
                    state=state,
                    outcome="当面听取诉求，责成有关单位依法办理。" if attended else "",
                    assigned_department=petition.assigned_department
                    if attended and petition
                    else None,
                    assigned_area=petition.assigned_area if attended and petition else None,
                    created_by=users["officer"],
                )
            )
    ReceptionBooking.objects.bulk_create(bookings, batch_size=1000)
    return len(days)


def action_ensure(
    ctx: DemoContext, district: Area, users: dict[str, User | None], cases: int
) -> int:
    """专项行动 "四查四清四到位": a case list of the hard matters, checklists partly ticked."""
    if SpecialAction.objects.filter(area=district, name=ACTION_NAME).exists():
        return 0
    rng = ctx.rng("petitions", "action")
    today = workdays.today()
    start = today - datetime.timedelta(days=100)
    action = SpecialAction.objects.create(
        name=ACTION_NAME,
        description="对重复信访、信访积案逐案查诉求、查政策、查责任、查措施，做到诉求清、"
        "政策清、责任清、措施清，化解到位、帮扶到位、教育疏导到位、依法处理到位。" + DEMO_MARK,
        area=district,
        starts_on=start,
        ends_on=today + datetime.timedelta(days=60),
        checklist=ACTION_CHECKLIST,
        created_by=users["officer"],
    )
    hard = list(
        Petition.objects.filter(area__path__startswith=district.path, content__endswith=DEMO_MARK)
        .exclude(state__in=[State.DIVERTED, State.NOT_ACCEPTED])
        .filter(registered_at__date__lte=today - datetime.timedelta(days=30))
        .order_by("registered_at")
    )
    # Matters with reviews and the group visits first, then others.
    hard.sort(key=lambda p: (p.state not in (State.REVIEWED, State.REREVIEWED,
                                             State.REVIEW_REQUESTED), not p.is_group))  # fmt: skip
    picked = hard[:cases]
    rows = [
        SpecialActionCase(
            action=action,
            petition=p,
            responsible_department=p.assigned_department,
            responsible_area=p.assigned_area if p.assigned_department_id is None else None,
            note="列入专项行动清单。",
        )
        for p in picked
    ]
    SpecialActionCase.objects.bulk_create(rows)
    now = timezone.now()
    span = (now - datetime.datetime.combine(start, datetime.time(9), tzinfo=now.tzinfo)).days
    items = []
    for row in rows:
        ticked = rng.choice((0, 1, 2, 2, 3, 3, 4))
        for order, label in enumerate(ACTION_CHECKLIST):
            done = order < ticked
            items.append(
                ChecklistItem(
                    action_case=row,
                    label=label,
                    order=order,
                    done=done,
                    done_at=now - datetime.timedelta(days=rng.uniform(1, max(2, span)))
                    if done
                    else None,
                    done_by=users["officer"] if done else None,
                    note="已逐项核实。" if done else "",
                )
            )
    ChecklistItem.objects.bulk_create(items)
    return len(rows)


def counts(district: Area) -> dict[str, Any]:
    petitions = Petition.objects.filter(area__path__startswith=district.path)
    return {
        "states": Counter(petitions.values_list("state", flat=True)),
        "law": petitions.filter(law_related=True).count(),
        "aid_paid": sum(
            AidPayment.objects.filter(application__petition__in=petitions).values_list(
                "amount", flat=True
            ),
            start=Decimal("0"),
        ),
    }
