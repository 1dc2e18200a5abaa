"""Pages of people's mediation (人民调解, issue #5): the case list, registration (and conversion
of a dispute event), the case detail with its actions and documents, statistics (with xlsx
export) and the mediation bodies.

Every page reads through ``shanzhi.mediation.selectors`` (a case outside the user's scope is a
404) and writes through ``shanzhi.mediation.services``; a stale version is a 409 with nothing
written (``MediationConflict``).
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanzhi.accounts.scope import scope_for
from shanzhi.areas.models import Level
from shanzhi.areas.selectors import area_list
from shanzhi.core.audit import audit_record

from . import selectors, services, workflow
from .forms import (
    ACTION_FORMS,
    CaseFilterForm,
    CaseForm,
    StatisticsFilterForm,
    TermFormSet,
    apply_service_errors,
    party_formset,
)
from .models import BodyLevel, MediationBody, MediationCase, Mediator, Session

PAGE_SIZE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CAPABILITY_MESSAGES = {
    "mediation.view": gettext_lazy("您没有查看调解案件的权限。"),
    "mediation.register": gettext_lazy("您没有登记调解案件的权限。"),
    "mediation.stats": gettext_lazy("您没有查看调解统计的权限。"),
    "mediation.manage": gettext_lazy("您没有管理调解组织的权限。"),
}
TIMELINE_LABELS = {"register": gettext_lazy("登记")}


def require(request: HttpRequest, capability: str) -> None:
    """403 unless the user's posts grant ``capability`` (accounts.scope)."""
    if not scope_for(request.user).can(capability):
        raise PermissionDenied(str(CAPABILITY_MESSAGES.get(capability) or _("您没有此项权限。")))


def require_any(request: HttpRequest, *capabilities: str) -> None:
    scope = scope_for(request.user)
    if not any(scope.can(c) for c in capabilities):
        raise PermissionDenied(str(CAPABILITY_MESSAGES[capabilities[0]]))


def conflict_response(request: HttpRequest, message: str, case: Any = None) -> HttpResponse:
    """409: someone else changed the case first; nothing was written."""
    return render(
        request, "mediation/conflict.html", {"message": message, "case": case}, status=409
    )


# --- 案件列表 -------------------------------------------------------------------------------------


def _counts(user: Any) -> dict[str, int]:
    now = timezone.now()
    qs = selectors.cases_for(user, now=now)
    return qs.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(state__in=sorted(workflow.OPEN_STATES))),
        warning=Count("pk", filter=workflow.warning_q(now)),
        overdue=Count("pk", filter=workflow.overdue_q(now)),
        agreed=Count("pk", filter=Q(state__in=sorted(workflow.SUCCESS_STATES))),
    )


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """案件列表: counts, filters and the list (htmx: only the list)."""
    require(request, "mediation.view")
    form = CaseFilterForm(request.GET or None, bodies=selectors.bodies_for(request.user))
    filters = form.filters() if form.is_valid() else {}
    now = timezone.now()
    page = Paginator(selectors.cases_for(request.user, filters, now=now), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "case": case,
            "overdue": workflow.is_overdue(case, now),
            "warning": workflow.is_warning(case, now),
        }
        for case in page.object_list
    ]
    params = request.GET.copy()
    params.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": params.urlencode()}
    if getattr(request, "htmx", False):
        response = render(request, "mediation/_case_results.html", context)
    else:
        context["counts"] = _counts(request.user)
        response = render(request, "mediation/case_list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- 登记案件 -------------------------------------------------------------------------------------


def _register_areas(user: Any) -> Any:
    """Villages and grids in the user's scope (where a dispute can be placed)."""
    return area_list(user=user).filter(level__in=[Level.VILLAGE, Level.GRID])


def _default_body(user: Any, bodies: Any) -> MediationBody | None:
    """The user's own body: where they are a mediator, else the body at their post's area."""
    own = Mediator.objects.filter(user_id=user.pk, active=True, body__in=bodies).first()
    if own is not None:
        return own.body
    scope = scope_for(user)
    candidates = [b for b in bodies if b.area.path in scope.area_paths]
    return max(candidates, key=lambda b: len(b.area.path)) if candidates else None


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    require(request, "mediation.register")
    bodies = selectors.bodies_for(request.user)
    areas = _register_areas(request.user)
    initial: dict[str, Any] = {}
    default = _default_body(request.user, bodies)
    if default is not None:
        initial["body"] = default.pk
        initial.setdefault("area", default.area_id if default.level == BodyLevel.VILLAGE else None)
    data = request.POST if request.method == "POST" else None
    form = CaseForm(data, initial=initial, bodies=bodies, areas=areas)
    parties = party_formset(data, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and parties.is_valid():
            cd = form.cleaned_data
            try:
                case = services.case_register(
                    actor=request.user,
                    body=cd["body"],
                    area=cd["area"],
                    category=cd["category"],
                    source=cd["source"],
                    source_type=cd["source_type"],
                    title=cd["title"],
                    description=cd["description"],
                    disputed_points=cd.get("disputed_points") or "",
                    amount_involved=cd.get("amount_involved"),
                    people_involved=cd.get("people_involved"),
                    parties=parties.parties(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("已登记调解案件 %(number)s。") % {"number": case.number}
                )
                return redirect("mediation:detail", pk=case.pk)
    context = {"form": form, "parties": parties}
    return render(request, "mediation/case_form.html", context, status=status)


@login_required
@require_POST
def convert_event(request: HttpRequest, event_pk: int) -> HttpResponse:
    """转人民调解: a dispute event becomes a case of the nearest body (linked both ways)."""
    require(request, "mediation.register")
    from shanzhi.events.selectors import event_get

    event = event_get(user=request.user, pk=event_pk)
    try:
        case = services.case_convert_from_event(actor=request.user, event=event)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("events:detail", pk=event.pk)
    messages.success(request, _("已转入人民调解，案件编号 %(number)s。") % {"number": case.number})
    return redirect("mediation:detail", pk=case.pk)


def event_case_link(*, user: Any, event: Any) -> dict[str, Any]:
    """For the event detail page: the event's mediation case (when the user may see it), and
    whether the user may convert the event now. Only dispute events (type code under 矛盾纠纷,
    "01") can have a case, so other events cost no query."""
    none = {"mediation_case": None, "can_convert_mediation": False}
    if not event.type.code.startswith(services.EVENT_CATEGORY_CODE):
        return none
    case = selectors.cases_for(user).filter(event_id=event.pk).first()
    if case is not None:
        return {"mediation_case": case, "can_convert_mediation": False}
    if MediationCase.objects.filter(event_id=event.pk).exists():
        return none
    can = (
        scope_for(user).can("mediation.register")
        and services.event_is_dispute(event)
        and event.state not in services.EVENT_FINISHED_STATES
    )
    return {"mediation_case": None, "can_convert_mediation": bool(can)}


# --- 案件详情 -------------------------------------------------------------------------------------


def _action_forms(request: HttpRequest, case: MediationCase, bound: dict[str, Any]) -> list:
    forms = []
    for spec in selectors.case_actions(user=request.user, case=case):
        form = bound.get(spec.name) or ACTION_FORMS[spec.name](
            initial={"version": case.version},
            case=case,
            user=request.user,
            prefix=spec.name,
        )
        if spec.name == "refer" and not form.fields["body"].queryset.exists():
            continue
        terms = None
        if spec.name == "agree":
            terms = bound.get("terms") or TermFormSet(prefix="terms")
        forms.append({"spec": spec, "form": form, "terms": terms})
    return _drop_confirmation(case, forms)


def _drop_confirmation(case: MediationCase, forms: list) -> list:
    """Only the judicial-confirmation step that fits: apply (none yet) or decide (pending)."""
    confirmation = getattr(case, "confirmation", None) if _has_confirmation(case) else None
    keep = []
    for item in forms:
        name = item["spec"].name
        if name == "confirmation_apply" and confirmation is not None:
            continue
        if name == "confirmation_decide" and (
            confirmation is None or confirmation.result != "pending"
        ):
            continue
        keep.append(item)
    return keep


def _has_confirmation(case: MediationCase) -> bool:
    from .models import JudicialConfirmation

    try:
        case.confirmation  # noqa: B018 - loads the reverse one-to-one
    except JudicialConfirmation.DoesNotExist:
        return False
    return True


def _agreement(case: MediationCase) -> Any:
    from .models import Agreement

    try:
        return case.agreement
    except Agreement.DoesNotExist:
        return None


def detail_context(request: HttpRequest, case: MediationCase, **bound: Any) -> dict[str, Any]:
    now = timezone.now()
    states = dict(workflow.State.choices)
    timeline = [
        {
            "entry": t,
            "label": TIMELINE_LABELS.get(t.transition)
            or getattr(workflow.TRANSITIONS.get(t.transition), "label", t.transition),
            "state": states.get(t.to_state, "") if t.to_state != t.from_state else "",
        }
        for t in case.timeline.all()
    ]
    agreement = _agreement(case)
    return {
        "case": case,
        "overdue": workflow.is_overdue(case, now),
        "warning": workflow.is_warning(case, now),
        "parties": list(case.parties.all()),
        "mediators": list(case.case_mediators.all()),
        "sessions": list(case.sessions.all()),
        "agreement": agreement,
        "terms": list(agreement.terms.all()) if agreement else [],
        "confirmation": case.confirmation if _has_confirmation(case) else None,
        "visits": list(case.return_visits.all()),
        "timeline": timeline,
        "action_forms": _action_forms(request, case, bound),
        "open_action": bound.get("open_action", ""),
    }


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_detail(request.user, pk)
    audit_record(action="mediation.view", request=request, obj=case)
    return render(request, "mediation/case_detail.html", detail_context(request, case))


@login_required
@require_POST
def case_act(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Fire one transition from its form on the detail page."""
    case = selectors.case_detail(request.user, pk)
    form_class = ACTION_FORMS.get(name)
    if form_class is None:
        raise Http404(_("未知的操作。"))
    spec = workflow.TRANSITIONS[name]
    form = form_class(request.POST, case=case, user=request.user, prefix=name)
    terms = TermFormSet(request.POST, prefix="terms") if name == "agree" else None
    valid = form.is_valid() and (terms is None or terms.is_valid())
    if valid:
        data = form.service_data()
        if terms is not None:
            data["terms"] = terms.terms()
        try:
            services.case_transition(
                actor=request.user,
                case=case,
                name=name,
                version=form.cleaned_data["version"],
                data=data,
            )
        except services.MediationConflict as exc:
            return conflict_response(request, str(exc), case)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已%(t)s。") % {"t": spec.label})
            return redirect("mediation:detail", pk=case.pk)
    elif "version" in form.cleaned_data and form.cleaned_data["version"] != case.version:
        # A stale page: say so rather than list field errors of a form that no longer applies.
        return conflict_response(request, services.conflict_message(), case)
    bound: dict[str, Any] = {name: form, "open_action": name}
    if terms is not None:
        bound["terms"] = terms
    context = detail_context(request, case, **bound)
    return render(request, "mediation/case_detail.html", context, status=400)


# --- documents ----------------------------------------------------------------------------------

DOCUMENT_KINDS = {
    "application": ("APPLICATION", gettext_lazy("调解申请书")),
    "agreement": ("AGREEMENT", gettext_lazy("调解协议书")),
    "cover": ("FILE_COVER", gettext_lazy("卷宗封面")),
    "index": ("FILE_INDEX", gettext_lazy("卷内目录")),
}
FORMATS = ("docx", "pdf")


def _document(request: HttpRequest, spec_name: str, obj: Any, fmt: str, case: Any) -> HttpResponse:
    from shanzhi.core.documents import document_response

    from . import documents

    spec = getattr(documents, spec_name)
    try:
        response = document_response(spec, obj, fmt)
    except ValueError as exc:  # e.g. no agreement yet
        raise Http404(str(exc)) from exc
    audit_record(
        action="mediation.document",
        request=request,
        obj=case,
        detail={"document": spec.name, "format": fmt},
    )
    return response


@login_required
@require_GET
def case_document(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    if kind not in DOCUMENT_KINDS or fmt not in FORMATS:
        raise Http404(_("文书不存在。"))
    case = selectors.case_detail(request.user, pk)
    if kind == "agreement" and _agreement(case) is None:
        raise Http404(_("该案件尚无调解协议。"))
    return _document(request, DOCUMENT_KINDS[kind][0], case, fmt, case)


@login_required
@require_GET
def session_document(request: HttpRequest, pk: int, session_pk: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404(_("文书不存在。"))
    case = selectors.case_detail(request.user, pk)
    session = next((s for s in case.sessions.all() if s.pk == session_pk), None)
    if session is None:
        raise Http404(_("调解记录不存在。"))
    session = Session.objects.select_related("case", "case__body", "recorded_by").get(pk=session.pk)
    return _document(request, "SESSION_RECORD", session, fmt, case)


# --- 调解组织 -------------------------------------------------------------------------------------


@login_required
@require_GET
def body_list(request: HttpRequest) -> HttpResponse:
    require_any(request, "mediation.view", "mediation.manage")
    bodies = list(selectors.bodies_for(request.user))
    mediators: dict[int, list[Mediator]] = {}
    for mediator in selectors.mediators_for(request.user):
        mediators.setdefault(mediator.body_id, []).append(mediator)
    groups = [
        {
            "level": level,
            "label": label,
            "bodies": [
                {"body": b, "mediators": mediators.get(b.pk, [])}
                for b in bodies
                if b.level == level
            ],
        }
        for level, label in BodyLevel.choices
    ]
    context = {"groups": [g for g in groups if g["bodies"]]}
    return render(request, "mediation/body_list.html", context)


# --- 统计分析 -------------------------------------------------------------------------------------

STAT_GROUPS = (
    ("by_level", gettext_lazy("按调解组织层级")),
    ("by_body", gettext_lazy("按调解组织")),
    ("by_category", gettext_lazy("按纠纷类别")),
    ("by_source", gettext_lazy("按案件来源")),
    ("by_source_type", gettext_lazy("按调解方式")),
    ("by_outcome", gettext_lazy("按调解结果")),
    ("by_month", gettext_lazy("按月份")),
)
# Charts: which breakdowns are drawn, and how (the rest are tables only).
CHARTS = (("by_category", "bar"), ("by_month", "line"), ("by_outcome", "pie"), ("by_level", "pie"))


def _summary(stats: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """(label, value, unit) of the headline figures, in the order of the page and the export."""
    return [
        (_("登记案件数"), stats["total"], ""),
        (_("调解成功"), stats["agreed"], ""),
        (_("调解不成"), stats["failed"], ""),
        (_("终止调解"), stats["terminated"], ""),
        (_("不予受理"), stats["refused"], ""),
        (_("办理中"), stats["pending"], ""),
        (_("调解成功率"), stats["success_rate"], "%"),
        (_("平均办理时长"), stats["average_days"], _("天")),
        (_("上年同期登记数"), stats["previous_total"], ""),
        (_("登记数同比"), stats["yoy_change"], "%"),
        (_("当前超期案件"), stats["overdue"], ""),
    ]


def figure_text(value: Any, unit: str, *, signed: bool = False) -> str:
    """A headline figure for the page: "—" when undefined, "−10.3 %" for a signed change."""
    if value is None:
        return "—"
    text = f"{value:.1f}" if isinstance(value, float) else str(value)
    if signed:
        text = ("+" + text) if value > 0 else text.replace("-", "−")
    return f"{text} {unit}" if unit else text


def _summary_display(stats: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "label": label,
            "value": value,
            "text": figure_text(value, str(unit), signed=i == YOY_INDEX),
            "key": SUMMARY_KEYS[i],
        }
        for i, (label, value, unit) in enumerate(_summary(stats))
    ]


SUMMARY_KEYS = (
    "total", "agreed", "failed", "terminated", "refused", "pending", "success_rate",
    "average_days", "previous_total", "yoy_change", "overdue",
)  # fmt: skip
YOY_INDEX = SUMMARY_KEYS.index("yoy_change")


def _chart(stats: dict[str, Any]) -> dict[str, Any]:
    labels = dict(STAT_GROUPS)
    return {
        "charts": [
            {
                "id": key,
                "kind": kind,
                "title": str(labels[key]),
                "labels": [row["label"] for row in stats[key]],
                "values": [row["count"] for row in stats[key]],
            }
            for key, kind in CHARTS
        ]
    }


@login_required
@require_GET
def statistics_page(request: HttpRequest) -> HttpResponse:
    require(request, "mediation.stats")
    from .statistics import case_statistics

    form = StatisticsFilterForm(request.GET or {})
    stats = None
    if form.is_valid():
        stats = case_statistics(
            request.user, start=form.cleaned_data["date_from"], end=form.cleaned_data["date_to"]
        )
        if request.GET.get("format") == "xlsx":
            return _statistics_xlsx(request, stats)
    context = {
        "form": form,
        "stats": stats,
        "summary": _summary_display(stats) if stats else [],
        "groups": [(key, label, stats[key]) for key, label in STAT_GROUPS] if stats else [],
        "chart": _chart(stats) if stats else None,
    }
    return render(request, "mediation/statistics.html", context)


def write_statistics_xlsx(stats: dict[str, Any], out: io.BytesIO) -> None:
    """The page's figures as values: a summary sheet, then one sheet per breakdown."""
    import xlsxwriter

    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(str(_("汇总")))
    sheet.write_row(
        0, 0, [str(_("统计周期")), f"{stats['start']:%Y-%m-%d} ~ {stats['end']:%Y-%m-%d}"]
    )
    sheet.write_row(1, 0, [str(_("指标")), str(_("数值")), str(_("单位"))], bold)
    for i, (label, value, unit) in enumerate(_summary(stats), start=2):
        sheet.write_row(i, 0, [str(label), "" if value is None else value, str(unit)])
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 24)
    for key, label in STAT_GROUPS:
        page = book.add_worksheet(str(label))
        page.write_row(0, 0, [str(_("分组")), str(_("案件数"))], bold)
        for i, row in enumerate(stats[key], start=1):
            page.write_row(i, 0, [str(row["label"]), row["count"]])
        page.write_row(len(stats[key]) + 1, 0, [str(_("合计")), stats["total"]], bold)
        page.set_column(0, 0, 24)
    book.close()


def _statistics_xlsx(request: HttpRequest, stats: dict[str, Any]) -> HttpResponse:
    buffer = io.BytesIO()
    write_statistics_xlsx(stats, buffer)
    audit_record(
        action="mediation.statistics_export",
        request=request,
        object_type="mediation.statistics",
        detail={"start": str(stats["start"]), "end": str(stats["end"]), "total": stats["total"]},
    )
    name = f"mediation-statistics-{stats['start']:%Y%m%d}-{stats['end']:%Y%m%d}.xlsx"
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
