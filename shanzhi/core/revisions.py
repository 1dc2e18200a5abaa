"""One-row revision tokens behind per-process caches (the working-day calendar, the event
catalogue): a cache compares the token it was built at with the row's, and every change
renews the row in the changing transaction.

The row (pk 1) holds ``token`` and ``changed_at``. A fresh random token, not a counter, so a
change rolled back in one process can never be mistaken for a later, different change.
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone


def token_read(model: type[models.Model]) -> str:
    """The current token ("" before the first change): plain SQL, as cheap as the round
    trip, since caches ask on every use."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {table} WHERE id = 1")  # noqa: S608 - our table
        row = cursor.fetchone()
    return str(row[0] or "") if row else ""


def token_renew(model: type[models.Model]) -> None:
    """Give the row a new token; created on first use (a concurrent creator wins, we update)."""
    token, now = uuid.uuid4().hex, timezone.now()
    manager = model._default_manager
    if not manager.filter(pk=1).update(token=token, changed_at=now):
        try:
            with transaction.atomic():
                manager.create(pk=1, token=token, changed_at=now)
        except IntegrityError:
            manager.filter(pk=1).update(token=token, changed_at=now)
