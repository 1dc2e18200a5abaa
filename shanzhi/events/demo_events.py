"""Demo events (see core/demo.py and events/demo.py).

- **Small** (``make run``): 60 events in 薛城区's showcase town, in every state, each taken
  through the real services (``event_report``, ``event_transition``), so
  timelines, step clocks, assignments and notifications are what the app writes. The services
  read the time from ``timezone.now``; the demo moves that clock over the last 60 days so
  events have a history (some handled late, some re-opened). Plus 300 events of the last 12
  months across a small 薛城区, written like the seed (below), so the indicators have a year.
- **Seed** (``--scale seed``): 770,000 events over the last 12 months across 薛城区's basic
  grids, written with ``RowWriter`` (COPY on PostgreSQL): events, one lead assignment per
  handled event and a minimal timeline (report, feedback with ``ended_step`` — whether the
  handle step ended overdue, as ``services.transitions._move_clock`` writes it —, verify),
  with step deadlines from the working-day calendar (``deadlines.step_due``). About 98.9 % are
  closed, some of them late, about 1.5 % re-opened (返工) before closing.

Demo events are marked by their reporter name (``DEMO_REPORTER`` / ``SEED_REPORTER``);
``prepare`` removes the small ones from a small 薛城区 before ``--scale seed`` replaces it.
Idempotent: the small set is built once (when no small demo event exists), the seed set once
per database.
"""

from __future__ import annotations

import datetime
import functools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.db.models import Max
from django.utils import timezone

from shanzhi.accounts.models import Department, User
from shanzhi.areas.models import Area, GridKind, Level
from shanzhi.core.demo import DemoContext
from shanzhi.registry.demo.places import is_seed_sized
from shanzhi.registry.demo.writer import RowWriter
from shanzhi.workdays import calendar as workdays

from . import deadlines, services
from .models import (
    Assignment,
    AttributeDatatype,
    Channel,
    Event,
    EventNumberSequence,
    EventType,
    Notification,
    Satisfaction,
    TimelineEntry,
)
from .workflow import AssignmentRole, AssignmentState, State

DEMO_REPORTER = "演示数据"
SEED_REPORTER = "演示数据（批量）"
XUECHENG = "370403"
SHOWCASE_TOWN = "370403001"
SMALL_EVENTS = 60  # through the services (≈ 0.25 s each)
SMALL_HISTORY = 300  # a year's history for the indicators, written like the seed
SEED_EVENTS = 770_000
SEED_CHUNK = 50_000


@contextmanager
def clock(instant: datetime.datetime) -> Iterator[None]:
    """The services take the time from ``timezone.now``; the demo sets it to a past instant
    so the history it builds is spread over weeks, with real deadlines."""
    with mock.patch("django.utils.timezone.now", return_value=instant):
        yield


def prepare(ctx: DemoContext) -> None:
    """Remove the small demo's events from a small 薛城区 that ``--scale seed`` replaces."""
    if ctx.scale != "seed":
        return
    district = Area.objects.filter(code=XUECHENG, level=Level.DISTRICT).first()
    if district is None or is_seed_sized(district):
        return
    demo = Event.objects.filter(
        grid__path__startswith=district.path, reporter_name__in=[DEMO_REPORTER, SEED_REPORTER]
    )
    Event.objects.filter(merged_into__in=demo).update(merged_into=None)
    Notification.objects.filter(event__in=demo).delete()
    demo.delete()


def build_events(ctx: DemoContext) -> None:
    build_small(ctx)
    if ctx.scale == "seed":
        build_seed(ctx)


# --- small: through the services ----------------------------------------------------------------

SMALL_STATES: tuple[tuple[str, int], ...] = (
    ("evaluated", 40),
    ("closed", 20),
    ("on_spot", 10),
    ("fed_back", 5),
    ("in_progress", 6),
    ("dispatched", 4),
    ("accepted", 3),
    ("reported", 4),
    ("rejected", 3),
    ("reopened", 3),
    ("late", 6),
)


def build_small(ctx: DemoContext) -> None:
    if Event.objects.filter(reporter_name=DEMO_REPORTER).exists():
        return
    town = Area.objects.filter(code=SHOWCASE_TOWN).first()
    users = {u.username: u for u in User.objects.filter(username__in=SMALL_USERS)}
    department = Department.objects.filter(code=f"{XUECHENG}-CG").first()
    if town is None or department is None or set(users) != set(SMALL_USERS):
        ctx.log("  演示事件 demo events: 缺少演示区域或用户，跳过 (areas/users missing)")
        return
    grids = list(
        Area.objects.filter(
            path__startswith=town.path, level=Level.GRID, kind=GridKind.BASIC, is_active=True
        ).order_by("code")
    )
    types = list(
        EventType.objects.filter(
            parent__code__in=["04", "05"], is_active=True, is_public=True
        ).order_by("code")
    )
    gw_grids = {
        p.area_id: p.user for p in users["gw_a"].posts.filter(is_active=True).select_related("user")
    } | {
        p.area_id: p.user for p in users["gw_b"].posts.filter(is_active=True).select_related("user")
    }
    rng = ctx.rng("events", "small")
    now = timezone.now()
    started = time.monotonic()
    kinds = [k for k, _ in SMALL_STATES]
    weights = [w for _, w in SMALL_STATES]
    made = 0
    for n in range(SMALL_EVENTS):
        grid = grids[0] if n % 4 == 0 else rng.choice(grids)
        kind = rng.choices(kinds, weights)[0]
        start = now - datetime.timedelta(days=rng.uniform(1, 60))
        if kind in ("reported", "accepted", "dispatched"):
            start = now - datetime.timedelta(hours=rng.uniform(0.2, 20))
        point = (grid.centroid_lon or 117.26, grid.centroid_lat or 34.79)
        worker = gw_grids.get(grid.pk)
        if kind == "on_spot" and worker is None:
            kind = "closed"
        # Hotline, leader and transfer reports carry no reporter account; a citizen's report
        # does (the citizen verifies, rates and may re-open it).
        channel = rng.choice([Channel.HOTLINE, Channel.LEADER, Channel.TRANSFER, Channel.CITIZEN])
        if kind == "reopened":
            channel = Channel.CITIZEN
        reporter = users["citizen"] if channel == Channel.CITIZEN else users["admin"]
        if kind == "on_spot" and worker is not None:
            reporter, channel = worker, Channel.GRID_INSPECTION
        event_type = rng.choice(types)
        with clock(start):
            result = services.event_report(
                actor=reporter,
                channel=channel,
                type=event_type,
                title=f"{event_type.name}（演示）",
                description=f"{grid.name}附近{event_type.name}，请处理。（演示数据）",
                lon=point[0],
                lat=point[1],
                reporter_name=DEMO_REPORTER,
                solved_on_spot=kind == "on_spot",
                feedback="已现场处置。" if kind == "on_spot" else "",
            )
        _advance(result.event, kind, start, users, department, rng)
        made += 1
    history = 0
    if town.parent is not None and not is_seed_sized(town.parent):  # else the seed has a year
        history = bulk_events(ctx, total=SMALL_HISTORY, reporter_name=DEMO_REPORTER, key="small")
    ctx.log(
        f"  演示事件 demo events: {made} through the services, {history} history "
        f"({time.monotonic() - started:.1f} s)"
    )


SMALL_USERS = ("admin", "xc_dispatcher", "dept_handler", "town_officer", "citizen", "gw_a", "gw_b")


def _advance(
    event: Event,
    kind: str,
    start: datetime.datetime,
    users: dict[str, User],
    department: Department,
    rng: Any,
) -> None:
    """Take a freshly reported event to ``kind`` through the services, hours apart."""
    at = start

    def fire(actor: Any, transition: str, hours: float = 1.0, **data: Any) -> None:
        nonlocal at, event
        at = at + datetime.timedelta(hours=hours)
        with clock(min(at, timezone.now())):
            version = Event.objects.values_list("version", flat=True).get(pk=event.pk)
            event = services.event_transition(
                actor=actor, event=event, transition=transition, version=version, **data
            )

    dispatcher, handler = users["xc_dispatcher"], users["dept_handler"]
    officer, citizen = users["town_officer"], users["citizen"]
    # A citizen's own report is rated by the citizen; others by the dispatcher's call-back.
    rater = citizen if event.reporter_id == citizen.pk else dispatcher
    if kind == "reported":
        return
    if kind == "on_spot":
        fire(officer, "verify_pass", rng.uniform(1, 20))
        return
    if kind == "rejected":
        fire(dispatcher, "reject", 0.5, reason="不属于受理范围（演示）")
        return
    fire(dispatcher, "accept", rng.uniform(0.2, 2))
    if kind == "accepted":
        return
    fire(dispatcher, "escalate", 0.2)
    fire(dispatcher, "dispatch", 0.3, lead_department=department)
    if kind == "dispatched":
        return
    fire(handler, "sign", rng.uniform(0.5, 3))
    if kind == "in_progress":
        return
    # A late one is fed back about two weeks after dispatch (past its handle limit).
    fire(
        handler, "feedback", 24 * (14 if kind == "late" else rng.uniform(0.5, 3)), comment="已处置"
    )
    if kind == "fed_back":
        return
    fire(officer, "verify_pass", rng.uniform(2, 20))
    if kind == "closed":
        return
    satisfied = kind != "reopened" and rng.random() < 0.9
    fire(
        rater,
        "evaluate",
        rng.uniform(2, 30),
        satisfaction=Satisfaction.SATISFIED if satisfied else Satisfaction.UNSATISFIED,
    )
    if kind == "reopened":
        fire(citizen, "reopen", 1, reason="问题未解决（演示）")


# --- seed: bulk rows ----------------------------------------------------------------------------

CHANNEL_WEIGHTS: tuple[tuple[str, int], ...] = (
    (Channel.GRID_INSPECTION, 55),
    (Channel.CITIZEN, 15),
    (Channel.HOTLINE, 20),
    (Channel.TRANSFER, 4),
    (Channel.LEADER, 2),
    (Channel.API, 3),
    (Channel.OPEN311, 1),
)
OPEN_STATES_SPREAD: tuple[tuple[str, int], ...] = (
    (State.REPORTED, 15),
    (State.ACCEPTED, 15),
    (State.DISPATCHED, 20),
    (State.IN_PROGRESS, 35),
    (State.FED_BACK, 15),
)


class Clocks:
    """Step deadlines as ``deadlines`` computes them, on one calendar object (the module
    functions check the calendar's revision on every call; 770,000 events would make that
    millions of queries). Day-based limits depend only on the start day: memoised."""

    def __init__(self) -> None:
        self.calendar = workdays.work_calendar()
        self.warn = deadlines.warn_fraction()
        self.red_days = deadlines.red_card_days()
        self.day_end = functools.lru_cache(maxsize=8192)(self._day_end)

    def _day_end(self, day: datetime.date, days: int) -> datetime.datetime:
        return self.calendar.add_working_days(day, days)

    def due(self, event_type: EventType, step: str, start: datetime.datetime) -> datetime.datetime:
        local = start.astimezone(workdays.CALENDAR_TZ)
        if step == "handle":
            return self.day_end(local.date(), event_type.handle_days)
        if step == "verify":
            return self.day_end(local.date(), event_type.verify_days)
        hours = event_type.accept_hours if step == "accept" else event_type.dispatch_hours
        return self.calendar.add_working_hours(start, hours)

    def fields(self, event_type: EventType, step: str, start: datetime.datetime) -> dict[str, Any]:
        due = self.due(event_type, step, start)
        red = self.day_end(due.astimezone(workdays.CALENDAR_TZ).date(), self.red_days)
        return {
            "step": step,
            "step_started_at": start,
            "step_due_at": due,
            "step_warn_at": start + (due - start) * self.warn,
            "step_red_at": red,
        }


def _attributes(event_type: EventType) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for attribute in event_type.attributes.all():
        if not attribute.required:
            continue
        if attribute.datatype == AttributeDatatype.NUMBER:
            out[attribute.code] = 2
        elif attribute.datatype in (AttributeDatatype.SINGLE, AttributeDatatype.MULTI):
            keys = attribute.keys
            out[attribute.code] = keys[0] if attribute.datatype == "singlevaluelist" else keys[:1]
        else:
            out[attribute.code] = "演示"
    return out


def build_seed(ctx: DemoContext) -> None:
    if Event.objects.filter(reporter_name=SEED_REPORTER).exists():
        ctx.log("  薛城区事件 seed events: 已存在，跳过 exist, kept")
        return
    bulk_events(ctx, total=SEED_EVENTS, reporter_name=SEED_REPORTER, key="seed")


def bulk_events(ctx: DemoContext, *, total: int, reporter_name: str, key: str) -> int:
    """``total`` events over the last 12 months across 薛城区's basic grids, in chunks."""
    district = Area.objects.filter(code=XUECHENG, level=Level.DISTRICT).first()
    if district is None:
        return 0
    grids = list(
        Area.objects.filter(
            path__startswith=district.path, level=Level.GRID, kind=GridKind.BASIC, is_active=True
        )
        .select_related("parent__parent")
        .order_by("code")
    )
    departments = list(Department.objects.filter(area=district, is_active=True).order_by("code"))
    types = list(
        EventType.objects.filter(parent__isnull=False, is_active=True)
        .select_related("parent")
        .prefetch_related("attributes")
        .order_by("code")
    )
    if not grids or not departments or not types:
        return 0
    big = total > SEED_CHUNK
    if big:
        ctx.log(f"  薛城区事件 seed events: {total} over 12 months …")
    started = time.monotonic()
    written = 0
    for chunk_start in range(0, total, SEED_CHUNK):
        count = min(SEED_CHUNK, total - chunk_start)
        _seed_chunk(
            ctx, chunk_start, count, district, grids, departments, types, reporter_name, key
        )
        written += count
        if big:
            ctx.log(f"    … {written} events ({time.monotonic() - started:.0f} s)")
    if big:
        ctx.log(f"  薛城区事件 seed events: {written} ({time.monotonic() - started:.0f} s)")
    return written


def _type_weights(types: list[EventType]) -> list[float]:
    # Street order and environment dominate grid work; disputes and hazards follow.
    heavy = {"04": 6.0, "05": 6.0, "01": 3.0, "03": 2.0, "02": 1.0}
    return [heavy.get(t.code[:2], 1.0) for t in types]


def _seed_chunk(
    ctx: DemoContext,
    offset: int,
    count: int,
    district: Area,
    grids: list[Area],
    departments: list[Department],
    types: list[EventType],
    reporter_name: str,
    key: str,
) -> None:
    rng = ctx.rng("events", key, offset)
    clocks = Clocks()
    out = RowWriter()
    now = out.now
    year_ago = now - datetime.timedelta(days=365)
    type_weights = _type_weights(types)
    channels = [c for c, _ in CHANNEL_WEIGHTS]
    channel_weights = [w for _, w in CHANNEL_WEIGHTS]
    open_states = [s for s, _ in OPEN_STATES_SPREAD]
    open_weights = [w for _, w in OPEN_STATES_SPREAD]
    by_keyword: dict[int, list[Department]] = {}
    for t in types:
        words = [
            w
            for w in (t.department_keywords or (t.parent.department_keywords if t.parent else ""))
            .replace("，", ",")
            .split(",")
            if w
        ]
        by_keyword[t.pk] = [d for d in departments if any(w in d.name for w in words)] or [
            departments[0]
        ]
    attrs = {t.pk: json.dumps(_attributes(t), ensure_ascii=False) for t in types}
    reported_times = sorted(
        year_ago + datetime.timedelta(seconds=rng.uniform(0, 365 * 86400)) for _ in range(count)
    )
    # Ticket numbers continue each day's sequence.
    days = {t.astimezone(workdays.CALENDAR_TZ).date() for t in reported_times}
    last = {}
    for day, used, base in EventNumberSequence.objects.filter(day__in=days).values_list(
        "day", "last", "base"
    ):
        if base is not None:  # numbered from the PostgreSQL sequence: the events hold the last
            top = Event.objects.filter(number__startswith=f"SZ{day:%Y%m%d}").aggregate(
                top=Max("number")
            )["top"]
            used = max(used, int(top[-6:]) if top else 0)
        last[day] = used
    event_ids = out.ids(Event, count)
    events: list[dict[str, Any]] = []
    assignments: list[dict[str, Any]] = []
    timeline: list[dict[str, Any]] = []
    for event_id, reported in zip(event_ids, reported_times, strict=True):
        local_day = reported.astimezone(workdays.CALENDAR_TZ).date()
        last[local_day] = last.get(local_day, 0) + 1
        grid = rng.choice(grids)
        village = grid.parent
        town = (village.parent if village is not None else None) or grid
        event_type = rng.choices(types, type_weights)[0]
        channel = rng.choices(channels, channel_weights)[0]
        age = now - reported
        # Old events are closed (≈ 98.9 % overall); recent ones may still be open.
        open_chance = (
            0.5
            if age < datetime.timedelta(days=4)
            else (0.08 if age < datetime.timedelta(days=20) else 0.0035)
        )
        state = (
            rng.choices(open_states, open_weights)[0]
            if rng.random() < open_chance
            else (State.REJECTED if rng.random() < 0.01 else State.CLOSED)
        )
        on_spot = state in (State.CLOSED, State.FED_BACK) and rng.random() < 0.35
        late = rng.random() < 0.06
        reworked = state == State.CLOSED and rng.random() < 0.015
        row: dict[str, Any] = {
            "id": event_id,
            "number": f"SZ{local_day:%Y%m%d}{last[local_day]:06d}",
            "query_code_index": "",
            "type_id": event_type.pk,
            "title": event_type.name,
            "description": f"{grid.name}{event_type.name}（演示数据）",
            "channel": channel,
            "state": state,
            "priority": event_type.priority,
            "grid_id": grid.pk,
            "lon": (grid.centroid_lon or 117.26) + rng.uniform(-0.002, 0.002),
            "lat": (grid.centroid_lat or 34.79) + rng.uniform(-0.002, 0.002),
            "address": "",
            "reporter_id": None,
            "reporter_name": reporter_name,
            "reporter_phone_enc": "",
            "reporter_phone_index": "",
            "reporter_phone_masked": "",
            "person_id": None,
            "solved_on_spot": on_spot,
            "attributes": attrs[event_type.pk],  # already JSON text
            "handling_area_id": town.pk,
            "step": "",
            "step_started_at": None,
            "step_due_at": None,
            "step_warn_at": None,
            "step_red_at": None,
            "satisfaction": "",
            "reopen_count": 1 if reworked else 0,
            "merged_into_id": None,
            "suspended_from_state": "",
            "version": 1,
            "reported_at": reported,
            "accepted_at": None,
            "dispatched_at": None,
            "fed_back_at": None,
            "closed_at": None,
            "evaluated_at": None,
        }
        timeline.append(_entry(event_id, reported, "report", "", State.REPORTED))
        clock_step, clock_start = "accept", reported
        if state == State.REJECTED:
            timeline.append(_entry(event_id, reported + _hours(rng, 0.3, 2), "reject",
                                   State.REPORTED, State.REJECTED))  # fmt: skip
            clock_step = ""
        elif state != State.REPORTED:
            if on_spot:
                accepted = dispatched = fed_back = reported
            else:
                accepted = reported + _hours(rng, 0.2, 2)
                dispatched = accepted + _hours(rng, 0.3, 3)
            row["accepted_at"] = accepted
            clock_step, clock_start = "dispatch", accepted
            if state != State.ACCEPTED:
                department = None if on_spot else rng.choice(by_keyword[event_type.pk])
                if department is not None:
                    row["handling_area_id"] = district.pk  # escalated to the district first
                row["dispatched_at"] = dispatched
                handle_due = clocks.due(event_type, "handle", dispatched)
                clock_step, clock_start = "handle", dispatched
                assignment = {
                    "event_id": event_id,
                    "department_id": department.pk if department else None,
                    "area_id": None if department else grid.pk,
                    "role": AssignmentRole.LEAD,
                    "state": AssignmentState.PENDING,
                    "due_at": None if on_spot else handle_due,
                    "dispatched_by_id": None,
                    "created_at": dispatched,
                    "signed_at": None,
                    "finished_at": None,
                }
                assignments.append(assignment)
                if state in (State.IN_PROGRESS, State.FED_BACK, State.CLOSED):
                    assignment["state"] = AssignmentState.WORKING
                    assignment["signed_at"] = dispatched + _hours(rng, 0.2, 4)
                if state in (State.FED_BACK, State.CLOSED):
                    if on_spot:
                        fed_back = reported
                        timeline.append(_entry(event_id, reported, "solve_on_spot",
                                               State.REPORTED, State.FED_BACK))  # fmt: skip
                    else:
                        span = handle_due - dispatched
                        fed_back = (
                            handle_due + _hours(rng, 2, 96)
                            if late
                            else dispatched + span * rng.uniform(0.05, 0.95)
                        )
                        fed_back = min(fed_back, now - datetime.timedelta(minutes=5))
                        ended = {"step": "handle", "due_at": handle_due.isoformat(),
                                 "overdue": handle_due <= fed_back}  # fmt: skip
                        timeline.append(_entry(event_id, fed_back, "feedback", State.IN_PROGRESS,
                                               State.FED_BACK, {"ended_step": ended}))  # fmt: skip
                    assignment["state"] = AssignmentState.DONE
                    assignment["finished_at"] = fed_back
                    row["fed_back_at"] = fed_back
                    clock_step, clock_start = "verify", fed_back
                    if state == State.CLOSED:
                        closed = min(
                            fed_back + _hours(rng, 1, 40), now - datetime.timedelta(minutes=1)
                        )
                        row["closed_at"] = closed
                        clock_step = ""
                        timeline.append(_entry(event_id, closed, "verify_pass",
                                               State.FED_BACK, State.CLOSED))  # fmt: skip
                        if rng.random() < 0.55:
                            row["state"] = State.EVALUATED
                            row["evaluated_at"] = closed + _hours(rng, 1, 48)
                            row["satisfaction"] = rng.choices(
                                [Satisfaction.SATISFIED, Satisfaction.BASICALLY,
                                 Satisfaction.UNSATISFIED], [85, 11, 4],
                            )[0]  # fmt: skip
        if clock_step:
            row.update(clocks.fields(event_type, clock_step, clock_start))
        row["updated_at"] = row["closed_at"] or row["fed_back_at"] or reported
        events.append(row)
    out.insert(Event, events)
    out.insert(Assignment, assignments)
    out.insert(TimelineEntry, timeline)
    EventNumberSequence.objects.bulk_create(
        # No base: the next live report of such a day continues after ``last``.
        [EventNumberSequence(day=day, last=value, base=None) for day, value in last.items()],
        update_conflicts=True,
        unique_fields=["day"],
        update_fields=["last", "base"],
    )


def _hours(rng: Any, low: float, high: float) -> datetime.timedelta:
    return datetime.timedelta(hours=rng.uniform(low, high))


def _entry(
    event_id: int,
    at: datetime.datetime,
    transition: str,
    from_state: str,
    to_state: str,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "at": at,
        "actor_id": None,
        "actor_post": DEMO_REPORTER,
        "transition": transition,
        "from_state": from_state,
        "to_state": to_state,
        "comment": "",
        "data": json.dumps(data or {}),  # RowWriter passes values as they are
    }
