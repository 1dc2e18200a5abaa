"""Admin of mediation: bodies (调解组织) and mediators (调解员) are maintained here by holders
of ``mediation.manage`` in their subtrees; cases are read-only here (they change only through
``services``, so the workflow, timeline and audit rows stay whole). Every change writes an audit
row (``core.admin.AuditedAdminMixin``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.http import HttpRequest

from shanzhi.accounts.scope import Scope, scope_for
from shanzhi.core.admin import AuditedAdminMixin, ScopedAdminMixin
from shanzhi.registry import protection

from .models import CaseMediator, CaseTimelineEntry, MediationBody, MediationCase, Mediator, Party


def _can(request: HttpRequest, capability: str) -> bool:
    return request.user.is_superuser or scope_for(request.user).can(capability)


class ManageMixin:
    capability = "mediation.manage"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _can(request, "mediation.view") or _can(request, self.capability)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _can(request, "mediation.view") or _can(request, self.capability)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _can(request, self.capability)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _can(request, self.capability)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(MediationBody)
class MediationBodyAdmin(AuditedAdminMixin, ScopedAdminMixin, ManageMixin, admin.ModelAdmin):
    list_display = ("code", "name", "level", "area", "parent", "active")
    list_filter = ("level", "active")
    search_fields = ("code", "name")
    autocomplete_fields = ()
    raw_id_fields = ("area", "parent")

    def scope_q(self, scope: Scope) -> Q:
        return scope.area_q("area__")


class MediatorForm(forms.ModelForm):
    phone = forms.CharField(label="联系电话", required=False, max_length=20)

    class Meta:
        model = Mediator
        fields = ("name", "kind", "body", "user", "active", "since")

    def save(self, commit: bool = True) -> Mediator:
        phone = self.cleaned_data.get("phone", "").strip()
        if phone:
            sealed = protection.seal_phone(phone)
            self.instance.phone_enc = sealed.enc
            self.instance.phone_index = sealed.index
            self.instance.phone_masked = sealed.masked
        return super().save(commit=commit)


@admin.register(Mediator)
class MediatorAdmin(AuditedAdminMixin, ScopedAdminMixin, ManageMixin, admin.ModelAdmin):
    form = MediatorForm
    list_display = ("name", "kind", "body", "user", "phone_masked", "active")
    list_filter = ("kind", "active")
    search_fields = ("name",)
    raw_id_fields = ("user",)
    readonly_fields = ("phone_masked",)

    def scope_q(self, scope: Scope) -> Q:
        return scope.area_q("body__area__")


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PartyInline(ReadOnlyInline):
    model = Party
    fields = ("role", "kind", "name", "id_number_masked", "phone_masked", "agent_name")
    readonly_fields = fields


class CaseMediatorInline(ReadOnlyInline):
    model = CaseMediator
    fields = ("mediator", "is_lead", "assigned_at")
    readonly_fields = fields


class TimelineInline(ReadOnlyInline):
    model = CaseTimelineEntry
    fields = ("at", "actor", "transition", "from_state", "to_state", "comment")
    readonly_fields = fields


@admin.register(MediationCase)
class MediationCaseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-only: cases change only through the mediation pages (services)."""

    list_display = ("number", "title", "category", "source", "body", "state", "registered_at")
    list_filter = ("state", "category", "source", "body__level")
    search_fields = ("number", "title")
    date_hierarchy = "registered_at"
    inlines = (PartyInline, CaseMediatorInline, TimelineInline)
    list_select_related = ("body",)

    def scope_q(self, scope: Scope) -> Q:
        return scope.area_q("area__") | scope.area_q("body__area__")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _can(request, "mediation.view")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _can(request, "mediation.view")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
