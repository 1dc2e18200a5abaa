"""What every kind's row handler shares: the run's context, its errors, grid resolution and
scope checks, and the parsers of cell text."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from shanzhi.accounts.scope import Scope
from shanzhi.areas import coords
from shanzhi.areas.models import Area, GridKind, Level

from .. import identity
from .specs import Column, KindSpec

# Errors kept for the report; beyond this only the count grows (a file where every row is wrong
# should not need a report larger than the file).
MAX_REPORTED_ERRORS = 100_000
# Excel's scientific notation: an ID or phone typed as a number has lost its last digits.
SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE]\+\d+$")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
WHOLE_ROW = ""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the header as in the template, "" for the row as a whole
    value: str  # masked when the column is sensitive
    message: str


class Item:
    """One data row on its way through a handler."""

    __slots__ = ("row", "raw", "ok", "data", "grid", "existing", "key", "lon", "lat")

    def __init__(self, row: int, raw: dict[str, str]) -> None:
        self.row = row
        self.raw = raw
        self.ok = True
        self.data: dict[str, Any] = {}
        self.grid: Area | None = None
        self.existing: Any = None
        self.key: Any = None
        self.lon: float | None = None
        self.lat: float | None = None


def mask_value(column: Column, value: str) -> str:
    if not column.sensitive or not value:
        return value
    return identity.mask_phone(value) if "phone" in column.key else identity.mask_id(value)


@dataclass
class Context:
    """One run of one file: who imports, where to, whether to write, and what was found."""

    spec: KindSpec
    actor: Any
    scope: Scope | None  # None: an operator's command, limited only by ``area``
    area: Area | None
    commit: bool
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    error_rows: set[int] = field(default_factory=set)
    rows_total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    now: datetime.datetime = field(default_factory=timezone.now)

    def __post_init__(self) -> None:
        self.columns = {c.key: c for c in self.spec.columns}
        self.grids = GridCache()

    @property
    def writing(self) -> bool:
        """Rows are written only in a commit and only while no row has failed: after the
        first error the rest of the file is still validated (for the report) but the
        transaction will be rolled back, so writing more would be wasted work."""
        return self.commit and not self.error_count

    @property
    def today(self) -> datetime.date:
        return timezone.localdate(self.now)

    def error(self, item: Item, key: str, message: str, value: str | None = None) -> None:
        item.ok = False
        self.error_count += 1
        self.error_rows.add(item.row)
        if len(self.errors) >= MAX_REPORTED_ERRORS:
            return
        column = self.columns.get(key)
        if value is None:
            value = item.raw.get(key, "") if key else ""
        header = column.header if column else WHOLE_ROW
        self.errors.append(
            RowError(
                row=item.row,
                column=header,
                value=mask_value(column, value) if column else value,
                message=message,
            )
        )

    def validation_errors(self, item: Item, exc: ValidationError, fields: dict[str, str]) -> None:
        """Record a service's ValidationError, mapping its field names to our column keys."""
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                key = fields.get(name, WHOLE_ROW)
                for message in messages:
                    self.error(item, key, message)
        else:
            for message in exc.messages:
                self.error(item, WHOLE_ROW, message)

    # --- scope -------------------------------------------------------------------------------

    def check_grid(self, item: Item, grid: Area, key: str = "grid_code") -> bool:
        """The grid is a basic grid inside the importer's scope and the limiting area."""
        label = f"{grid.name}（{grid.code}）"
        if grid.level != Level.GRID or grid.kind != GridKind.BASIC or not grid.is_active:
            self.error(
                item, key, f"{label} 不是启用中的基础网格；人员、房屋、单位须落在基础网格内。"
            )
            return False
        if self.scope is not None and not self.scope.contains_path(grid.path):
            self.error(item, key, f"网格 {label} 不在您的管辖范围内。")
            return False
        if self.area is not None and not grid.path.startswith(self.area.path):
            limit = f"{self.area.name}（{self.area.code}）"
            self.error(item, key, f"网格 {label} 不在限定区域 {limit} 内。")
            return False
        return True

    def may_change(self, item: Item, grid: Area, what: str) -> bool:
        """An existing record may be updated only if its current grid is in scope too."""
        inside = (self.scope is None or self.scope.contains_path(grid.path)) and (
            self.area is None or grid.path.startswith(self.area.path)
        )
        if not inside:
            self.error(
                item,
                WHOLE_ROW,
                f"{what}已在您的管辖范围（或限定区域）以外登记，不能通过导入修改。",
            )
        return inside


class GridCache:
    """Grids by code and by id, loaded once per run and per batch of new codes."""

    def __init__(self) -> None:
        self.by_code: dict[str, Area | None] = {}
        self.by_id: dict[int, Area] = {}

    def _remember(self, grids: Iterable[Area]) -> None:
        for grid in grids:
            self.by_code[grid.code] = grid
            self.by_id[grid.pk] = grid

    def load_codes(self, codes: Iterable[str]) -> None:
        missing = {c for c in codes if c not in self.by_code}
        if missing:
            self._remember(Area.objects.filter(code__in=missing, level=Level.GRID))
            for code in missing:
                self.by_code.setdefault(code, None)

    def load_ids(self, ids: Iterable[int]) -> None:
        missing = {int(i) for i in ids if int(i) not in self.by_id}
        if missing:
            self._remember(Area.objects.filter(pk__in=missing))


def resolve_locations(ctx: Context, items: Sequence[Item], *, required: bool = True) -> None:
    """Give each valid item its grid: by 所属网格编码, else by locating 经度/纬度 (converted to
    WGS-84 and kept in ``item.lon``/``item.lat``); then check the grid against the scope."""
    from shanzhi.areas.locate import locate_many

    # Rows already in error are located too, so the report lists all their problems at once.
    ctx.grids.load_codes(i.data["grid_code"] for i in items if i.data.get("grid_code"))
    by_crs: dict[str, list[Item]] = {}
    for item in items:
        if item.data.get("lon") is not None:
            by_crs.setdefault(item.data.get("crs") or coords.WGS84, []).append(item)
    for crs, group in by_crs.items():
        batch = locate_many([i.data["lon"] for i in group], [i.data["lat"] for i in group], crs=crs)
        ctx.grids.load_ids(int(g) for g in batch.grid_ids if g >= 0)
        for item, lon, lat, grid_id in zip(
            group, batch.lons.tolist(), batch.lats.tolist(), batch.grid_ids.tolist(), strict=True
        ):
            item.lon, item.lat = round(lon, 7), round(lat, 7)
            if not item.data.get("grid_code"):
                if grid_id < 0:
                    ctx.error(
                        item,
                        "lon",
                        f"坐标（{item.data['lon']}, {item.data['lat']}）不在任何基础网格内，"
                        "请核对经纬度和坐标系，或直接填写所属网格编码。",
                    )
                else:
                    item.grid = ctx.grids.by_id[grid_id]
    for item in items:
        code = item.data.get("grid_code")
        if code:
            grid = ctx.grids.by_code.get(code)
            if grid is None:
                ctx.error(item, "grid_code", f"网格编码 {code} 不存在。")
                continue
            item.grid = grid
        elif item.grid is None:
            if required and not _has_coordinates(item):
                ctx.error(item, "grid_code", "须填写所属网格编码，或填写经度和纬度以自动落格。")
            continue
        ctx.check_grid(item, item.grid)


def _has_coordinates(item: Item) -> bool:
    """Coordinates were given (located or not: a failed one already has its error)."""
    return bool(item.raw.get("lon") or item.raw.get("lat"))


# --- cell parsers: each returns the value, or records an error and returns None --------------


class Parser:
    """Cell parsers bound to one context; lookups of choice labels are built once."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._choices: dict[str, dict[str, str]] = {}
        for column in ctx.spec.columns:
            if column.choices:
                lookup: dict[str, str] = {}
                for value, label in column.choices:
                    lookup[label] = value
                    lookup[value.lower()] = value
                self._choices[column.key] = lookup
        if "ethnicity" in self._choices:  # "汉" for "汉族"
            for value in list(self._choices["ethnicity"].values()):
                self._choices["ethnicity"].setdefault(value.removesuffix("族"), value)
        if "gender" in self._choices:
            self._choices["gender"].update({"男性": "M", "女性": "F"})
        if "crs" in self._choices:
            self._choices["crs"] = {}  # coords.normalize_crs knows the aliases

    def choice(self, item: Item, key: str, default: str = "") -> str | None:
        text = item.raw.get(key, "")
        if not text:
            return default
        if key == "crs":
            label = next((v for v, lbl in self.ctx.columns["crs"].choices if lbl == text), text)
            try:
                return coords.normalize_crs(label)
            except ValidationError as exc:
                self.ctx.error(item, key, exc.messages[0])
                return None
        found = self._choices[key].get(text) or self._choices[key].get(text.lower())
        if found is None:
            options = "、".join(self.ctx.columns[key].labels[:12])
            self.ctx.error(item, key, f"“{text}”不是可选值，可选：{options}。")
        return found

    def text(self, item: Item, key: str, max_length: int) -> str:
        value = item.raw.get(key, "")
        if len(value) > max_length:
            self.ctx.error(item, key, f"内容过长（最多 {max_length} 个字符）。")
        return value

    def integer(self, item: Item, key: str, low: int, high: int) -> int | None:
        text = item.raw.get(key, "")
        if not text:
            return None
        try:
            value = int(Decimal(text))
            if Decimal(text) != value:
                raise ValueError
        except (InvalidOperation, ValueError):
            self.ctx.error(item, key, "应为整数。")
            return None
        if not low <= value <= high:
            self.ctx.error(item, key, f"应在 {low}–{high} 之间。")
            return None
        return value

    def decimal(self, item: Item, key: str, places: int, high: Decimal) -> Decimal | None:
        text = item.raw.get(key, "")
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.ctx.error(item, key, "应为数字。")
            return None
        if not value.is_finite() or value < 0 or value >= high:
            self.ctx.error(item, key, f"应为 0 到 {high} 之间的数字。")
            return None
        quantum = Decimal(1).scaleb(-places)
        if value != value.quantize(quantum):
            self.ctx.error(item, key, f"最多保留 {places} 位小数。")
            return None
        return value.quantize(quantum)

    def date(self, item: Item, key: str) -> datetime.date | None:
        text = item.raw.get(key, "")
        if not text:
            return None
        text = text.split(" ")[0]
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            pass
        for fmt in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date
            except ValueError:
                continue
        self.ctx.error(item, key, "日期格式应为 2024-01-31。")
        return None

    def coordinates(self, item: Item) -> None:
        """经度/纬度/坐标系 into ``item.data`` (lon and lat both or neither)."""
        lon_text, lat_text = item.raw.get("lon", ""), item.raw.get("lat", "")
        if not lon_text and not lat_text:
            return
        if not lon_text or not lat_text:
            self.ctx.error(item, "lon" if not lon_text else "lat", "经度和纬度须同时填写。")
            return
        try:
            lon, lat = float(lon_text), float(lat_text)
        except ValueError:
            self.ctx.error(item, "lon", "经度、纬度应为数字（十进制度）。")
            return
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            self.ctx.error(item, "lon", "经纬度超出范围（经度 -180～180，纬度 -90～90）。")
            return
        crs = self.choice(item, "crs", coords.WGS84)
        if crs is not None:
            item.data.update(lon=lon, lat=lat, crs=crs)

    def long_digits(self, item: Item, key: str) -> str:
        """A column of long digit strings (ID, phone, codes): refuse Excel's lossy numbers."""
        text = item.raw.get(key, "")
        if text and SCIENTIFIC.match(text):
            self.ctx.error(
                item,
                key,
                "该单元格被 Excel 存成了数字（科学计数法），末几位已丢失；"
                "请把该列设为“文本”格式后重新填写。",
            )
            return ""
        return text


def split_tags(text: str) -> list[str]:
    return [t for t in re.split(r"[、,，;；\s]+", text) if t]


def changed(old: Any, new: Any) -> bool:
    if isinstance(old, float) and isinstance(new, float):
        return abs(old - new) > 1e-9
    return old != new


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


class Handler:
    """Validates and upserts the rows of one kind, a batch at a time.

    ``process`` runs ``clean`` on every row (cell parsing, no queries), ``resolve`` on the batch
    (grids, references and existing records, a few queries per batch) and ``apply`` on the
    valid rows (classify as created / updated / unchanged; write while ``ctx.writing``)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.parse = Parser(ctx)
        self.seen: dict[Any, int] = {}

    def process(self, items: list[Item]) -> None:
        for item in items:
            self.clean(item)
        self.resolve(items)
        self.apply([item for item in items if item.ok])

    def clean(self, item: Item) -> None:
        raise NotImplementedError

    def resolve(self, items: list[Item]) -> None:
        return None

    def apply(self, items: list[Item]) -> None:
        return None

    def finish(self) -> None:
        """After the last row: checks that span rows, deferred writes."""
        return None

    def close(self) -> None:
        """Release what the handler holds (worker processes), whatever happened."""
        return None

    def first_time(self, item: Item, key: Any, column: str, what: str) -> bool:
        """The file's first row with this natural key; later ones are errors."""
        first = self.seen.setdefault(key, item.row)
        if first != item.row:
            self.ctx.error(item, column, f"与第 {first} 行的{what}重复。")
            return False
        return True


def identity_q(keys: Iterable[tuple[str, str]]) -> Q:
    """Persons with these (id_type, id_index) pairs, as a filter the unique index
    (id_type, id_index) answers — ``id_index IN (…)`` alone would scan the table."""
    by_type: dict[str, list[str]] = {}
    for id_type, index in keys:
        by_type.setdefault(id_type, []).append(index)
    q = Q(pk__in=[])
    for id_type, indexes in by_type.items():
        q |= Q(id_type=id_type, id_index__in=indexes)
    return q


def insert_rows(ctx: Context, model: type[models.Model], objs: list[Any]) -> None:
    """Insert unsaved model instances (as the services built them) and give them their pks."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=1000)
        return
    names = [f.attname for f in model._meta.concrete_fields]
    pks = insert_values(ctx, model, [[getattr(obj, name) for name in names] for obj in objs])
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias


def insert_values(ctx: Context, model: type[models.Model], rows: list[list[Any]]) -> list[int]:
    """Insert rows given as value lists in ``concrete_fields`` order (pk and timestamps may be
    None); return their primary keys.

    On PostgreSQL the ids are drawn from the table's sequence in one query and the rows sent
    with ``COPY`` — psycopg adapts each value, no SQL is compiled per row — several times faster
    than ``bulk_create`` for hundreds of thousands of rows. Elsewhere: ``bulk_create``."""
    if not rows:
        return []
    meta = model._meta
    fields = list(meta.concrete_fields)
    stamped = [
        i
        for i, f in enumerate(fields)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    if connection.vendor != "postgresql":
        objs = [model(*row) for row in rows]
        model._default_manager.bulk_create(objs, batch_size=1000)
        return [obj.pk for obj in objs]
    pk_index = fields.index(meta.pk)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        pks = [pk for (pk,) in cursor.fetchall()]
        columns = ", ".join(quote(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row, pk in zip(rows, pks, strict=True):
                row[pk_index] = pk
                for i in stamped:
                    row[i] = ctx.now
                copy.write_row(row)
    return pks


def change_records(
    ctx: Context, object_type: str, rows: Iterable[tuple[int, list[tuple[str, str, str]]]]
) -> None:
    """ChangeRecord rows (who changed which field) for updated records, in one insert."""
    from ..models import ChangeRecord

    ChangeRecord.objects.bulk_create(
        [
            ChangeRecord(
                object_type=object_type,
                object_id=pk,
                field=name,
                old_value=old,
                new_value=new,
                actor=ctx.actor,
            )
            for pk, changes in rows
            for name, old, new in changes
        ],
        batch_size=1000,
    )
