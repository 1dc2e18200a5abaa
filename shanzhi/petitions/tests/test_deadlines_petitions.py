"""信访工作条例 time limits on the official calendar: 15 days to route (art. 22), 15 days to
accept and 5 working days to object (art. 23), 60 days to handle with one extension of at most
30 (art. 34), 30 days to request 复查/复核 and 30 to decide (arts. 35–36)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from shanzhi.core.models import AuditLog
from shanzhi.petitions import deadlines, services
from shanzhi.petitions.models import Petition
from shanzhi.workdays import calendar as workdays
from shanzhi.workdays import services as workdays_services

from .core_helpers import accepted, at, end_of, register, replied, routed, timeline_count

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def calendar_2026(db):
    if not workdays.work_calendar().has_year(2026):
        workdays_services.calendar_seed(from_year=2026, to_year=2026)
    assert workdays.work_calendar().has_year(2026)


def test_registration_runs_the_15_day_routing_clock(world):
    p = register(world, now=at(2026, 3, 2))
    assert p.route_due_at == end_of(2026, 3, 17)
    assert (p.due_kind, p.due_at) == (deadlines.Kind.ROUTE, end_of(2026, 3, 17))


def test_fifteen_days_ending_in_national_day_move_past_it(world):
    p = register(world, now=at(2026, 9, 20))
    assert p.route_due_at == end_of(2026, 10, 8)


def test_routing_runs_15_days_to_accept_and_5_working_days_to_object(world):
    p = routed(world, now=at(2026, 3, 3))
    assert p.accept_due_at == end_of(2026, 3, 18)
    assert p.objection_due_at == end_of(2026, 3, 10)  # Tue + 5 working days: next Tuesday
    assert (p.due_kind, p.due_at) == (deadlines.Kind.ACCEPT, end_of(2026, 3, 18))


def test_acceptance_runs_60_days_to_handle(world):
    p = accepted(world, now=at(2026, 3, 12))
    assert p.handle_due_at == end_of(2026, 5, 11)
    assert (p.due_kind, p.due_at) == (deadlines.Kind.HANDLE, end_of(2026, 5, 11))


def test_the_objection_window_counts_working_days_across_national_day(world):
    # Assigned Tue 09-29: 09-30 (1), 10-01..07 off, 10-08 (2), 10-09 (3), make-up Sat 10-10 (4),
    # Sun 10-11 off, Mon 10-12 (5).
    p = routed(world, now=at(2026, 9, 29))
    assert p.objection_due_at == end_of(2026, 10, 12)
    objected = services.petition_object(
        actor=world.department_handler,
        petition=p,
        version=p.version,
        reason="不属于本部门职责",
        now=at(2026, 10, 12, 16),
    )
    assert objected.state == "registered"
    assert objected.assigned_department is None and objected.objection_due_at is None
    assert objected.due_kind == deadlines.Kind.ROUTE


def test_objecting_after_the_five_working_days_is_refused_and_writes_nothing(world):
    p = routed(world, now=at(2026, 9, 29))
    entries, audits = timeline_count(p), AuditLog.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.petition_object(
            actor=world.department_handler,
            petition=p,
            version=p.version,
            reason="不属于本部门职责",
            now=at(2026, 10, 13, 9),
        )
    assert "已超过5个工作日异议期限" in str(exc.value)
    p.refresh_from_db()
    assert p.state == "assigned" and p.assigned_department == world.department
    assert timeline_count(p) == entries and AuditLog.objects.count() == audits


def test_extension_once_by_at_most_30_days(world):
    p = accepted(world, now=at(2026, 3, 12))
    p = services.petition_extend(
        actor=world.petition_officer,
        petition=p,
        version=p.version,
        days=30,
        reason="涉及多个部门，需要联合调查",
        now=at(2026, 5, 1),
    )
    assert p.extension_days == 30
    assert p.handle_due_at == end_of(2026, 6, 10)  # 03-12 + 90 days
    assert p.due_at == end_of(2026, 6, 10)
    assert p.extended_by == world.petition_officer

    version, entries = p.version, timeline_count(p)
    with pytest.raises(ValidationError) as exc:
        services.petition_extend(
            actor=world.petition_officer, petition=p, version=p.version, days=5, reason="再延"
        )
    assert "只能延长一次" in str(exc.value)
    p.refresh_from_db()
    assert (p.version, p.extension_days, p.handle_due_at) == (version, 30, end_of(2026, 6, 10))
    assert timeline_count(p) == entries


def test_an_extension_of_31_days_is_refused_and_writes_nothing(world):
    p = accepted(world, now=at(2026, 3, 12))
    with pytest.raises(ValidationError) as exc:
        services.petition_extend(
            actor=world.petition_officer, petition=p, version=p.version, days=31, reason="复杂"
        )
    assert "不得超过30日" in str(exc.value)
    p.refresh_from_db()
    assert p.extension_days == 0 and p.extended_at is None
    assert p.handle_due_at == end_of(2026, 5, 11)


def test_extension_needs_a_reason(world):
    p = accepted(world)
    with pytest.raises(ValidationError) as exc:
        services.petition_extend(
            actor=world.petition_officer, petition=p, version=p.version, days=10, reason=" "
        )
    assert "reason" in exc.value.message_dict


def test_reply_opens_the_30_day_review_window(world):
    p = replied(world, now=at(2026, 4, 14))
    assert p.review_request_due_at == end_of(2026, 5, 14)
    assert p.due_at is None and p.due_kind == ""  # waiting for the petitioner


def test_review_requested_on_the_last_day_is_accepted_and_decided_within_30_days(world):
    p = replied(world, now=at(2026, 4, 14))
    p = services.review_request(
        actor=world.petition_officer,
        petition=p,
        version=p.version,
        reviewing_body="薛城区人民政府",
        now=at(2026, 5, 14, 17),
    )
    review = p.reviews.get()
    assert review.request_due_at == end_of(2026, 5, 14)
    assert review.decide_due_at == end_of(2026, 6, 15)  # 06-13 is a Saturday
    assert (p.due_kind, p.due_at) == (deadlines.Kind.REVIEW, end_of(2026, 6, 15))


def test_review_requested_after_30_days_is_refused(world):
    p = replied(world, now=at(2026, 4, 14))
    with pytest.raises(ValidationError) as exc:
        services.review_request(
            actor=world.petition_officer,
            petition=p,
            version=p.version,
            reviewing_body="薛城区人民政府",
            now=at(2026, 5, 15, 9),
        )
    assert "已超过30日复查申请期限" in str(exc.value)
    assert not p.reviews.exists()
    assert Petition.objects.get(pk=p.pk).state == "replied"


def test_status_warning_and_overdue_are_the_same_in_python_and_sql(world, settings):
    settings.SHANZHI_PETITIONS_WARN_DAYS = 3
    p = register(world, now=at(2026, 3, 2))  # due end of 03-17
    for now, expected in (
        (at(2026, 3, 10), deadlines.Status.NORMAL),
        (at(2026, 3, 15), deadlines.Status.WARNING),
        (at(2026, 3, 18, 0, 1), deadlines.Status.OVERDUE),
    ):
        assert deadlines.deadline_of(p, now).status == expected
        annotated = Petition.objects.annotate(s=deadlines.status_expression(now)).get(pk=p.pk)
        assert annotated.s == expected
        assert Petition.objects.filter(deadlines.status_q(expected, now), pk=p.pk).exists()
