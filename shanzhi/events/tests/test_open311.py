"""Contract tests of Open311 GeoReport v2 (/open311/v2/), in JSON and in XML."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 - parsing our own test responses

import pytest
from django.test import Client
from django.utils import timezone

from shanzhi.accounts.authentication import token_digest
from shanzhi.events import services
from shanzhi.events.models import ApiClient, Channel, Event
from shanzhi.events.open311 import views as open311

from .helpers import OUTSIDE, POINT_A, POINT_B, build, fire, report

BASE = "/open311/v2"
FORMATS = ("json", "xml")
NAME, PHONE, EMAIL = "王小明", "13912345678", "wxm@example.com"
ISO_WITH_ZONE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")


@pytest.fixture
def api_key(cast: Any) -> str:
    _client, key = services.api_client_create(actor=cast.superuser, name="12345 热线系统")
    return key


def get(path: str, **params: Any) -> Any:
    return Client().get(f"{BASE}/{path}", params)


def post(fmt: str, data: dict[str, Any]) -> Any:
    return Client().post(f"{BASE}/requests.{fmt}", data)


def parse(response: Any, fmt: str) -> Any:
    """JSON as Python; XML as its root element."""
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        return json.loads(response.content)
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own response


def errors_of(response: Any, fmt: str, status: int) -> list[str]:
    assert response.status_code == status, response.content
    body = parse(response, fmt)
    if fmt == "json":
        assert all(e["code"] == status for e in body)
        return [e["description"] for e in body]
    assert body.tag == "errors"
    assert [e.tag for e in body] == ["error"] * len(body)
    assert all(e.findtext("code") == str(status) for e in body)
    return [e.findtext("description") or "" for e in body]


def requests_of(response: Any, fmt: str) -> list[dict[str, str]]:
    """The service requests of a response, as dicts of text (XML) or values (JSON)."""
    body = parse(response, fmt)
    if fmt == "json":
        return body
    assert body.tag == "service_requests"
    assert {child.tag for child in body} <= {"request"}
    return [{field.tag: field.text or "" for field in item} for item in body]


def good_post(**extra: Any) -> dict[str, Any]:
    return {
        "service_code": "0501",
        "lat": POINT_A[1],
        "long": POINT_A[0],
        "description": "路口有人占道经营。",
        "first_name": "小明",
        "last_name": "王",
        "phone": PHONE,
        "email": EMAIL,
        **extra,
    }


# --- discovery and services ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_lists_the_v2_endpoint(cast, fmt):
    response = get(f"discovery.{fmt}")
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "json":
        endpoint = body["endpoints"][0]
        assert endpoint["specification"] == open311.SPECIFICATION
        assert endpoint["url"].endswith("/open311/v2")
        assert set(endpoint["formats"]) == {"application/json", "text/xml"}
        assert ISO_WITH_ZONE.match(body["changeset"])
    else:
        assert body.tag == "discovery"
        endpoint = body.find("endpoints/endpoint")
        assert endpoint is not None
        assert endpoint.findtext("specification") == open311.SPECIFICATION
        assert [f.text for f in endpoint.findall("formats/format")] == [
            "application/json",
            "text/xml",
        ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_lists_only_public_subcategories(cast, fmt):
    response = get(f"services.{fmt}")
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "json":
        codes = {s["service_code"]: s for s in body}
        assert codes["0301"]["metadata"] is True and codes["0301"]["group"] == "安全隐患"
        assert codes["0201"]["metadata"] is False
        assert codes["0301"]["type"] == "realtime"
    else:
        assert body.tag == "services"
        assert {c.tag for c in body} == {"service"}
        codes = {s.findtext("service_code"): s for s in body}
        assert codes["0301"].findtext("metadata") == "true"
        assert codes["0301"].findtext("service_name") == "消防安全隐患"
    assert "0704" not in codes  # 社会安全事件 is not public
    assert "03" not in codes  # 大类 are groups, not services


def test_a_type_under_a_private_category_is_not_a_service(cast):
    from shanzhi.events.models import EventType

    EventType.objects.filter(code="08").update(is_public=False)
    codes = {s["service_code"] for s in get("services.json").json()}
    assert "0801" not in codes and "0901" in codes
    assert get("services/0801.json").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_has_attributes_and_values(cast, fmt):
    response = get(f"services/0301.{fmt}")
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "json":
        assert body["service_code"] == "0301"
        (attribute,) = body["attributes"]
        assert attribute["code"] == "hazard_level"
        assert attribute["datatype"] == "singlevaluelist"
        assert attribute["required"] is True and attribute["variable"] is True
        assert {"key": "major", "name": "重大隐患"} in attribute["values"]
    else:
        assert body.tag == "service_definition"
        attribute = body.find("attributes/attribute")
        assert attribute is not None
        assert attribute.findtext("code") == "hazard_level"
        assert attribute.findtext("required") == "true"
        values = attribute.findall("values/value")
        assert [(v.findtext("key"), v.findtext("name")) for v in values] == [
            ("general", "一般隐患"),
            ("major", "重大隐患"),
        ]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", ["9999", "0704"])
def test_unknown_or_private_service_definition_is_404(cast, fmt, code):
    assert errors_of(get(f"services/{code}.{fmt}"), fmt, 404)


# --- POST requests ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_creates_an_event_on_the_open311_channel(cast, api_key, fmt):
    response = post(fmt, good_post(api_key=api_key, account_id="acct-7"))
    assert response.status_code == 201, response.content
    (answer,) = requests_of(response, fmt)
    event = Event.objects.get(number=answer["service_request_id"])
    assert answer["service_notice"] and answer["account_id"] == "acct-7"
    assert event.channel == Channel.OPEN311
    assert event.type.code == "0501" and event.grid == cast.grid_a
    assert event.reporter is None and event.reporter_name == "王小明"
    assert event.reporter_phone_masked.endswith("5678")
    for text in (PHONE, EMAIL, NAME):
        assert text not in response.content.decode()
    client = ApiClient.objects.get(digest=token_digest(api_key))
    assert client.last_used_at is not None


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("key", [None, "", "wrong-key"])
def test_post_without_a_valid_api_key_is_403_and_writes_nothing(cast, api_key, fmt, key):
    data = good_post() if key is None else good_post(api_key=key)
    assert errors_of(post(fmt, data), fmt, 403)
    assert not Event.objects.exists()


def test_a_revoked_client_may_no_longer_post(cast, api_key):
    client = ApiClient.objects.get(digest=token_digest(api_key))
    assert services.api_client_revoke(actor=cast.superuser, client=client)
    assert errors_of(post("json", good_post(api_key=api_key)), "json", 403)
    assert not Event.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_errors_are_400_or_404_per_spec(cast, api_key, fmt):
    cases: list[tuple[dict[str, Any], int, str]] = [
        (good_post(service_code=""), 400, "service_code"),
        (good_post(service_code="9999"), 404, "service_code"),
        (good_post(service_code="0704"), 404, "service_code"),  # not public
        (good_post(service_code="0301"), 400, "隐患等级"),  # required attribute missing
        (good_post(**{"service_code": "0301", "attribute[hazard_level]": "huge"}), 400, ""),
        (good_post(lat="north"), 400, "lat"),
        (good_post(lat="91"), 400, "lat"),
        (good_post(long="181"), 400, "long"),
        (good_post(lat=OUTSIDE[1], long=OUTSIDE[0]), 400, "管辖范围"),
        ({**good_post(lat="", long=""), "address_string": "东村路 1 号"}, 400, "lat"),
        (good_post(phone="12"), 400, "reporter_phone"),
    ]
    for data, status, fragment in cases:
        descriptions = errors_of(post(fmt, {**data, "api_key": api_key}), fmt, status)
        assert fragment in " ".join(descriptions), (data, descriptions)
    assert not Event.objects.exists()


def test_post_with_required_attribute_succeeds(cast, api_key):
    data = good_post(**{"service_code": "0301", "attribute[hazard_level]": "major"})
    response = post("json", {**data, "api_key": api_key})
    assert response.status_code == 201, response.content
    event = Event.objects.get()
    assert event.attributes == {"hazard_level": "major"}


def test_post_multi_value_attribute_with_brackets_and_repeats(cast, api_key):
    from shanzhi.events.models import AttributeDatatype, EventTypeAttribute

    EventTypeAttribute.objects.create(
        event_type=cast.street_type,
        code="goods",
        datatype=AttributeDatatype.MULTI,
        description="经营品类",
        values=[{"key": "fruit", "name": "水果"}, {"key": "food", "name": "小吃"}],
    )
    definition = get("services/0501.json").json()
    assert any(
        a["code"] == "goods" and a["datatype"] == "multivaluelist" for a in definition["attributes"]
    )
    client = Client()
    first = client.post(
        f"{BASE}/requests.json",
        {**good_post(api_key=api_key), "attribute[goods][]": ["food", "fruit"]},
    )
    assert first.status_code == 201, first.content
    single = client.post(
        f"{BASE}/requests.json", {**good_post(api_key=api_key), "attribute[goods][]": "food"}
    )
    repeated = client.post(
        f"{BASE}/requests.json",
        {**good_post(api_key=api_key), "attribute[goods]": ["fruit", "food"]},
    )
    events = {e.number: e for e in Event.objects.all()}
    for response, expected in (
        (first, ["fruit", "food"]),
        (single, ["food"]),
        (repeated, ["fruit", "food"]),
    ):
        number = response.json()[0]["service_request_id"]
        assert events[number].attributes["goods"] == expected
    bad = client.post(
        f"{BASE}/requests.json",
        {**good_post(api_key=api_key), "attribute[goods][]": ["food", "pets"]},
    )
    assert errors_of(bad, "json", 400)


# --- GET requests ------------------------------------------------------------------------------


@pytest.fixture
def requests_world(cast: Any) -> dict[str, Event]:
    """An open and a closed event in public types, and one in the private 0704."""
    open_event = report(cast, reporter_name=NAME, reporter_phone=PHONE)
    closed = build(cast, "closed", description=f"摊位占道，联系 {PHONE} 或 {EMAIL}")
    private = report(
        cast, type_code="0704", point=POINT_B, actor=cast.grid_worker_b, attributes={"parties": 3}
    )
    return {"open": open_event, "closed": closed, "private": private}


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests_lists_public_requests_with_status_and_zoned_times(cast, requests_world, fmt):
    rows = requests_of(get(f"requests.{fmt}"), fmt)
    by_id = {r["service_request_id"]: r for r in rows}
    assert set(by_id) == {requests_world["open"].number, requests_world["closed"].number}
    assert by_id[requests_world["open"].number]["status"] == "open"
    assert by_id[requests_world["closed"].number]["status"] == "closed"
    for row in rows:
        assert ISO_WITH_ZONE.match(row["requested_datetime"])
        assert ISO_WITH_ZONE.match(row["updated_datetime"])
        assert row["service_code"] == "0501" and row["service_name"] == "占道经营"
        assert float(row["lat"]) == pytest.approx(POINT_A[1])
        assert float(row["long"]) == pytest.approx(POINT_A[0])
    assert ISO_WITH_ZONE.match(by_id[requests_world["open"].number]["expected_datetime"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_personal_data_in_any_response(cast, api_key, requests_world, fmt):
    created = post(fmt, good_post(api_key=api_key))
    number = requests_of(created, fmt)[0]["service_request_id"]
    bodies = [
        created,
        get(f"requests.{fmt}"),
        get(f"requests/{number}.{fmt}"),
        get(f"requests/{requests_world['closed'].number}.{fmt}"),
        get(f"requests.{fmt}", service_request_id=number),
        get(f"tokens/{number}.{fmt}"),
    ]
    for response in bodies:
        assert response.status_code in (200, 201)
        text = response.content.decode()
        for personal in (NAME, PHONE, EMAIL, "小明", "5678"):
            assert personal not in text, (personal, text)
    closed = requests_of(get(f"requests/{requests_world['closed'].number}.{fmt}"), fmt)[0]
    assert "摊位占道，联系 *" in closed["description"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests_filters_by_status_and_service_code(cast, requests_world, fmt):
    def ids(**params: Any) -> set[str]:
        return {r["service_request_id"] for r in requests_of(get(f"requests.{fmt}", **params), fmt)}

    assert ids(status="open") == {requests_world["open"].number}
    assert ids(status="closed") == {requests_world["closed"].number}
    assert len(ids(status="open,closed")) == 2
    assert ids(service_code="0301") == set()
    assert len(ids(service_code="0301,0501")) == 2
    assert ids(service_code="0704") == set()  # private types never appear
    assert errors_of(get(f"requests.{fmt}", status="pending"), fmt, 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_request_id_list_overrides_other_filters(cast, requests_world, fmt):
    numbers = f"{requests_world['open'].number},{requests_world['closed'].number}"
    params = {
        "service_request_id": numbers,
        "status": "closed",
        "service_code": "0301",
        "start_date": "2020-01-01T00:00:00+08:00",
        "end_date": "2020-01-02T00:00:00+08:00",
    }
    rows = requests_of(get(f"requests.{fmt}", **params), fmt)
    assert {r["service_request_id"] for r in rows} == set(numbers.split(","))
    private = requests_of(
        get(f"requests.{fmt}", service_request_id=requests_world["private"].number), fmt
    )
    assert private == []


def _age(event: Event, days: int) -> None:
    Event.objects.filter(pk=event.pk).update(
        reported_at=timezone.now() - datetime.timedelta(days=days)
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_default_window_is_the_last_90_days(cast, requests_world, fmt):
    _age(requests_world["closed"], 100)
    rows = requests_of(get(f"requests.{fmt}"), fmt)
    assert {r["service_request_id"] for r in rows} == {requests_world["open"].number}
    start = (timezone.localdate() - datetime.timedelta(days=110)).isoformat()
    end = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    rows = requests_of(get(f"requests.{fmt}", start_date=start, end_date=end), fmt)
    assert {r["service_request_id"] for r in rows} == {requests_world["closed"].number}
    only_start = requests_of(get(f"requests.{fmt}", start_date=start), fmt)
    assert {r["service_request_id"] for r in only_start} == {requests_world["closed"].number}


@pytest.mark.parametrize("fmt", FORMATS)
def test_date_errors_are_400(cast, fmt):
    cases = [
        {"start_date": "2026-03-10T00:00:00+08:00", "end_date": "2026-03-01T00:00:00+08:00"},
        {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-06-01T00:00:00+08:00"},
        {"start_date": "yesterday"},
    ]
    for params in cases:
        assert errors_of(get(f"requests.{fmt}", **params), fmt, 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_paging_and_the_default_limit_of_1000(cast, requests_world, fmt):
    assert open311.DEFAULT_LIMIT == 1000
    newest_first = [requests_world["closed"].number, requests_world["open"].number]
    pages = [
        [
            r["service_request_id"]
            for r in requests_of(get(f"requests.{fmt}", page_size=1, page=page), fmt)
        ]
        for page in (1, 2, 3)
    ]
    assert pages == [[newest_first[0]], [newest_first[1]], []]
    for bad in ({"page_size": 1001}, {"page_size": 0}, {"page": "x"}):
        assert errors_of(get(f"requests.{fmt}", **bad), fmt, 400)


def test_the_default_limit_caps_the_list(cast, requests_world, monkeypatch):
    monkeypatch.setattr(open311, "DEFAULT_LIMIT", 1)
    assert len(get("requests.json").json()) == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_with_an_invalid_api_key_is_403(cast, requests_world, fmt):
    assert errors_of(get(f"requests.{fmt}", api_key="nope"), fmt, 403)


# --- one request, tokens -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_one_request(cast, requests_world, fmt):
    event = requests_world["open"]
    (row,) = requests_of(get(f"requests/{event.number}.{fmt}"), fmt)
    assert row["service_request_id"] == event.number
    assert row["status"] == "open" and row["agency_responsible"] == event.handling_area.name
    expected = {
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    }
    assert set(row) == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_or_private_request_is_404(cast, requests_world, fmt):
    assert errors_of(get(f"requests/SZ20000101000001.{fmt}"), fmt, 404)
    assert errors_of(get(f"requests/{requests_world['private'].number}.{fmt}"), fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_token_answers_the_request_id(cast, api_key, requests_world, fmt):
    created = post(fmt, good_post(api_key=api_key))
    number = requests_of(created, fmt)[0]["service_request_id"]
    (row,) = requests_of(get(f"tokens/{number}.{fmt}"), fmt)
    assert row == {"service_request_id": number, "token": number}
    # a grid worker's own report was not made through Open311: no token
    assert errors_of(get(f"tokens/{requests_world['open'].number}.{fmt}"), fmt, 404)


def test_status_maps_every_finished_state_to_closed(cast):
    event = build(cast, "accepted")
    assert open311.status_of(event) == "open"
    event = fire(event, cast.dispatcher, "cancel", reason="重复")
    assert open311.status_of(event) == "closed"


def test_demo_client_uses_the_configured_key_once(cast, settings):
    from shanzhi.core.demo import DemoContext
    from shanzhi.events import demo

    settings.SHANZHI_DEMO_API_KEY = "demo-key-for-test"
    lines: list[str] = []
    ctx = DemoContext(write=lines.append)
    demo.build_catalogue_and_clients(ctx)
    demo.build_catalogue_and_clients(ctx)
    assert ApiClient.objects.filter(digest=token_digest("demo-key-for-test")).count() == 1
    assert any("api_key=demo-key-for-test" in line for line in lines)
    response = post("json", good_post(api_key="demo-key-for-test"))
    assert response.status_code == 201, response.content


def test_lists_take_a_constant_number_of_queries(cast, django_assert_num_queries):
    for _ in range(3):
        report(cast)
    with django_assert_num_queries(2):  # types + their attributes
        get("services.json")
    with django_assert_num_queries(1):
        assert len(get("requests.json").json()) == 3
