"""The petition office's other pages (issue #5): leader reception, special actions with the
checklist, judicial aid with its ledger export, and statistics."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from shanzhi.petitions import services
from shanzhi.petitions.models import (
    AidApplication,
    AidPayment,
    ChecklistItem,
    ReceptionBooking,
    ReceptionDay,
    ReceptionSlot,
    SpecialAction,
)

from .views_support import accepted, register, replied

pytestmark = pytest.mark.django_db


# --- reception -------------------------------------------------------------------------------


def day_post(world, **overrides):
    data = {
        "date": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        "title": "周五信访例会",
        "leader": str(world.leader.pk),
        "area": str(world.xuecheng.pk),
        "place": "区信访局接待室",
        "slots": "09:00-10:00\n10:00-11:00",
        "capacity": "2",
    }
    data.update(overrides)
    return data


def test_petition_officer_creates_a_reception_day_with_slots(client, world):
    client.force_login(world.petition_officer)
    response = client.post(reverse("petitions:reception_day_new"), day_post(world))
    assert response.status_code == 302
    day = ReceptionDay.objects.get()
    assert day.leader == world.leader
    assert day.slots.count() == 2
    html = client.get(reverse("petitions:reception")).content.decode()
    assert "区信访局接待室" in html and "09:00" in html


def test_reception_day_with_a_bad_slot_writes_nothing(client, world):
    client.force_login(world.petition_officer)
    response = client.post(
        reverse("petitions:reception_day_new"), day_post(world, slots="09:00-10:00\n11:00-10:00")
    )
    assert response.status_code == 400
    assert "结束时间应晚于开始时间" in response.content.decode()
    assert ReceptionDay.objects.count() == 0 and ReceptionSlot.objects.count() == 0


def test_town_officer_may_not_create_reception_days(client, world):
    client.force_login(world.town_officer)
    response = client.post(reverse("petitions:reception_day_new"), day_post(world))
    assert response.status_code == 403
    assert ReceptionDay.objects.count() == 0


def make_day(world):
    day = services.reception_day_create(
        actor=world.petition_officer,
        date=timezone.localdate() + datetime.timedelta(days=3),
        leader=world.leader,
        area=world.xuecheng,
        place="区信访局接待室",
    )
    start = timezone.now() + datetime.timedelta(days=3)
    slot = services.reception_slot_create(
        actor=world.petition_officer,
        day=day,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        capacity=1,
    )
    return day, slot


def test_book_a_petitioner_on_a_petition_and_record_the_outcome(client, world):
    petition = register(world)
    _day, slot = make_day(world)
    client.force_login(world.petition_officer)
    response = client.post(
        reverse("petitions:reception_book"),
        {
            "slot": slot.pk,
            "petitioner_name": "李四",
            "phone": "13900139000",
            "subject": "补偿款",
            "petition_number": petition.number,
        },
    )
    assert response.status_code == 302
    booking = ReceptionBooking.objects.get()
    assert booking.petition == petition and booking.phone_masked == "139****9000"
    # The slot holds one: a second booking is refused.
    response = client.post(
        reverse("petitions:reception_book"), {"slot": slot.pk, "petitioner_name": "王五"}
    )
    assert response.status_code == 400
    assert "该时段已约满" in response.content.decode()
    assert ReceptionBooking.objects.count() == 1
    response = client.post(
        reverse("petitions:reception_outcome", args=[booking.pk]),
        {
            f"b{booking.pk}-state": "attended",
            f"b{booking.pk}-outcome": "领导当场交办城管局。",
            f"b{booking.pk}-assigned_department": world.department.pk,
        },
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.state == "attended" and booking.assigned_department == world.department


# --- special actions -------------------------------------------------------------------------


def make_action(world):
    action = services.special_action_create(
        actor=world.petition_officer,
        name="四查四清四到位",
        area=world.xuecheng,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=60),
        checklist=["查清诉求", "查清责任"],
    )
    case = services.special_action_add_case(
        actor=world.petition_officer, action=action, petition=accepted(world)
    )
    return action, case


def test_action_detail_lists_cases_and_progress_per_body(client, world):
    action, case = make_action(world)
    client.force_login(world.petition_officer)
    html = client.get(reverse("petitions:action_detail", args=[action.pk])).content.decode()
    assert case.petition.number in html
    assert "查清诉求" in html
    assert world.department.name in html
    assert 'data-percent="0"' in html


def test_ticking_a_checklist_item_with_htmx(client, world):
    action, case = make_action(world)
    item = case.items.order_by("order").first()
    client.force_login(world.department_handler)
    response = client.post(
        reverse("petitions:checklist_tick", args=[action.pk, item.pk]),
        {"done": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'data-done="1"' in html
    item.refresh_from_db()
    assert item.done and item.done_by == world.department_handler
    client.force_login(world.petition_officer)
    html = client.get(reverse("petitions:action_detail", args=[action.pk])).content.decode()
    assert 'data-percent="50"' in html


def test_leader_may_not_tick_checklist_items(client, world):
    action, case = make_action(world)
    item = case.items.first()
    client.force_login(world.leader)
    response = client.post(
        reverse("petitions:checklist_tick", args=[action.pk, item.pk]), {"done": "1"}
    )
    assert response.status_code == 403
    assert not ChecklistItem.objects.get(pk=item.pk).done


def test_create_action_and_add_a_case_through_the_pages(client, world):
    petition = routed_to_department(world)
    client.force_login(world.petition_officer)
    response = client.post(
        reverse("petitions:action_new"),
        {
            "name": "信访积案化解",
            "area": world.xuecheng.pk,
            "starts_on": timezone.localdate().isoformat(),
            "ends_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
            "checklist": "查清诉求\n化解到位",
        },
    )
    assert response.status_code == 302
    action = SpecialAction.objects.get()
    response = client.post(
        reverse("petitions:action_add_case", args=[action.pk]),
        {"petition_number": petition.number},
    )
    assert response.status_code == 302
    assert action.cases.get().items.count() == 2
    response = client.post(
        reverse("petitions:action_add_case", args=[action.pk]),
        {"petition_number": petition.number},
    )
    assert response.status_code == 400
    assert "该信访件已在本专项行动的案件清单中" in response.content.decode()
    assert action.cases.count() == 1


def routed_to_department(world):
    p = register(world)
    return services.petition_route(
        actor=world.petition_officer, petition=p, version=p.version, department=world.department
    )


# --- judicial aid ----------------------------------------------------------------------------


def test_aid_application_approval_payment_and_ledger_export(client, world):
    petition = replied(world)
    client.force_login(world.petition_officer)
    response = client.post(
        reverse("petitions:aid_apply"),
        {
            "petition_number": petition.number,
            "applicant_name": "张三",
            "reason": "生活困难",
            "amount_requested": "5000",
        },
    )
    assert response.status_code == 302
    application = AidApplication.objects.get()
    # The petitions office may not approve; the leader may.
    response = client.post(
        reverse("petitions:aid_decide", args=[application.pk]),
        {
            f"d{application.pk}-version": application.version,
            f"d{application.pk}-approve": "1",
            f"d{application.pk}-approved_amount": "3000",
        },
    )
    assert response.status_code == 403
    client.force_login(world.leader)
    stale = {
        f"d{application.pk}-version": application.version + 5,
        f"d{application.pk}-approve": "1",
        f"d{application.pk}-approved_amount": "3000",
    }
    response = client.post(reverse("petitions:aid_decide", args=[application.pk]), stale)
    assert response.status_code == 409
    application.refresh_from_db()
    assert application.state == "applied"
    response = client.post(
        reverse("petitions:aid_decide", args=[application.pk]),
        {**stale, f"d{application.pk}-version": application.version},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == "approved" and application.approved_amount == Decimal("3000")
    client.force_login(world.petition_officer)
    today = timezone.localdate()
    earlier = today.replace(day=1) - datetime.timedelta(days=1)  # last month
    for amount, day in (("1000.50", earlier), ("1200", today)):
        response = client.post(
            reverse("petitions:aid_pay", args=[application.pk]),
            {f"p{application.pk}-amount": amount, f"p{application.pk}-paid_on": day.isoformat()},
        )
        assert response.status_code == 302
    response = client.post(
        reverse("petitions:aid_pay", args=[application.pk]),
        {f"p{application.pk}-amount": "1000", f"p{application.pk}-paid_on": today.isoformat()},
    )
    assert response.status_code == 400
    assert "发放金额超过批准金额" in response.content.decode()
    assert AidPayment.objects.count() == 2
    period = {"date_from": earlier.replace(day=1).isoformat(), "date_to": today.isoformat()}
    html = client.get(reverse("petitions:aid"), {**period, "group": "month"}).content.decode()
    assert 'data-total="2200.50"' in html
    response = client.get(reverse("petitions:aid_export"), {**period, "group": "month"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    ledger, summary = book.worksheets
    amounts = [row[4] for row in ledger.iter_rows(min_row=2, values_only=True) if row[1]]
    assert sorted(amounts) == [1000.5, 1200]
    total_row = [r for r in ledger.iter_rows(values_only=True) if r[0] == "合计"][0]
    assert total_row[4] == pytest.approx(2200.5)
    months = [r for r in summary.iter_rows(min_row=2, values_only=True)]
    assert len(months) == 2
    assert sum(r[2] for r in months) == pytest.approx(2200.5)
    assert sum(r[1] for r in months) == 2


def test_aid_export_is_forbidden_without_aid_capabilities(client, world):
    client.force_login(world.department_handler)
    assert client.get(reverse("petitions:aid_export")).status_code == 403


# --- statistics ------------------------------------------------------------------------------


def test_statistics_counts_by_channel_type_and_law_related(client, world):
    register(world, channel="visit", law_related=True)
    register(world, channel="letter")
    register(world, channel="letter", type="suggestion")
    client.force_login(world.leader)
    response = client.get(reverse("petitions:statistics"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-stat="total">3<' in html
    assert 'data-stat="law_related">1<' in html
    assert '<tr data-key="letter"><td>来信</td><td class="text-end">2</td>' in html
    assert '<tr data-key="suggestion"><td>建议意见</td><td class="text-end">1</td>' in html
