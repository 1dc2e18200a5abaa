"""API clients (接口客户端) of Open311: issue a key (shown once), revoke it, check it.

Only the SHA-256 digest of a key is stored, exactly as ``accounts`` stores API tokens.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.accounts.authentication import token_digest
from shanzhi.core.audit import audit_record

from ..models import ApiClient

KEY_PREFIX = "o311_"
SHOWN_PREFIX_LENGTH = 10
NAME_MAX_LENGTH = 100
# ``last_used_at`` is written at most once a minute per client.
LAST_USED_PRECISION_SECONDS = 60


@transaction.atomic
def api_client_create(
    *, actor: Any, name: str, contact: str = "", key: str | None = None, request: Any = None
) -> tuple[ApiClient, str]:
    """Issue a client; return it with its key, which is never available again. ``key`` is for
    the demo only (its well-known key); otherwise a random one is drawn."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("请填写客户端名称。")]})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": [_("名称不能超过 %(n)s 个字符。") % {"n": NAME_MAX_LENGTH}]})
    key = key or KEY_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        name=name,
        contact=(contact or "").strip()[:200],
        prefix=key[:SHOWN_PREFIX_LENGTH],
        digest=token_digest(key),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        action="events.api_client_create",
        actor=actor,
        request=request,
        obj=client,
        detail={"name": name, "prefix": client.prefix},
    )
    return client, key


@transaction.atomic
def api_client_revoke(*, actor: Any, client: ApiClient, request: Any = None) -> bool:
    """Deactivate a client; False when it already was."""
    changed = ApiClient.objects.filter(pk=client.pk, is_active=True).update(is_active=False)
    if changed:
        client.is_active = False
        audit_record(
            action="events.api_client_revoke",
            actor=actor,
            request=request,
            obj=client,
            detail={"prefix": client.prefix},
        )
    return bool(changed)


def api_client_authenticate(key: str) -> ApiClient | None:
    """The active client holding ``key``, or None; notes when it was last used."""
    key = (key or "").strip()
    if not key:
        return None
    client = ApiClient.objects.filter(digest=token_digest(key), is_active=True).first()
    if client is None:
        return None
    now = timezone.now()
    last = client.last_used_at
    if last is None or (now - last).total_seconds() > LAST_USED_PRECISION_SECONDS:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client
