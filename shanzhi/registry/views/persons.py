"""Persons (实有人口): the list with filters and search, the detail page, the collection form,
the edit form and the unmask action. ID numbers and phones are shown masked everywhere; the
clear value appears only on the unmask page, once, for a user with the permission."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shanzhi.accounts.scope import scope_for
from shanzhi.areas.services import StaleEdit

from .. import selectors, services
from ..forms import (
    PersonCollectForm,
    PersonEditForm,
    PersonFilterForm,
    UnmaskForm,
    apply_service_errors,
)
from ..models import ChangeRecord, Person
from . import paginate, render_list, require

STALE_MESSAGE = "该记录已被他人修改，请刷新后重试"
# Change records name a few fields that are not model fields of their own.
CHANGE_LABELS = {
    "phone": "手机号码",
    "tags": "标签",
    "grid": "所属网格",
    "contact_phone": "联系电话",
}


def change_rows(
    changes: Iterable[ChangeRecord], model: type[Model] = Person
) -> list[dict[str, Any]]:
    """Change records with a readable field name and choice labels instead of codes
    (``model``: the changed object's model, for field names and choices)."""
    fields = {f.name: f for f in model._meta.concrete_fields}
    rows = []
    for change in changes:
        field = fields.get(change.field)
        label = CHANGE_LABELS.get(change.field) or (
            str(field.verbose_name).split(" ")[0] if field is not None else change.field
        )
        choices = {str(k): str(v) for k, v in (field.choices or [])} if field is not None else {}
        rows.append(
            {
                "change": change,
                "label": label,
                "old": choices.get(change.old_value, change.old_value),
                "new": choices.get(change.new_value, change.new_value),
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def person_list(request: HttpRequest) -> HttpResponse:
    """Every render is audited as a search, with its filters and the number of matches.
    The page's own form POSTs (and pages with POST): an exact ID or phone search must not
    travel in a URL, which browsers keep in history and servers in access logs. GET takes
    the same filters, for links."""
    require(request, "registry.view")
    params = request.POST if request.method == "POST" else request.GET
    form = PersonFilterForm(params, user=request.user)
    valid = form.is_valid()
    filters = form.filters() if valid else {}
    persons = (
        selectors.person_list(user=request.user, **filters) if valid else Person.objects.none()
    )
    page = paginate(params, persons.prefetch_related("tags"))
    if valid:
        services.registry_access_record(
            actor=request.user,
            action="registry.person_search",
            request=request,
            filters=filters,
            count=page.paginator.count,
        )
    context = {
        "form": form,
        "page": page,
        "search_note": form.exact_search_note(filters),
        "can_collect": scope_for(request.user).can("registry.collect"),
        "export_query": _export_query(form),
    }
    return render_list(
        request, "registry/person_list.html", "registry/_person_results.html", context
    )


@login_required
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "registry.view")
    person = selectors.person_get(user=request.user, pk=pk)
    services.registry_access_record(
        actor=request.user, action="registry.person_view", request=request, obj=person
    )
    context = {
        "person": person,
        "households": selectors.person_households(person=person),
        "residences": selectors.person_residences(person=person),
        "changes": change_rows(selectors.change_history(object_type="person", object_id=person.pk)),
        "can_collect": scope_for(request.user).can("registry.collect"),
        "can_unmask": request.user.has_perm(services.UNMASK_PERMISSION),
        "unmask_form": UnmaskForm(),
    }
    return render(request, "registry/person_detail.html", context)


@login_required
@require_POST
def person_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one clear value once. Without the permission the service audits the refusal and
    raises PermissionDenied (403), whatever the form holds."""
    require(request, "registry.view")
    person = selectors.person_get(user=request.user, pk=pk)
    form = UnmaskForm(request.POST)
    if form.is_valid() or not request.user.has_perm(services.UNMASK_PERMISSION):
        try:
            value = services.person_unmask(
                actor=request.user,
                person=person,
                field=str(form.data.get("field", "")),
                reason=str(form.data.get("reason", ""))[:200],
                request=request,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            field_label = dict(form.fields["field"].choices)[form.cleaned_data["field"]]  # type: ignore[attr-defined]
            context = {"person": person, "value": value, "field_label": field_label}
            return render(request, "registry/person_unmask.html", context)
    context = {"person": person, "unmask_form": form}
    return render(request, "registry/person_unmask.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    """添加居民 (grid workers, on a phone). ``?house=<id>`` comes from a house's page."""
    require(request, "registry.collect")
    house_id = request.GET.get("house")
    house = selectors.house_get(user=request.user, pk=house_id) if house_id else None
    form = PersonCollectForm(request.POST or None, user=request.user, house=house)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.person_collect(
                actor=request.user,
                grid=data["grid"],
                data=data["person"],
                tags=data["tags"],
                house=data["house"],
                residence_kind=data["residence_kind"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已登记居民“{person.name}”。")
            return redirect("registry:person_detail", pk=person.pk)
    context = {
        "form": form,
        "title": "添加居民",
        "submit": "保存居民信息",
        "cancel_url": reverse("registry:person_list"),
    }
    return render(request, "registry/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A stale version (someone saved in between) is a 409 and writes nothing."""
    require(request, "registry.collect")
    person = selectors.person_get(user=request.user, pk=pk)
    form = PersonEditForm(request.POST or None, user=request.user, person=person)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.person_update(
                actor=request.user,
                person=person,
                version=data["version"],
                grid=data["grid"],
                phone=data["phone"],
                tags=data["tags"],
                **form.service_fields(),
            )
        except StaleEdit:
            form.add_error(None, STALE_MESSAGE)
            status = 409
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "已保存修改。")
            return redirect("registry:person_detail", pk=person.pk)
    context = {
        "form": form,
        "title": f"修改人员信息：{person.name}",
        "submit": "保存修改",
        "cancel_url": reverse("registry:person_detail", args=[person.pk]),
    }
    return render(request, "registry/form.html", context, status=status)


def _export_query(form: PersonFilterForm) -> str:
    """The list's filters as a query string for the export link. An exact ID or phone search
    is left out: those values must never appear in a URL."""
    data = {k: v for k, v in form.data.items() if v and k not in ("page", "csrfmiddlewaretoken")}
    query = data.get("q", "")
    if data.get("search_by") in ("id_number", "phone") or any(c.isdigit() for c in query):
        data.pop("q", None)
        data.pop("search_by", None)
    return urlencode(data)
