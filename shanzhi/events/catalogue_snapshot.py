"""Intake's per-process snapshot of the active catalogue (ADR 0010).

Every report needs its 小类 with its 大类 and attributes. Reading them costs two queries and
their ORM work per report, for rows that change a few times a year; so each process keeps the
active subcategories, keyed by code and by id, and checks one one-row token per report
(``CatalogueRevision``). Saving or deleting a type or an attribute — in the admin, through
``services.catalogue``, anywhere through the ORM — renews the token in the same transaction
(``apps.EventsConfig.ready``), so every process reloads on its next report; a rolled-back
change leaves the token as it was. Rows are read after the token, so a snapshot is never older
than its label.

Callers get their own shallow copy of a type: the snapshot's instances are shared by threads
and requests and never change.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from typing import Any

from django.db.models import prefetch_related_objects

from shanzhi.core.revisions import token_read, token_renew

from .models import CatalogueRevision, EventType


@dataclass(frozen=True)
class Snapshot:
    token: str
    by_code: dict[str, EventType]
    by_id: dict[int, EventType]


_snapshot: Snapshot | None = None
_lock = threading.Lock()


def current_token() -> str:
    return token_read(CatalogueRevision)


def _load(token: str) -> Snapshot:
    types = list(
        EventType.objects.filter(is_active=True, parent__isnull=False).select_related("parent")
    )
    prefetch_related_objects(types, "attributes")
    return Snapshot(
        token=token,
        by_code={t.code: t for t in types},
        by_id={t.pk: t for t in types},
    )


def snapshot(token: str | None = None) -> Snapshot:
    """The snapshot for the current token: one one-row query, plus two when it changed;
    ``token`` when the caller has just read it (intake reads several tokens at once)."""
    global _snapshot
    if token is None:
        token = current_token()
    found = _snapshot
    if found is None or found.token != token:
        with _lock:
            found = _snapshot
            if found is None or found.token != token:
                found = _load(token)
                _snapshot = found
    return found


def active_subcategory(
    value: EventType | str | int, *, token: str | None = None
) -> EventType | None:
    """The active 小类 for a type, its id or its code (with its 大类 and attributes loaded),
    as a copy of its own; None when there is no such active subcategory."""
    current = snapshot(token)
    if isinstance(value, EventType):
        found = current.by_id.get(value.pk)
    elif isinstance(value, int):
        found = current.by_id.get(value)
    else:
        found = current.by_code.get(str(value or "").strip())
    return copy.copy(found) if found is not None else None


def forget_snapshot() -> None:
    global _snapshot
    _snapshot = None


def catalogue_revision_renew(**kwargs: Any) -> None:
    """Give the catalogue a new token (every process reloads its snapshot); forget ours.
    Connected to the catalogue models' save and delete signals."""
    forget_snapshot()
    token_renew(CatalogueRevision)
