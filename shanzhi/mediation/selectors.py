"""Reads of mediation data. Every read goes through ``accounts.scope.scope_for(user)``.

A user sees a case when ``mediation.view`` and the case's area or its handling body's area lies
in one of their post subtrees, or when they are a mediator of the case's body (an active
``Mediator`` row with their account) or assigned to the case (``workflow`` uses the same rule).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shanzhi.accounts.scope import scope_for

from . import workflow
from .models import (
    CaseMediator,
    CaseTimelineEntry,
    MediationBody,
    MediationCase,
    Mediator,
)


def _user_id(user: Any) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.pk


def visible_q(user: Any) -> Q:
    """Q over MediationCase: the cases ``user`` may see."""
    scope = scope_for(user)
    q = Q(pk__in=[])
    if scope.can("mediation.view"):
        q = scope.area_q("area__") | scope.area_q("body__area__")
        if scope.is_all:
            return Q()
    user_id = _user_id(user)
    if user_id is not None:
        q |= Q(
            body__in=Mediator.objects.filter(user_id=user_id, active=True).values("body_id")
        ) | Q(
            pk__in=CaseMediator.objects.filter(
                mediator__user_id=user_id, mediator__active=True
            ).values("case_id")
        )
    return q


def is_body_mediator(user: Any, case: MediationCase) -> bool:
    """The user has an active Mediator row on the case's body."""
    user_id = _user_id(user)
    return user_id is not None and (
        Mediator.objects.filter(user_id=user_id, body_id=case.body_id, active=True).exists()
    )


def context_for(*, user: Any, case: MediationCase) -> workflow.Context:
    """The workflow context of a case loaded with ``area`` and ``body__area``."""
    return workflow.Context(
        actor=user,
        scope=scope_for(user),
        case=case,
        body_mediator=is_body_mediator(user, case),
    )


def cases_for(
    user: Any,
    filters: dict[str, Any] | None = None,
    *,
    now: datetime.datetime | None = None,
) -> QuerySet[MediationCase]:
    """Cases in the user's scope, newest first. ``filters`` (all optional): ``state`` (one or a
    list), ``category``, ``source``, ``source_type``, ``body`` (id), ``level`` (body level),
    ``area`` (id: that area's subtree), ``q`` (number or title contains), ``registered_from`` /
    ``registered_to`` (dates, inclusive), ``overdue`` (True), ``warning`` (True),
    ``mine`` (True: cases the user is assigned to as a mediator), ``event`` (event id)."""
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "", [])}
    now = now or timezone.now()
    qs = MediationCase.objects.filter(visible_q(user)).select_related(
        "body", "body__area", "area", "event"
    )
    state = filters.get("state")
    if state:
        qs = qs.filter(state__in=[state] if isinstance(state, str) else list(state))
    for name in ("category", "source", "source_type"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    if filters.get("body"):
        qs = qs.filter(body_id=filters["body"])
    if filters.get("level"):
        qs = qs.filter(body__level=filters["level"])
    if filters.get("event"):
        qs = qs.filter(event_id=filters["event"])
    if filters.get("area"):
        from shanzhi.areas.models import Area

        area = Area.objects.filter(pk=filters["area"]).first()
        qs = qs.filter(area__path__startswith=area.path) if area else qs.none()
    if filters.get("q"):
        text = str(filters["q"]).strip()
        qs = qs.filter(Q(number__icontains=text) | Q(title__icontains=text))
    if filters.get("registered_from"):
        qs = qs.filter(registered_at__date__gte=filters["registered_from"])
    if filters.get("registered_to"):
        qs = qs.filter(registered_at__date__lte=filters["registered_to"])
    if filters.get("overdue"):
        qs = qs.filter(workflow.overdue_q(now))
    if filters.get("warning"):
        qs = qs.filter(workflow.warning_q(now))
    if filters.get("mine"):
        user_id = _user_id(user)
        if user_id is None:
            return qs.none()
        qs = qs.filter(
            Exists(CaseMediator.objects.filter(case=OuterRef("pk"), mediator__user_id=user_id))
        )
    return qs.order_by("-registered_at", "-id")


def case_detail(user: Any, pk: Any) -> MediationCase:
    """One case in the user's scope with what its page shows; Http404 outside the scope."""
    try:
        return (
            MediationCase.objects.filter(visible_q(user))
            .select_related(
                "body",
                "body__area",
                "body__parent",
                "area",
                "event",
                "registered_by",
                "agreement",
                "confirmation",
            )
            .prefetch_related(
                "parties",
                Prefetch(
                    "case_mediators",
                    queryset=CaseMediator.objects.select_related("mediator"),
                ),
                "sessions",
                "agreement__terms",
                "return_visits",
                Prefetch("timeline", queryset=CaseTimelineEntry.objects.select_related("actor")),
            )
            .get(pk=pk)
        )
    except (MediationCase.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("调解案件不存在或不在您的管辖范围内。") from exc


def case_actions(*, user: Any, case: MediationCase) -> list[workflow.Transition]:
    """The transitions (buttons) ``user`` may fire on ``case`` now."""
    return workflow.available_transitions(context_for(user=user, case=case))


def bodies_for(user: Any, *, active_only: bool = True) -> QuerySet[MediationBody]:
    """Mediation bodies whose area lies in the user's subtrees, or of which they are a
    mediator."""
    scope = scope_for(user)
    q = Q(pk__in=[])
    if scope.can("mediation.view") or scope.can("mediation.register"):
        q = scope.area_q("area__")
    user_id = _user_id(user)
    if user_id is not None:
        q |= Q(pk__in=Mediator.objects.filter(user_id=user_id, active=True).values("body_id"))
    qs = MediationBody.objects.filter(q).select_related("area", "parent")
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("code")


def mediators_for(user: Any, body: MediationBody | int | None = None) -> QuerySet[Mediator]:
    """Active mediators of the bodies the user sees (of ``body`` when given)."""
    qs = Mediator.objects.filter(
        body__in=bodies_for(user, active_only=False), active=True
    ).select_related("body", "user")
    if body is not None:
        qs = qs.filter(body_id=getattr(body, "pk", body))
    return qs.order_by("body__code", "name", "id")


def referral_targets(*, case: MediationCase) -> QuerySet[MediationBody]:
    """Bodies a case may be referred to: one level up (the parent) or down (a child whose area
    holds the dispute's area)."""
    return (
        MediationBody.objects.filter(active=True)
        .filter(Q(pk=case.body.parent_id) | Q(parent_id=case.body_id))
        .exclude(pk=case.body_id)
        .select_related("area")
        .order_by("code")
    )


def body_for_area(area: Any) -> MediationBody | None:
    """The nearest active body whose area holds ``area`` (a village committee before its town
    centre before the district centre)."""
    ancestors = [p for p in area.path.split("/") if p]
    paths = ["/" + "/".join(ancestors[: i + 1]) + "/" for i in range(len(ancestors))]
    return (
        MediationBody.objects.filter(active=True, area__path__in=paths)
        .order_by("-area__level", "code")
        .first()
    )


def case_timeline(*, case: MediationCase) -> QuerySet[CaseTimelineEntry]:
    return case.timeline.select_related("actor").order_by("at", "id")
