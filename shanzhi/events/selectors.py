"""Reads of events, always through the caller's scope (accounts.scope).

Who sees which events (``visible_q``):

- anyone sees the events they reported themselves;
- with ``events.view``: area posts see events whose grid lies in their subtrees (a grid worker
  their grid, a town officer its villages' grids, a city administrator everything);
  department handlers see events dispatched to their department (any assignment, any state);
- a citizen (no other post) therefore sees only their own reports;
- the public portal sees one event by ticket number *and* query code
  (``event_get_by_ticket``), nothing else.

Lists are constant-query: ``type``, ``grid`` (and its village), ``handling_area`` are joined,
active assignments are prefetched; each row carries ``deadline_level`` (deadlines.py).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.accounts.models import Department
from shanzhi.accounts.scope import Scope, scope_for
from shanzhi.areas.models import Area, Level

from . import deadlines, workflow
from .models import (
    Assignment,
    Event,
    EventType,
    ExtensionRequest,
    ExtensionState,
    Notification,
    NotificationChannel,
    NotificationStatus,
    TimelineEntry,
)
from .services.common import query_code_matches
from .services.transitions import context_for
from .workflow import ACTIVE_ASSIGNMENT_STATES, AssignmentRole, AssignmentState, State


def _user_id(user: Any) -> int | None:
    return user.pk if getattr(user, "is_authenticated", False) else None


def visible_q(user: Any, scope: Scope | None = None) -> Q:
    """The one filter of "events this user may see"."""
    scope = scope or scope_for(user)
    user_id = _user_id(user)
    if user_id is None:
        return Q(pk__in=[])
    q = Q(reporter_id=user_id)
    if scope.can("events.view"):
        if scope.is_all:
            return Q()
        if scope.area_paths:
            q |= scope.area_q("grid__")
        if scope.department_ids:
            q |= Q(
                pk__in=Assignment.objects.filter(
                    department_id__in=sorted(scope.department_ids)
                ).values("event_id")
            )
    return q


def active_assignments_prefetch() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(state__in=ACTIVE_ASSIGNMENT_STATES)
        .select_related("department", "area")
        .order_by("id"),
        to_attr="active_assignments",
    )


def event_list(
    *,
    user: Any,
    state: str | None = None,
    states: list[str] | None = None,
    open_only: bool = False,
    type_code: str | None = None,
    channel: str | None = None,
    grid_id: int | None = None,
    area_id: int | None = None,
    department_id: int | None = None,
    level: str | None = None,
    q: str | None = None,
    reported_from: datetime.date | None = None,
    reported_to: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[Event]:
    """Events the user may see, filtered, newest first, each with ``deadline_level`` and
    ``active_assignments``. ``type_code`` matches a 小类 or all 小类 of a 大类; ``area_id``
    any area's subtree (within the scope); ``level`` a deadline level (none/normal/warning/
    yellow/red); ``q`` the ticket number, title, description or address."""
    now = now or timezone.now()
    qs = (
        Event.objects.filter(visible_q(user))
        .select_related("type", "type__parent", "grid", "grid__parent", "handling_area")
        .prefetch_related(active_assignments_prefetch())
        .annotate(deadline_level=deadlines.level_expression(now))
    )
    if state:
        qs = qs.filter(state=state)
    if states:
        qs = qs.filter(state__in=states)
    if open_only:
        qs = qs.filter(state__in=workflow.OPEN_STATES)
    if type_code:
        qs = qs.filter(Q(type__code=type_code) | Q(type__parent__code=type_code))
    if channel:
        qs = qs.filter(channel=channel)
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if area_id:
        area = Area.objects.filter(pk=area_id).values_list("path", flat=True).first()
        qs = qs.filter(grid__path__startswith=area) if area else qs.none()
    if department_id:
        qs = qs.filter(
            pk__in=Assignment.objects.filter(department_id=department_id).values("event_id")
        )
    if level:
        qs = qs.filter(deadlines.level_q(level, now))
    if q:
        q = q.strip()
        qs = qs.filter(
            Q(number=q.upper())
            | Q(title__contains=q)
            | Q(description__contains=q)
            | Q(address__contains=q)
        )
    if reported_from:
        qs = qs.filter(reported_at__date__gte=reported_from)
    if reported_to:
        qs = qs.filter(reported_at__date__lte=reported_to)
    return qs.order_by("-reported_at", "-id")


def event_get(*, user: Any, pk: Any) -> Event:
    """One event in the user's scope with everything its detail page shows, or 404 (never
    403: ids outside the scope leak nothing)."""
    try:
        return (
            event_list(user=user)
            .select_related("reporter", "person", "merged_into")
            .prefetch_related(
                Prefetch(
                    "timeline",
                    queryset=TimelineEntry.objects.select_related("actor").prefetch_related(
                        "attachments"
                    ),
                ),
                Prefetch(
                    "assignments", queryset=Assignment.objects.select_related("department", "area")
                ),
                "attachments",
                "supervision_notes__author",
                "extension_requests__requested_by",
            )
            .get(pk=pk)
        )
    except (Event.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("事件不存在或不在您的管辖范围内。")) from exc


def event_as_reported(*, event: Event, entry: TimelineEntry) -> Event:
    """An event just written by ``event_report`` (``ReportResult.entry`` set), made to look
    as ``event_get`` returns it — without reading it back: a fresh report has exactly one
    timeline row (``entry``) and no assignments, attachments, notes or extension requests,
    and ``type``, ``grid`` (with its parents) and ``handling_area`` are already loaded.
    Only for the actor who reported it, inside whose scope the report was checked to lie."""
    event.deadline_level = deadlines.level_of(event, timezone.now())  # type: ignore[attr-defined]
    event.active_assignments = []  # type: ignore[attr-defined]
    entry._prefetched_objects_cache = {"attachments": []}  # type: ignore[attr-defined]
    event._prefetched_objects_cache = {  # type: ignore[attr-defined]
        "timeline": [entry],
        "assignments": [],
        "attachments": [],
        "supervision_notes": [],
        "extension_requests": [],
    }
    return event


def event_get_by_ticket(*, number: str, query_code: str) -> Event:
    """The public portal's lookup: 404 unless the ticket number and its query code match.
    The caller shows only public facts (state, type, timeline of states, masked phone)."""
    number = (number or "").strip().upper()
    if not number or not query_code:
        raise Http404(_("事件编号或查询码不正确。"))
    event = (
        Event.objects.select_related("type", "grid")
        .prefetch_related("timeline")
        .filter(number=number)
        .first()
    )
    if event is None or not query_code_matches(event, query_code):
        raise Http404(_("事件编号或查询码不正确。"))
    return event


def event_actions(*, user: Any, event: Event, query_code: str = "") -> list[workflow.Transition]:
    """The transitions the user may fire on an event from ``event_get`` (for buttons)."""
    assignments = getattr(event, "active_assignments", None)
    ctx = context_for(actor=user, event=event, assignments=assignments, query_code=query_code)
    return workflow.available_transitions(ctx)


def suggest_departments(*, event: Event) -> list[Department]:
    """Departments for dispatch, best first: the type's responsible departments, then active
    departments whose name holds one of the type's keywords (its 大类's when it has none);
    only departments attached to the event's handling area or below (dispatch goes down;
    escalate first to reach a higher level's departments). Within each group the nearest
    level to the event comes first."""
    handling = event.handling_area
    candidates = Department.objects.filter(
        is_active=True, area__path__startswith=handling.path
    ).select_related("area")
    listed = list(candidates.filter(event_types=event.type))
    keywords = [
        k.strip()
        for k in (event.type.department_keywords or "").replace("，", ",").split(",")
        if k.strip()
    ]
    if not keywords and event.type.parent_id:
        parent = EventType.objects.filter(pk=event.type.parent_id).first()
        keywords = [k.strip() for k in (parent.department_keywords if parent else "").split(",")]
        keywords = [k for k in keywords if k]
    matched: list[Department] = []
    if keywords:
        name_q = Q()
        for keyword in keywords:
            name_q |= Q(name__contains=keyword)
        seen = {d.pk for d in listed}
        matched = [d for d in candidates.filter(name_q) if d.pk not in seen]

    def nearest_first(d: Department) -> tuple[int, str]:
        return (-d.area.level, d.code)

    return sorted(listed, key=nearest_first) + sorted(matched, key=nearest_first)


def todo_counts(*, user: Any, now: datetime.datetime | None = None) -> dict[str, int]:
    """ "My to-do" (我的待办), by what the user may do:

    - ``to_accept`` / ``to_dispatch``: events reported / accepted whose handling area is in a
      dispatcher's subtrees; ``extensions``: pending extension requests there;
    - ``to_sign`` / ``in_hand``: assignments pending / working for the user's department or
      post areas (handlers, grid workers);
    - ``to_verify``: fed-back events the user may verify (as grid worker, officer above an
      on-the-spot solution, or reporter); ``to_evaluate``: their own closed reports;
    - ``overdue``: visible open events past their step's due (yellow or red).
    Keys the user has nothing to do with are absent.
    """
    now = now or timezone.now()
    scope = scope_for(user)
    user_id = _user_id(user)
    counts: dict[str, int] = {}
    if user_id is None:
        return counts
    if scope.can("events.dispatch"):
        handled_here = Event.objects.filter(scope.area_q("handling_area__"))
        row = handled_here.aggregate(
            to_accept=Count("pk", filter=Q(state=State.REPORTED)),
            to_dispatch=Count("pk", filter=Q(state=State.ACCEPTED)),
        )
        counts.update({k: v or 0 for k, v in row.items()})
        counts["extensions"] = ExtensionRequest.objects.filter(
            state=ExtensionState.PENDING,
            event__in=handled_here.filter(state__in=[State.DISPATCHED, State.IN_PROGRESS]),
        ).count()
    if scope.can("events.handle"):
        mine = Q(department_id__in=sorted(scope.department_ids)) | Q(
            area_id__in=sorted(scope.area_ids)
        )
        row = Assignment.objects.filter(mine).aggregate(
            to_sign=Count("pk", filter=Q(state=AssignmentState.PENDING)),
            in_hand=Count("pk", filter=Q(state=AssignmentState.WORKING, role=AssignmentRole.LEAD)),
        )
        counts.update({k: v or 0 for k, v in row.items()})
    verify_q = Q(reporter_id=user_id, solved_on_spot=False)
    if scope.can("events.verify"):
        if scope.is_all:
            verify_q = Q()
        else:
            verify_q |= Q(grid_id__in=sorted(scope.area_ids), solved_on_spot=False)
            verify_q |= Q(grid__parent_id__in=sorted(scope.area_ids), solved_on_spot=True)
    counts["to_verify"] = Event.objects.filter(verify_q, state=State.FED_BACK).count()
    counts["to_evaluate"] = Event.objects.filter(reporter_id=user_id, state=State.CLOSED).count()
    if scope.can("events.view"):
        counts["overdue"] = Event.objects.filter(
            visible_q(user, scope), deadlines.overdue_q(now), state__in=workflow.OPEN_STATES
        ).count()
    return counts


def event_timeline(*, event: Event) -> QuerySet[TimelineEntry]:
    """The history of an event obtained through ``event_get``, oldest first."""
    return (
        TimelineEntry.objects.filter(event=event)
        .select_related("actor")
        .prefetch_related("attachments")
        .order_by("at", "id")
    )


def notification_list(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first."""
    user_id = _user_id(user)
    if user_id is None:
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient_id=user_id).select_related("event")
    if unread_only:
        qs = qs.exclude(status=NotificationStatus.READ)
    return qs.order_by("-created_at", "-id")


def unread_count(*, user: Any) -> int:
    """How many in-app notifications the user has not read yet (the navbar badge)."""
    return (
        notification_list(user=user, unread_only=True)
        .filter(channel=NotificationChannel.INAPP)
        .count()
    )


def event_types(*, public_only: bool = False) -> QuerySet[EventType]:
    """The active catalogue (大类 and 小类), with attributes; ``public_only`` for citizens and
    Open311 (a 小类 is listed when it and its 大类 are public)."""
    qs = EventType.objects.filter(is_active=True).select_related("parent")
    if public_only:
        qs = qs.filter(is_public=True).exclude(parent__is_public=False)
    return qs.prefetch_related("attributes").order_by("code")


def nearby_open_events(
    *,
    user: Any,
    type_code: str,
    lon: float,
    lat: float,
    radius_m: float = 200,
    limit: int = 5,
) -> list[Event]:
    """Open events of the same 小类 within ``radius_m`` of a WGS-84 point that the user may
    see, nearest first (the hotline's duplicate hint). A bounding box narrows the query; the
    exact distance (haversine) is computed for the few rows inside it."""
    import math

    dlat = radius_m / 111_320
    dlon = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    candidates = (
        Event.objects.filter(
            visible_q(user),
            type__code=type_code,
            state__in=workflow.OPEN_STATES,
            lat__range=(lat - dlat, lat + dlat),
            lon__range=(lon - dlon, lon + dlon),
        )
        .select_related("type", "grid")
        .order_by("-reported_at")[:50]
    )

    def distance(event: Event) -> float:
        p1, p2 = math.radians(lat), math.radians(event.lat)
        dp, dl = p2 - p1, math.radians(event.lon - lon)
        a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        return 2 * 6_371_000 * math.asin(math.sqrt(a))

    near = []
    for event in candidates:
        event.distance_m = round(distance(event))  # type: ignore[attr-defined]
        if event.distance_m <= radius_m:  # type: ignore[attr-defined]
            near.append(event)
    near.sort(key=lambda e: e.distance_m)  # type: ignore[attr-defined]
    return near[:limit]


def dispatch_targets(*, event: Event) -> tuple[QuerySet[Department], QuerySet[Area]]:
    """Where a dispatcher may send ``event`` (already read through event_get): departments
    under its handling area, and for 属地办理 the levels below it down to villages plus the
    event's own grid."""
    handling = event.handling_area
    departments = Department.objects.filter(
        is_active=True, area__path__startswith=handling.path
    ).select_related("area")
    areas = Area.objects.filter(
        Q(path__startswith=handling.path, level__lte=Level.VILLAGE) | Q(pk=event.grid_id),
        is_active=True,
    ).exclude(pk=handling.pk)
    return departments, areas
