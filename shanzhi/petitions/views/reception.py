"""领导接访: reception days (e.g. 周五信访例会) with their leader, slots and bookings; create a
day with its slots, book a petitioner (optionally on a petition), record the outcome."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shanzhi.accounts.models import Role, User
from shanzhi.accounts.scope import scope_for

from .. import selectors, services
from ..choices import BookingState
from ..forms import BookingForm, BookingOutcomeForm, ReceptionDayForm, apply_service_errors
from ..models import ReceptionBooking, ReceptionSlot
from . import (
    HANDLING_LEVELS,
    MATTER_LEVELS,
    areas_in_scope,
    departments_in_scope,
    require,
)

DAYS_BACK = 30


def leaders_in_scope(user: Any) -> Any:
    scope = scope_for(user)
    return (
        User.objects.filter(
            scope.area_q("posts__area__"),
            posts__role__in=[Role.LEADER, Role.CITY_ADMIN],
            posts__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )


def _day_form(request: HttpRequest, data: Any = None) -> ReceptionDayForm:
    return ReceptionDayForm(
        data,
        leaders=leaders_in_scope(request.user),
        areas=areas_in_scope(request.user, MATTER_LEVELS),
    )


def _page(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    since = timezone.localdate() - datetime.timedelta(days=DAYS_BACK)
    days = list(selectors.reception_days_for(user=request.user, start=since))
    can_manage = scope_for(request.user).can("petitions.reception")
    slots = [slot for day in days for slot in day.slots.all()]
    context = {
        "days": days,
        "can_manage": can_manage,
        "day_form": extra.pop("day_form", None) or (_day_form(request) if can_manage else None),
        "booking_form": extra.pop("booking_form", None)
        or (BookingForm(slots=_slot_qs(slots)) if can_manage and slots else None),
        **extra,
    }
    if can_manage:
        departments = departments_in_scope(request.user)
        areas = areas_in_scope(request.user, HANDLING_LEVELS)
        failed = extra.get("outcome_form")
        for slot in slots:
            for b in slot.bookings.all():
                if b.state != BookingState.BOOKED:
                    continue
                if failed is not None and extra.get("outcome_booking") == b.pk:
                    b.outcome_form = failed
                else:
                    b.outcome_form = BookingOutcomeForm(
                        departments=departments, areas=areas, prefix=f"b{b.pk}"
                    )
    return render(request, "petitions/reception.html", context, status=status)


def _slot_qs(slots: list[ReceptionSlot]) -> Any:
    return ReceptionSlot.objects.filter(pk__in=[s.pk for s in slots]).select_related("day")


@login_required
@require_http_methods(["GET"])
def reception(request: HttpRequest) -> HttpResponse:
    require(request, "petitions.reception", "petitions.view")
    return _page(request)


@login_required
@require_POST
def reception_day_new(request: HttpRequest) -> HttpResponse:
    """A reception day with its slots, in one transaction (nothing is kept on an error)."""
    require(request, "petitions.reception")
    form = _day_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                day = services.reception_day_create(
                    actor=request.user,
                    date=data["date"],
                    leader=data["leader"],
                    area=data["area"],
                    place=data["place"],
                    title=data["title"],
                    notes=data.get("notes", ""),
                )
                tz = timezone.get_current_timezone()
                for start, end in data["slots"]:
                    services.reception_slot_create(
                        actor=request.user,
                        day=day,
                        starts_at=datetime.datetime.combine(data["date"], start, tzinfo=tz),
                        ends_at=datetime.datetime.combine(data["date"], end, tzinfo=tz),
                        capacity=data["capacity"],
                    )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已创建接访日。"))
            return redirect("petitions:reception")
    return _page(request, status=400, day_form=form)


@login_required
@require_POST
def reception_book(request: HttpRequest) -> HttpResponse:
    require(request, "petitions.reception")
    since = timezone.localdate() - datetime.timedelta(days=DAYS_BACK)
    days = selectors.reception_days_for(user=request.user, start=since)
    slots = ReceptionSlot.objects.filter(day__in=days).select_related("day")
    form = BookingForm(request.POST, slots=slots)
    if form.is_valid():
        data = form.cleaned_data
        petition = None
        if data["petition_number"]:
            petition = selectors.petition_by_number(
                user=request.user, number=data["petition_number"]
            )
            if petition is None:
                form.add_error(
                    "petition_number", _("找不到该编号的信访件，或它不在您的管辖范围内。")
                )
        if not form.errors:
            try:
                services.reception_booking_create(
                    actor=request.user,
                    slot=data["slot"],
                    petitioner_name=data["petitioner_name"],
                    phone=data["phone"],
                    subject=data["subject"],
                    petition=petition,
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已预约。"))
                return redirect("petitions:reception")
    return _page(request, status=400, booking_form=form)


@login_required
@require_POST
def reception_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "petitions.reception")
    days = selectors.reception_days_for(user=request.user)
    booking = (
        ReceptionBooking.objects.filter(slot__day__in=days, pk=pk).select_related("slot").first()
    )
    if booking is None:
        raise Http404(_("预约不存在或不在您的管辖范围内。"))
    form = BookingOutcomeForm(
        request.POST,
        departments=departments_in_scope(request.user),
        areas=areas_in_scope(request.user, HANDLING_LEVELS),
        prefix=f"b{booking.pk}",
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.reception_outcome_record(
                actor=request.user,
                booking=booking,
                state=data["state"],
                outcome=data["outcome"],
                assigned_department=data.get("assigned_department"),
                assigned_area=data.get("assigned_area"),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已登记接访结果。"))
            return redirect("petitions:reception")
    return _page(request, status=400, outcome_form=form, outcome_booking=booking.pk)
