"""Admin building blocks shared by every app, and the read-only audit log.

- ``AuditedAdminMixin``: every add, change and delete made in the admin writes an audit row
  (as well as Django's own LogEntry), in one place.
- ``ScopedAdminMixin``: a staff user who is not a superuser sees, edits and chooses (in
  foreign-key fields) only rows in their jurisdiction (``accounts.scope``); an object outside it
  is "not found".
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanzhi.accounts.scope import Scope, scope_for

from .audit import audit_record
from .models import AuditLog, DocumentTemplate


def _json_safe(value: Any) -> Any:
    """Admin change messages may hold lazy translation strings; store plain JSON."""
    return json.loads(json.dumps(value, default=str))


class AuditedAdminMixin:
    """Write ``admin.add`` / ``admin.change`` / ``admin.delete`` audit rows."""

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        entry = super().log_addition(request, obj, message)  # type: ignore[misc]
        audit_record(
            action="admin.add", request=request, obj=obj, detail={"change": _json_safe(message)}
        )
        return entry

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        entry = super().log_change(request, obj, message)  # type: ignore[misc]
        audit_record(
            action="admin.change",
            request=request,
            obj=obj,
            detail={"change": _json_safe(message)},
        )
        return entry

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        # Called before the deletion, so the objects can still be described.
        for obj in queryset:
            audit_record(action="admin.delete", request=request, obj=obj)
        return super().log_deletions(request, queryset)  # type: ignore[misc]


class ScopedAdminMixin:
    """Limit a (Model|Inline)Admin to the request user's scope unless they are a superuser.

    Subclasses say how their rows relate to the area tree in ``scope_q``. Foreign-key choices
    are limited by the related model's own admin, when that admin is scoped too.
    """

    admin_site: admin.AdminSite

    def scope_q(self, scope: Scope) -> Q:
        raise NotImplementedError

    def restrict(self, queryset: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
        if scope.is_all:
            return queryset
        return queryset.filter(self.scope_q(scope))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return queryset
        return self.restrict(queryset, scope_for(request.user))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        related_admin = self.admin_site._registry.get(db_field.related_model)
        if (
            "queryset" not in kwargs
            and not request.user.is_superuser
            and isinstance(related_admin, ScopedAdminMixin)
        ):
            db = kwargs.get("using")
            base = self.get_field_queryset(db, db_field, request)  # type: ignore[attr-defined]
            if base is None:
                base = db_field.remote_field.model._default_manager.using(db).all()
            kwargs["queryset"] = related_admin.restrict(base, scope_for(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: nobody adds, changes or deletes audit rows, superusers included."""

    list_display = (
        "created_at",
        "actor_username",
        "post",
        "action",
        "object_type",
        "object_id",
        "outcome",
        "ip",
    )
    list_filter = ("outcome",)
    search_fields = ("=actor_username", "^action", "=object_id")
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) or scope_for(request.user).can(
            "audit.view"
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or scope_for(request.user).can("audit.view")

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200:
            audit_record(
                action="audit.view",
                request=request,
                object_type="core.auditlog",
                detail={"via": "admin", "query": request.GET.urlencode()[:500]},
            )
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200:
            audit_record(
                action="audit.view",
                request=request,
                object_type="core.auditlog",
                object_id=str(object_id),
                detail={"via": "admin"},
            )
        return response


def may_manage_document_templates(user: Any) -> bool:
    """Superusers and city-wide administrators (areas.manage at the root), as for the calendar."""
    if not (getattr(user, "is_active", False) and getattr(user, "is_staff", False)):
        return False
    if user.is_superuser:
        return True
    scope = scope_for(user)
    return scope.is_all and scope.can("areas.manage")


class DocumentTemplateForm(forms.ModelForm):
    name = forms.ChoiceField(label=_("文书种类 document kind"), choices=())

    class Meta:
        model = DocumentTemplate
        fields = ("name", "file", "active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .documents import all_specs

        self.fields["name"].choices = [
            (name, f"{spec.title}（{name}）") for name, spec in all_specs().items()
        ]

    def clean(self) -> dict[str, Any]:
        from .documents import validate_template_upload

        data = super().clean() or {}
        upload = data.get("file")
        # Only a newly uploaded file needs checking; a kept file was checked when uploaded.
        if data.get("name") and upload is not None and "file" in self.changed_data:
            try:
                validate_template_upload(data["name"], upload)
            except ValidationError as exc:
                self.add_error("file", exc)
        return data


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Upload a replacement Word template for a document kind (checked against sample data)."""

    form = DocumentTemplateForm
    list_display = ("name", "active", "uploaded_by", "uploaded_at")
    list_filter = ("active",)
    readonly_fields = ("uploaded_by", "uploaded_at")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_manage_document_templates(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_document_templates(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_manage_document_templates(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_document_templates(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_manage_document_templates(request.user)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if "file" in form.changed_data or not change:
            obj.uploaded_by = request.user
            obj.uploaded_at = timezone.now()
        super().save_model(request, obj, form, change)
