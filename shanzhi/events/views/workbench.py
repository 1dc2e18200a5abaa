"""The workbench: "my to-do" (我的待办), the event detail with its actions, dispatch (派遣),
photos served through the event's scope, and the in-app notifications (the outbox)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanzhi.areas.selectors import grid_list
from shanzhi.workdays.calendar import calendar_warning

from .. import deadlines, selectors, services, workflow
from ..forms import (
    OWN_PAGE,
    DispatchForm,
    MergeForm,
    TodoFilterForm,
    TransitionForm,
    apply_service_errors,
)
from ..models import Event, Notification
from . import conflict_response, require

PAGE_SIZE = 25
TODO_LABELS = {
    "to_accept": gettext_lazy("待受理"),
    "to_dispatch": gettext_lazy("待派遣"),
    "extensions": gettext_lazy("待审批延期"),
    "to_sign": gettext_lazy("待签收"),
    "in_hand": gettext_lazy("处置中"),
    "to_verify": gettext_lazy("待核查"),
    "to_evaluate": gettext_lazy("待评价"),
    "overdue": gettext_lazy("已超期"),
}
TIMELINE_LABELS = {
    "report": gettext_lazy("上报"),
    "linked_note": gettext_lazy("关联办理"),  # services.linked (e.g. 转人民调解)
    "linked_outcome": gettext_lazy("关联办理结果"),
}
TODO_FILTERS = {
    "to_accept": "state=reported",
    "to_dispatch": "state=accepted",
    "to_sign": "state=dispatched",
    "in_hand": "state=in_progress",
    "to_verify": "state=fed_back",
    "to_evaluate": "state=closed",
    "overdue": "level=yellow",
}


@login_required
@require_GET
def todo(request: HttpRequest) -> HttpResponse:
    """我的待办: counts by what the user may do, and the filtered list (htmx: only the list)."""
    require(request, "events.view")
    types = selectors.event_types()
    form = TodoFilterForm(
        request.GET or None,
        types=types,
        grids=grid_list(user=request.user).values_list("pk", "name"),
    )
    filters = form.filters() if form.is_valid() else {"open_only": True}
    page = Paginator(selectors.event_list(user=request.user, **filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": params.urlencode(),
        "calendar_warning": calendar_warning(e.step_due_at for e in rows),
    }
    if getattr(request, "htmx", False):
        response = render(request, "events/_todo_results.html", context)
    else:
        counts = selectors.todo_counts(user=request.user)
        context["counts"] = [
            {"key": k, "label": TODO_LABELS[k], "count": v, "filter": TODO_FILTERS.get(k, "")}
            for k, v in counts.items()
            if k in TODO_LABELS
        ]
        response = render(request, "events/todo.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def detail_context(request: HttpRequest, event: Event, **extra: Any) -> dict[str, Any]:
    actions = selectors.event_actions(user=request.user, event=event)
    forms = [
        (
            spec,
            extra.pop(f"form_{spec.name}", None)
            or TransitionForm(initial={"version": event.version}, spec=spec, prefix=spec.name),
        )
        for spec in actions
        if spec.name not in OWN_PAGE
    ]
    can_dispatch = any(spec.name == "dispatch" for spec in actions)
    can_merge = any(spec.name == "merge" for spec in actions)
    states = dict(workflow.State.choices)
    timeline = [
        {
            "entry": t,
            "label": TIMELINE_LABELS.get(t.transition)
            or getattr(workflow.TRANSITIONS.get(t.transition), "label", t.transition),
            "state": states.get(t.to_state, "") if t.to_state != t.from_state else "",
        }
        for t in event.timeline.all()
    ]
    return {
        "event": event,
        "level": deadlines.level_of(event, timezone.now()),
        "timeline": timeline,
        "photos": list(event.attachments.all()),
        "action_forms": forms,
        "can_dispatch": can_dispatch,
        "can_merge": can_merge,
        "tile_url": settings.SHANZHI_MAP_TILE_URL,
        "tile_attribution": settings.SHANZHI_MAP_TILE_ATTRIBUTION,
        "calendar_warning": calendar_warning([event.step_due_at]),
        **_mediation_link(request, event),
        **extra,
    }


def _mediation_link(request: HttpRequest, event: Event) -> dict[str, Any]:
    """转人民调解: the event's mediation case (link) or whether the user may convert it."""
    from shanzhi.mediation.views import event_case_link

    return event_case_link(user=request.user, event=event)


@login_required
@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get(user=request.user, pk=pk)
    return render(request, "events/detail.html", detail_context(request, event))


@login_required
@require_POST
def event_act(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Fire one transition from its form on the detail page."""
    event = selectors.event_get(user=request.user, pk=pk)
    spec = workflow.TRANSITIONS.get(name)
    if spec is None or name in OWN_PAGE:
        raise Http404(_("未知的操作。"))
    form = TransitionForm(request.POST, request.FILES, spec=spec, prefix=name)
    if form.is_valid():
        try:
            services.event_transition(
                actor=request.user,
                event=event,
                transition=name,
                version=form.cleaned_data["version"],
                **form.service_data(),
            )
        except services.EventConflict as exc:
            return conflict_response(request, str(exc), event)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已%(t)s。") % {"t": spec.label})
            return redirect("events:detail", pk=event.pk)
    context = detail_context(request, event, **{f"form_{name}": form, "open_action": name})
    return render(request, "events/detail.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def event_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    """派遣: the catalogue's suggested department preselected as lead; assisting ones."""
    require(request, "events.dispatch")
    event = selectors.event_get(user=request.user, pk=pk)
    suggested = selectors.suggest_departments(event=event)
    departments, areas = selectors.dispatch_targets(event=event)
    initial = {"version": event.version, "lead_department": suggested[0].pk if suggested else None}
    form = DispatchForm(request.POST or None, initial=initial, departments=departments, areas=areas)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.event_dispatch(
                actor=request.user,
                event=event,
                version=form.cleaned_data["version"],
                lead_department=form.cleaned_data["lead_department"],
                assist_departments=form.cleaned_data["assist_departments"],
                area=form.cleaned_data["area"],
                comment=form.cleaned_data["comment"],
            )
        except services.EventConflict as exc:
            return conflict_response(request, str(exc), event)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已派遣。"))
            return redirect("events:detail", pk=event.pk)
    if request.method == "POST":
        status = 400
    escalate = workflow.TRANSITIONS["escalate"]
    can_escalate = any(
        s.name == "escalate" for s in selectors.event_actions(user=request.user, event=event)
    )
    context = {
        "event": event,
        "form": form,
        "suggested": suggested,
        "escalate_form": TransitionForm(
            initial={"version": event.version}, spec=escalate, prefix="escalate"
        )
        if can_escalate
        else None,
        "calendar_warning": calendar_warning([event.step_due_at]),
    }
    return render(request, "events/dispatch.html", context, status=status)


MERGE_RADIUS_M = 500


@login_required
@require_http_methods(["GET", "POST"])
def event_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """合并重复事件: pick the open event of the same 小类 this one duplicates (nearby ones are
    suggested), and close this one into it."""
    require(request, "events.dispatch")
    event = selectors.event_get(user=request.user, pk=pk)
    if not any(s.name == "merge" for s in selectors.event_actions(user=request.user, event=event)):
        raise Http404(_("该事件当前不能合并。"))
    form = MergeForm(request.POST or None, initial={"version": event.version})
    status = 200
    if request.method == "POST" and form.is_valid():
        target = (
            selectors.event_list(user=request.user).filter(number=form.cleaned_data["into"]).first()
        )
        if target is None or target.pk == event.pk:
            form.add_error("into", _("找不到该编号的事件，或它不在您的管辖范围内。"))
        else:
            try:
                services.event_merge(
                    actor=request.user,
                    event=event,
                    version=form.cleaned_data["version"],
                    into=target,
                    comment=form.cleaned_data["comment"],
                )
            except services.EventConflict as exc:
                return conflict_response(request, str(exc), event)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                done = _("已合并到事件 %(number)s。") % {"number": target.number}
                messages.success(request, done)
                return redirect("events:detail", pk=target.pk)
    if request.method == "POST":
        status = 400
    candidates = [
        e
        for e in selectors.nearby_open_events(
            user=request.user,
            type_code=event.type.code,
            lon=event.lon,
            lat=event.lat,
            radius_m=MERGE_RADIUS_M,
            limit=11,
        )
        if e.pk != event.pk
    ][:10]
    context = {"event": event, "form": form, "candidates": candidates, "radius": MERGE_RADIUS_M}
    return render(request, "events/merge.html", context, status=status)


@login_required
@require_GET
def attachment(request: HttpRequest, pk: int, attachment_pk: int, size: str = "") -> FileResponse:
    """A photo, streamed only to users who may see its event (else 404)."""
    event = selectors.event_get(user=request.user, pk=pk)
    photo = next((a for a in event.attachments.all() if a.pk == attachment_pk), None)
    if photo is None:
        raise Http404(_("照片不存在。"))
    name = photo.thumbnail.name if size == "thumb" and photo.thumbnail else photo.file.name
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError as exc:
        raise Http404(_("照片不存在。")) from exc
    response = FileResponse(handle, content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    """站内消息: the user's own outbox rows, newest first."""
    page = Paginator(selectors.notification_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "events/notifications.html", {"page": page})


@require_GET
def notification_badge(request: HttpRequest) -> HttpResponse:
    """The unread count for the navbar, loaded by htmx once the page is shown (so a page
    costs no extra query). Not polled: a poll would keep an idle session alive.

    Signed out (a page left open after logging out, or a session that timed out): 204 and
    nothing else. A redirect to the log-in page would be followed by htmx in the background,
    and that page's new CSRF cookie would then refuse the log-in form open in the browser."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    count = selectors.unread_count(user=request.user)
    return render(request, "events/_notification_badge.html", {"count": count})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk, recipient_id=request.user.pk)
    services.notification_mark_read(actor=request.user, notification=notification)
    if notification.event_id:
        return redirect("events:detail", pk=notification.event_id)
    return redirect("events:notifications")
