"""Leader reception days (领导接访): slots have a capacity; outcomes are recorded once."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shanzhi.petitions import selectors, services
from shanzhi.petitions.models import ReceptionBooking, ReceptionDay

from .core_helpers import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def slot(world):
    day = services.reception_day_create(
        actor=world.petition_officer,
        date=datetime.date(2026, 3, 6),
        leader=world.leader,
        area=world.xuecheng,
        place="区信访局接待室",
    )
    assert day.title == "周五信访例会"
    return services.reception_slot_create(
        actor=world.petition_officer,
        day=day,
        starts_at=at(2026, 3, 6, 9),
        ends_at=at(2026, 3, 6, 11),
        capacity=2,
    )


def book(world, slot, name):
    return services.reception_booking_create(
        actor=world.petition_officer, slot=slot, petitioner_name=name, phone="13900139000"
    )


def test_booking_beyond_capacity_is_refused(world, slot):
    book(world, slot, "甲")
    second = book(world, slot, "乙")
    assert second.phone_masked == "139****9000" and "13900139000" not in second.phone_enc
    with pytest.raises(ValidationError) as exc:
        book(world, slot, "丙")
    assert "已约满" in str(exc.value)
    assert ReceptionBooking.objects.count() == 2
    services.reception_outcome_record(
        actor=world.petition_officer, booking=second, state="cancelled"
    )
    assert book(world, slot, "丙").state == "booked"


def test_outcome_with_a_hand_over_to_a_department(world, slot):
    booking = book(world, slot, "甲")
    done = services.reception_outcome_record(
        actor=world.leader,
        booking=booking,
        state="attended",
        outcome="责成城管局一周内答复",
        assigned_department=world.department,
    )
    assert done.state == "attended" and done.assigned_department == world.department
    with pytest.raises(ValidationError):
        services.reception_outcome_record(actor=world.leader, booking=done, state="no_show")


@pytest.mark.parametrize(
    "persona", ["town_officer", "department_handler", "grid_worker_a", "outsider"]
)
def test_only_reception_roles_manage_days(world, persona):
    with pytest.raises(PermissionDenied):
        services.reception_day_create(
            actor=getattr(world, persona),
            date=datetime.date(2026, 3, 6),
            leader=world.leader,
            area=world.xuecheng,
            place="接待室",
        )
    assert not ReceptionDay.objects.exists()


def test_reception_days_for_is_scoped_and_counts_bookings(world, slot):
    book(world, slot, "甲")
    days = list(selectors.reception_days_for(user=world.leader))
    assert len(days) == 1 and [s.booked for s in days[0].slots.all()] == [1]
    assert list(selectors.reception_days_for(user=world.grid_worker_a)) == []
    assert list(selectors.reception_days_for(user=world.town_officer)) == []  # district day
