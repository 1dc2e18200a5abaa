"""Statements that run on every request of a hot path, prepared once per connection.

Django binds parameters on the client, so PostgreSQL parses and plans every statement again.
For a statement as hot as event intake's read and write (ADR 0010) that planning is a good
part of the database's work. ``fetch_prepared`` runs one statement through psycopg's
server-side binding with ``prepare=True``: the connection keeps it prepared (Django keeps
connections for ``DB_CONN_MAX_AGE``), so later runs skip parse and plan. Errors are Django's
(``IntegrityError`` …), the statement shows in ``connection.queries`` like any other, and it
takes part in the surrounding transaction, if any. ``SHANZHI_DB_PREPARED_STATEMENTS=0`` (for a
pooler in transaction mode that drops prepared statements) and other databases run it
through Django's cursor.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import connections


def fetch_prepared(sql: str, params: Sequence[Any], *, using: str = "default") -> list[Any]:
    """Run ``sql`` (``%s`` placeholders) and return all its rows."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not getattr(
        settings, "SHANZHI_DB_PREPARED_STATEMENTS", True
    ):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    import psycopg

    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    start = time.monotonic()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns automatic preparation off (prepare_threshold=None), and psycopg then
        # ignores prepare=True as well. A threshold no statement reaches prepares only what is
        # asked for here: Django's own cursors bind on the client and never prepare.
        raw.prepare_threshold = 2**31 - 1
    with connection.wrap_database_errors:
        with psycopg.Cursor(raw) as cursor:
            cursor.execute(sql, params, prepare=True)
            rows = cursor.fetchall()
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": f"/* prepared */ {sql}", "time": f"{time.monotonic() - start:.3f}"}
        )
    return rows
