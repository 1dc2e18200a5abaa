"""The public portal (群众上报): report with photos and a map pin, get a ticket number and a
query code (shown once), track the ticket with both, rate it, re-open it if not satisfied.

Public pages: no login. The track page shows states and times only, never staff names or
internal comments. Report and track are rate-limited per client address (Django cache)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shanzhi.core.audit import client_ip

from .. import selectors, services
from ..forms import (
    PortalRateForm,
    PortalReopenForm,
    PortalReportForm,
    TrackForm,
    apply_service_errors,
)
from ..models import Channel, Event

DEFAULT_RATE_LIMIT = 20  # requests per window and address
DEFAULT_RATE_WINDOW = 600  # seconds
# The public history shows what happened and when, never who or what staff wrote.
PUBLIC_STEPS = {
    "report": gettext_lazy("已受理上报"),
    "accept": gettext_lazy("已立案"),
    "reject": gettext_lazy("不予立案"),
    "dispatch": gettext_lazy("已派遣至承办单位"),
    "sign": gettext_lazy("承办单位已签收"),
    "return": gettext_lazy("重新派遣中"),
    "feedback": gettext_lazy("已处置，待核查"),
    "solve_on_spot": gettext_lazy("已现场处置，待核查"),
    "verify_pass": gettext_lazy("核查通过，已结案"),
    "verify_fail": gettext_lazy("核查未通过，重新处置"),
    "evaluate": gettext_lazy("已评价"),
    "reopen": gettext_lazy("重新办理"),
    "suspend": gettext_lazy("暂停办理"),
    "resume": gettext_lazy("恢复办理"),
    "merge": gettext_lazy("已合并到相同诉求"),
    "cancel": gettext_lazy("已撤销"),
}


def rate_limited(request: HttpRequest, bucket: str) -> bool:
    """Count this request against the client address; True when over the limit."""
    limit = int(getattr(settings, "SHANZHI_PORTAL_RATE_LIMIT", DEFAULT_RATE_LIMIT))
    window = int(getattr(settings, "SHANZHI_PORTAL_RATE_WINDOW", DEFAULT_RATE_WINDOW))
    key = f"events.portal.{bucket}.{client_ip(request) or 'unknown'}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def too_many(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "events/portal/too_many.html",
        {"message": _("操作过于频繁，请稍后再试。")},
        status=429,
    )
    response["Retry-After"] = str(
        int(getattr(settings, "SHANZHI_PORTAL_RATE_WINDOW", DEFAULT_RATE_WINDOW))
    )
    return response


def public_steps(event: Event) -> list[dict[str, Any]]:
    return [
        {"at": entry.at, "label": PUBLIC_STEPS[entry.transition]}
        for entry in event.timeline.all()
        if entry.transition in PUBLIC_STEPS
    ]


@never_cache
@require_http_methods(["GET", "POST"])
def portal_report(request: HttpRequest) -> HttpResponse:
    """Report; on success the ticket number and query code are shown once (never stored)."""
    if request.method == "POST" and rate_limited(request, "report"):
        return too_many(request)
    form = PortalReportForm(
        request.POST or None, request.FILES or None, types=selectors.event_types(public_only=True)
    )
    if request.method == "POST" and form.is_valid():
        actor = request.user if request.user.is_authenticated else None
        try:
            result = services.event_report(
                actor=actor, channel=Channel.CITIZEN, **form.report_kwargs()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            return render(
                request,
                "events/portal/reported.html",
                {"event": result.event, "query_code": result.query_code},
            )
    context = {
        "form": form,
        "tile_url": settings.SHANZHI_MAP_TILE_URL,
        "tile_attribution": settings.SHANZHI_MAP_TILE_ATTRIBUTION,
    }
    return render(
        request, "events/portal/report.html", context, status=400 if form.is_bound else 200
    )


def _track_page(
    request: HttpRequest, event: Event, code: str, status: int = 200, **extra: Any
) -> HttpResponse:
    actions = {t.name for t in selectors.event_actions(user=None, event=event, query_code=code)}
    initial = {"number": event.number, "code": code, "version": event.version}
    context = {
        "event": event,
        "steps": public_steps(event),
        "rate_form": extra.pop("rate_form", None) or PortalRateForm(initial=initial),
        "reopen_form": extra.pop("reopen_form", None) or PortalReopenForm(initial=initial),
        "can_rate": "evaluate" in actions,
        "can_reopen": "reopen" in actions,
        **extra,
    }
    return render(request, "events/portal/track.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def portal_track(request: HttpRequest) -> HttpResponse:
    """Track by ticket number and query code (POST, so the code stays out of URLs/logs)."""
    if request.method == "GET":
        return render(request, "events/portal/track_form.html", {"form": TrackForm()})
    if rate_limited(request, "track"):
        return too_many(request)
    form = TrackForm(request.POST)
    if form.is_valid():
        try:
            event = selectors.event_get_by_ticket(
                number=form.cleaned_data["number"], query_code=form.cleaned_data["code"]
            )
        except Http404:
            form.add_error(None, _("事件编号或查询码不正确。"))
        else:
            return _track_page(request, event, form.cleaned_data["code"])
    return render(request, "events/portal/track_form.html", {"form": form}, status=404)


@never_cache
@require_POST
def portal_act(request: HttpRequest, name: str) -> HttpResponse:
    """评价 (rate) or 重新办理 (re-open, with a reason) by the reporter's query code."""
    if rate_limited(request, "track"):
        return too_many(request)
    form_class = {"evaluate": PortalRateForm, "reopen": PortalReopenForm}.get(name)
    if form_class is None:
        raise Http404(_("未知的操作。"))
    form = form_class(request.POST)
    if not form.is_valid() or not form.cleaned_data.get("code"):
        number, code = request.POST.get("number", ""), request.POST.get("code", "")
    else:
        number, code = form.cleaned_data["number"], form.cleaned_data["code"]
    try:
        event = selectors.event_get_by_ticket(number=number, query_code=code)
    except Http404:
        return render(
            request, "events/portal/track_form.html", {"form": TrackForm(request.POST)}, status=404
        )
    if form.is_valid():
        data = {
            k: v for k, v in form.cleaned_data.items() if k in ("satisfaction", "comment", "reason")
        }
        try:
            event = services.event_transition(
                actor=None,
                event=event,
                transition=name,
                version=form.cleaned_data["version"],
                query_code=code,
                **data,
            )
        except services.EventConflict as exc:
            return render(
                request,
                "events/conflict.html",
                {"message": str(exc), "public": True},
                status=409,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            event = selectors.event_get_by_ticket(number=number, query_code=code)
            done = _("感谢您的评价。") if name == "evaluate" else _("已重新办理，我们会尽快处理。")
            return _track_page(request, event, code, done=done)
    return _track_page(
        request,
        event,
        code,
        status=400,
        **{f"{'rate' if name == 'evaluate' else 'reopen'}_form": form},
    )
