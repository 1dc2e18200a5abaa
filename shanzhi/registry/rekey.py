"""Key rotation: re-encrypt every sealed value that is not under the active SM4 key.

Rotation is three steps for the operator (docs: crypto.py): add the new key to
``SHANZHI_SM4_KEYS`` and make it ``SHANZHI_SM4_ACTIVE_KEY`` (new values are written under it,
old ones still decrypt); run ``manage.py shanzhi rekey`` (this module); then drop the old key.
Only the ciphertext changes: the clear value, its blind index and its masked form stay as
they are, and so does every row's ``version`` (nobody edited anything).

Rows are processed in primary-key batches, each in its own transaction with the batch's rows
locked (``select_for_update``), so a concurrent edit of the same person waits for the batch
instead of being overwritten, and an interrupted run resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import Q

from shanzhi.core import crypto
from shanzhi.core.audit import audit_record

from . import protection
from .models import Organisation, Person


@dataclass(frozen=True)
class SealedColumn:
    model: type[models.Model]
    field: str
    aad: str

    @property
    def label(self) -> str:
        return f"{self.model._meta.label_lower}.{self.field}"


# Every column that holds SM4 ciphertext. A new sealed column must be listed here.
SEALED_COLUMNS: tuple[SealedColumn, ...] = (
    SealedColumn(Person, "id_number_enc", protection.AAD_ID),
    SealedColumn(Person, "phone_enc", protection.AAD_PHONE),
    SealedColumn(Organisation, "contact_phone_enc", protection.AAD_PHONE),
)


@dataclass
class ColumnReport:
    label: str
    by_key: dict[str, int] = field(default_factory=dict)  # values per key id, before the run
    unknown_key: int = 0  # values under a key id not in SHANZHI_SM4_KEYS
    rekeyed: int = 0

    @property
    def pending(self) -> int:
        """Values not under the active key (that a run re-encrypts)."""
        active = crypto.keyring().active_id
        return sum(n for key_id, n in self.by_key.items() if key_id != active)


class UnknownKey(Exception):
    """Some values are under a key that is not configured: they cannot be decrypted."""


def _sealed(column: SealedColumn) -> Any:
    return column.model._default_manager.exclude(**{column.field: ""})


def _not_active(column: SealedColumn, active_id: str) -> Q:
    return ~Q(**{f"{column.field}__startswith": f"{active_id}$"})


def survey(column: SealedColumn) -> ColumnReport:
    """How many values of ``column`` each configured key holds, and how many no key does."""
    ring = crypto.keyring()
    sealed = _sealed(column)
    report = ColumnReport(label=column.label)
    for key_id in ring.keys:
        report.by_key[key_id] = sealed.filter(
            **{f"{column.field}__startswith": f"{key_id}$"}
        ).count()
    report.unknown_key = sealed.count() - sum(report.by_key.values())
    return report


def _rekey_column(
    column: SealedColumn, *, batch_size: int, progress: Callable[[str], None] | None
) -> int:
    active_id = crypto.keyring().active_id
    manager = column.model._default_manager
    last_pk: Any = 0
    done = 0
    while True:
        with transaction.atomic():
            pks = list(
                _sealed(column)
                .filter(_not_active(column, active_id), pk__gt=last_pk)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not pks:
                return done
            rows = list(
                manager.select_for_update()
                .filter(pk__in=pks)
                .filter(_not_active(column, active_id))
                .exclude(**{column.field: ""})
                .only("pk", column.field)
                .order_by("pk")
            )
            for row in rows:
                clear = crypto.decrypt(getattr(row, column.field), aad=column.aad)
                setattr(row, column.field, crypto.encrypt(clear, aad=column.aad))
            manager.bulk_update(rows, [column.field])
            done += len(rows)
            last_pk = pks[-1]
        if progress is not None:
            progress(f"  {column.label}: {done} …")


def rekey(
    *,
    batch_size: int = 1000,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[ColumnReport]:
    """Re-encrypt every sealed value that is not under the active key; with ``dry_run`` only
    count them. Raises UnknownKey (and changes nothing) if some value's key is not configured."""
    reports = [survey(column) for column in SEALED_COLUMNS]
    missing = {r.label: r.unknown_key for r in reports if r.unknown_key}
    if missing:
        raise UnknownKey(
            "以下字段有值所用的密钥不在 SHANZHI_SM4_KEYS 中，无法解密 values under a key not in "
            f"SHANZHI_SM4_KEYS: {missing}"
        )
    if dry_run:
        return reports
    for column, report in zip(SEALED_COLUMNS, reports, strict=True):
        if report.pending:
            report.rekeyed = _rekey_column(column, batch_size=batch_size, progress=progress)
    audit_record(
        action="registry.rekey",
        username="system",
        detail={
            "active_key": crypto.keyring().active_id,
            "rekeyed": {r.label: r.rekeyed for r in reports},
        },
    )
    return reports
