"""The Django admin site, sharing the application's one log-in page.

Logging in through /admin/login/ would bypass the log-in audit and the session clocks, so the
admin's log-in and log-out hand over to accounts' views.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class ShanzhiAdminSite(admin.AdminSite):
    site_header = "善治 Shanzhi 管理后台"
    site_title = "善治 Shanzhi"
    index_title = "系统管理"

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.user.is_authenticated:
            # Logged in but not staff: sending them to log in again would loop.
            raise PermissionDenied("您没有访问管理后台的权限。")
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse(
            "admin:index", current_app=self.name
        )
        return redirect_to_login(next_url, login_url=reverse("accounts:login"))

    def logout(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        from shanzhi.accounts.views import logout_view

        return logout_view(request)
