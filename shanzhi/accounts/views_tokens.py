"""The "API 令牌" page: a user creates and revokes their own API tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from . import tokens


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label="名称",
        max_length=tokens.NAME_MAX_LENGTH,
        help_text="写明用途，例如“区指挥中心大屏”，以便日后辨认和撤销。",
    )


@login_required
@require_http_methods(["GET", "POST"])
def tokens_page(request: HttpRequest) -> HttpResponse:
    """GET lists; POST with ``revoke=<id>`` revokes; any other POST creates and shows the key.

    The new key is rendered straight into this response (never redirected, never put in the
    session or a URL), so it exists only on the user's screen; NoStoreMiddleware keeps it out
    of caches.
    """
    form = TokenCreateForm()
    new_key = None
    if request.method == "POST" and "revoke" in request.POST:
        token = tokens.api_token_get(user=request.user, pk=request.POST["revoke"])
        tokens.api_token_revoke(actor=request.user, token=token, request=request)
        messages.success(request, f"已撤销令牌“{token.name}”。")
        return redirect("accounts:tokens")
    if request.method == "POST":
        form = TokenCreateForm(request.POST)
        if form.is_valid():
            try:
                _, new_key = tokens.api_token_create(
                    actor=request.user, name=form.cleaned_data["name"], request=request
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                form = TokenCreateForm()
    context = {"form": form, "new_key": new_key, "tokens": tokens.api_token_list(user=request.user)}
    return render(request, "accounts/tokens.html", context)
