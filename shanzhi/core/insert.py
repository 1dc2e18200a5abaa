"""Insert a row and the rows that point at it, in one statement on PostgreSQL (ADR 0010).

A report writes an event, its timeline row, its audit row and its notifications. Through the
ORM that is BEGIN, one INSERT per table and COMMIT — five or six round trips and as many
rounds of query building. ``insert_together`` writes the same model instances, built as the
ORM would build them and with their values prepared as Django's insert compiler prepares
them (``pre_save``, ``get_db_prep_save``), as one statement with data-modifying common table
expressions (the SQL text is built once per shape of rows)::

    WITH h AS (INSERT INTO event … RETURNING id),
         d0 AS (INSERT INTO timeline (…, event_id, …)
                VALUES (…, (SELECT id FROM h), …) RETURNING id),
         …
    SELECT …

One statement is one transaction when none is open: all rows or none. On other databases the
same rows are saved one table at a time inside ``transaction.atomic``. Either way the
instances come back saved (primary keys set, links filled). No ``pre_save``/``post_save``
signals are sent, as with ``bulk_create``: use it only for models nothing listens to.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, models, transaction

from .db import fetch_prepared


@dataclass
class Dependents:
    """Rows of one model that point at the head row: ``links`` maps an attribute name (a
    foreign key's ``…_id`` or a text column such as an audit row's ``object_id``) to how it
    takes the head's key: ``"id"`` as is, ``"text"`` as its decimal text."""

    rows: Sequence[models.Model]
    links: dict[str, str] = field(default_factory=dict)


# Field types whose database value is the Python value itself when that value has exactly
# the type below: get_db_prep_save would only call to_python on it and hand it back.
_AS_IS: tuple[tuple[type, type], ...] = (
    (models.CharField, str),
    (models.TextField, str),
    (models.BooleanField, bool),
    (models.IntegerField, int),
    (models.FloatField, float),
)


@functools.cache
def _fields(model: type[models.Model]) -> list[tuple[Any, bool, type | None]]:
    """The columns an INSERT writes: each with whether its ``pre_save`` does more than read
    the attribute (``auto_now`` dates and the like), and the Python type it stores as is."""
    opts = model._meta
    return [
        (
            f,
            type(f).pre_save is not models.Field.pre_save,
            next((kind for cls, kind in _AS_IS if isinstance(f, cls)), None),
        )
        for f in opts.local_concrete_fields
        if f is not opts.auto_field and not getattr(f, "generated", False)
    ]


# (model, row count, links, which values are NULL) → the INSERT's SQL text. A report's rows
# have the same shape every time, so the text is built once; NULLs are written into it, which
# keeps the statement's parameters few enough for psycopg to cache its parsing too.
_sql_cache: dict[tuple[Any, ...], str] = {}


def _insert_sql(
    rows: Sequence[models.Model], links: dict[str, str], using: str
) -> tuple[str, list[Any]]:
    """The INSERT of ``rows`` with each link column reading the head's key (``links``:
    attname → SQL), values prepared as Django's insert compiler prepares them (``pre_save``
    with ``add=True``, then ``get_db_prep_save``)."""
    connection = connections[using]
    model = type(rows[0])
    fields = _fields(model)
    params: list[Any] = []
    nulls: list[bool] = []
    for row in rows:
        for f, computed, as_is in fields:
            if f.attname in links:
                continue
            raw = f.pre_save(row, True) if computed else getattr(row, f.attname)
            if as_is is not None and type(raw) is as_is:
                value = raw
            else:
                value = f.get_db_prep_save(raw, connection=connection)
            if hasattr(value, "resolve_expression"):  # pragma: no cover - not for expressions
                raise TypeError(f"insert_together: {f.attname} holds an expression")
            nulls.append(value is None)
            if value is not None:
                params.append(value)
    key = (model, len(rows), tuple(sorted(links.items())), tuple(nulls), using)
    sql = _sql_cache.get(key)
    if sql is None:
        qn = connection.ops.quote_name
        marks = iter(nulls)
        values = []
        for _row in rows:
            cells = [
                links[f.attname] if f.attname in links else ("NULL" if next(marks) else "%s")
                for f, _, _ in fields
            ]
            values.append(f"({', '.join(cells)})")
        sql = (
            f"INSERT INTO {qn(model._meta.db_table)} "  # noqa: S608 - our names, placeholders
            f"({', '.join(qn(str(f.column)) for f, _, _ in fields)}) VALUES {', '.join(values)}"
        )
        if len(_sql_cache) > 256:
            _sql_cache.clear()
        _sql_cache[key] = sql
    return sql, params


def _link(row: models.Model, attname: str, kind: str, head: models.Model) -> None:
    """Fill one link with the saved head's key; a foreign key to the head keeps the head as
    its related object (setting ``…_id`` alone would drop it and cost a query later)."""
    setattr(row, attname, str(head.pk) if kind == "text" else head.pk)
    for f in row._meta.concrete_fields:
        related = f.related_model
        if f.attname == attname and isinstance(related, type) and isinstance(head, related):
            f.set_cached_value(row, head)  # type: ignore[attr-defined]


def insert_together(
    head: models.Model, dependents: Sequence[Dependents] = (), *, using: str = "default"
) -> None:
    """Insert ``head`` and its ``dependents`` (unsaved instances), all or nothing."""
    groups = [group for group in dependents if group.rows]
    connection = connections[using]
    if connection.vendor != "postgresql":
        with transaction.atomic(using=using):
            head.save(force_insert=True, using=using)
            for group in groups:
                for row in group.rows:
                    for attname, kind in group.links.items():
                        _link(row, attname, kind, head)
                type(group.rows[0])._default_manager.using(using).bulk_create(group.rows)
        return

    qn = connection.ops.quote_name
    head_pk = qn(str(head._meta.pk.column))  # type: ignore[union-attr]
    parts: list[str] = []
    params: list[Any] = []
    sql, head_params = _insert_sql([head], {}, using)
    parts.append(f"h AS ({sql} RETURNING {head_pk})")
    params += head_params
    refs = {
        "id": f"(SELECT {head_pk} FROM h)",  # noqa: S608 - quoted column names
        "text": f"(SELECT {head_pk}::text FROM h)",  # noqa: S608
    }
    selects = [f"SELECT 0, 0, {head_pk} FROM h"]  # noqa: S608
    for number, group in enumerate(groups):
        links = {attname: refs[kind] for attname, kind in group.links.items()}
        sql, group_params = _insert_sql(group.rows, links, using)
        pk = qn(str(group.rows[0]._meta.pk.column))  # type: ignore[union-attr]
        parts.append(f"d{number} AS ({sql} RETURNING {pk})")
        params += group_params
        # Row numbers follow the VALUES order, as bulk_create relies on for PostgreSQL.
        selects.append(f"SELECT {number + 1}, row_number() OVER (), {pk} FROM d{number}")  # noqa: S608
    statement = "WITH " + ", ".join(parts) + " " + " UNION ALL ".join(selects)
    keys = fetch_prepared(statement, params, using=using)
    by_group: dict[int, list[tuple[int, Any]]] = {}
    for group_number, row_number, key in keys:
        by_group.setdefault(group_number, []).append((row_number, key))
    head.pk = by_group[0][0][1]
    _saved(head, using)
    for number, group in enumerate(groups):
        ordered = [key for _, key in sorted(by_group.get(number + 1, []))]
        if len(ordered) != len(group.rows):  # pragma: no cover - a constraint would have raised
            raise RuntimeError("insert_together: missing keys")
        for row, key in zip(group.rows, ordered, strict=True):
            row.pk = key
            for attname, kind in group.links.items():
                _link(row, attname, kind, head)
            _saved(row, using)


def _saved(row: models.Model, using: str) -> None:
    row._state.adding = False
    row._state.db = using
