"""Record counts of the accounts app for ``shanzhi status`` (see shanzhi/core/status.py)."""

from __future__ import annotations

from django.db.models import Count, Q

from .models import ApiToken, Department, Post, User


def counts() -> dict[str, int]:
    users = User.objects.aggregate(
        active=Count("pk", filter=Q(is_active=True)),
        inactive=Count("pk", filter=Q(is_active=False)),
    )
    return {
        "users": users["active"],
        "users.inactive": users["inactive"],
        "posts": Post.objects.filter(is_active=True).count(),
        "departments": Department.objects.filter(is_active=True).count(),
        "api_tokens.active": ApiToken.objects.filter(revoked_at__isnull=True).count(),
    }
