"""Intake pages (issue #4): the grid worker's inspection report and the hotline form.
Bad input gives clear Chinese errors and writes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shanzhi.events.models import Attachment, Channel, Event

from .helpers import OUTSIDE, POINT_A, POINT_C, STREET_TYPE, report
from .views_support import clean_cache, media_root, png_upload, snapshot  # noqa: F401

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def inspection_data(**overrides):
    data = {
        "type": STREET_TYPE,
        "description": "东村路口有人占道经营。",
        "lon": POINT_A[0],
        "lat": POINT_A[1],
        "address": "东村路口",
    }
    data.update(overrides)
    return data


def test_grid_worker_reports_an_inspection_with_a_photo(client, cast):
    client = login(client, cast.grid_worker_a)
    page = client.get(reverse("events:inspection"))
    assert 'capture="environment"' in page.content.decode()
    response = client.post(reverse("events:inspection"), inspection_data(photos=[png_upload()]))
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.channel == Channel.GRID_INSPECTION
    assert event.grid == cast.grid_a
    assert event.attachments.count() == 1


def test_grid_worker_solves_on_the_spot(client, cast):
    response = login(client, cast.grid_worker_a).post(
        reverse("events:inspection"),
        inspection_data(solved_on_spot="on", feedback="已劝离。", after_photos=[png_upload()]),
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.state == "fed_back"
    assert event.solved_on_spot


@pytest.mark.parametrize("persona", ["department_handler", "outsider"])
def test_inspection_is_forbidden_without_events_report(client, cast, persona):
    before = snapshot()
    response = login(client, cast.persona(persona)).post(
        reverse("events:inspection"), inspection_data()
    )
    assert response.status_code == 403
    assert snapshot() == before


def test_grid_worker_cannot_report_outside_their_grid(client, cast):
    before = snapshot()
    response = login(client, cast.grid_worker_a).post(
        reverse("events:inspection"), inspection_data(lon=POINT_C[0], lat=POINT_C[1])
    )
    assert response.status_code == 400
    assert "不在您的管辖范围内" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"type": "9999"}, "未知的事件类型"),
        ({"lon": OUTSIDE[0], "lat": OUTSIDE[1]}, "不在"),
        ({"type": "0301"}, "为必填项"),
        ({"description": ""}, "必填"),
    ],
)
def test_bad_input_is_a_chinese_error_and_nothing_is_written(client, cast, overrides, message):
    before = snapshot()
    response = login(client, cast.grid_worker_a).post(
        reverse("events:inspection"), inspection_data(**overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_twenty_megabyte_image_is_refused(client, cast):
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (20 * 1024 * 1024), "image/jpeg")
    before = snapshot()
    response = login(client, cast.grid_worker_a).post(
        reverse("events:inspection"), inspection_data(photos=[big])
    )
    assert response.status_code == 400
    assert "图片不能超过" in response.content.decode()
    assert snapshot() == before
    assert Attachment.objects.count() == 0


def test_pdf_renamed_jpg_is_refused(client, cast):
    pdf = SimpleUploadedFile("scan.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF", "image/jpeg")
    before = snapshot()
    response = login(client, cast.grid_worker_a).post(
        reverse("events:inspection"), inspection_data(photos=[pdf])
    )
    assert response.status_code == 400
    assert "图片" in response.content.decode()
    assert snapshot() == before


def test_dispatcher_records_a_hotline_call(client, cast):
    client = login(client, cast.dispatcher)
    page = client.get(reverse("events:hotline"))
    assert 'list="sz-type-list"' in page.content.decode()
    response = client.post(
        reverse("events:hotline"),
        inspection_data(reporter_name="王先生", reporter_phone="13912345678"),
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.channel == Channel.HOTLINE
    assert event.reporter_name == "王先生"
    assert event.reporter_phone_masked != "13912345678"


def test_hotline_is_forbidden_for_a_grid_worker(client, cast):
    before = snapshot()
    response = login(client, cast.grid_worker_a).post(reverse("events:hotline"), inspection_data())
    assert response.status_code == 403
    assert snapshot() == before


def test_duplicate_hint_lists_nearby_open_events_of_the_same_type(client, cast):
    near = report(cast)
    far = report(cast, point=(POINT_A[0], POINT_A[1] + 0.01))  # about 1.1 km north
    other_type = report(cast, type_code="0102", attributes={"parties": "2"})
    response = login(client, cast.dispatcher).get(
        reverse("events:duplicates"),
        {"type": STREET_TYPE, "lon": POINT_A[0] + 0.001, "lat": POINT_A[1]},
    )
    html = response.content.decode()
    assert near.number in html
    assert far.number not in html
    assert other_type.number not in html


def test_duplicate_hint_respects_scope(client, cast):
    near = report(cast)
    response = login(client, cast.grid_worker_b).get(
        reverse("events:duplicates"), {"type": STREET_TYPE, "lon": POINT_A[0], "lat": POINT_A[1]}
    )
    assert near.number not in response.content.decode()
