"""The notification outbox (通知): rows written inside the event's transaction, delivered after
commit through one adapter per channel.

``SHANZHI_NOTIFICATION_ADAPTERS`` maps a channel ("sms", "wechat") to the dotted path of an
adapter class; unset channels use ``RecordOnlyAdapter``, which sends nothing and leaves the row
queued for a real gateway to pick up later. An adapter has one method::

    def send(self, notification: Notification, phone: str) -> bool   # True when delivered

It runs only after the transaction commits (``transaction.on_commit``), never inside it, so a
slow or failing gateway cannot hold locks or roll an event back. In-app notifications need no
adapter: committing the row is delivering it, so they are written as sent (a rolled-back
transaction takes them with it) and cost no work after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
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


def _holders(posts: QuerySet[Post]) -> QuerySet[User]:
    return User.objects.filter(
        pk__in=posts.filter(is_active=True).values("user_id"), is_active=True
    ).order_by("pk")


def dispatching_posts_sql(area_ids_sql: str) -> tuple[str, list[str]]:
    """SQL for (area_id, user_id) of the active dispatching posts of active users on the
    areas ``area_ids_sql`` lists (an SQL list or array expression), and its role params."""
    roles = roles_with("events.dispatch")
    qn = connection.ops.quote_name
    sql = (
        "SELECT p.area_id, p.user_id "  # noqa: S608 - our tables' names, placeholders
        f"FROM {qn(Post._meta.db_table)} p JOIN {qn(User._meta.db_table)} u ON u.id = p.user_id "
        f"WHERE p.area_id {area_ids_sql} "
        f"AND p.role IN ({', '.join(['%s'] * len(roles))}) AND p.is_active AND u.is_active"
    )
    return sql, roles


def nearest_dispatchers(area: Area, posts: Iterable[tuple[int, int]]) -> list[int]:
    """Of ``posts`` (area_id, user_id) on ``area``'s chain and maybe below it, the users on
    the deepest area of the chain that has any."""
    chain = [*area.ancestor_ids(), area.pk]
    depth = {area_id: i for i, area_id in enumerate(chain)}
    mine = [(depth[a], u) for a, u in posts if a in depth]
    if not mine:
        return []
    nearest = max(d for d, _ in mine)
    return sorted({u for d, u in mine if d == nearest})


def dispatcher_ids(area: Area) -> list[int]:
    """The active users with an active dispatching post nearest to ``area``: at it or, when
    nobody is, at its nearest ancestor that has any — so a city administrator hears of a
    town's events only where the town has no dispatcher of its own. One indexed query: the
    area's path is its ancestors' ids. Plain SQL: intake runs it on every report, and the
    ORM's query building cost more than the query."""
    chain = [*area.ancestor_ids(), area.pk]
    sql, roles = dispatching_posts_sql(f"IN ({', '.join(['%s'] * len(chain))})")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*chain, *roles])
        rows = cursor.fetchall()
    return nearest_dispatchers(area, rows)


def dispatchers_for(area: Area) -> QuerySet[User]:
    """``dispatcher_ids`` as users."""
    return User.objects.filter(pk__in=dispatcher_ids(area)).order_by("pk")


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


def notification_rows(
    *,
    event: Event | None,
    subject: str,
    body: str = "",
    users: Iterable[Any] = (),
    user_ids: Iterable[int] = (),
    phone_enc: str = "",
    phone_masked: str = "",
    exclude: Any = None,
) -> list[Notification]:
    """The rows ``notify`` writes, not yet saved: one in-app notification per user (``users``
    and ``user_ids``, minus ``exclude``, usually the actor), written as delivered, and, for a
    sealed phone, one SMS queued for its adapter."""
    now = timezone.now()
    exclude_id = getattr(exclude, "pk", None)
    recipients = [u.pk for u in users if u is not None] + list(user_ids)
    rows = [
        Notification(
            recipient_id=user_id,
            channel=NotificationChannel.INAPP,
            subject=subject[:200],
            body=body,
            event=event,
            created_at=now,
            status=NotificationStatus.SENT,
            sent_at=now,
        )
        for user_id in dict.fromkeys(recipients)
        if user_id != exclude_id
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
    return rows


def deliver_after_commit(rows: Iterable[Notification]) -> None:
    """Hand the saved rows still queued (SMS, WeChat) to their adapters once the surrounding
    transaction commits; in-app rows are delivered by the commit itself."""
    ids = [n.pk for n in rows if n.status == NotificationStatus.QUEUED]
    if ids:
        transaction.on_commit(lambda: deliver(ids))


def notify(**kwargs: Any) -> list[Notification]:
    """Write ``notification_rows(**kwargs)``: in-app rows are delivered by the surrounding
    transaction's commit, SMS rows go to their adapter after it."""
    rows = notification_rows(**kwargs)
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    deliver_after_commit(created)
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
