from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import password_validation, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shanzhi.core.middleware import SESSION_EXPIRED_FLAG

from . import services
from .forms import LoginForm, PasswordChangeForm

SESSION_EXPIRED_MESSAGE = "登录已超时，请重新登录"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.session.pop(SESSION_EXPIRED_FLAG, False):
            messages.warning(request, SESSION_EXPIRED_MESSAGE)
        return super().get(request, *args, **kwargs)

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        services.session_start(request=self.request, user=form.get_user())
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        # Only a real check of the password is a failed log-in; an attempt refused because the
        # account is locked is audited by the lockout handler (accounts.lockout).
        request = self.request
        refused_while_locked = getattr(request, "axes_locked_out", False) and (
            getattr(request, "axes_failures_since_start", None) is None
        )
        attempted = form.data.get("username") and form.data.get("password")
        if attempted and not refused_while_locked:
            services.login_failure_record(
                request=request, username=form.data.get("username", "")[:150]
            )
        return super().form_invalid(form)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    services.session_end(request=request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@never_cache
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password; the only page open while a password has expired."""
    user = request.user
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(
                actor=user,
                user=user,  # type: ignore[arg-type]
                password=form.cleaned_data["new_password1"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error("new_password1", exc)
        else:
            update_session_auth_hash(request, user)  # stay logged in; other sessions end
            messages.success(request, "密码已修改。")
            return redirect(_safe_next(request) or resolve_url(settings.LOGIN_REDIRECT_URL))
    return render(
        request,
        "accounts/password_change.html",
        {
            "form": form,
            "expired": services.password_is_expired(user),
            "max_age_days": settings.SHANZHI_PASSWORD_MAX_AGE_DAYS,
            "next": _safe_next(request),
            "help_texts": password_validation.password_validators_help_texts(),
        },
    )


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""
