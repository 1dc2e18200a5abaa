"""Reads of the audit log (审计日志), for the auditor's page and the admin."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet

from shanzhi.accounts.scope import scope_for

from .models import AuditLog


def audit_log_list(
    *,
    user: Any,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    actor: str = "",
    action: str = "",
    outcome: str = "",
    object_type: str = "",
    object_id: str = "",
    ip: str = "",
) -> QuerySet[AuditLog]:
    """Audit rows matching the filters, newest first; none unless the user may read the log.

    ``action`` matches as a prefix, so ``auth.`` finds every authentication event.
    """
    if not scope_for(user).can("audit.view"):
        return AuditLog.objects.none()
    qs = AuditLog.objects.all()
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lte=until)
    if actor:
        qs = qs.filter(actor_username=actor)
    if action:
        qs = qs.filter(action__startswith=action)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if ip:
        qs = qs.filter(ip=ip)
    return qs.order_by("-created_at", "-id")
