"""The petition file: list (信访件列表), registration (登记信访), detail with the workflow's
actions (转送交办 … 复核 … 办结) and the documents (处理意见书, 受理告知书)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanzhi.accounts.scope import scope_for
from shanzhi.core import documents
from shanzhi.core.audit import audit_record
from shanzhi.registry import selectors as registry_selectors
from shanzhi.workdays.calendar import calendar_warning

from .. import deadlines, selectors, services, workflow
from ..choices import State
from ..forms import (
    PetitionerFormSet,
    PetitionFilterForm,
    PetitionRegisterForm,
    TransitionForm,
    apply_service_errors,
)
from ..models import Petition
from . import (
    HANDLING_LEVELS,
    MATTER_LEVELS,
    areas_in_scope,
    conflict_response,
    departments_in_scope,
    require,
)

PAGE_SIZE = 25
PERSON_RESULTS = 10
TIMELINE_LABELS = {
    "register": gettext_lazy("登记"),
    "link_repeat": gettext_lazy("关联重复信访"),
}
# Documents a petition page offers: kind → (label, is it issued yet?).
DOCUMENTS = {
    "reply": (gettext_lazy("处理意见书"), lambda p: selectors.reply_of(p) is not None),
    "acceptance_notice": (gettext_lazy("受理告知书"), lambda p: p.accepted_at is not None),
}


# --- list ------------------------------------------------------------------------------------


@login_required
@require_GET
def petition_list(request: HttpRequest) -> HttpResponse:
    """信访件列表: filters, the running deadline with its badge; htmx gets only the results."""
    require(request, "petitions.view")
    form = PetitionFilterForm(request.GET or None, departments=departments_in_scope(request.user))
    filters = form.filters() if form.is_valid() else {}
    now = timezone.now()
    page = Paginator(selectors.petitions_for(request.user, filters, now=now), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [{"petition": p, "deadline": deadlines.deadline_of(p, now)} for p in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": params.urlencode(),
        "calendar_warning": calendar_warning(r["deadline"].due_at for r in rows),
    }
    template = "petitions/_list_results.html" if request.htmx else "petitions/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- registration ----------------------------------------------------------------------------


def _person(request: HttpRequest, pk: Any) -> Any:
    """A registry person the user may see (the registry's own scoping), or None."""
    return registry_selectors.person_list(user=request.user).filter(pk=pk).first()


def _petitioner_data(request: HttpRequest, formset: Any) -> list[services.PetitionerData]:
    rows = []
    errors = []
    for i, data in enumerate(formset.petitioners()):
        person = None
        if data.get("person"):
            person = _person(request, data["person"])
            if person is None:
                errors.append(
                    _("第 %(n)s 位信访人：所选人员不存在或不在您的管辖范围内。") % {"n": i + 1}
                )
                continue
        rows.append(
            services.PetitionerData(
                name=data.get("name") or (person.name if person else ""),
                id_number=data.get("id_number", ""),
                phone=data.get("phone", ""),
                address=data.get("address", ""),
                is_representative=bool(data.get("is_representative")),
                person=person,
            )
        )
    if errors:
        raise ValidationError({"petitioners": errors})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def petition_new(request: HttpRequest) -> HttpResponse:
    """登记信访: one petition with its petitioners; nothing is written on any error."""
    require(request, "petitions.register")
    areas = areas_in_scope(request.user, MATTER_LEVELS)
    form = PetitionRegisterForm(request.POST or None, areas=areas)
    formset = PetitionerFormSet(request.POST or None, prefix="petitioners")
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            petition = _register(request, form, formset)
            if petition is not None:
                if petition.state == State.NOT_ACCEPTED:
                    messages.warning(
                        request,
                        _("已登记为 %(number)s：%(reason)s。")
                        % {"number": petition.number, "reason": petition.not_accepted_reason},
                    )
                else:
                    messages.success(
                        request, _("已登记信访件 %(number)s。") % {"number": petition.number}
                    )
                return redirect("petitions:detail", pk=petition.pk)
    context = {
        "form": form,
        "formset": formset,
        "can_search_registry": scope_for(request.user).can("registry.view"),
    }
    return render(request, "petitions/new.html", context, status=400 if form.is_bound else 200)


def _register(request: HttpRequest, form: Any, formset: Any) -> Petition | None:
    data = form.cleaned_data
    matter = None
    if data.get("same_as"):
        earlier = selectors.petition_by_number(user=request.user, number=data["same_as"])
        if earlier is None:
            form.add_error("same_as", _("找不到该编号的信访件，或它不在您的管辖范围内。"))
            return None
        matter = earlier.matter
    try:
        return services.petition_register(
            actor=request.user,
            channel=data["channel"],
            type=data["type"],
            title=data["title"],
            content=data["content"],
            area=data["area"],
            petitioners=_petitioner_data(request, formset),
            matter=matter,
            is_group=data.get("is_group", False),
            group_size=data.get("group_size") if data.get("is_group") else None,
            law_related=data.get("law_related", False),
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return None


@login_required
@require_GET
def person_search(request: HttpRequest) -> HttpResponse:
    """Registry persons in the user's scope for the registration form (htmx), masked."""
    require(request, "petitions.register")
    text = (request.GET.get("q") or "").strip()
    persons: list[Any] = []
    if text and scope_for(request.user).can("registry.view"):
        if text[:1].isdigit():
            qs = registry_selectors.person_list(user=request.user, id_number=text)
        else:
            qs = registry_selectors.person_list(user=request.user, q=text)
        persons = list(qs[:PERSON_RESULTS])
        audit_record(
            action="petitions.person_search",
            actor=request.user,
            request=request,
            detail={"results": len(persons)},
        )
    context = {"persons": persons, "searched": bool(text)}
    return render(request, "petitions/_person_results.html", context)


# --- detail and actions ----------------------------------------------------------------------


def _deadline_rows(petition: Petition) -> list[dict[str, Any]]:
    """Every time limit of the file so far (arts. 22, 23, 34, 35–36)."""
    now = timezone.now()
    rows = [
        (_("转送交办期限（15日）"), petition.route_due_at, petition.assigned_at),
        (_("受理告知期限（15日）"), petition.accept_due_at, petition.accepted_at),
        (_("管辖异议期限（5个工作日）"), petition.objection_due_at, None),
        (
            _("办理期限（60日，延长%(d)s日）") % {"d": petition.extension_days}
            if petition.extension_days
            else _("办理期限（60日）"),
            petition.handle_due_at,
            petition.replied_at,
        ),
        (_("复查/复核申请期限（30日）"), petition.review_request_due_at, None),
    ]
    for review in petition.reviews.all():
        rows.append(
            (
                _("%(kind)s决定期限（30日）") % {"kind": review.get_kind_display()},
                review.decide_due_at,
                review.decided_at,
            )
        )
    result = []
    for label, due, done in rows:
        if due is None:
            continue
        status = "" if done else deadlines.status_for(due, now)
        result.append({"label": label, "due_at": due, "done_at": done, "status": status})
    return result


def _action_form(
    request: HttpRequest, petition: Petition, spec: workflow.Transition, data: Any = None
) -> TransitionForm:
    extra: dict[str, Any] = {}
    if spec.name == "route":
        extra = {
            "departments": departments_in_scope(request.user),
            "areas": areas_in_scope(request.user, HANDLING_LEVELS),
        }
    return TransitionForm(
        data, initial={"version": petition.version}, spec=spec, prefix=spec.name, **extra
    )


def detail_context(request: HttpRequest, petition: Petition, **extra: Any) -> dict[str, Any]:
    actions = selectors.petition_actions(user=request.user, petition=petition)
    forms = [
        (spec, extra.pop(f"form_{spec.name}", None) or _action_form(request, petition, spec))
        for spec in actions
    ]
    states = dict(State.choices)
    timeline = [
        {
            "entry": t,
            "label": TIMELINE_LABELS.get(t.transition)
            or getattr(workflow.TRANSITIONS.get(t.transition), "label", t.transition),
            "state": states.get(t.to_state, "") if t.to_state != t.from_state else "",
        }
        for t in petition.timeline.all()
    ]
    deadline_rows = _deadline_rows(petition)
    docs = [
        {"kind": kind, "label": label}
        for kind, (label, ready) in DOCUMENTS.items()
        if ready(petition)
    ]
    return {
        "petition": petition,
        "can_link": scope_for(request.user).can("petitions.register"),
        "can_unmask": request.user.has_perm(services.UNMASK_PERMISSION),
        "deadline": deadlines.deadline_of(petition, timezone.now()),
        "deadline_rows": deadline_rows,
        "petitioners": list(petition.petitioners.all()),
        "repeats": list(selectors.repeats_of(user=request.user, petition=petition)),
        "reply": selectors.reply_of(petition),
        "reviews": list(petition.reviews.all()),
        "timeline": timeline,
        "action_forms": forms,
        "documents": docs,
        "calendar_warning": calendar_warning(r["due_at"] for r in deadline_rows),
        **extra,
    }


@login_required
@require_GET
def petition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "petitions.view")
    petition = selectors.petition_detail(user=request.user, pk=pk, request=request)
    return render(request, "petitions/detail.html", detail_context(request, petition))


@login_required
@require_POST
def petition_act(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Fire one transition from its form on the detail page."""
    require(request, "petitions.view")
    petition = selectors.petition_get(user=request.user, pk=pk)
    spec = workflow.TRANSITIONS.get(name)
    if spec is None:
        raise Http404(_("未知的操作。"))
    form = _action_form(request, petition, spec, request.POST)
    if form.is_valid():
        try:
            services.petition_transition(
                actor=request.user,
                petition=petition,
                name=name,
                version=form.cleaned_data["version"],
                data=form.service_data(),
            )
        except services.PetitionConflict as exc:
            back = reverse("petitions:detail", args=[petition.pk])
            return conflict_response(request, str(exc), back)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已%(t)s。") % {"t": spec.label})
            return redirect("petitions:detail", pk=petition.pk)
    petition = selectors.petition_detail(user=request.user, pk=pk, request=request)
    context = detail_context(request, petition, **{f"form_{name}": form, "open_action": name})
    return render(request, "petitions/detail.html", context, status=400)


@login_required
@require_POST
def petitioner_unmask(request: HttpRequest, pk: int, petitioner_pk: int) -> HttpResponse:
    """One clear ID number or phone of a petitioner, shown once, for a user with the unmask
    permission and a typed reason; the service audits every attempt, granted or refused."""
    require(request, "petitions.view")
    petition = selectors.petition_get(user=request.user, pk=pk)
    petitioner = petition.petitioners.filter(pk=petitioner_pk).first()
    if petitioner is None:
        raise Http404(_("信访人不存在。"))
    field = str(request.POST.get("field", ""))
    labels = {"id_number": _("证件号码"), "phone": _("联系电话")}
    context: dict[str, Any] = {"petition": petition, "petitioner": petitioner}
    try:
        value = services.petitioner_unmask(
            actor=request.user,
            petitioner=petitioner,
            field=field,
            reason=str(request.POST.get("reason", ""))[:200],
            request=request,
        )
    except ValidationError as exc:
        context["errors"] = exc.messages
        return render(request, "petitions/unmask.html", context, status=400)
    context.update(value=value, field_label=labels[field])
    return render(request, "petitions/unmask.html", context)


@login_required
@require_POST
def petition_link(request: HttpRequest, pk: int) -> HttpResponse:
    """重复信访: link this petition to the matter of an earlier one, by its number. A petition
    not yet accepted that joins a matter closed by 复核 is recorded as not accepted."""
    require(request, "petitions.register")
    petition = selectors.petition_get(user=request.user, pk=pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    earlier = selectors.petition_by_number(
        user=request.user, number=request.POST.get("same_as", "")
    )
    if earlier is None or earlier.pk == petition.pk:
        messages.error(request, _("找不到该编号的信访件，或它不在您的管辖范围内。"))
        return redirect("petitions:detail", pk=petition.pk)
    try:
        services.petition_link_repeat(
            actor=request.user, petition=petition, matter=earlier.matter, version=version
        )
    except services.PetitionConflict as exc:
        return conflict_response(request, str(exc), reverse("petitions:detail", args=[pk]))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已与 %(n)s 合并为同一信访事项。") % {"n": earlier.number})
    return redirect("petitions:detail", pk=petition.pk)


@login_required
@require_GET
def petition_document(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    """处理意见书 / 受理告知书 as DOCX or PDF, for users who may see the petition."""
    require(request, "petitions.view")
    petition = selectors.petition_get(user=request.user, pk=pk)
    entry = DOCUMENTS.get(kind)
    if entry is None or fmt not in ("docx", "pdf") or not entry[1](petition):
        raise Http404(_("该文书尚未出具。"))
    spec = documents.get_spec(f"petitions.{kind}")
    response = documents.document_response(spec, petition, fmt)
    audit_record(
        action="petitions.document",
        actor=request.user,
        request=request,
        obj=petition,
        detail={"kind": kind, "format": fmt},
    )
    return response
