"""专项行动: the list of special actions, one action's case list with the per-case checklist
(ticked with htmx) and progress per responsible body (责任主体)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shanzhi.accounts.scope import scope_for

from .. import selectors, services
from ..forms import ActionCaseForm, SpecialActionForm, apply_service_errors
from ..models import ChecklistItem
from . import HANDLING_LEVELS, MATTER_LEVELS, areas_in_scope, departments_in_scope, require


def _list_page(request: HttpRequest, form: Any = None, status: int = 200) -> HttpResponse:
    can_create = scope_for(request.user).can("petitions.action")
    if form is None and can_create:
        form = SpecialActionForm(areas=areas_in_scope(request.user, MATTER_LEVELS))
    context = {"actions": list(selectors.actions_for(user=request.user)), "form": form}
    return render(request, "petitions/actions.html", context, status=status)


@login_required
@require_GET
def action_list(request: HttpRequest) -> HttpResponse:
    require(request, "petitions.action", "petitions.view")
    return _list_page(request)


@login_required
@require_POST
def action_new(request: HttpRequest) -> HttpResponse:
    require(request, "petitions.action")
    form = SpecialActionForm(request.POST, areas=areas_in_scope(request.user, MATTER_LEVELS))
    if form.is_valid():
        try:
            action = services.special_action_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已创建专项行动。"))
            return redirect("petitions:action_detail", pk=action.pk)
    return _list_page(request, form, status=400)


def _case_form(request: HttpRequest, data: Any = None) -> ActionCaseForm:
    return ActionCaseForm(
        data,
        departments=departments_in_scope(request.user),
        areas=areas_in_scope(request.user, HANDLING_LEVELS),
    )


def _detail_page(
    request: HttpRequest, action: Any, form: Any = None, status: int = 200
) -> HttpResponse:
    scope = scope_for(request.user)
    may_manage = scope.can("petitions.action") and scope.contains_path(action.area.path)
    context = {
        "action": action,
        "cases": list(selectors.action_cases(user=request.user, action=action)),
        "progress": selectors.action_progress(user=request.user, action=action),
        "can_tick": scope.can("petitions.action"),
        "form": form or (_case_form(request) if may_manage else None),
    }
    return render(request, "petitions/action_detail.html", context, status=status)


@login_required
@require_GET
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "petitions.action", "petitions.view")
    action = selectors.action_get(user=request.user, pk=pk)
    return _detail_page(request, action)


@login_required
@require_POST
def action_add_case(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "petitions.action")
    action = selectors.action_get(user=request.user, pk=pk)
    form = _case_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        petition = selectors.petition_by_number(user=request.user, number=data["petition_number"])
        if petition is None:
            form.add_error("petition_number", _("找不到该编号的信访件，或它不在您的管辖范围内。"))
        else:
            try:
                services.special_action_add_case(
                    actor=request.user,
                    action=action,
                    petition=petition,
                    responsible_department=data.get("responsible_department"),
                    responsible_area=data.get("responsible_area"),
                    note=data.get("note", ""),
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "petition" in exc.error_dict:
                    form.add_error("petition_number", exc.error_dict["petition"])
                else:
                    apply_service_errors(form, exc)
            else:
                messages.success(request, _("已加入案件清单。"))
                return redirect("petitions:action_detail", pk=action.pk)
    return _detail_page(request, action, form, status=400)


@login_required
@require_POST
def checklist_tick(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Tick (or untick) one checklist item; htmx swaps the item, a plain post redirects."""
    require(request, "petitions.action")
    action = selectors.action_get(user=request.user, pk=pk)
    cases = selectors.action_cases(user=request.user, action=action)
    item = ChecklistItem.objects.filter(pk=item_pk, action_case__in=cases).first()
    if item is None:
        raise Http404(_("清单项不存在或不在您的管辖范围内。"))
    done = request.POST.get("done") == "1"
    item = services.checklist_item_tick(actor=request.user, item=item, done=done)
    if request.htmx:
        context = {"item": item, "action": action, "can_tick": True}
        return render(request, "petitions/_checklist_item.html", context)
    return redirect("petitions:action_detail", pk=action.pk)
