"""Petition reads: every list, detail, count and ledger goes through here, scoped by
``accounts.scope``. An object outside the caller's scope is a 404, never a 403.

Who sees a petition: a user with ``petitions.view`` whose subtrees contain the petition's
area (where the matter arises) or the area it is assigned to, or a department handler of the
department it is assigned to. City-wide posts and superusers see everything.
"""

from __future__ import annotations

import datetime
from collections import OrderedDict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.accounts.scope import Scope, scope_for
from shanzhi.areas.models import Area
from shanzhi.core.audit import audit_record

from . import deadlines, workflow
from .choices import BookingState
from .models import (
    AidApplication,
    AidPayment,
    ChecklistItem,
    Petition,
    Petitioner,
    PetitionMatter,
    PetitionTimelineEntry,
    ReceptionBooking,
    ReceptionDay,
    ReceptionSlot,
    Review,
    SpecialAction,
    SpecialActionCase,
)
from .services.petitions import context_for


def visible_q(user: Any, scope: Scope | None = None, prefix: str = "") -> Q:
    """The one filter of "petitions this user may see" (``prefix`` for related rows, e.g.
    ``"petition__"``)."""
    scope = scope or scope_for(user)
    if not scope.can("petitions.view"):
        return Q(pk__in=[])
    if scope.is_all:
        return Q()
    q = Q(pk__in=[]) if not prefix else Q(**{f"{prefix}pk__in": []})
    if scope.area_paths:
        q |= scope.area_q(f"{prefix}area__") | scope.area_q(f"{prefix}assigned_area__")
    if scope.department_ids:
        q |= Q(**{f"{prefix}assigned_department_id__in": sorted(scope.department_ids)})
    return q


def petitions_for(
    user: Any, filters: dict[str, Any] | None = None, *, now: datetime.datetime | None = None
) -> QuerySet[Petition]:
    """Petitions the user may see, newest first, each annotated with ``deadline_status``
    (deadlines.Status) and ``petitioner_count``.

    ``filters`` (all optional): ``state``, ``states`` (list), ``open_only``, ``channel``,
    ``type``, ``law_related`` (bool), ``is_group`` (bool), ``area_id`` (an area's subtree, on
    where the matter arises), ``department_id`` (assigned department), ``assigned_area_id``,
    ``deadline`` (none/normal/warning/overdue), ``matter_id``, ``q`` (number, title,
    content, petitioner name), ``registered_from`` / ``registered_to`` (dates).
    """
    f = {k: v for k, v in (filters or {}).items() if v not in (None, "", [])}
    now = now or timezone.now()
    qs = (
        Petition.objects.filter(visible_q(user))
        .select_related("area", "assigned_area", "assigned_department", "matter")
        .annotate(
            deadline_status=deadlines.status_expression(now),
            petitioner_count=Count("petitioners", distinct=True),
        )
    )
    if "state" in f:
        qs = qs.filter(state=f["state"])
    if "states" in f:
        qs = qs.filter(state__in=f["states"])
    if f.get("open_only"):
        qs = qs.filter(state__in=workflow.OPEN_STATES)
    for key in ("channel", "type", "law_related", "is_group"):
        if key in f:
            qs = qs.filter(**{key: f[key]})
    if "area_id" in f:
        path = Area.objects.filter(pk=f["area_id"]).values_list("path", flat=True).first()
        qs = qs.filter(area__path__startswith=path) if path else qs.none()
    if "department_id" in f:
        qs = qs.filter(assigned_department_id=f["department_id"])
    if "assigned_area_id" in f:
        qs = qs.filter(assigned_area_id=f["assigned_area_id"])
    if "deadline" in f:
        qs = qs.filter(deadlines.status_q(f["deadline"], now))
    if "matter_id" in f:
        qs = qs.filter(matter_id=f["matter_id"])
    if "q" in f:
        text = str(f["q"]).strip()
        qs = qs.filter(
            Q(number=text.upper())
            | Q(title__contains=text)
            | Q(content__contains=text)
            | Q(pk__in=Petitioner.objects.filter(name=text).values("petition_id"))
        )
    if "registered_from" in f:
        qs = qs.filter(registered_at__date__gte=f["registered_from"])
    if "registered_to" in f:
        qs = qs.filter(registered_at__date__lte=f["registered_to"])
    return qs.order_by("-registered_at", "-id")


def petition_get(*, user: Any, pk: Any) -> Petition:
    """One petition in the user's scope (no audit row: for actions), or 404."""
    try:
        return petitions_for(user).get(pk=pk)
    except (Petition.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("信访件不存在或不在您的管辖范围内。")) from exc


def petition_by_number(*, user: Any, number: str) -> Petition | None:
    """The petition with this ticket number if the user may see it (case-insensitive), else
    None: the lookup behind every "信访件编号" box (repeats, special actions, aid, bookings)."""
    number = (number or "").strip().upper()
    if not number:
        return None
    return Petition.objects.filter(visible_q(user), number=number).first()


def petition_detail(*, user: Any, pk: Any, request: Any = None) -> Petition:
    """One petition with everything its page shows (petitioners, reply, reviews, timeline),
    or 404. Showing petitioners is a view of personal data: one audit row per call."""
    try:
        petition = (
            petitions_for(user)
            .select_related("registered_by", "extended_by", "matter__first_petition")
            .prefetch_related(
                "petitioners",
                Prefetch("reviews", queryset=Review.objects.order_by("requested_at", "id")),
                Prefetch(
                    "timeline",
                    queryset=PetitionTimelineEntry.objects.select_related("actor"),
                ),
            )
            .get(pk=pk)
        )
    except (Petition.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("信访件不存在或不在您的管辖范围内。")) from exc
    audit_record(action="petitions.view", actor=user, request=request, obj=petition)
    return petition


def reply_of(petition: Petition) -> Any:
    """The 处理意见书, or None."""
    try:
        return petition.reply
    except Petition.reply.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return None


def petition_actions(*, user: Any, petition: Petition) -> list[workflow.Transition]:
    """The transitions this user may fire now (for buttons)."""
    return workflow.available_transitions(context_for(actor=user, petition=petition))


def repeats_of(*, user: Any, petition: Petition) -> QuerySet[Petition]:
    """重复信访: every petition of the same matter that the user may see, oldest first."""
    return petitions_for(user, {"matter_id": petition.matter_id}).order_by("registered_at", "id")


def matters_for(*, user: Any, q: str = "") -> QuerySet[PetitionMatter]:
    """Matters in the user's area subtrees (to link a repeat to), with petition counts."""
    scope = scope_for(user)
    if not scope.can("petitions.view"):
        return PetitionMatter.objects.none()
    qs = PetitionMatter.objects.filter(scope.area_q("area__")).select_related("area")
    if q:
        qs = qs.filter(Q(title__contains=q.strip()) | Q(petitions__number=q.strip().upper()))
    return qs.annotate(petition_count=Count("petitions", distinct=True)).order_by("-created_at")


def todo_counts(*, user: Any, now: datetime.datetime | None = None) -> dict[str, int]:
    """Open petitions in scope by deadline status, plus the ones waiting for this user's
    body to accept (assigned to the user's department or post area)."""
    now = now or timezone.now()
    scope = scope_for(user)
    qs = Petition.objects.filter(visible_q(user, scope), state__in=workflow.OPEN_STATES)
    counts = qs.aggregate(
        open=Count("id"),
        warning=Count("id", filter=deadlines.status_q(deadlines.Status.WARNING, now)),
        overdue=Count("id", filter=deadlines.overdue_q(now)),
        to_route=Count("id", filter=Q(state=workflow.REGISTERED)),
    )
    mine = Q(assigned_department_id__in=sorted(scope.department_ids)) | Q(
        assigned_area_id__in=sorted(scope.area_ids)
    )
    counts["to_accept"] = (
        qs.filter(mine, state=workflow.ASSIGNED).count() if scope.can("petitions.handle") else 0
    )
    return counts


# --- leader reception ------------------------------------------------------------------------


def reception_days_for(
    *,
    user: Any,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> QuerySet[ReceptionDay]:
    """Reception days in the user's subtrees (``petitions.view`` or ``petitions.reception``),
    with slots and their bookings; each slot has ``booked`` (not cancelled)."""
    scope = scope_for(user)
    if not (scope.can("petitions.reception") or scope.can("petitions.view")):
        return ReceptionDay.objects.none()
    qs = ReceptionDay.objects.filter(scope.area_q("area__")).select_related("leader", "area")
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    slots = ReceptionSlot.objects.annotate(
        booked=Count("bookings", filter=~Q(bookings__state=BookingState.CANCELLED))
    ).prefetch_related(
        Prefetch(
            "bookings",
            queryset=ReceptionBooking.objects.select_related(
                "petition", "assigned_department", "assigned_area"
            ),
        )
    )
    return qs.prefetch_related(Prefetch("slots", queryset=slots)).order_by("date", "id")


def reception_day_get(*, user: Any, pk: Any) -> ReceptionDay:
    try:
        return reception_days_for(user=user).get(pk=pk)
    except (ReceptionDay.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("接访日不存在或不在您的管辖范围内。")) from exc


# --- special actions -------------------------------------------------------------------------


def actions_for(*, user: Any) -> QuerySet[SpecialAction]:
    """Special actions in the user's subtrees, or with a case for the user's department;
    each with ``case_count``."""
    scope = scope_for(user)
    if not (scope.can("petitions.action") or scope.can("petitions.view")):
        return SpecialAction.objects.none()
    q = scope.area_q("area__")
    if scope.department_ids and not scope.is_all:
        q |= Q(
            pk__in=SpecialActionCase.objects.filter(
                responsible_department_id__in=sorted(scope.department_ids)
            ).values("action_id")
        )
    return (
        SpecialAction.objects.filter(q)
        .select_related("area", "created_by")
        .annotate(case_count=Count("cases", distinct=True))
        .order_by("-starts_on", "-id")
    )


def action_get(*, user: Any, pk: Any) -> SpecialAction:
    try:
        return actions_for(user=user).get(pk=pk)
    except (SpecialAction.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("专项行动不存在或不在您的管辖范围内。")) from exc


def action_cases(*, user: Any, action: SpecialAction) -> QuerySet[SpecialActionCase]:
    """The action's cases the user may see (all of them for the action's office; a
    department handler sees its department's), with items and the petition."""
    scope = scope_for(user)
    qs = SpecialActionCase.objects.filter(action=action)
    if not scope.contains_path(action.area.path):
        qs = qs.filter(
            Q(responsible_department_id__in=sorted(scope.department_ids))
            | scope.area_q("responsible_area__")
        )
    return qs.select_related(
        "petition", "petition__area", "responsible_department", "responsible_area"
    ).prefetch_related(Prefetch("items", queryset=ChecklistItem.objects.select_related("done_by")))


def action_progress(*, user: Any, action: SpecialAction) -> list[dict[str, Any]]:
    """Progress per responsible body (责任主体): cases, cases with every item done, items,
    items done and the percentage of items done; bodies in name order, unassigned last."""
    rows = (
        ChecklistItem.objects.filter(
            action_case__in=action_cases(user=user, action=action).values("pk")
        )
        .values(
            "action_case__responsible_department_id",
            "action_case__responsible_department__name",
            "action_case__responsible_area_id",
            "action_case__responsible_area__name",
            "action_case_id",
        )
        .annotate(items=Count("id"), done=Count("id", filter=Q(done=True)))
    )
    bodies: OrderedDict[tuple[str, int | None], dict[str, Any]] = OrderedDict()
    for r in rows:
        key: tuple[str, int | None]
        if r["action_case__responsible_department_id"]:
            key = ("department", r["action_case__responsible_department_id"])
            name = r["action_case__responsible_department__name"]
        elif r["action_case__responsible_area_id"]:
            key = ("area", r["action_case__responsible_area_id"])
            name = r["action_case__responsible_area__name"]
        else:
            key, name = ("none", None), _("未指定责任主体")
        body = bodies.setdefault(
            key,
            {
                "kind": key[0],
                "id": key[1],
                "name": name,
                "cases": 0,
                "cases_done": 0,
                "items": 0,
                "done": 0,
            },
        )
        body["cases"] += 1
        body["cases_done"] += int(r["items"] == r["done"])
        body["items"] += r["items"]
        body["done"] += r["done"]
    result = sorted(bodies.values(), key=lambda b: (b["kind"] == "none", str(b["name"])))
    for body in result:
        body["percent"] = round(100 * body["done"] / body["items"]) if body["items"] else 0
    return result


# --- judicial aid ----------------------------------------------------------------------------


def _aid_scope_ok(scope: Scope) -> bool:
    return any(scope.can(c) for c in ("petitions.aid", "petitions.aid_approve", "petitions.stats"))


def aid_applications_for(
    *, user: Any, state: str | None = None, petition: Petition | None = None
) -> QuerySet[AidApplication]:
    """Aid applications on petitions the user may see, each with ``paid`` (sum paid)."""
    scope = scope_for(user)
    if not _aid_scope_ok(scope):
        return AidApplication.objects.none()
    qs = AidApplication.objects.filter(visible_q(user, scope, prefix="petition__"))
    if state:
        qs = qs.filter(state=state)
    if petition is not None:
        qs = qs.filter(petition=petition)
    return (
        qs.select_related("petition", "petition__area", "decided_by", "created_by")
        .annotate(paid=Sum("payments__amount"))
        .order_by("-created_at", "-id")
    )


def aid_application_get(*, user: Any, pk: Any) -> AidApplication:
    try:
        return aid_applications_for(user=user).get(pk=pk)
    except (AidApplication.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("救助申请不存在或不在您的管辖范围内。")) from exc


def aid_ledger(
    *, user: Any, start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet[AidPayment]:
    """The payment ledger (台账): payments on visible petitions paid between ``start`` and
    ``end`` (inclusive), in date order."""
    scope = scope_for(user)
    if not _aid_scope_ok(scope):
        return AidPayment.objects.none()
    qs = AidPayment.objects.filter(visible_q(user, scope, prefix="application__petition__"))
    if start:
        qs = qs.filter(paid_on__gte=start)
    if end:
        qs = qs.filter(paid_on__lte=end)
    return qs.select_related(
        "application", "application__petition", "application__petition__area", "paid_by"
    ).order_by("paid_on", "id")


PERIODS = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}


def aid_totals(
    *,
    user: Any,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    period: str = "month",
) -> list[dict[str, Any]]:
    """Totals of the ledger per period (``month`` / ``quarter`` / ``year``): a list of
    ``{"period": date (first day), "label": "2026年3月" / "2026年第1季度" / "2026年",
    "amount": Decimal, "count": int}`` in date order."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}")
    rows = (
        aid_ledger(user=user, start=start, end=end)
        .order_by()
        .annotate(p=PERIODS[period]("paid_on"))
        .values("p")
        .annotate(amount=Sum("amount"), count=Count("id"))
        .order_by("p")
    )
    result = []
    for r in rows:
        day = r["p"].date() if isinstance(r["p"], datetime.datetime) else r["p"]
        result.append(
            {
                "period": day,
                "label": period_label(day, period),
                "amount": r["amount"] or Decimal("0.00"),
                "count": r["count"],
            }
        )
    return result


def period_label(day: datetime.date, period: str) -> str:
    if period == "year":
        return _("%(y)s年") % {"y": day.year}
    if period == "quarter":
        return _("%(y)s年第%(q)s季度") % {"y": day.year, "q": (day.month - 1) // 3 + 1}
    return _("%(y)s年%(m)s月") % {"y": day.year, "m": day.month}
