"""Per-user API tokens (API 令牌): the reads and writes behind the API and the tokens page.

A key is ``sz_`` followed by 43 URL-safe characters (256 random bits). The database keeps only
its SHA-256 digest (``authentication.token_digest``) and its first characters, so a list can
show which token is which; the key itself is returned once, by ``api_token_create``, and
cannot be recovered afterwards — a lost key is revoked and replaced.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from shanzhi.core.audit import audit_record

from .authentication import forget_token, token_digest
from .models import ApiToken, User

KEY_PREFIX = "sz_"
# Characters of the key kept in clear for recognition: "sz_" plus 7 of the 256-bit secret.
SHOWN_PREFIX_LENGTH = 10
NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length or 100
# A user rarely needs more than a few; a cap keeps forgotten keys from piling up.
MAX_ACTIVE_TOKENS_PER_USER = 20


def api_token_list(*, user: Any) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first, revoked ones included (as history)."""
    return ApiToken.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def api_token_get(*, user: Any, pk: Any) -> ApiToken:
    """One of the user's own tokens; anybody else's is 404, as if it did not exist."""
    try:
        return api_token_list(user=user).get(pk=pk)
    except (ApiToken.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("令牌不存在。") from exc


def _check_actor(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied("请先登录。")


@transaction.atomic
def api_token_create(*, actor: Any, name: str, request: Any = None) -> tuple[ApiToken, str]:
    """Create a token for ``actor``; return it with its key, which is never available again."""
    _check_actor(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写令牌名称，例如用途或调用系统的名字。"})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": f"令牌名称不能超过 {NAME_MAX_LENGTH} 个字符。"})
    # Lock the owner's row so two concurrent creations cannot both pass the cap.
    User.objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True).first()
    active = ApiToken.objects.filter(user_id=actor.pk, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS_PER_USER:
        raise ValidationError(
            {
                "name": f"有效令牌已达上限（{MAX_ACTIVE_TOKENS_PER_USER} 个），"
                "请先撤销不再使用的令牌。"
            }
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor, name=name, prefix=key[:SHOWN_PREFIX_LENGTH], digest=token_digest(key)
    )
    audit_record(
        action="accounts.token_create",
        actor=actor,
        request=request,
        obj=token,
        detail={"name": name, "prefix": token.prefix},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken, request: Any = None) -> ApiToken:
    """Revoke one of ``actor``'s own tokens; revoking a revoked token changes nothing."""
    _check_actor(actor)
    if token.user_id != actor.pk:
        raise PermissionDenied("只能撤销自己的令牌。")
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    forget_token(locked.digest)  # at once here; other processes within TOKEN_CACHE_SECONDS
    audit_record(
        action="accounts.token_revoke",
        actor=actor,
        request=request,
        obj=locked,
        detail={"name": locked.name, "prefix": locked.prefix},
    )
    return locked
