"""Admin for the area tree and grid teams.

Areas are created and edited through ``areas.services`` (``area_create`` / ``area_update``), so
the admin applies the same validation (Chinese messages), optimistic locking and audit as the
rest of the application. Structural fields (parent, level, kind, code) are fixed once created:
moving a subtree is not an admin edit.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from shanzhi.accounts.scope import Scope, scope_for
from shanzhi.core.admin import AuditedAdminMixin, ScopedAdminMixin

from . import services
from .models import Area, AuxiliaryRole, GridKind, GridMembership, TeamRole


class _DryRun(Exception):
    """Raised to roll back a service call made only to validate."""


class AreaAdminForm(forms.ModelForm):
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    # Set per request by AreaAdmin.get_form: the user on whose behalf the service acts.
    actor: Any = None

    class Meta:
        model = Area
        fields = (
            "parent",
            "level",
            "kind",
            "name",
            "code",
            "boundary",
            "supervision_phone",
            "department",
            "description",
            "is_active",
        )
        widgets = {"boundary": forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["expected_version"].initial = self.instance.version

    @property
    def adding(self) -> bool:
        return self.instance._state.adding

    def apply(self) -> Area:
        """Create or update the area through the service; returns the saved area."""
        data = self.cleaned_data
        if self.adding:
            return services.area_create(
                actor=self.actor,
                level=data["level"],
                name=data.get("name", ""),
                code=data.get("code", ""),
                parent=data.get("parent"),
                kind=data.get("kind", ""),
                boundary=data.get("boundary") or None,
                supervision_phone=data.get("supervision_phone", ""),
                department=data.get("department"),
                description=data.get("description", ""),
            )
        changes = {
            name: data.get(name, "")
            for name in ("name", "boundary", "supervision_phone", "description")
            if name in self.changed_data
        }
        if not changes:
            return self.instance
        version = data.get("expected_version")
        return services.area_update(
            actor=self.actor,
            area=self.instance,
            version=version if version is not None else -1,
            **changes,
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        if self.adding and self.actor is not None and not self.actor.is_superuser:
            parent = cleaned.get("parent")
            if parent is None or not scope_for(self.actor).contains_path(parent.path):
                raise ValidationError({"parent": "只能在您管辖范围内的区域下新建区域。"})
        # Validate exactly as the service will: run it, then roll it back.
        try:
            with transaction.atomic():
                self.apply()
                raise _DryRun
        except _DryRun:
            pass
        except services.StaleEdit as exc:
            raise ValidationError(str(exc)) from exc
        except ValidationError as exc:
            self._add_service_errors(exc)
        return cleaned

    def _add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for field, errors in exc.error_dict.items():
            self.add_error(field if field in self.fields else None, errors)


class GridMembershipInlineForm(forms.ModelForm):
    class Meta:
        model = GridMembership
        fields = (
            "grid",
            "role",
            "auxiliary_role",
            "name",
            "phone",
            "user",
            "start_date",
            "end_date",
        )

    def clean(self) -> dict[str, Any]:
        # The same rules as services.membership_assign, checked before anything is saved.
        cleaned = super().clean() or {}
        role = cleaned.get("role")
        auxiliary_role = cleaned.get("auxiliary_role", "")
        grid = cleaned.get("grid") or getattr(self.instance, "grid", None)
        if role == TeamRole.AUXILIARY and auxiliary_role not in AuxiliaryRole.values:
            self.add_error("auxiliary_role", "协管力量须指定类别。")
        if role and role != TeamRole.AUXILIARY and auxiliary_role:
            self.add_error("auxiliary_role", "只有协管力量需要指定类别。")
        if role == TeamRole.WORKER and grid is not None and grid.kind != GridKind.BASIC:
            self.add_error("role", "专职网格员只配备到基础网格。")
        return cleaned


class GridMembershipInline(ScopedAdminMixin, admin.TabularInline):
    model = GridMembership
    form = GridMembershipInlineForm
    fk_name = "grid"
    extra = 0
    can_delete = False  # ended assignments stay as history: set an end date instead
    fields = ("role", "auxiliary_role", "name", "phone", "user", "start_date", "end_date")
    raw_id_fields = ("user",)

    def scope_q(self, scope: Scope) -> Q:
        return scope.area_q("grid__")


@admin.register(Area)
class AreaAdmin(AuditedAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = AreaAdminForm
    list_display = ("name", "code", "level", "kind", "parent", "is_active")
    list_filter = ("level", "kind", "is_active")
    search_fields = ("name", "^code")
    list_select_related = ("parent",)
    ordering = ("path",)
    inlines = [GridMembershipInline]
    add_fields = (
        "parent",
        "level",
        "kind",
        "name",
        "code",
        "boundary",
        "supervision_phone",
        "department",
        "description",
    )
    change_fieldsets = (
        (
            None,
            {
                "fields": (
                    "parent",
                    "level",
                    "kind",
                    "code",
                    "name",
                    "boundary",
                    "supervision_phone",
                    "description",
                    "department",
                    "is_active",
                    "expected_version",
                )
            },
        ),
        (
            "派生信息 derived",
            {"fields": ("path", "centroid_lon", "centroid_lat", "area_km2", "version")},
        ),
    )
    change_readonly_fields = (
        "parent",
        "level",
        "kind",
        "code",
        "department",
        "is_active",
        "path",
        "centroid_lon",
        "centroid_lat",
        "area_km2",
        "version",
    )

    def scope_q(self, scope: Scope) -> Q:
        return scope.area_q()

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ((None, {"fields": self.add_fields}),)
        return self.change_fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.change_readonly_fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # type: ignore[attr-defined]
        return form

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # Only grids have teams (1+1+N).
        if obj is None or not obj.is_grid:
            return []
        return super().get_inline_instances(request, obj)

    def save_model(self, request: HttpRequest, obj: Area, form: Any, change: bool) -> None:
        area = form.apply()
        obj.pk = area.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not GridMembership:
            super().save_formset(request, form, formset, change)
            return
        memberships = formset.save(commit=False)
        changed = {m.pk: fields for m, fields in formset.changed_objects}
        for membership in memberships:
            if membership.pk is None:
                created = services.membership_assign(
                    actor=request.user,
                    grid=form.instance,
                    role=membership.role,
                    name=membership.name,
                    phone=membership.phone,
                    user=membership.user,
                    auxiliary_role=membership.auxiliary_role,
                    start_date=membership.start_date,
                )
                if membership.end_date:
                    services.membership_end(
                        actor=request.user, membership=created, end_date=membership.end_date
                    )
            elif changed.get(membership.pk) == ["end_date"] and membership.end_date:
                services.membership_end(
                    actor=request.user, membership=membership, end_date=membership.end_date
                )
            else:
                membership.save(update_fields=changed.get(membership.pk) or None)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Areas are referenced by history; only a superuser may remove a mistaken one.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: Area) -> None:
        super().delete_model(request, obj)
        services.boundary_revision_bump()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        services.boundary_revision_bump()

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "boundary_import_url": reverse("areas:import_boundaries"),
        }
        return super().changelist_view(request, extra_context)
