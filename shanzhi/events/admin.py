"""Admin of events: the catalogue (事件分类, with its Open311 attributes and responsible
departments) and the Open311 API clients.

Both are install-wide, so only a superuser or a city-wide administrator (capability
``areas.manage`` at the root of the area tree, as for the working-day calendar) may see or
change them. Every change writes an audit row (``core.admin.AuditedAdminMixin``); API client
keys are issued and revoked through ``services`` (shown once, only the digest stored).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shanzhi.core.admin import AuditedAdminMixin
from shanzhi.workdays.admin import may_manage_calendar

from . import services
from .models import ApiClient, AttributeDatatype, EventType, EventTypeAttribute

LIST_DATATYPES: tuple[str, ...] = (AttributeDatatype.SINGLE, AttributeDatatype.MULTI)


def may_manage_catalogue(user: Any) -> bool:
    """Superusers and city-wide administrators (areas.manage at the root)."""
    return may_manage_calendar(user)


class CityAdminOnlyMixin:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_manage_catalogue(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_catalogue(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_catalogue(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_catalogue(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_catalogue(request.user)


class EventTypeAttributeForm(forms.ModelForm):
    class Meta:
        model = EventTypeAttribute
        fields = ("code", "datatype", "required", "description", "order", "values")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        values = data.get("values") or []
        if data.get("datatype") in LIST_DATATYPES:
            well_formed = isinstance(values, list) and all(
                isinstance(v, dict) and str(v.get("key", "")).strip() and v.get("name")
                for v in values
            )
            if not values or not well_formed:
                self.add_error(
                    "values",
                    gettext('列表类型须填写可选值，例如 [{"key": "general", "name": "一般"}]。'),
                )
            elif len({str(v["key"]) for v in values}) != len(values):
                self.add_error("values", gettext("可选值的 key 不能重复。"))
        elif values:
            self.add_error("values", gettext("只有单选、多选类型才有可选值。"))
        return data


class EventTypeAttributeInline(CityAdminOnlyMixin, admin.TabularInline):
    model = EventTypeAttribute
    form = EventTypeAttributeForm
    extra = 0


class EventTypeForm(forms.ModelForm):
    class Meta:
        model = EventType
        fields = (
            "parent",
            "code",
            "name",
            "description",
            "order",
            "is_active",
            "is_public",
            "priority",
            "accept_hours",
            "dispatch_hours",
            "handle_days",
            "verify_days",
            "responsible_departments",
            "department_keywords",
        )

    def clean_parent(self) -> EventType | None:
        parent = self.cleaned_data.get("parent")
        if parent is not None and parent.parent_id is not None:
            raise forms.ValidationError(gettext("小类只能挂在大类（无上级的类型）下。"))
        if parent is not None and self.instance.pk and self.instance.children.exists():
            raise forms.ValidationError(gettext("该类型已有小类，不能再挂到其他大类下。"))
        return parent


@admin.register(EventType)
class EventTypeAdmin(CityAdminOnlyMixin, AuditedAdminMixin, admin.ModelAdmin):
    form = EventTypeForm
    list_display = (
        "code",
        "name",
        "parent",
        "is_public",
        "priority",
        "accept_hours",
        "dispatch_hours",
        "handle_days",
        "verify_days",
        "is_active",
    )
    list_filter = (
        "is_public",
        "is_active",
        "priority",
        ("parent", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    filter_horizontal = ("responsible_departments",)
    inlines = [EventTypeAttributeInline]
    fieldsets = (
        (None, {"fields": ("parent", "code", "name", "description", "order", "is_active")}),
        (_("公开与优先级 public and priority"), {"fields": ("is_public", "priority")}),
        (
            _("时限 time limits"),
            {"fields": ("accept_hours", "dispatch_hours", "handle_days", "verify_days")},
        ),
        (
            _("责任部门 responsible departments"),
            {"fields": ("responsible_departments", "department_keywords")},
        ),
    )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "parent":
            kwargs["queryset"] = EventType.objects.filter(parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Types are referenced by events (PROTECT): retire them with "启用" instead.
        return False


@admin.register(ApiClient)
class ApiClientAdmin(CityAdminOnlyMixin, AuditedAdminMixin, admin.ModelAdmin):
    """Issue (the key is shown once, on the page after saving) and revoke Open311 clients."""

    list_display = ("name", "prefix", "contact", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("name", "=prefix", "contact")
    actions = ["revoke"]
    add_fields = ("name", "contact")
    readonly_fields = ("prefix", "is_active", "created_by", "created_at", "last_used_at")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return self.add_fields
        return ("name", "contact", *self.readonly_fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the audit trail keeps naming the client

    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        if change:
            obj.save(update_fields=["name", "contact"])
            return
        client, key = services.api_client_create(
            actor=request.user, name=obj.name, contact=obj.contact, request=request
        )
        obj.pk = client.pk
        obj.refresh_from_db()
        obj._state.adding = False
        request._issued_api_key = key  # type: ignore[attr-defined]

    def response_add(
        self, request: HttpRequest, obj: ApiClient, post_url_continue: Any = None
    ) -> HttpResponse:
        key = getattr(request, "_issued_api_key", None)
        if key is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("api_key 已发放"),
            "opts": self.model._meta,
            "client": obj,
            "key": key,
        }
        response = TemplateResponse(request, "admin/events/apiclient/key_issued.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("撤销所选客户端 revoke selected clients"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        revoked = sum(
            services.api_client_revoke(actor=request.user, client=client, request=request)
            for client in queryset
        )
        self.message_user(
            request, gettext("已撤销 %(n)s 个客户端。") % {"n": revoked}, messages.SUCCESS
        )
