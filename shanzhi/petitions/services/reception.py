"""Leader reception (领导接访, e.g. the Friday petition meeting 周五信访例会): days, slots,
bookings and what the leader decided."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shanzhi.accounts.models import Department, Role
from shanzhi.areas.models import Area
from shanzhi.core.audit import audit_record

from ..choices import BookingState
from ..models import Petition, ReceptionBooking, ReceptionDay, ReceptionSlot
from .common import require, require_area, scope_of, seal_phone


def _reception_scope(actor: Any, area: Area) -> None:
    scope = scope_of(actor)
    require(scope, "petitions.reception", _("您无权管理领导接访。"))
    require_area(scope, area, _("该区域不在您的管辖范围内。"))


@transaction.atomic
def reception_day_create(
    *,
    actor: Any,
    date: datetime.date,
    leader: Any,
    area: Area,
    place: str,
    title: str = "",
    notes: str = "",
) -> ReceptionDay:
    _reception_scope(actor, area)
    if not (place or "").strip():
        raise ValidationError({"place": [_("此项为必填项。")]})
    leader_scope = scope_of(leader)
    if not (leader_scope.has_role(Role.LEADER, Role.CITY_ADMIN) or leader.is_superuser):
        raise ValidationError({"leader": [_("接访领导须是领导岗位的用户。")]})
    day = ReceptionDay.objects.create(
        date=date,
        leader=leader,
        area=area,
        place=place.strip()[:200],
        title=(title or "").strip()[:100] or _("周五信访例会"),
        notes=(notes or "").strip(),
        created_by=actor,
    )
    audit_record(action="petitions.reception_day_create", actor=actor, obj=day)
    return day


@transaction.atomic
def reception_slot_create(
    *,
    actor: Any,
    day: ReceptionDay,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    capacity: int = 5,
) -> ReceptionSlot:
    _reception_scope(actor, day.area)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": [_("结束时间应晚于开始时间。")]})
    if capacity < 1:
        raise ValidationError({"capacity": [_("可约人数至少为 1。")]})
    slot = ReceptionSlot.objects.create(
        day=day, starts_at=starts_at, ends_at=ends_at, capacity=capacity
    )
    audit_record(action="petitions.reception_slot_create", actor=actor, obj=slot)
    return slot


@transaction.atomic
def reception_booking_create(
    *,
    actor: Any,
    slot: ReceptionSlot,
    petitioner_name: str,
    phone: str = "",
    subject: str = "",
    petition: Petition | None = None,
) -> ReceptionBooking:
    """Book a place in a slot; the slot row is locked so two bookings never exceed capacity."""
    locked = ReceptionSlot.objects.select_for_update().select_related("day__area").get(pk=slot.pk)
    _reception_scope(actor, locked.day.area)
    if not (petitioner_name or "").strip():
        raise ValidationError({"petitioner_name": [_("此项为必填项。")]})
    taken = locked.bookings.exclude(state=BookingState.CANCELLED).count()
    if taken >= locked.capacity:
        raise ValidationError({"slot": [_("该时段已约满，请选择其他时段。")]})
    sealed = seal_phone(phone)
    booking = ReceptionBooking.objects.create(
        slot=locked,
        petition=petition,
        petitioner_name=petitioner_name.strip()[:50],
        phone_enc=sealed.enc,
        phone_masked=sealed.masked,
        subject=(subject or "").strip()[:200],
        created_by=actor,
    )
    audit_record(action="petitions.reception_book", actor=actor, obj=booking)
    return booking


@transaction.atomic
def reception_outcome_record(
    *,
    actor: Any,
    booking: ReceptionBooking,
    state: str,
    outcome: str = "",
    assigned_department: Department | None = None,
    assigned_area: Area | None = None,
) -> ReceptionBooking:
    """Record how the reception went: attended (with the leader's outcome and, optionally, the
    body it is handed to, 领导交办), no show, or cancelled."""
    locked = (
        ReceptionBooking.objects.select_for_update(of=("self",))
        .select_related("slot__day__area")
        .get(pk=booking.pk)
    )
    _reception_scope(actor, locked.slot.day.area)
    if state not in (BookingState.ATTENDED, BookingState.NO_SHOW, BookingState.CANCELLED):
        raise ValidationError({"state": [_("请选择接访结果。")]})
    if locked.state != BookingState.BOOKED:
        raise ValidationError({"state": [_("该预约已登记过结果。")]})
    if state == BookingState.ATTENDED and not (outcome or "").strip():
        raise ValidationError({"outcome": [_("请填写接访结果。")]})
    if assigned_department is not None and assigned_area is not None:
        raise ValidationError({"assigned_department": [_("交办对象须是一个部门或一个属地。")]})
    if assigned_area is not None and not scope_of(actor).contains_path(assigned_area.path):
        raise PermissionDenied(_("该属地不在您的管辖范围内。"))
    locked.state = state
    locked.outcome = (outcome or "").strip()
    locked.assigned_department = assigned_department
    locked.assigned_area = assigned_area
    locked.save(
        update_fields=["state", "outcome", "assigned_department", "assigned_area", "updated_at"]
    )
    audit_record(
        action="petitions.reception_outcome", actor=actor, obj=locked, detail={"state": state}
    )
    return locked
