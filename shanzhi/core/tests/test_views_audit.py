"""The auditor's page /audit/: who may read the audit log, filters, paging (issue #2)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from shanzhi.core.audit import audit_record
from shanzhi.core.models import AuditLog, Outcome
from shanzhi.testing.clock import frozen_clock

pytestmark = pytest.mark.django_db

URL = "/audit/"


def test_audit_page_route_name():
    assert reverse("core:audit_log") == URL


def listed_actions(response) -> list[str]:
    return [entry.action for entry in response.context["page"].object_list]


@pytest.fixture
def history(world):
    """A few rows at known times, written through the one service."""
    start = datetime.datetime(2026, 3, 1, 0, 0, tzinfo=datetime.UTC)
    with frozen_clock(start) as clock:
        audit_record(action="auth.login", actor=world.grid_worker_a)
        clock.advance(hours=1)
        audit_record(action="auth.login_failed", username="grid_worker_b", outcome=Outcome.FAILURE)
        clock.advance(hours=1)
        audit_record(action="areas.update", actor=world.town_officer, obj=world.grid_a)
        clock.advance(hours=1)
        audit_record(action="admin.change", actor=world.superuser, obj=world.grid_e)
    return start


def test_auditor_sees_the_log_and_the_viewing_is_audited(client, world, history):
    client.force_login(world.auditor)

    response = client.get(URL)

    assert response.status_code == 200
    # Newest first; the history rows are the oldest (the world's set-up rows come later).
    assert listed_actions(response)[-4:] == [
        "admin.change",
        "areas.update",
        "auth.login_failed",
        "auth.login",
    ]
    assert "audit.view" not in listed_actions(response)  # the log as it was when opened
    view = AuditLog.objects.get(action="audit.view")
    assert view.actor == world.auditor
    assert view.object_type == "core.auditlog"


def test_city_admin_may_read_the_log(client, world, history):
    client.force_login(world.city_admin)

    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("persona", ["grid_worker_a", "town_officer", "outsider", "dispatcher"])
def test_other_roles_are_forbidden_and_nothing_is_written(client, world, history, persona):
    client.force_login(getattr(world, persona))
    before = list(AuditLog.objects.values_list("pk", flat=True))

    response = client.get(URL)

    assert response.status_code == 403
    assert "auth.login" not in response.content.decode()
    assert list(AuditLog.objects.values_list("pk", flat=True)) == before


def test_anonymous_is_sent_to_log_in(client, world, history):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not AuditLog.objects.filter(action="audit.view").exists()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor": "town_officer"}, ["areas.update"]),
        ({"action": "auth."}, ["auth.login_failed", "auth.login"]),
        ({"outcome": "failure"}, ["auth.login_failed"]),
        ({"object_type": "areas.area"}, ["admin.change", "areas.update"]),
        ({"since": "2026-03-01T08:30", "until": "2026-03-01T09:30"}, ["auth.login_failed"]),
    ],
)
def test_filters_narrow_the_list(client, world, history, query, expected):
    client.force_login(world.auditor)

    response = client.get(URL, query)

    assert listed_actions(response) == expected


def test_filter_by_object_id_and_ip(client, world, history):
    audit_record(action="registry.view", actor=world.mediator, obj=world.grid_b)
    row = AuditLog.objects.get(action="registry.view")
    client.force_login(world.auditor)

    by_object = client.get(URL, {"object_type": "areas.area", "object_id": world.grid_b.pk})
    by_ip = client.get(URL, {"ip": "192.0.2.55"})

    assert [e.pk for e in by_object.context["page"].object_list] == [row.pk]
    assert listed_actions(by_ip) == []


def test_time_filter_is_read_in_beijing_time(client, world, history):
    # 2026-03-01 08:00 Beijing is 00:00 UTC: the first row.
    client.force_login(world.auditor)

    response = client.get(URL, {"until": "2026-03-01T08:00"})

    assert listed_actions(response) == ["auth.login"]


def test_an_inverted_time_range_shows_an_error_and_no_rows(client, world, history):
    client.force_login(world.auditor)

    response = client.get(URL, {"since": "2026-03-02T00:00", "until": "2026-03-01T00:00"})

    assert response.status_code == 200
    assert listed_actions(response) == []
    assert "起始时间不能晚于截止时间" in response.content.decode()


def test_the_log_is_paginated_and_filters_survive_paging(client, world):
    AuditLog.objects.bulk_create([AuditLog(action="registry.view") for _ in range(60)])
    client.force_login(world.auditor)

    first = client.get(URL, {"action": "registry."})
    second = client.get(URL, {"action": "registry.", "page": 2})

    assert len(first.context["page"].object_list) == 50
    assert "action=registry.&amp;page=2" in first.content.decode()
    assert len(second.context["page"].object_list) == 10


def test_query_count_does_not_grow_with_rows(client, world, django_assert_num_queries):
    AuditLog.objects.bulk_create(
        [AuditLog(action="registry.view", actor=world.grid_worker_a) for _ in range(60)]
    )
    client.force_login(world.auditor)
    client.get(URL)  # settle the session's last-seen write

    # session, user, posts (scope and the audit row's post), insert, count, page
    with django_assert_num_queries(6):
        response = client.get(URL)
    assert len(response.context["page"].object_list) == 50
