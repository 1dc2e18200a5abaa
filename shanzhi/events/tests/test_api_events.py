"""The events REST API: scoped lists and details, reports, transitions, the catalogue."""

from __future__ import annotations

from typing import Any

import pytest

from shanzhi.events.models import Channel, Event, TimelineEntry
from shanzhi.testing.api import assert_error, session_client, token_client

from .helpers import POINT_A, build, report

EVENTS = "/api/v1/events/"
TYPES = "/api/v1/event-types/"
PHONE = "13912345678"


def detail_url(event: Event) -> str:
    return f"{EVENTS}{event.pk}/"


def transition_url(event: Event, name: str) -> str:
    return f"{EVENTS}{event.pk}/transitions/{name}/"


def snapshot(event: Event) -> tuple[Any, ...]:
    fresh = Event.objects.get(pk=event.pk)
    return fresh.state, fresh.version, TimelineEntry.objects.filter(event=event).count()


# --- list and detail -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, sees",
    [
        ("grid_worker_a", True),
        ("town_officer", True),
        ("city_admin", True),
        ("grid_worker_b", False),
        ("department_handler", False),  # nothing dispatched to the department yet
        ("outsider", False),
    ],
)
def test_list_is_scoped(cast, persona, sees):
    event = report(cast)
    response = session_client(cast.persona(persona)).get(EVENTS)
    assert response.status_code == 200
    numbers = [row["number"] for row in response.json()["results"]]
    assert (event.number in numbers) is sees


def test_list_needs_a_login(cast):
    report(cast)
    response = session_client().get(EVENTS)
    assert response.status_code in (401, 403)
    assert_error(response, response.status_code)


def test_list_filters_and_query_count(cast, django_assert_max_num_queries):
    report(cast)
    build(cast, "closed")
    client = session_client(cast.city_admin)
    assert client.get(EVENTS, {"open": "true"}).json()["count"] == 1
    assert client.get(EVENTS, {"state": "closed"}).json()["count"] == 1
    assert client.get(EVENTS, {"type": "05"}).json()["count"] == 2
    assert client.get(EVENTS, {"type": "03"}).json()["count"] == 0
    assert_error(client.get(EVENTS, {"state": "nonsense"}), 400, "invalid")
    with django_assert_max_num_queries(12) as few:
        client.get(EVENTS)
    for _ in range(3):
        report(cast)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(EVENTS).json()["count"] == 5


def test_detail_has_timeline_actions_and_only_the_masked_phone(cast):
    event = report(cast, reporter_phone=PHONE, reporter_name="王小明")
    response = session_client(cast.dispatcher).get(detail_url(event))
    assert response.status_code == 200
    body = response.json()
    assert [row["transition"] for row in body["timeline"]] == ["report"]
    assert "accept" in body["actions"]
    assert body["reporter_phone"].endswith("5678") and PHONE not in response.content.decode()
    assert body["version"] == event.version


@pytest.mark.parametrize("persona", ["grid_worker_b", "outsider", "department_handler"])
def test_detail_outside_the_scope_is_404(cast, persona):
    event = report(cast)
    assert_error(session_client(cast.persona(persona)).get(detail_url(event)), 404, "not_found")


# --- report --------------------------------------------------------------------------------------


def report_body(point: tuple[float, float] = POINT_A, **extra: Any) -> dict[str, Any]:
    return {
        "type": "0501",
        "description": "路口占道经营。",
        "lon": point[0],
        "lat": point[1],
        "reporter_phone": PHONE,
        **extra,
    }


def test_grid_worker_reports_through_the_api(cast):
    response = session_client(cast.grid_worker_a).post(EVENTS, report_body(), format="json")
    assert response.status_code == 201, response.content
    event = Event.objects.get()
    assert event.channel == Channel.API and event.grid == cast.grid_a
    assert response.json()["number"] == event.number
    assert PHONE not in response.content.decode()


def test_report_answers_the_same_body_as_the_detail(cast, django_assert_max_num_queries):
    """The 201 body is built from the event as written, not read back: it is exactly what
    GET returns for it (plus the query code), in a bounded number of queries."""
    client = token_client(cast.dispatcher)
    client.post(EVENTS, report_body(), format="json")  # warm the locate and calendar caches
    with django_assert_max_num_queries(17):
        response = client.post(EVENTS, report_body(reporter_name="张三"), format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created.pop("query_code") == ""
    detail = client.get(f"{EVENTS}{created['id']}/")
    assert detail.status_code == 200
    assert created == detail.json()
    assert created["timeline"] and created["actions"]


@pytest.mark.parametrize(
    "persona, point, status",
    [
        ("department_handler", POINT_A, 403),  # no events.report
        ("outsider", POINT_A, 403),
        ("grid_worker_b", POINT_A, 403),  # outside their grid
        ("grid_worker_a", (100.0, 30.0), 400),  # outside every grid
    ],
)
def test_report_forbidden_or_invalid_writes_nothing(cast, persona, point, status):
    response = session_client(cast.persona(persona)).post(EVENTS, report_body(point), format="json")
    assert_error(response, status)
    assert not Event.objects.exists()


def test_report_checks_required_attributes(cast):
    body = report_body(type="0301")
    response = session_client(cast.grid_worker_a).post(EVENTS, body, format="json")
    error = assert_error(response, 400, "invalid")
    assert "attributes.hazard_level" in error["fields"]
    assert not Event.objects.exists()


# --- transitions -------------------------------------------------------------------------------


def test_dispatcher_accepts_with_the_current_version(cast):
    event = report(cast)
    response = session_client(cast.dispatcher).post(
        transition_url(event, "accept"), {"version": event.version}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "accepted"
    assert Event.objects.get(pk=event.pk).state == "accepted"


def test_stale_version_is_409_and_writes_nothing(cast):
    event = report(cast)
    client = session_client(cast.dispatcher)
    client.post(transition_url(event, "accept"), {"version": event.version}, format="json")
    before = snapshot(event)
    response = client.post(
        transition_url(event, "reject"),
        {"version": event.version, "reason": "重复"},
        format="json",
    )
    assert_error(response, 409, "conflict")
    assert snapshot(event) == before


def test_transition_not_allowed_is_403_and_writes_nothing(cast):
    event = report(cast)
    before = snapshot(event)
    response = session_client(cast.grid_worker_a).post(
        transition_url(event, "accept"), {"version": event.version}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    assert snapshot(event) == before


def test_transition_outside_scope_is_404(cast):
    event = report(cast)
    before = snapshot(event)
    response = session_client(cast.grid_worker_b).post(
        transition_url(event, "cancel"), {"version": event.version, "reason": "x"}, format="json"
    )
    assert_error(response, 404)
    assert snapshot(event) == before


@pytest.mark.parametrize(
    "name, body, field",
    [
        ("reject", {}, "reason"),  # required field missing
        ("accept", {"days": 3}, "days"),  # a field accept does not take
        ("accept", {"colour": "red"}, "colour"),  # no such field
        ("fly", {}, "transition"),
    ],
)
def test_transition_field_errors_are_400(cast, name, body, field):
    event = report(cast)
    before = snapshot(event)
    response = session_client(cast.dispatcher).post(
        transition_url(event, name), {"version": event.version, **body}, format="json"
    )
    error = assert_error(response, 400, "invalid")
    assert field in error["fields"]
    assert snapshot(event) == before


def test_dispatch_to_a_department_through_the_api(cast):
    event = build(cast, "accepted")
    client = session_client(cast.dispatcher)
    event.refresh_from_db()
    client.post(transition_url(event, "escalate"), {"version": event.version}, format="json")
    event.refresh_from_db()
    response = client.post(
        transition_url(event, "dispatch"),
        {"version": event.version, "lead_department": cast.department.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "dispatched"
    assert body["assignments"][-1]["department"] == cast.department.name
    handler = session_client(cast.department_handler)
    assert handler.get(detail_url(event)).status_code == 200


# --- catalogue -----------------------------------------------------------------------------------


def test_catalogue_hides_private_types_from_citizens(cast):
    citizen = {t["code"] for t in session_client(cast.citizen).get(TYPES).json()}
    dispatcher = {t["code"] for t in session_client(cast.dispatcher).get(TYPES).json()}
    assert "0704" in dispatcher and "0704" not in citizen
    assert "0501" in citizen
    hazard = next(t for t in session_client(cast.citizen).get(TYPES).json() if t["code"] == "0301")
    assert hazard["attributes"][0]["code"] == "hazard_level"
    assert hazard["parent"] == "03"
    anonymous = session_client().get(TYPES)
    assert_error(anonymous, anonymous.status_code)
    assert anonymous.status_code in (401, 403)


def test_feedback_with_photos_through_the_api_multipart(cast, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shanzhi.events.models import Attachment

    from .views_support import png_upload

    settings.MEDIA_ROOT = str(tmp_path)
    event = build(cast, "in_progress")
    client = session_client(cast.department_handler)
    # A PDF renamed .jpg: refused, nothing written.
    fake = SimpleUploadedFile("fake.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    refused = client.post(
        transition_url(event, "feedback"),
        {"version": event.version, "comment": "已清理", "photos": [fake]},
        format="multipart",
    )
    body = assert_error(refused, 400)
    assert "photos" in body["fields"]
    assert Event.objects.get(pk=event.pk).state == "in_progress"
    assert not Attachment.objects.filter(event=event).exists()

    response = client.post(
        transition_url(event, "feedback"),
        {
            "version": event.version,
            "comment": "已清理",
            "photos": [png_upload(), png_upload("b.png")],
        },
        format="multipart",
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "fed_back"
    assert Attachment.objects.filter(event=event, kind="after").count() == 2
