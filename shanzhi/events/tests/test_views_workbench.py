"""Workbench pages (issue #4): my to-do, event detail and its actions, dispatch, photos,
notifications. Allowed and forbidden personas; refused writes change nothing."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from shanzhi.events import services
from shanzhi.events.models import Event, Notification

from .helpers import POINT_B, build, fire, fresh, report
from .views_support import clean_cache, media_root, png_upload, snapshot  # noqa: F401

pytestmark = pytest.mark.django_db
CONFLICT = "该事件已被他人处理，请刷新后重试"
# Session, user, posts, counts, the page of events with its prefetches, the calendar.
TODO_QUERIES = 15
# Session, user, posts, the event with its prefetches, the calendar: however long its history.
DETAIL_QUERIES = 12


def login(client, user):
    client.force_login(user)
    return client


def test_dispatcher_sees_todo_counts_and_the_reported_event(client, cast):
    event = report(cast)
    response = login(client, cast.dispatcher).get(reverse("events:todo"))
    assert response.status_code == 200
    html = response.content.decode()
    assert event.number in html
    assert 'data-count="to_accept"' in html


@pytest.mark.parametrize("persona", ["citizen", "outsider"])
def test_todo_is_forbidden_without_events_view(client, cast, persona):
    response = login(client, cast.persona(persona)).get(reverse("events:todo"))
    assert response.status_code == 403


def test_grid_worker_b_does_not_see_grid_a_events_in_todo(client, cast):
    event = report(cast)
    response = login(client, cast.grid_worker_b).get(reverse("events:todo"))
    assert event.number not in response.content.decode()


def test_todo_filters_and_htmx_returns_only_the_list(client, cast):
    reported = report(cast)
    accepted = build(cast, "accepted")
    client = login(client, cast.dispatcher)
    response = client.get(reverse("events:todo"), {"state": "accepted"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert accepted.number in html
    assert reported.number not in html


def test_todo_list_query_count_is_pinned(client, cast, django_assert_num_queries):
    for _ in range(3):
        report(cast)
    client = login(client, cast.dispatcher)
    client.get(reverse("events:todo"))  # warm caches (calendar, sessions)
    with django_assert_num_queries(TODO_QUERIES):
        first = client.get(reverse("events:todo"))
    for _ in range(5):
        report(cast, point=POINT_B, actor=cast.grid_worker_b)
    with django_assert_num_queries(TODO_QUERIES):
        second = client.get(reverse("events:todo"))
    assert first.status_code == second.status_code == 200


def test_detail_shows_fields_timeline_and_escaped_description(client, cast):
    event = report(cast, description="<script>alert('x')</script>占道")
    response = login(client, cast.grid_worker_a).get(reverse("events:detail", args=[event.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(" in html
    assert 'data-sz-point-map data-lon="117.120000"' in html
    assert 'data-transition="report"' in html


def test_detail_query_count_is_pinned(client, cast, django_assert_num_queries):
    event = build(cast, "in_progress")
    client = login(client, cast.dispatcher)
    client.get(reverse("events:detail", args=[event.pk]))
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(reverse("events:detail", args=[event.pk]))
    assert response.status_code == 200
    fire(event, cast.department_handler, "feedback", comment="已清理", photos=[png_upload()])
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(reverse("events:detail", args=[event.pk]))
    assert response.status_code == 200


def test_detail_outside_scope_is_404(client, cast):
    event = report(cast)
    response = login(client, cast.grid_worker_b).get(reverse("events:detail", args=[event.pk]))
    assert response.status_code == 404


def test_dispatcher_accepts_from_the_detail_page(client, cast):
    event = report(cast)
    response = login(client, cast.dispatcher).post(
        reverse("events:act", args=[event.pk, "accept"]), {"accept-version": event.version}
    )
    assert response.status_code == 302
    assert fresh(event).state == "accepted"


def test_grid_worker_cannot_accept_and_nothing_changes(client, cast):
    event = report(cast)
    before = snapshot()
    response = login(client, cast.grid_worker_a).post(
        reverse("events:act", args=[event.pk, "accept"]), {"accept-version": event.version}
    )
    assert response.status_code == 403
    assert snapshot() == before


def test_department_handler_cannot_reach_an_event_not_dispatched_to_them(client, cast):
    event = report(cast)
    before = snapshot()
    response = login(client, cast.department_handler).post(
        reverse("events:act", args=[event.pk, "accept"]), {"accept-version": event.version}
    )
    assert response.status_code == 404
    assert snapshot() == before


def test_stale_step_is_409_and_nothing_is_written(client, cast):
    event = report(cast)
    stale = event.version
    fire(event, cast.dispatcher, "accept")
    before = snapshot()
    response = login(client, cast.dispatcher).post(
        reverse("events:act", args=[event.pk, "reject"]),
        {"reject-version": stale, "reject-reason": "不属于受理范围"},
    )
    assert response.status_code == 409
    assert CONFLICT in response.content.decode()
    assert snapshot() == before


def test_missing_required_reason_is_a_chinese_error_and_nothing_is_written(client, cast):
    event = report(cast)
    before = snapshot()
    response = login(client, cast.dispatcher).post(
        reverse("events:act", args=[event.pk, "reject"]), {"reject-version": event.version}
    )
    assert response.status_code == 400
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()
    assert snapshot() == before


def test_dispatch_page_preselects_the_catalogue_department_and_dispatches(client, cast):
    event = fire(build(cast, "accepted"), cast.dispatcher, "escalate")
    client = login(client, cast.dispatcher)
    page = client.get(reverse("events:dispatch", args=[event.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'<option value="{cast.department.pk}" selected>' in html
    response = client.post(
        reverse("events:dispatch", args=[event.pk]),
        {
            "version": fresh(event).version,
            "lead_department": cast.department.pk,
            "assist_departments": [cast.housing.pk],
        },
    )
    assert response.status_code == 302
    event = fresh(event)
    assert event.state == "dispatched"
    assert event.assignments.count() == 2


def test_dispatch_is_forbidden_for_a_grid_worker(client, cast):
    event = build(cast, "accepted")
    before = snapshot()
    response = login(client, cast.grid_worker_a).post(
        reverse("events:dispatch", args=[event.pk]),
        {"version": event.version, "lead_department": cast.department.pk},
    )
    assert response.status_code == 403
    assert snapshot() == before


def test_dispatch_page_warns_when_the_year_has_no_calendar(client, cast):
    event = build(cast, "accepted")
    Event.objects.filter(pk=event.pk).update(
        step_due_at=datetime.datetime(2099, 3, 1, tzinfo=datetime.UTC)
    )
    response = login(client, cast.dispatcher).get(reverse("events:dispatch", args=[event.pk]))
    assert "2099 年的法定节假日安排尚未录入" in response.content.decode()


def test_handler_feeds_back_with_a_photo_served_only_within_scope(client, cast):
    event = build(cast, "in_progress")
    handler = login(client, cast.department_handler)
    response = handler.post(
        reverse("events:act", args=[event.pk, "feedback"]),
        {
            "feedback-version": fresh(event).version,
            "feedback-comment": "已清理",
            "feedback-photos": [png_upload()],
        },
    )
    assert response.status_code == 302
    event = fresh(event)
    assert event.state == "fed_back"
    photo = event.attachments.get()
    url = reverse("events:attachment", args=[event.pk, photo.pk])
    served = handler.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    client.logout()
    assert login(client, cast.grid_worker_b).get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_notifications_list_shows_only_the_users_own(client, cast):
    event = report(cast)
    mine = Notification.objects.filter(recipient=cast.town_officer, event=event)
    assert mine.exists()
    response = login(client, cast.town_officer).get(reverse("events:notifications"))
    assert event.number in response.content.decode()
    client.logout()
    response = login(client, cast.grid_worker_b).get(reverse("events:notifications"))
    assert event.number not in response.content.decode()
    note = mine.first()
    assert client.post(reverse("events:notification_read", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_supervision_badge_shows_on_overdue_event(client, cast):
    event = report(cast)
    past = timezone.now() - datetime.timedelta(days=30)
    Event.objects.filter(pk=event.pk).update(step_due_at=past, step_red_at=past)
    response = login(client, cast.dispatcher).get(reverse("events:detail", args=[event.pk]))
    assert 'data-level="red"' in response.content.decode()
    assert services  # the services module is the only writer used above


def test_dispatch_to_the_grid_area_for_local_handling(client, cast):
    event = build(cast, "accepted")
    response = login(client, cast.dispatcher).post(
        reverse("events:dispatch", args=[event.pk]),
        {"version": event.version, "area": cast.grid_a.pk},
    )
    assert response.status_code == 302
    assignment = fresh(event).assignments.get()
    assert assignment.area == cast.grid_a
    assert assignment.department is None


def test_dispatch_needs_a_department_or_an_area_and_writes_nothing_without(client, cast):
    event = build(cast, "accepted")
    before = snapshot()
    response = login(client, cast.dispatcher).post(
        reverse("events:dispatch", args=[event.pk]), {"version": event.version}
    )
    assert response.status_code == 400
    assert "二选一" in response.content.decode()
    assert snapshot() == before


def test_navbar_badge_signed_out_answers_204_and_sets_no_cookie(client, db):
    """A badge request from a page left open after logging out must not be redirected to the
    log-in page: htmx would follow it and the new CSRF cookie would refuse the log-in form."""
    response = client.get(reverse("events:notification_badge"))
    assert response.status_code == 204 and not response.content
    assert "csrftoken" not in response.cookies


def test_navbar_badge_counts_only_the_users_unread_in_app_notifications(client, cast):
    build(cast, "dispatched")  # tells the department handler it has work
    client.force_login(cast.department_handler)
    page = client.get(reverse("events:notifications")).content.decode()
    assert reverse("events:notification_badge") in page
    unread = Notification.objects.filter(
        recipient=cast.department_handler, channel="inapp", read_at__isnull=True
    ).count()
    assert unread >= 1
    badge = client.get(reverse("events:notification_badge")).content.decode()
    assert f'data-unread="{unread}"' in badge
    for n in Notification.objects.filter(recipient=cast.department_handler, channel="inapp"):
        client.post(reverse("events:notification_read", args=[n.pk]))
    assert "data-unread" not in client.get(reverse("events:notification_badge")).content.decode()
    client.force_login(cast.grid_worker_b)  # told nothing about this event
    assert "data-unread" not in client.get(reverse("events:notification_badge")).content.decode()
