"""One streaming pass over an import file.

``run_import(commit=False)`` is the dry run: every row is validated (including against the
database: existing records, references, scope) and classified as created / updated /
unchanged; nothing is written. ``run_import(commit=True)`` does the same inside one
transaction and writes batch by batch; if any row has an error — even the last one — the
transaction is rolled back and nothing is written. The file is read once either way and only
one batch of rows is in memory at a time (households keep a small summary per household).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from shanzhi.accounts.scope import scope_for
from shanzhi.areas.models import Area
from shanzhi.core.audit import audit_record

from ..models import ImportKind
from .base import MAX_REPORTED_ERRORS, Context, Handler, Item, RowError
from .readers import ImportFileError, Limits, Table, open_table
from .specs import SPECS, KindSpec, normalise_header

BATCH_SIZE = 2000
HEADER_SEARCH_ROWS = 10

ProgressCallback = Callable[[float, int], None]

__all__ = ["ImportFileError", "ImportResult", "RowError", "run_import"]


@dataclass
class ImportResult:
    kind: str
    commit: bool
    rows_total: int = 0
    rows_error: int = 0
    error_count: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    file_format: str = ""

    @property
    def rows_valid(self) -> int:
        return self.rows_total - self.rows_error

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def written(self) -> bool:
        return self.commit and self.ok

    @property
    def errors_truncated(self) -> bool:
        return self.error_count > len(self.errors)


def handler_for(ctx: Context) -> Handler:
    from .households import HouseholdHandler
    from .persons import PersonHandler
    from .places import BuildingHandler, HouseHandler, OrganisationHandler

    handlers: dict[str, type[Handler]] = {
        ImportKind.PERSONS: PersonHandler,
        ImportKind.HOUSEHOLDS: HouseholdHandler,
        ImportKind.BUILDINGS: BuildingHandler,
        ImportKind.HOUSES: HouseHandler,
        ImportKind.ORGANISATIONS: OrganisationHandler,
    }
    return handlers[ctx.spec.kind](ctx)


def read_header(
    spec: KindSpec, rows: Iterator[tuple[int, list[str]]]
) -> tuple[list[tuple[str, int]], list[str]]:
    """Find the header row among the first rows; return (column key, cell index) pairs and
    the ignored headers. Missing required columns are a file error naming them."""
    lookup: dict[str, str] = {}
    for column in spec.columns:
        for name in (column.header, *column.aliases):
            lookup[normalise_header(name)] = column.key
    required = ", ".join(c.header for c in spec.required)
    seen_any = False
    for _ in range(HEADER_SEARCH_ROWS):
        try:
            number, cells = next(rows)
        except StopIteration:
            break
        if not any(cells):
            continue
        seen_any = True
        keys = [lookup.get(normalise_header(c)) for c in cells]
        if not any(keys):
            continue
        mapping: list[tuple[str, int]] = []
        taken: set[str] = set()
        for index, key in enumerate(keys):
            if key is None:
                continue
            if key in taken:
                header = spec.column(key).header
                raise ImportFileError(f"表头（第 {number} 行）中“{header}”列出现了不止一次。")
            taken.add(key)
            mapping.append((key, index))
        missing = [c.header for c in spec.required if c.key not in taken]
        if missing:
            raise ImportFileError(
                f"表头（第 {number} 行）缺少必填列：{'、'.join(missing)}。"
                f"请使用下载的“{spec.label}”导入模板。"
            )
        ignored = [c for c, k in zip(cells, keys, strict=True) if c and k is None]
        return mapping, ignored
    if not seen_any:
        raise ImportFileError("文件为空：没有表头，也没有数据。")
    raise ImportFileError(
        f"未找到表头：文件前 {HEADER_SEARCH_ROWS} 行中没有“{spec.label}”模板的列名"
        f"（应包含 {required}）。请使用下载的导入模板。"
    )


def run_import(
    *,
    kind: str,
    path: str | Path,
    actor: Any,
    area: Area | None = None,
    commit: bool = False,
    progress: ProgressCallback | None = None,
    limits: Limits | None = None,
    batch_size: int = BATCH_SIZE,
    source_name: str = "",
) -> ImportResult:
    """Validate (and with ``commit``, write all-or-nothing) one file of ``kind``.

    ``actor`` None is an operator's command: no scope limit beyond ``area``. Raises
    ImportFileError for problems of the file as a whole (nothing is written then either)."""
    spec = SPECS[kind]
    limits = limits or Limits.from_settings()
    scope = None
    if actor is not None:
        scope = scope_for(actor)
        if not scope.can("registry.import"):
            raise PermissionDenied("您没有导入基础数据的权限。")
        if area is not None and not scope.contains_path(area.path):
            raise PermissionDenied("限定区域不在您的管辖范围内。")
    ctx = Context(spec=spec, actor=actor, scope=scope, area=area, commit=commit)
    table = open_table(path, limits)
    result = ImportResult(kind=kind, commit=commit, file_format=table.format)
    try:
        height = getattr(table, "height", 0)
        if height - 1 > limits.max_rows:
            raise ImportFileError(_too_many_rows(limits))
        rows = table.rows()
        mapping, result.ignored_columns = read_header(spec, rows)
        handler = handler_for(ctx)
        try:
            if commit:
                with transaction.atomic():
                    _read_rows(ctx, handler, table, rows, mapping, limits, batch_size, progress)
                    if ctx.error_count:
                        transaction.set_rollback(True)
            else:
                _read_rows(ctx, handler, table, rows, mapping, limits, batch_size, progress)
        except IntegrityError as exc:
            raise ImportFileError(
                "导入期间有其他人登记了相同的记录，本次导入未写入任何数据，请重新导入。"
            ) from exc
        finally:
            handler.close()
    finally:
        table.close()
    result.rows_total = ctx.rows_total
    result.rows_error = len(ctx.error_rows)
    result.error_count = ctx.error_count
    result.errors = sorted(ctx.errors, key=lambda e: e.row)[:MAX_REPORTED_ERRORS]
    if result.ok:
        result.created, result.updated, result.unchanged = ctx.created, ctx.updated, ctx.unchanged
    if commit:
        audit_record(
            action="registry.import",
            actor=actor,
            username="" if actor is not None else "operator (shanzhi import)",
            outcome="success" if result.ok else "failure",
            detail={
                "kind": kind,
                "file": source_name or Path(path).name,
                "area": area.code if area is not None else "",
                "rows": result.rows_total,
                "errors": result.error_count,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
    return result


def _too_many_rows(limits: Limits) -> str:
    return f"数据行数超过上限 {limits.max_rows:,} 行，请拆分后分批导入。"


def _read_rows(
    ctx: Context,
    handler: Handler,
    table: Table,
    rows: Iterator[tuple[int, list[str]]],
    mapping: list[tuple[str, int]],
    limits: Limits,
    batch_size: int,
    progress: ProgressCallback | None,
) -> None:
    batch: list[Item] = []
    for number, cells in rows:
        if not any(cells):
            continue
        ctx.rows_total += 1
        if ctx.rows_total > limits.max_rows:
            raise ImportFileError(_too_many_rows(limits))
        width = len(cells)
        batch.append(Item(number, {k: cells[i] if i < width else "" for k, i in mapping}))
        if len(batch) >= batch_size:
            handler.process(batch)
            batch = []
            if progress is not None:
                progress(table.fraction(), ctx.rows_total)
    if batch:
        handler.process(batch)
    if not ctx.rows_total:
        raise ImportFileError("文件中只有表头，没有数据行。")
    handler.finish()
    if progress is not None:
        progress(1.0, ctx.rows_total)
