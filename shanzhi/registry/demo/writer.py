"""Writing the registry demo's grid drafts to the database: persons sealed by
``services.person_build``, then every table filled with plain multi-row inserts
(``RowWriter``)."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.utils import timezone

from .. import protection, services
from ..models import (
    Building,
    House,
    Household,
    HouseholdMember,
    Organisation,
    Person,
    Relation,
    Residence,
    Tag,
)
from .places import DEMO_PREFIX, GridDraft

DEMO_NOTE = "演示数据 synthetic demo data"  # the notes of demo persons and organisations


@contextmanager
def pinyin_memo() -> Iterator[None]:
    """Memoise ``services.name_pinyin`` while the demo builds: a name's pinyin depends only on
    the name, generated names repeat, and pypinyin is the slowest step of ``person_build``."""
    original = services.name_pinyin
    services.name_pinyin = functools.lru_cache(maxsize=200_000)(original)  # type: ignore[assignment]
    try:
        yield
    finally:
        services.name_pinyin = original  # type: ignore[assignment]


@dataclass
class Totals:
    persons: int = 0
    households: int = 0
    buildings: int = 0
    houses: int = 0
    residences: int = 0
    organisations: int = 0

    def add(self, other: Totals) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class RowWriter:
    """Plain multi-row inserts with ids allocated up front: ``COPY`` on PostgreSQL,
    ``executemany`` elsewhere.

    ``bulk_create`` spends most of its time preparing each value of each row through the field
    machinery; at the seed's two million rows that is minutes of the demo's run. The values
    are the same — persons still come from ``services.person_build`` — only the path to the
    table is shorter. Columns a row leaves out get the field's default (``auto_now`` fields:
    now).
    """

    def __init__(self) -> None:
        self.now = timezone.now()
        self.ops = connection.ops

    def ids(self, model: type[models.Model], count: int) -> list[int]:
        if not count:
            return []
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite: the demo's transaction holds the database's write lock.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.ops.quote_name(table)}")  # noqa: S608
            first = cursor.fetchone()[0] + 1
            return list(range(first, first + count))

    def _adapter(self, field: models.Field) -> Any:
        if isinstance(field, models.DateTimeField):
            return self.ops.adapt_datetimefield_value
        if isinstance(field, models.DateField):
            return self.ops.adapt_datefield_value
        if isinstance(field, models.DecimalField):
            return lambda v: self.ops.adapt_decimalfield_value(
                v, field.max_digits, field.decimal_places
            )
        return None

    def insert(self, model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        fields = [
            f for f in model._meta.concrete_fields if f.attname in rows[0] or not f.primary_key
        ]  # without ids in the rows, the database numbers them
        plan = []
        for f in fields:
            adapt = self._adapter(f)
            now = None
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                now = adapt(self.now) if adapt is not None else self.now
            plan.append((f.attname, f.get_default(), now, adapt))
        values = []
        for row in rows:
            out = []
            for attname, default, now, adapt in plan:
                value = row.get(attname, default)
                if value is None:
                    out.append(now)
                elif adapt is not None:
                    out.append(adapt(value))
                else:
                    out.append(value)
            values.append(tuple(out))
        table = self.ops.quote_name(model._meta.db_table)
        columns = ", ".join(self.ops.quote_name(str(f.column)) for f in fields)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
            else:
                marks = ", ".join(["%s"] * len(fields))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)  # noqa: S608


def person_row(person: Person) -> dict[str, Any]:
    return {f.attname: getattr(person, f.attname) for f in Person._meta.concrete_fields}


def write(drafts: list[GridDraft], tags: dict[str, Tag]) -> Totals:
    """Write a group of grid drafts: a handful of multi-row inserts per table."""
    out = RowWriter()
    totals = Totals()
    building_rows: list[dict[str, Any]] = []
    house_rows: list[dict[str, Any]] = []
    houses_of: list[list[dict[str, Any]]] = []  # per draft: its houses, in plan order
    n_buildings = sum(len(d.buildings) for d in drafts)
    building_ids = iter(out.ids(Building, n_buildings))
    house_ids = iter(out.ids(House, sum(len(b.houses) for d in drafts for b in d.buildings)))
    for draft in drafts:
        mine: list[dict[str, Any]] = []
        for plan in draft.buildings:
            building_id = next(building_ids)
            building_rows.append(
                {
                    "id": building_id, "code": plan.code, "name": plan.name,
                    "address": plan.address, "grid_id": draft.grid.pk, "lon": plan.lon,
                    "lat": plan.lat, "floors": plan.floors, "units": plan.units,
                    "use": plan.use, "built_year": plan.built_year,
                }
            )  # fmt: skip
            for unit, floor, room, area in plan.houses:
                unit_text = f"{unit}单元" if unit else ""
                mine.append(
                    {
                        "id": next(house_ids), "building_id": building_id,
                        "grid_id": draft.grid.pk, "unit": unit, "floor": floor, "room": room,
                        "floor_area": area, "status": House.Status.VACANT, "owner_id": None,
                        "address": f"{plan.address}{unit_text}{room}室",
                    }
                )  # fmt: skip
        house_rows += mine
        houses_of.append(mine)

    n_persons = sum(len(h.members) for d in drafts for h in d.households)
    person_ids = iter(out.ids(Person, n_persons))
    person_rows: list[dict[str, Any]] = []
    household_rows: list[dict[str, Any]] = []
    member_rows: list[dict[str, Any]] = []
    residence_rows: list[dict[str, Any]] = []
    tag_rows: list[dict[str, Any]] = []
    n_households = sum(len(d.households) for d in drafts)
    household_ids = iter(out.ids(Household, n_households))
    for draft, houses in zip(drafts, houses_of, strict=True):
        for n, household in enumerate(draft.households):
            house = houses[household.house] if household.house >= 0 else None
            address = house["address"] if house is not None else ""
            household_id = next(household_ids)
            head_id = 0
            for resident in household.members:
                data = services.PersonInput(
                    name=resident.name, id_type=resident.id_type, id_number=resident.id_number,
                    gender=resident.gender, birth_date=resident.born, phone=resident.phone,
                )  # fmt: skip
                person = services.person_build(
                    data=data, grid=draft.grid, residence_category=resident.category,
                    registered_address=address if resident.category == "registered" else "",
                    current_address=address, origin_place=resident.origin,
                    occupation=resident.occupation, political_status=resident.political,
                    notes=DEMO_NOTE,
                )  # fmt: skip
                row = person_row(person)
                row["id"] = person_id = next(person_ids)
                person_rows.append(row)
                head_id = head_id or person_id
                since = max(household.moved_in, resident.born)
                member_rows.append(
                    {
                        "household_id": household_id, "person_id": person_id,
                        "relation": resident.relation, "from_date": since, "to_date": None,
                    }
                )  # fmt: skip
                if house is not None:
                    kind = Residence.Kind.TENANT if household.tenant else Residence.Kind.FAMILY
                    if resident.relation == Relation.HEAD and not household.tenant:
                        kind = Residence.Kind.OWNER
                    residence_rows.append(
                        {
                            "person_id": person_id, "house_id": house["id"], "kind": kind,
                            "from_date": since, "to_date": None,
                        }
                    )  # fmt: skip
                tag_rows += [{"person_id": person_id, "tag_id": tags[t].pk} for t in resident.tags]
            if house is not None:
                if household.tenant:
                    house["status"] = House.Status.RENTED
                elif house["owner_id"] is None:
                    house["owner_id"] = head_id
                    house["status"] = House.Status.SELF_OCCUPIED
            household_rows.append(
                {
                    "id": household_id,
                    "number": f"{DEMO_PREFIX}{draft.grid.code}-H{n + 1:04d}",
                    "head_id": head_id, "house_id": house["id"] if house else None,
                    "address": address, "grid_id": draft.grid.pk,
                }
            )  # fmt: skip

    organisation_rows = []
    for draft in drafts:
        for org in draft.organisations:
            org = dict(org)
            sealed = protection.seal_phone(org.pop("contact_phone"))
            organisation_rows.append(
                {
                    **org, "grid_id": draft.grid.pk, "notes": DEMO_NOTE,
                    "contact_phone_enc": sealed.enc, "contact_phone_index": sealed.index,
                    "contact_phone_masked": sealed.masked,
                }
            )  # fmt: skip

    out.insert(Building, building_rows)
    out.insert(Person, person_rows)
    out.insert(House, [{k: v for k, v in h.items() if k != "address"} for h in house_rows])
    out.insert(Household, household_rows)
    out.insert(HouseholdMember, member_rows)
    out.insert(Residence, residence_rows)
    out.insert(Person.tags.through, tag_rows)
    out.insert(Organisation, organisation_rows)
    totals.persons, totals.households = len(person_rows), len(household_rows)
    totals.buildings, totals.houses = len(building_rows), len(house_rows)
    totals.residences, totals.organisations = len(residence_rows), len(organisation_rows)
    return totals
