"""The calendar admin: who may use it, the notice import, per-day edits, all audited."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from shanzhi.accounts.models import Post, Role
from shanzhi.accounts.scope import forget_scope
from shanzhi.core.models import AuditLog
from shanzhi.workdays import calendar as workcal
from shanzhi.workdays.calendar import add_working_days, is_working_day
from shanzhi.workdays.models import CalendarDay, CalendarStatus, CalendarYear

pytestmark = pytest.mark.django_db

D = datetime.date
IMPORT_URL = reverse("admin:workdays_calendaryear_import_notice")
CHANGELIST_URL = reverse("admin:workdays_calendaryear_changelist")
ADD_URL = reverse("admin:workdays_calendaryear_add")

NOTICE_2027 = "2027-02-06..2027-02-12 春节\n2027-02-14 调休上班"


def staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    forget_scope(user)
    return user


@pytest.fixture(autouse=True)
def late_2026(monkeypatch):
    monkeypatch.setattr(workcal, "today", lambda: D(2026, 11, 28))


@pytest.fixture
def city_admin(world, client):
    client.force_login(staff(world.city_admin))
    return world.city_admin


def counts() -> tuple[int, int, int]:
    return CalendarYear.objects.count(), CalendarDay.objects.count(), AuditLog.objects.count()


# --- who may use it -----------------------------------------------------------------------------


def test_city_admin_sees_the_years_and_the_missing_2027_warning(client, city_admin):
    response = client.get(CHANGELIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "2027 年的法定节假日安排尚未录入" in html
    assert IMPORT_URL in html
    years = {y.year for y in response.context["cl"].result_list}
    assert {2025, 2026} <= years


def test_superuser_may_use_the_calendar_admin(client, world):
    client.force_login(world.superuser)
    assert client.get(CHANGELIST_URL).status_code == 200
    assert client.get(IMPORT_URL).status_code == 200


@pytest.mark.parametrize("persona", ["dispatcher", "town_officer", "auditor"])
def test_other_staff_may_not_see_or_import(client, world, persona):
    user = staff(getattr(world, persona))
    client.force_login(user)
    before = counts()
    assert client.get(CHANGELIST_URL).status_code == 403
    assert client.get(IMPORT_URL).status_code == 403
    response = client.post(IMPORT_URL, {"year": 2027, "text": NOTICE_2027, "_import": "1"})
    assert response.status_code == 403
    assert counts() == before


def test_a_city_admin_post_below_the_root_is_not_enough(client, world):
    user = staff(world.dispatcher)
    Post.objects.create(user=user, role=Role.CITY_ADMIN, area=world.xuecheng)
    forget_scope(user)
    client.force_login(user)
    assert client.get(CHANGELIST_URL).status_code == 403


# --- the notice import --------------------------------------------------------------------------


def test_import_page_proposes_the_missing_year(client, city_admin):
    response = client.get(IMPORT_URL)
    assert response.status_code == 200
    assert response.context["form"]["year"].value() == 2027


def test_preview_shows_the_days_and_writes_nothing(client, city_admin):
    before = counts()
    response = client.post(IMPORT_URL, {"year": 2027, "text": NOTICE_2027, "_preview": "1"})
    assert response.status_code == 200
    assert len(response.context["preview"]["days"]) == 8
    assert "2027-02-14" in response.content.decode()
    assert counts() == before


def test_import_writes_the_year_and_deadlines_change_at_once(client, city_admin):
    start = datetime.datetime(2027, 2, 5, 9, tzinfo=workcal.CALENDAR_TZ)
    assert add_working_days(start, 1).date() == D(2027, 2, 8)

    response = client.post(
        IMPORT_URL,
        {"year": 2027, "note": "国办发明电〔2026〕X号", "text": NOTICE_2027, "_import": "1"},
    )

    year = CalendarYear.objects.get(year=2027)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:workdays_calendaryear_change", args=[year.pk])
    assert year.status == CalendarStatus.ADMIN
    assert add_working_days(start, 1).date() == D(2027, 2, 14)
    entry = AuditLog.objects.get(action="workdays.notice_import")
    assert entry.actor == city_admin
    assert entry.ip == "127.0.0.1"


def test_bad_lines_show_chinese_errors_and_write_nothing(client, city_admin):
    before = counts()
    text = NOTICE_2027 + "\n2027-02-10 调休上班\n2027-02-31 春节"
    response = client.post(IMPORT_URL, {"year": 2027, "text": text, "_import": "1"})
    assert response.status_code == 200
    errors = response.context["form"].errors["text"]
    assert any("第 3 行" in e and "调休上班只能安排在周六或周日" in e for e in errors)
    assert "第 4 行：日期不存在。" in errors
    assert "第 4 行：日期不存在。" in response.content.decode()
    assert counts() == before


# --- per-day edits in the change form -----------------------------------------------------------


def inline_data(rows: list[dict], initial: int = 0) -> dict:
    data = {
        "days-TOTAL_FORMS": str(len(rows)),
        "days-INITIAL_FORMS": str(initial),
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"days-{i}-{key}": value for key, value in row.items()})
    return data


def test_adding_a_year_with_its_days_goes_through_the_services(client, city_admin):
    data = {"year": "2027", "note": "手工录入"} | inline_data(
        [
            {"date": "2027-10-01", "name": "国庆节"},
            {"date": "2027-10-09", "is_working_day": "on", "name": "调休上班"},
        ]
    )
    response = client.post(ADD_URL, data)

    assert response.status_code == 302, response.context["errors"]
    year = CalendarYear.objects.get(year=2027)
    assert year.status == CalendarStatus.ADMIN
    assert year.updated_by == city_admin
    assert not is_working_day(D(2027, 10, 1))
    assert is_working_day(D(2027, 10, 9))
    actions = list(
        AuditLog.objects.filter(action__startswith="workdays.").values_list("action", flat=True)
    )
    assert sorted(actions) == ["workdays.day_save", "workdays.day_save", "workdays.year_create"]


def test_inline_rows_outside_the_year_or_weekday_make_up_days_are_refused(client, city_admin):
    before = counts()
    data = {"year": "2027"} | inline_data(
        [
            {"date": "2028-01-01", "name": "元旦"},
            {"date": "2027-10-08", "is_working_day": "on", "name": "调休上班"},
        ]
    )
    response = client.post(ADD_URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "日期 2028-01-01 不在 2027 年内。" in html
    assert "调休上班只能安排在周六或周日" in html
    assert counts() == before


def test_editing_and_deleting_a_seeded_day_marks_the_year_maintained(client, city_admin):
    year = CalendarYear.objects.get(year=2026)
    rows = list(year.days.order_by("date"))
    form_rows = []
    for row in rows:
        form_row = {
            "id": str(row.pk),
            "calendar_year": str(year.pk),
            "date": row.date.isoformat(),
            "name": row.name,
        }
        if row.is_working_day:
            form_row["is_working_day"] = "on"
        if row.date == D(2026, 2, 28):
            form_row["DELETE"] = "on"  # drop the second make-up Saturday
        if row.date == D(2026, 10, 7):
            form_row["name"] = "国庆节（改）"
        form_rows.append(form_row)
    data = {"note": year.note} | inline_data(form_rows, initial=len(rows))

    response = client.post(reverse("admin:workdays_calendaryear_change", args=[year.pk]), data)

    assert response.status_code == 302
    year.refresh_from_db()
    assert year.status == CalendarStatus.ADMIN
    assert not is_working_day(D(2026, 2, 28))
    assert year.days.get(date=D(2026, 10, 7)).name == "国庆节（改）"
    assert AuditLog.objects.filter(action="workdays.day_delete").count() == 1
    assert AuditLog.objects.filter(action="workdays.day_save").count() == 1


def test_deleting_a_year_in_the_admin_makes_it_missing(client, city_admin):
    year = CalendarYear.objects.get(year=2026)
    response = client.post(
        reverse("admin:workdays_calendaryear_delete", args=[year.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert workcal.missing_years([2026]) == [2026]
    assert AuditLog.objects.filter(action="workdays.year_delete").count() == 1
