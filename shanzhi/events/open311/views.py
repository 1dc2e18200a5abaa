"""Open311 GeoReport v2 endpoints. Plain Django views: the spec fixes the URLs (format by
extension), the bodies (JSON and XML) and the error shape (``renderers.render_errors``), so
none of the REST API's conventions apply here.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from .. import selectors, services, workflow
from ..models import Channel, Event, EventType
from .renderers import render, render_errors

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-28T00:00:00+08:00"  # when this endpoint's behaviour last changed
WINDOW = datetime.timedelta(days=90)
DEFAULT_LIMIT = 1000
STATUS_OPEN, STATUS_CLOSED = "open", "closed"
ATTRIBUTE_PARAM = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
# Digit runs long enough to be a phone or ID number, and e-mail addresses, are masked in the
# free-text description we publish (reporters sometimes type their number into it).
PERSONAL_IN_TEXT = re.compile(r"\d[\d -]{5,}[\dXx]|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def iso(value: datetime.datetime | None) -> str | None:
    """ISO 8601 with the local offset (+08:00)."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def public_text(text: str) -> str:
    return PERSONAL_IN_TEXT.sub(lambda m: "*" * len(m.group()), text or "")


def status_of(event: Event) -> str:
    return STATUS_OPEN if event.state in workflow.OPEN_STATES else STATUS_CLOSED


def public_services() -> QuerySet[EventType]:
    """Services: the active, public 小类 (with their 大类 public too)."""
    return selectors.event_types(public_only=True).filter(parent__isnull=False)


def public_requests() -> QuerySet[Event]:
    """Service requests: events of public types, any channel, newest first."""
    return (
        Event.objects.filter(type__is_public=True, type__parent__is_public=True)
        .select_related("type", "type__parent", "handling_area")
        .order_by("-reported_at", "-id")
    )


# --- bodies ----------------------------------------------------------------------------------


def service_body(event_type: EventType) -> dict[str, Any]:
    return {
        "service_code": event_type.code,
        "service_name": event_type.name,
        "description": event_type.description,
        "metadata": bool(list(event_type.attributes.all())),
        "type": "realtime",
        "keywords": "",
        "group": event_type.parent.name if event_type.parent else "",
    }


def attribute_body(attribute: Any) -> dict[str, Any]:
    return {
        "variable": True,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": "",
        "order": attribute.order,
        "description": attribute.description,
        "values": [
            {"key": str(v.get("key", "")), "name": str(v.get("name", ""))}
            for v in attribute.values or []
            if isinstance(v, dict)
        ],
    }


def request_body(event: Event) -> dict[str, Any]:
    """One service request, with no personal data (no reporter name, phone or e-mail)."""
    is_open = event.state in workflow.OPEN_STATES
    return {
        "service_request_id": event.number,
        "status": status_of(event),
        "status_notes": str(event.get_state_display()),
        "service_name": event.type.name,
        "service_code": event.type.code,
        "description": public_text(event.description),
        "agency_responsible": event.handling_area.name,
        "service_notice": "",
        "requested_datetime": iso(event.reported_at),
        "updated_datetime": iso(event.updated_at),
        "expected_datetime": iso(event.step_due_at) if is_open else None,
        "address": event.address,
        "address_id": "",
        "zipcode": "",
        "lat": round(event.lat, 6),
        "long": round(event.lon, 6),
        "media_url": "",
    }


# --- helpers -----------------------------------------------------------------------------------


class Open311Error(Exception):
    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = descriptions or ("",)


def _param(request: HttpRequest, name: str) -> str:
    source = request.POST if request.method == "POST" else request.GET
    return (source.get(name) or request.GET.get(name) or "").strip()


def _check_key(request: HttpRequest, *, required: bool) -> Any:
    key = _param(request, "api_key")
    if not key:
        if required:
            raise Open311Error(403, _("缺少 api_key。"))
        return None
    client = services.api_client_authenticate(key)
    if client is None:
        raise Open311Error(403, _("api_key 无效或已停用。"))
    return client


def _handle(fmt: str, view: Any, *args: Any) -> HttpResponse:
    try:
        return view(*args)
    except Open311Error as exc:
        return render_errors(fmt, exc.status, *exc.descriptions)


def _moment(value: str, name: str, *, end: bool = False) -> datetime.datetime | None:
    if not value:
        return None
    moment = parse_datetime(value.replace(" ", "+"))  # a "+" in a query string arrives as " "
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise Open311Error(400, _("%(n)s 不是 ISO 8601 日期时间。") % {"n": name})
        moment = datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _window(request: HttpRequest) -> tuple[datetime.datetime, datetime.datetime]:
    """start_date / end_date: default the last 90 days; never more than 90 days."""
    start = _moment(_param(request, "start_date"), "start_date")
    end = _moment(_param(request, "end_date"), "end_date", end=True)
    if start is None:
        end = end or timezone.now()
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if start > end:
        raise Open311Error(400, _("start_date 不能晚于 end_date。"))
    if end - start > WINDOW:
        raise Open311Error(400, _("查询时间范围不能超过 90 天。"))
    return start, end


def _positive(request: HttpRequest, name: str, default: int, maximum: int | None = None) -> int:
    raw = _param(request, name)
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1 or (maximum is not None and int(raw) > maximum):
        limit = f"1–{maximum}" if maximum else "≥ 1"
        raise Open311Error(400, _("%(n)s 须为整数（%(l)s）。") % {"n": name, "l": limit})
    return int(raw)


def _codes(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


# --- endpoints ---------------------------------------------------------------------------------


@require_GET
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    root = request.build_absolute_uri(reverse("open311:discovery", args=["json"]))
    body = {
        "changeset": CHANGESET,
        "contact": _("善治平台运维 Shanzhi operations"),
        "key_service": _("api_key 由平台管理员在管理后台“接口客户端”中发放。"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": root.rsplit("/", 1)[0],
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render(fmt, "discovery", body)


@require_GET
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(fmt, "services", [service_body(t) for t in public_services()])


@require_GET
def service_definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    event_type = public_services().filter(code=service_code).first()
    if event_type is None:
        return render_errors(fmt, 404, _("未找到该 service_code。"))
    body = {
        "service_code": event_type.code,
        "attributes": [attribute_body(a) for a in event_type.attributes.all()],
    }
    return render(fmt, "service_definition", body)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def request_list(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _handle(fmt, _request_create, request, fmt)
    return _handle(fmt, _request_search, request, fmt)


def _request_search(request: HttpRequest, fmt: str) -> HttpResponse:
    _check_key(request, required=False)
    requests = public_requests()
    ids = _codes(_param(request, "service_request_id"))
    page_size = _positive(request, "page_size", DEFAULT_LIMIT, DEFAULT_LIMIT)
    page = _positive(request, "page", 1)
    if ids:  # overrides every other filter
        requests = requests.filter(number__in=[i.upper() for i in ids])
    else:
        start, end = _window(request)
        requests = requests.filter(reported_at__gte=start, reported_at__lte=end)
        codes = _codes(_param(request, "service_code"))
        if codes:
            requests = requests.filter(type__code__in=codes)
        statuses = set(_codes(_param(request, "status").lower()))
        if statuses - {STATUS_OPEN, STATUS_CLOSED}:
            raise Open311Error(400, _("status 只能是 open 或 closed。"))
        if statuses == {STATUS_OPEN}:
            requests = requests.filter(state__in=workflow.OPEN_STATES)
        elif statuses == {STATUS_CLOSED}:
            requests = requests.exclude(state__in=workflow.OPEN_STATES)
    offset = (page - 1) * page_size
    rows = requests[offset : offset + page_size]
    return render(fmt, "service_requests", [request_body(e) for e in rows])


def _attributes(request: HttpRequest) -> dict[str, Any]:
    """``attribute[code]=v`` and, for multi-value lists, ``attribute[code][]=v1&…=v2``."""
    values: dict[str, list[str]] = {}
    multi: set[str] = set()
    for name in request.POST:
        match = ATTRIBUTE_PARAM.match(name)
        if match:
            code = match.group(1)
            values.setdefault(code, []).extend(v for v in request.POST.getlist(name) if v != "")
            if match.group(2):
                multi.add(code)
    return {
        code: listed if code in multi or len(listed) > 1 else listed[0]
        for code, listed in values.items()
        if listed
    }


def _coordinate(request: HttpRequest, name: str, bound: float) -> float:
    raw = _param(request, name)
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, _("%(n)s 须为 WGS-84 坐标数值。") % {"n": name}) from None
    if not -bound <= value <= bound or value != value:
        raise Open311Error(400, _("%(n)s 超出范围。") % {"n": name})
    return value


def _request_create(request: HttpRequest, fmt: str) -> HttpResponse:
    _check_key(request, required=True)
    service_code = _param(request, "service_code")
    if not service_code:
        raise Open311Error(400, _("缺少 service_code。"))
    event_type = public_services().filter(code=service_code).first()
    if event_type is None:
        raise Open311Error(404, _("未找到该 service_code。"))
    if not (_param(request, "lat") or _param(request, "long")):
        if _param(request, "address_string") or _param(request, "address_id"):
            raise Open311Error(400, _("无法按地址定位：请提供 lat 和 long（WGS-84）。"))
        raise Open311Error(400, _("缺少位置：请提供 lat 和 long（WGS-84）。"))
    lat = _coordinate(request, "lat", 90)
    lon = _coordinate(request, "long", 180)
    name = (_param(request, "last_name") + _param(request, "first_name")).strip()
    try:
        result = services.event_report(
            actor=None,
            channel=Channel.OPEN311,
            type=event_type,
            description=_param(request, "description") or event_type.name,
            lon=lon,
            lat=lat,
            address=_param(request, "address_string"),
            reporter_name=name,
            reporter_phone=_param(request, "phone"),
            attributes=_attributes(request),
        )
    except ValidationError as exc:
        messages = [
            f"{field}: {message}" if field != "location" else message
            for field, errors in exc.message_dict.items()
            for message in errors
        ]
        raise Open311Error(400, *messages) from None
    event = result.event
    body = [
        {
            "service_request_id": event.number,
            "service_notice": _("已收到，事件编号 %(n)s。") % {"n": event.number},
            "account_id": _param(request, "account_id") or None,
        }
    ]
    return render(fmt, "service_requests", body, status=201)


@require_GET
def request_detail(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    def view() -> HttpResponse:
        _check_key(request, required=False)
        event = public_requests().filter(number=service_request_id.upper()).first()
        if event is None:
            raise Open311Error(404, _("未找到该 service_request_id。"))
        return render(fmt, "service_requests", [request_body(event)])

    return _handle(fmt, view)


@require_GET
def token_detail(request: HttpRequest, token_id: str, fmt: str) -> HttpResponse:
    """Requests are created at once, so a token is the request's id: this answers the id for
    any request created through Open311."""
    number = (
        public_requests()
        .filter(number=token_id.upper(), channel=Channel.OPEN311)
        .values_list("number", flat=True)
        .first()
    )
    if number is None:
        return render_errors(fmt, 404, _("未找到该 token。"))
    return render(fmt, "service_requests", [{"service_request_id": number, "token": token_id}])
