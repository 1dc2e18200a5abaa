"""Admin for users, departments, posts and API tokens, scoped for staff who are not superusers.

A scoped staff user (e.g. a town officer given staff status and model permissions) sees:
- departments attached to an area in their subtree (or their own department);
- posts at an area or department in their subtree;
- users holding an active post there (never superusers);
- those users' API tokens (read-only; they can be revoked).
They may not grant city-wide or auditor roles, superuser status or individual permissions.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm as DjangoAdminPasswordChangeForm
from django.contrib.auth.forms import AdminUserCreationForm as DjangoAdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from shanzhi.core.admin import AuditedAdminMixin, ScopedAdminMixin

from . import services
from .models import ApiToken, Department, Post, Role, User
from .scope import Scope, scope_for

# Roles only a city-wide administrator (or a superuser) may hand out.
CITY_ONLY_ROLES = frozenset({Role.CITY_ADMIN, Role.AUDITOR, Role.CITIZEN})


def posts_in_scope_q(scope: Scope, prefix: str = "") -> Q:
    """Posts at an area in the scope's subtrees, or at a department attached to one."""
    q = scope.area_q(f"{prefix}area__") | scope.area_q(f"{prefix}department__area__")
    if scope.department_ids:
        q |= scope.department_q(f"{prefix}department__")
    return q


def users_in_scope_q(scope: Scope, prefix: str = "") -> Q:
    """Users holding an active post in the scope; superusers never (only a superuser edits one)."""
    holders = Post.objects.filter(posts_in_scope_q(scope), is_active=True).values("user_id")
    return Q(**{f"{prefix}pk__in": holders}) & Q(**{f"{prefix}is_superuser": False})


def _is_city_wide(user: Any) -> bool:
    return user.is_superuser or scope_for(user).is_all


class PostForm(forms.ModelForm):
    actor: Any = None  # set per request by the admin

    class Meta:
        model = Post
        fields = ("user", "role", "area", "department", "is_active")

    def clean_role(self) -> str:
        role = self.cleaned_data["role"]
        if self.actor is not None and not _is_city_wide(self.actor) and role in CITY_ONLY_ROLES:
            raise forms.ValidationError("该角色只能由市级管理员分配。")
        return role


class PostInline(ScopedAdminMixin, admin.TabularInline):
    model = Post
    form = PostForm
    fk_name = "user"
    extra = 0
    fields = ("role", "area", "department", "is_active")

    def scope_q(self, scope: Scope) -> Q:
        return posts_in_scope_q(scope)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if not _is_city_wide(request.user):
            # A scoped administrator's users must keep a post in their scope, or they would
            # vanish from the administrator's own view.
            kwargs.update(min_num=1, validate_min=True)
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.actor = request.user
        return formset


class UserCreationForm(DjangoAdminUserCreationForm):
    class Meta(DjangoAdminUserCreationForm.Meta):
        model = User
        fields = ("username", "real_name", "phone")


class UserChangeForm(DjangoUserChangeForm):
    class Meta(DjangoUserChangeForm.Meta):
        model = User
        fields = "__all__"


class AdminPasswordChangeForm(DjangoAdminPasswordChangeForm):
    """A password set by an administrator is of unknown age: with rotation on, the user must
    choose their own at the next log-in."""

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=False)
        user.password_changed_at = None
        if commit:
            user.save(update_fields=["password", "password_changed_at"])
        return user


@admin.register(User)
class UserAdmin(AuditedAdminMixin, ScopedAdminMixin, DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    inlines = [PostInline]
    list_display = ("username", "real_name", "phone", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("username", "real_name", "phone")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息 personal", {"fields": ("real_name", "phone", "email")}),
        (
            "权限 permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("时间 dates", {"fields": ("last_login", "date_joined", "password_changed_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "real_name",
                    "phone",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def scope_q(self, scope: Scope) -> Q:
        return users_in_scope_q(scope)

    def restrict(self, queryset: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
        return super().restrict(queryset, scope).exclude(is_superuser=True)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = ["last_login", "date_joined", "password_changed_at"]
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
            if not scope_for(request.user).can("accounts.manage"):
                readonly += ["is_staff", "groups"]
        return readonly


@admin.register(Department)
class DepartmentAdmin(AuditedAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "area", "phone", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "^code")
    list_select_related = ("area",)

    def scope_q(self, scope: Scope) -> Q:
        q = scope.area_q("area__")
        if scope.department_ids:
            q |= scope.department_q()
        return q


@admin.register(Post)
class PostAdmin(AuditedAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = PostForm
    list_display = ("user", "role", "area", "department", "is_active", "created_at")
    list_filter = ("role", "is_active")
    search_fields = ("user__username", "user__real_name")
    list_select_related = ("user", "area", "department")
    raw_id_fields = ("user",)

    def scope_q(self, scope: Scope) -> Q:
        return posts_in_scope_q(scope)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # type: ignore[attr-defined]
        return form


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Read-only: tokens are issued by their owner; here they can only be revoked."""

    list_display = ("name", "prefix", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "=prefix", "user__username")
    list_select_related = ("user",)
    readonly_fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    fields = readonly_fields
    actions = ["revoke"]

    def scope_q(self, scope: Scope) -> Q:
        return users_in_scope_q(scope, prefix="user__")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Change permission only at list level, for the revoke action; no edit form.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="撤销所选令牌 revoke selected tokens", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = sum(
            services.api_token_revoke(actor=request.user, token=token, request=request)
            for token in queryset
        )
        self.message_user(request, f"已撤销 {revoked} 个令牌。", messages.SUCCESS)
