"""Per-user API tokens: ``Authorization: Token <key>``; only a digest is stored.

A process remembers a token it has checked for ``TOKEN_CACHE_SECONDS`` (default 5), so a
client posting many requests costs one token query per few seconds, not one per request.
Revoking a token (``tokens.api_token_revoke``) forgets it in the revoking process at once;
every other process refuses it at the latest ``TOKEN_CACHE_SECONDS`` later — the same bound
holds for a deactivated user. The user's scope (their posts) is remembered with the token, so
within the same bound: a change of posts or of a user (``apps.AccountsConfig.ready``) forgets
every remembered token of this process at once, other processes see it at the latest
``TOKEN_CACHE_SECONDS`` later. ``SHANZHI_TOKEN_CACHE_SECONDS=0`` checks the database on every
request.
"""

from __future__ import annotations

import copy
import hashlib
import time
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions

from .models import ApiToken
from .scope import scope_for

# Tokens this process remembers at most (a burst of distinct keys only empties the memory).
TOKEN_CACHE_SIZE = 1000
# digest → (monotonic time checked, token with its user)
_checked: dict[str, tuple[float, ApiToken]] = {}


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_cache_seconds() -> float:
    return float(getattr(settings, "SHANZHI_TOKEN_CACHE_SECONDS", 5))


def forget_token(digest: str | None = None) -> None:
    """Forget one checked token (after revoking it), or all of them."""
    if digest is None:
        _checked.clear()
    else:
        _checked.pop(digest, None)


def _checked_token(digest: str) -> ApiToken | None:
    """The active token with this digest and its active user, or None; from this process's
    memory when checked less than ``token_cache_seconds()`` ago."""
    ttl = token_cache_seconds()
    now = time.monotonic()
    hit = _checked.get(digest)
    token: ApiToken | None
    if hit is not None and now - hit[0] < ttl:
        token = hit[1]
    else:
        token = (
            ApiToken.objects.select_related("user")
            .filter(digest=digest, revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            _checked.pop(digest, None)
            return None
        if ttl > 0:
            # Scope and posts text computed once and carried by every copy below.
            scope_for(token.user)
            if len(_checked) >= TOKEN_CACHE_SIZE:
                _checked.clear()
            _checked[digest] = (now, token)
    # Each request gets its own copies: per-request caches (scope, posts) live on the user.
    fresh = copy.copy(token)
    fresh.user = copy.copy(token.user)
    return fresh


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("令牌格式不正确。")
        key = header[1].decode(errors="replace")
        token = _checked_token(token_digest(key))
        if token is None:
            raise exceptions.AuthenticationFailed("令牌无效或已撤销。")
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            cached = _checked.get(token.digest)
            if cached is not None:
                cached[1].last_used_at = now
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword
