"""Places: buildings (→ houses → residents drill-down), houses, households and organisations,
with their collection forms. Residents listed beside a place are filtered to the user's scope
and shown masked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shanzhi.accounts.scope import scope_for
from shanzhi.areas.services import StaleEdit

from .. import selectors, services
from ..forms import (
    BuildingEditForm,
    BuildingForm,
    HouseEditForm,
    HouseForm,
    OrganisationEditForm,
    OrganisationFilterForm,
    OrganisationForm,
    PlaceFilterForm,
    apply_service_errors,
)
from . import paginate, query_without_page, render_list, require
from .persons import STALE_MESSAGE, change_rows


def _form_page(
    request: HttpRequest, form: object, title: str, status: int = 200, **extra: object
) -> HttpResponse:
    context = {"form": form, "title": title, "submit": "保存", **extra}
    return render(request, "registry/form.html", context, status=status)


def _changes(object_type: str, obj: Any) -> list[dict[str, Any]]:
    """The change history of a place, newest first, with readable field names."""
    return change_rows(
        selectors.change_history(object_type=object_type, object_id=obj.pk),
        model=type(obj),
    )


def _edit(
    request: HttpRequest, form: Any, update: Callable[..., Any], **kwargs: Any
) -> tuple[bool, int]:
    """Run an update service for a valid POSTed edit form: (saved, HTTP status). A stale
    version is a 409 with the form kept; service errors go onto the form. Nothing is written
    unless it is saved."""
    if request.method != "POST" or not form.is_valid():
        return False, 200
    try:
        update(
            actor=request.user,
            version=form.cleaned_data["version"],
            **form.service_fields(),
            **kwargs,
        )
    except StaleEdit:
        form.add_error(None, STALE_MESSAGE)
        return False, 409
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return False, 200
    messages.success(request, "已保存修改。")
    return True, 200


# --- Buildings and houses ------------------------------------------------------------------------


@login_required
@require_GET
def building_list(request: HttpRequest) -> HttpResponse:
    require(request, "registry.view")
    form = PlaceFilterForm(request.GET, user=request.user)
    filters = form.filters() if form.is_valid() else {"grid_id": -1}
    buildings = selectors.building_search(user=request.user, **filters)
    context = {
        "form": form,
        "page": paginate(request.GET, buildings),
        "query": query_without_page(request),
        "can_collect": scope_for(request.user).can("registry.collect"),
    }
    return render_list(
        request, "registry/building_list.html", "registry/_building_results.html", context
    )


@login_required
@require_GET
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "registry.view")
    building = selectors.building_get(user=request.user, pk=pk)
    context = {
        "building": building,
        "houses": selectors.building_houses(user=request.user, building=building),
        "can_collect": scope_for(request.user).can("registry.collect"),
        "changes": _changes("building", building),
    }
    return render(request, "registry/building_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def building_create(request: HttpRequest) -> HttpResponse:
    """添加楼栋; the position locates the grid (areas.locate)."""
    require(request, "registry.collect")
    form = BuildingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("crs")
        try:
            building = services.building_create(actor=request.user, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已添加楼栋“{building.name}”。")
            return redirect("registry:building_detail", pk=building.pk)
    return _form_page(
        request, form, "添加楼栋", geolocate=True, cancel_url=reverse("registry:building_list")
    )


@login_required
@require_http_methods(["GET", "POST"])
def house_create(request: HttpRequest, building_pk: int) -> HttpResponse:
    require(request, "registry.collect")
    building = selectors.building_get(user=request.user, pk=building_pk)
    form = HouseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            house = services.house_create(
                actor=request.user, building=building, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已添加房屋“{house}”。")
            return redirect("registry:house_detail", pk=house.pk)
    cancel_url = reverse("registry:building_detail", args=[building.pk])
    return _form_page(request, form, "添加房屋", building=building, cancel_url=cancel_url)


@login_required
@require_GET
def house_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A house: who lives there now, and who lived there before (人房关联)."""
    require(request, "registry.view")
    house = selectors.house_get(user=request.user, pk=pk)
    residences = list(selectors.house_residences(user=request.user, house=house))
    # It lists the residents, present and past: audited like a person's page.
    services.registry_access_record(
        actor=request.user, action="registry.house_view", request=request, obj=house
    )
    context = {
        "house": house,
        "current": [r for r in residences if r.to_date is None],
        "past": [r for r in residences if r.to_date is not None],
        "can_collect": scope_for(request.user).can("registry.collect"),
        "changes": _changes("house", house),
    }
    return render(request, "registry/house_detail.html", context)


@login_required
@require_GET
def household_list(request: HttpRequest) -> HttpResponse:
    """户: the households in scope. It names the heads (personal data), so every render is
    audited as a search, like the residents' list."""
    require(request, "registry.view")
    form = PlaceFilterForm(request.GET, user=request.user)
    form.fields["q"].widget.attrs["placeholder"] = _("户号、地址或户主姓名")
    filters = form.filters() if form.is_valid() else {"grid_id": -1}
    households = selectors.household_search(user=request.user, **filters)
    page = paginate(request.GET, households)
    services.registry_access_record(
        actor=request.user,
        action="registry.household_search",
        request=request,
        filters=filters,
        count=page.paginator.count,
    )
    context = {"form": form, "page": page, "query": query_without_page(request)}
    return render_list(
        request, "registry/household_list.html", "registry/_household_results.html", context
    )


@login_required
@require_GET
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "registry.view")
    household = selectors.household_get(user=request.user, pk=pk)
    services.registry_access_record(
        actor=request.user, action="registry.household_view", request=request, obj=household
    )
    context = {
        "household": household,
        "members": selectors.household_members(user=request.user, household=household),
    }
    return render(request, "registry/household_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def building_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """修改楼栋; a new point re-locates it to its grid. A stale version is a 409."""
    require(request, "registry.collect")
    building = selectors.building_get(user=request.user, pk=pk)
    form = BuildingEditForm(request.POST or None, user=request.user, building=building)
    saved, status = _edit(request, form, services.building_update, building=building)
    if saved:
        return redirect("registry:building_detail", pk=building.pk)
    return _form_page(
        request,
        form,
        f"修改楼栋：{building.name}",
        status=status,
        geolocate=True,
        cancel_url=reverse("registry:building_detail", args=[building.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def house_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "registry.collect")
    house = selectors.house_get(user=request.user, pk=pk)
    form = HouseEditForm(request.POST or None, house=house)
    saved, status = _edit(request, form, services.house_update, house=house)
    if saved:
        return redirect("registry:house_detail", pk=house.pk)
    return _form_page(
        request,
        form,
        f"修改房屋：{house}",
        status=status,
        building=house.building,
        cancel_url=reverse("registry:house_detail", args=[house.pk]),
    )


# --- Organisations -----------------------------------------------------------------------------


@login_required
@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    require(request, "registry.view")
    form = OrganisationFilterForm(request.GET, user=request.user)
    filters = form.filters() if form.is_valid() else {"grid_id": -1}
    organisations = selectors.organisation_search(user=request.user, **filters)
    context = {
        "form": form,
        "page": paginate(request.GET, organisations),
        "query": query_without_page(request),
        "can_collect": scope_for(request.user).can("registry.collect"),
    }
    return render_list(
        request, "registry/organisation_list.html", "registry/_organisation_results.html", context
    )


@login_required
@require_GET
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "registry.view")
    organisation = selectors.organisation_get(user=request.user, pk=pk)
    context = {
        "organisation": organisation,
        "can_collect": scope_for(request.user).can("registry.collect"),
        "changes": _changes("organisation", organisation),
    }
    return render(request, "registry/organisation_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    require(request, "registry.collect")
    form = OrganisationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已添加单位“{organisation.name}”。")
            return redirect("registry:organisation_detail", pk=organisation.pk)
    return _form_page(request, form, "添加单位", cancel_url=reverse("registry:organisation_list"))


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request, "registry.collect")
    organisation = selectors.organisation_get(user=request.user, pk=pk)
    form = OrganisationEditForm(request.POST or None, user=request.user, organisation=organisation)
    saved, status = _edit(request, form, services.organisation_update, organisation=organisation)
    if saved:
        return redirect("registry:organisation_detail", pk=organisation.pk)
    return _form_page(
        request,
        form,
        f"修改单位：{organisation.name}",
        status=status,
        cancel_url=reverse("registry:organisation_detail", args=[organisation.pk]),
    )
