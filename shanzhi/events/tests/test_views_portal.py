"""The public portal (issue #4): report with photos and a pin, ticket + query code shown once,
tracking only with the code, no internal comments or staff names, rating, re-opening, and a
rate limit per address."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shanzhi.events import services
from shanzhi.events.models import Channel, Event

from .helpers import OUTSIDE, POINT_A, STREET_TYPE, fire, fresh
from .views_support import clean_cache, media_root, png_upload, snapshot  # noqa: F401

pytestmark = pytest.mark.django_db
INTERNAL_COMMENT = "内部意见：摊主是老熟人"


def portal_data(**overrides):
    data = {
        "type": STREET_TYPE,
        "description": "路口有人摆摊，挡住了盲道。",
        "lon": POINT_A[0],
        "lat": POINT_A[1],
        "reporter_phone": "",
    }
    data.update(overrides)
    return data


def citizen_report(cast, description="路口有人摆摊。"):
    result = services.event_report(
        actor=None,
        channel=Channel.CITIZEN,
        type=STREET_TYPE,
        description=description,
        lon=POINT_A[0],
        lat=POINT_A[1],
    )
    return result.event, result.query_code


def closed(cast):
    event, code = citizen_report(cast)
    w = cast.world
    fire(event, w.dispatcher, "accept", comment=INTERNAL_COMMENT)
    fire(event, w.dispatcher, "escalate")
    fire(event, w.dispatcher, "dispatch", lead_department=w.department)
    fire(event, w.department_handler, "sign")
    fire(event, w.department_handler, "feedback", comment="已劝离。")
    fire(event, w.grid_worker_a, "verify_pass")
    return fresh(event), code


def track(client, number, code):
    return client.post(reverse("portal:track"), {"number": number, "code": code})


def test_anonymous_citizen_reports_and_sees_ticket_and_code_once(client, cast):
    page = client.get(reverse("portal:report"))
    assert page.status_code == 200
    assert "data-sz-pin-map" in page.content.decode()
    response = client.post(reverse("portal:report"), portal_data(photos=[png_upload()]))
    assert response.status_code == 200
    event = Event.objects.get()
    html = response.content.decode()
    assert event.channel == Channel.CITIZEN
    assert event.reporter is None
    assert event.number in html
    code = html.split('id="sz-query-code">')[1].split("<")[0]
    assert len(code) == 8
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert event.attachments.count() == 1
    assert track(client, event.number, code).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"type": "9999"}, "未知的事件类型"),
        ({"lon": OUTSIDE[0], "lat": OUTSIDE[1]}, "不在"),
        ({"reporter_phone": "12345"}, "手机号"),
    ],
)
def test_portal_bad_input_is_a_chinese_error_and_nothing_is_written(
    client, cast, overrides, message
):
    before = snapshot()
    response = client.post(reverse("portal:report"), portal_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_track_needs_the_right_query_code(client, cast):
    event, code = citizen_report(cast)
    other, other_code = citizen_report(cast)
    assert track(client, event.number, code).status_code == 200
    wrong = track(client, event.number, other_code)
    assert wrong.status_code == 404
    assert "事件编号或查询码不正确" in wrong.content.decode()
    assert event.number not in wrong.content.decode().split("<form")[0]
    assert track(client, event.number, "").status_code == 404


def test_track_page_hides_internal_comments_and_staff_names(client, cast):
    event, code = closed(cast)
    html = track(client, event.number, code).content.decode()
    assert "已结案" in html
    assert INTERNAL_COMMENT not in html
    assert "已劝离" not in html
    for staff in (cast.dispatcher, cast.department_handler, cast.grid_worker_a):
        assert staff.display_name not in html
    assert cast.department.name not in html


def test_track_page_shows_description_escaped(client, cast):
    event, code = citizen_report(cast, description="<img src=x onerror=alert(1)>")
    html = track(client, event.number, code).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_citizen_rates_a_closed_ticket_with_the_code(client, cast):
    event, code = closed(cast)
    response = client.post(
        reverse("portal:act", args=["evaluate"]),
        {
            "number": event.number,
            "code": code,
            "version": event.version,
            "satisfaction": "satisfied",
        },
    )
    assert response.status_code == 200
    assert fresh(event).state == "evaluated"
    assert fresh(event).satisfaction == "satisfied"


def test_rating_without_the_code_changes_nothing(client, cast):
    event, code = closed(cast)
    before = snapshot()
    response = client.post(
        reverse("portal:act", args=["evaluate"]),
        {
            "number": event.number,
            "code": "AAAAAAAA",
            "version": event.version,
            "satisfaction": "satisfied",
        },
    )
    assert response.status_code == 404
    assert snapshot() == before


def test_citizen_reopens_with_a_reason(client, cast):
    event, code = closed(cast)
    url = reverse("portal:act", args=["reopen"])
    base = {"number": event.number, "code": code, "version": event.version}
    before = snapshot()
    missing = client.post(url, base)
    assert missing.status_code == 400
    assert snapshot() == before
    response = client.post(url, {**base, "reason": "摊贩又回来了"})
    assert response.status_code == 200
    assert fresh(event).state == "in_progress"


def test_stale_rating_is_409_and_nothing_is_written(client, cast):
    event, code = closed(cast)
    data = {
        "number": event.number,
        "code": code,
        "version": event.version,
        "satisfaction": "satisfied",
    }
    fire(event, None, "reopen", reason="不满意", query_code=code)
    before = snapshot()
    response = client.post(reverse("portal:act", args=["evaluate"]), data)
    assert response.status_code == 409
    assert "该事件已被他人处理，请刷新后重试" in response.content.decode()
    assert snapshot() == before


def test_report_and_track_are_rate_limited_per_address(client, cast, settings):
    settings.SHANZHI_PORTAL_RATE_LIMIT = 2
    for _ in range(2):
        assert track(client, "SZ0", "X").status_code == 404
    limited = track(client, "SZ0", "X")
    assert limited.status_code == 429
    assert "操作过于频繁" in limited.content.decode()
    client.post(reverse("portal:report"), portal_data(description=""))
    client.post(reverse("portal:report"), portal_data(description=""))
    before = snapshot()
    limited = client.post(reverse("portal:report"), portal_data())
    assert limited.status_code == 429
    assert snapshot() == before


def test_logged_in_citizen_sees_only_their_own_report(client, cast):
    other, _code = citizen_report(cast)
    client.force_login(cast.citizen)
    response = client.post(reverse("portal:report"), portal_data())
    assert response.status_code == 200
    mine = Event.objects.get(reporter=cast.citizen)
    assert client.get(reverse("events:detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("events:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("events:todo")).status_code == 403


def test_portal_map_uses_the_configured_tile_url(client, cast, settings):
    settings.SHANZHI_MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    html = client.get(reverse("portal:report")).content.decode()
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in html
