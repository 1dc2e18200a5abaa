"""Persons (实有人口): one row per person, upserted by (证件类型, 证件号码) through the blind
index. Identity fields are validated by ``services.person_input`` and sealed by
``services.person_build``; phones on update by ``protection.seal_phone``."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from shanzhi.areas.models import Area

from .. import protection, services
from ..identity import Gender, IdType
from ..models import Person, Tag
from .base import (
    Context,
    Handler,
    Item,
    as_text,
    change_records,
    identity_q,
    insert_rows,
    insert_values,
    resolve_locations,
    split_tags,
)

# Column key → max length, for the plain text columns.
TEXT_FIELDS = {
    "registered_address": 200,
    "current_address": 200,
    "origin_place": 100,
    "occupation": 50,
    "employer": 100,
    "notes": 2000,
}
CHOICE_FIELDS = ("ethnicity", "residence_category", "political_status", "status")
# person_input's field names → our column keys (the same names, listed for clarity).
IDENTITY_FIELDS = {k: k for k in ("name", "id_number", "phone", "gender", "birth_date")}
INSERT_BATCH = 1000
# Batches with fewer new persons than this are sealed in this process (forking is not worth it).
PARALLEL_MIN_ROWS = 1000


def stored_fields(item: Item) -> dict[str, Any]:
    """The plain columns of a new person, beside what ``person_build`` derives itself."""
    return {k: v for k, v in item.data.items() if k in CHOICE_FIELDS or k in TEXT_FIELDS}


def import_workers() -> int:
    """Worker processes for sealing: ``SHANZHI_IMPORT_WORKERS``, or (-1) one fewer than the
    CPUs, at most 4; none where processes cannot be forked."""
    configured = settings.SHANZHI_IMPORT_WORKERS
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    if configured >= 0:
        return configured
    return max(0, min(4, (os.cpu_count() or 1) - 1))


def seal_values(
    actor_id: int | None, payload: list[tuple[Any, int, dict[str, Any]]]
) -> list[list[Any]]:
    """In a worker process: ``services.person_build`` for each new person, returned as value
    lists in ``concrete_fields`` order (pk and timestamps are set by the inserting process)."""
    names = [f.attname for f in Person._meta.concrete_fields]
    grids: dict[int, Area] = {}
    rows = []
    for data, grid_id, fields in payload:
        grid = grids.get(grid_id)
        if grid is None:
            grid = grids[grid_id] = Area(pk=grid_id)
        person = services.person_build(data=data, grid=grid, created_by_id=actor_id, **fields)
        rows.append([getattr(person, name) for name in names])
    return rows


class SealingPipeline:
    """Seals and inserts new persons, overlapping the sealing with reading.

    Sealing (``services.person_build``: pinyin, SM4-GCM, HMAC-SM3) is most of an import's CPU
    time. With workers, each large batch is sealed in forked worker processes while this
    process reads and validates the next batch; the sealed rows are inserted when the next
    batch is handed over (or at the end). Only this process writes, in the one transaction,
    in file order; the workers never touch the database."""

    def __init__(self, handler: PersonHandler) -> None:
        self.handler = handler
        self.workers = import_workers()
        self.pool: ProcessPoolExecutor | None = None
        self.pending: list[tuple[list[Item], list[Future[list[list[Any]]]]]] = []

    def add(self, items: list[Item]) -> None:
        if not items:
            return
        if not self.workers or len(items) < PARALLEL_MIN_ROWS:
            self.flush()
            self.handler.insert(items)
            return
        if self.pool is None:
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("fork")
            )
        actor_id = getattr(self.handler.ctx.actor, "pk", None)
        payload = [(i.data["input"], i.grid.pk, stored_fields(i)) for i in items]  # type: ignore[union-attr]
        size = -(-len(payload) // self.workers)
        futures = [
            self.pool.submit(seal_values, actor_id, payload[start : start + size])
            for start in range(0, len(payload), size)
        ]
        self.pending.append((items, futures))
        while len(self.pending) > 1:
            self._write(self.pending.pop(0))

    def flush(self) -> None:
        while self.pending:
            self._write(self.pending.pop(0))

    def _write(self, entry: tuple[list[Item], list[Future[list[list[Any]]]]]) -> None:
        items, futures = entry
        rows = [row for future in futures for row in future.result()]
        if self.handler.ctx.writing:  # a later batch may have failed: then nothing is written
            self.handler.insert_sealed(items, rows)

    def close(self) -> None:
        self.pending = []
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


class PersonHandler(Handler):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.sealing = SealingPipeline(self)
        self.tags: dict[str, int] = {}
        self.tag_names: dict[int, str] = {}
        for tag in Tag.objects.all():
            self.tags[tag.name] = self.tags[tag.code] = tag.pk
            self.tag_names[tag.pk] = tag.name

    def clean(self, item: Item) -> None:
        parse, data, raw = self.parse, item.data, item.raw
        id_type = parse.choice(item, "id_type", IdType.RESIDENT)
        number = parse.long_digits(item, "id_number")
        phone = parse.long_digits(item, "phone")
        gender = parse.choice(item, "gender")
        birth_date = parse.date(item, "birth_date")
        for key in CHOICE_FIELDS:
            if value := parse.choice(item, key):
                data[key] = value
        for key, length in TEXT_FIELDS.items():
            if value := parse.text(item, key, length):
                data[key] = value
        if raw.get("tags"):
            names = split_tags(raw["tags"])
            unknown = [n for n in names if n not in self.tags]
            if unknown:
                names_text = "、".join(unknown)
                self.ctx.error(item, "tags", f"未知的标签：{names_text}（须为系统中已有的标签）。")
            else:
                data["tags"] = sorted({self.tags[n] for n in names})
        if code := raw.get("grid_code"):
            data["grid_code"] = code
        parse.coordinates(item)
        if id_type is None or (raw.get("id_number") and not number):
            return  # the ID column already has its error
        try:
            person = services.person_input(
                name=raw.get("name", ""),
                id_type=id_type,
                id_number=number,
                gender=gender or "",
                birth_date=birth_date,
                phone=phone,
            )
        except ValidationError as exc:
            self.ctx.validation_errors(item, exc, IDENTITY_FIELDS)
            return
        data["input"] = person
        item.key = protection.id_index(person.id_type, person.id_number)
        # 64 bits of the (already keyed) index identify the person within one file.
        self.first_time(item, (person.id_type, int(item.key[:16], 16)), "id_number", "证件号码")

    def resolve(self, items: list[Item]) -> None:
        resolve_locations(self.ctx, items)
        valid = [i for i in items if i.ok]
        if not valid:
            return
        keys = [(i.data["input"].id_type, i.key) for i in valid]
        query = Person.objects.filter(identity_q(keys)).select_related("grid")
        if self.ctx.writing:
            query = query.select_for_update(of=("self",))
        if any("tags" in i.data for i in valid):
            query = query.prefetch_related("tags")
        existing = {(p.id_type, p.id_index): p for p in query}
        for item in valid:
            person = existing.get((item.data["input"].id_type, item.key))
            if person is not None and self.ctx.may_change(item, person.grid, "该人员"):
                item.existing = person

    def apply(self, items: list[Item]) -> None:
        ctx = self.ctx
        new: list[Item] = []
        changed: list[tuple[Person, list[tuple[str, str, str]], Item]] = []
        for item in items:
            if item.existing is None:
                ctx.created += 1
                new.append(item)
                continue
            changes = self.diff(item)
            if changes:
                ctx.updated += 1
                changed.append((item.existing, changes, item))
            else:
                ctx.unchanged += 1
        if ctx.writing:
            self.sealing.add(new)
            self.update(changed)

    def finish(self) -> None:
        self.sealing.flush()

    def close(self) -> None:
        self.sealing.close()

    # --- comparing -------------------------------------------------------------------------

    def wanted(self, item: Item) -> dict[str, Any]:
        """The stored values this row asks for; blank optional cells ask for nothing."""
        data = item.data
        person = data["input"]
        wanted: dict[str, Any] = {"name": person.name, "grid_id": item.grid.pk}  # type: ignore[union-attr]
        if item.raw.get("gender") or person.gender != Gender.UNKNOWN:
            wanted["gender"] = person.gender
        if person.birth_date is not None:
            wanted["birth_date"] = person.birth_date
        for key in (*CHOICE_FIELDS, *TEXT_FIELDS):
            if key in data:
                wanted[key] = data[key]
        return wanted

    def diff(self, item: Item) -> list[tuple[str, str, str]]:
        person: Person = item.existing
        changes = [
            (key, as_text(getattr(person, key)), as_text(value))
            for key, value in self.wanted(item).items()
            if getattr(person, key) != value
        ]
        new_grid = item.grid.code  # type: ignore[union-attr]
        changes = [
            ("grid", person.grid.code, new_grid) if c[0] == "grid_id" else c for c in changes
        ]
        phone = item.data["input"].phone
        if phone and protection.phone_index(phone) != person.phone_index:
            changes.append(("phone", person.phone_masked, protection.seal_phone(phone).masked))
        if "tags" in item.data:
            old = sorted(t.pk for t in person.tags.all())
            if old != item.data["tags"]:
                changes.append(("tags", self.tag_text(old), self.tag_text(item.data["tags"])))
        return changes

    def tag_text(self, ids: list[int]) -> str:
        return "、".join(sorted(self.tag_names.get(i, str(i)) for i in ids))

    # --- writing ---------------------------------------------------------------------------

    def insert(self, items: list[Item]) -> None:
        """Seal and insert new persons here, in this process."""
        if not items:
            return
        actor = self.ctx.actor
        people = [
            services.person_build(
                data=item.data["input"], grid=item.grid, created_by=actor, **stored_fields(item)
            )
            for item in items
        ]
        insert_rows(self.ctx, Person, people)
        self.link_tags(items, [p.pk for p in people])

    def insert_sealed(self, items: list[Item], rows: list[list[Any]]) -> None:
        """Insert rows a worker process sealed (value lists in concrete-field order)."""
        self.link_tags(items, insert_values(self.ctx, Person, rows))

    def link_tags(self, items: list[Item], pks: list[int]) -> None:
        through = Person.tags.through
        links = [
            through(person_id=pk, tag_id=tag)
            for pk, item in zip(pks, items, strict=True)
            for tag in item.data.get("tags", ())
        ]
        if links:
            through.objects.bulk_create(links, batch_size=INSERT_BATCH)

    def update(self, rows: list[tuple[Person, list[tuple[str, str, str]], Item]]) -> None:
        if not rows:
            return
        fields = {"version", "updated_at"}
        through = Person.tags.through
        retag: dict[int, list[int]] = {}
        for person, changes, item in rows:
            names = {c[0] for c in changes}
            for key, value in self.wanted(item).items():
                if key in names or (key == "grid_id" and "grid" in names):
                    setattr(person, key, value)
                    fields.add(key)
            if "name" in names:
                person.name_pinyin, person.name_initials = services.name_pinyin(person.name)
                fields |= {"name_pinyin", "name_initials"}
            if "phone" in names:
                sealed = protection.seal_phone(item.data["input"].phone)
                person.phone_enc, person.phone_index = sealed.enc, sealed.index
                person.phone_masked = sealed.masked
                fields |= {"phone_enc", "phone_index", "phone_masked"}
            if "tags" in names:
                retag[person.pk] = item.data["tags"]
            person.version += 1  # the row is locked (select_for_update in resolve)
            person.updated_at = self.ctx.now
        Person.objects.bulk_update([r[0] for r in rows], sorted(fields), batch_size=INSERT_BATCH)
        if retag:
            through.objects.filter(person_id__in=list(retag)).delete()
            through.objects.bulk_create(
                [through(person_id=pk, tag_id=tag) for pk, tags in retag.items() for tag in tags]
            )
        change_records(self.ctx, "person", [(r[0].pk, r[1]) for r in rows])
