"""The notification outbox (通知): rows written inside the event's transaction, delivered after
commit through one adapter per channel.

``SHANZHI_NOTIFICATION_ADAPTERS`` maps a channel ("sms", "wechat") to the dotted path of an
adapter class; unset channels use ``RecordOnlyAdapter``, which sends nothing and leaves the row
queued for a real gateway to pick up later. An adapter has one method::

    def send(self, notification: Notification, phone: str) -> bool   # True when delivered

It runs only after the transaction commits (``transaction.on_commit``), never inside it, so a
slow or failing gateway cannot hold locks or roll an event back. In-app notifications need no
adapter: committing the row is delivering it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet, Subquery
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.module_loading import import_string

from shanzhi.accounts.models import Post, User
from shanzhi.accounts.scope import CAPABILITIES
from shanzhi.areas.models import Area
from shanzhi.registry import protection

from ..models import (
    Assignment,
    Event,
    Notification,
    NotificationChannel,
    NotificationStatus,
)

logger = logging.getLogger(__name__)


class Adapter(Protocol):
    def send(self, notification: Notification, phone: str) -> bool: ...


class RecordOnlyAdapter:
    """The default: the outbox row is the record; nothing leaves the system."""

    def send(self, notification: Notification, phone: str) -> bool:
        return False


@cache
def _adapter(path: str) -> Adapter:
    return import_string(path)()  # type: ignore[no-any-return]


def adapter_for(channel: str) -> Adapter:
    paths = getattr(settings, "SHANZHI_NOTIFICATION_ADAPTERS", {}) or {}
    path = paths.get(channel) or f"{__name__}.RecordOnlyAdapter"
    return _adapter(path)


# --- who to tell ---------------------------------------------------------------------------------


def roles_with(capability: str) -> list[str]:
    return sorted(role for role, caps in CAPABILITIES.items() if capability in caps)


def ancestor_paths(path: str) -> list[str]:
    """ "/1/5/32/" → ["/1/", "/1/5/", "/1/5/32/"]."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _holders(posts: QuerySet[Post]) -> QuerySet[User]:
    return User.objects.filter(
        pk__in=posts.filter(is_active=True).values("user_id"), is_active=True
    ).order_by("pk")


def dispatchers_for(area: Area) -> QuerySet[User]:
    """The dispatchers nearest to ``area``: those posted at it or, when nobody is, at its
    nearest ancestor that has any — so a city administrator hears of a town's events only
    where the town has no dispatcher of its own."""
    posts = Post.objects.filter(
        role__in=roles_with("events.dispatch"),
        area__path__in=ancestor_paths(area.path),
        is_active=True,
    )
    # One query: the nearest such area is the one with the longest path.
    nearest = posts.order_by(Length("area__path").desc()).values("area__path")[:1]
    return User.objects.filter(
        pk__in=posts.filter(area__path=Subquery(nearest)).values("user_id"), is_active=True
    ).order_by("pk")


def handlers_for(assignments: Iterable[Assignment]) -> QuerySet[User]:
    """The handlers of these assignments: their department's handlers, or the officers with
    events.handle posted at the dispatched area."""
    department_ids = [a.department_id for a in assignments if a.department_id is not None]
    area_ids = [a.area_id for a in assignments if a.area_id is not None]
    roles = roles_with("events.handle")
    return _holders(
        Post.objects.filter(role__in=roles, department_id__in=department_ids)
        | Post.objects.filter(role__in=roles, area_id__in=area_ids)
    )


def verifiers_for(event: Event) -> QuerySet[User]:
    """Who checks a feedback: the grid's own posts (grid worker) — or, for an on-the-spot
    solution, the posts at the grid's village — with events.verify (see workflow.verifier)."""
    area = event.grid.parent if event.solved_on_spot else event.grid
    return _holders(Post.objects.filter(role__in=roles_with("events.verify"), area=area))


# --- writing and delivering ----------------------------------------------------------------------


def notify(
    *,
    event: Event | None,
    subject: str,
    body: str = "",
    users: Iterable[Any] = (),
    phone_enc: str = "",
    phone_masked: str = "",
    exclude: Any = None,
) -> list[Notification]:
    """Queue one in-app notification per user (minus ``exclude``, usually the actor) and, for a
    sealed phone, one SMS; deliver them after the surrounding transaction commits."""
    now = timezone.now()
    exclude_id = getattr(exclude, "pk", None)
    rows = [
        Notification(
            recipient=user,
            channel=NotificationChannel.INAPP,
            subject=subject[:200],
            body=body,
            event=event,
            created_at=now,
        )
        for user in {u.pk: u for u in users if u is not None and u.pk != exclude_id}.values()
    ]
    if phone_enc:
        rows.append(
            Notification(
                recipient_phone_enc=phone_enc,
                recipient_phone_masked=phone_masked,
                channel=NotificationChannel.SMS,
                subject=subject[:200],
                body=body,
                event=event,
                created_at=now,
            )
        )
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created]
    transaction.on_commit(lambda: deliver(ids))
    return created


def deliver(ids: Iterable[int]) -> None:
    """Hand queued notifications to their channels. Never raises: a failing adapter leaves the
    row queued (logged) for a later retry."""
    now = timezone.now()
    queued = Notification.objects.filter(pk__in=list(ids), status=NotificationStatus.QUEUED)
    for notification in queued:
        if notification.channel == NotificationChannel.INAPP:
            delivered = True
        else:
            try:
                phone = protection.reveal_phone(notification.recipient_phone_enc)
                delivered = adapter_for(notification.channel).send(notification, phone)
            except Exception:
                logger.exception("notification %s: adapter failed", notification.pk)
                delivered = False
        if delivered:
            Notification.objects.filter(
                pk=notification.pk, status=NotificationStatus.QUEUED
            ).update(status=NotificationStatus.SENT, sent_at=now)


def notification_mark_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark the actor's own in-app notification read (someone else's: nothing happens)."""
    if notification.recipient_id != getattr(actor, "pk", None) or notification.read_at:
        return notification
    now = timezone.now()
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        status=NotificationStatus.READ, read_at=now
    )
    notification.refresh_from_db(fields=["status", "read_at"])
    return notification
