"""Buildings (楼栋, by code), houses (房屋, by building + unit + room) and organisations
(单位, by USCC, else by name + grid)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from .. import identity, protection
from ..identity import IdType
from ..models import Building, House, Organisation, Person
from .base import (
    Handler,
    Item,
    as_text,
    change_records,
    changed,
    identity_q,
    resolve_locations,
)

INSERT_BATCH = 1000


class UpsertHandler(Handler):
    """Natural-key upsert of plain rows: ``wanted(item)`` gives the stored field values a row
    asks for; new rows are created with ``build``, changed ones updated field by field."""

    model: type[models.Model]
    object_type = ""
    what = ""  # "该楼栋", for messages

    def wanted(self, item: Item) -> dict[str, Any]:
        raise NotImplementedError

    def build(self, item: Item) -> models.Model:
        return self.model(**self.wanted(item))

    def extra_changes(self, item: Item) -> list[tuple[str, str, str]]:
        """Changes of sealed fields (compared by blind index), if the kind has any."""
        return []

    def seal(self, obj: Any, item: Item) -> set[str]:
        """Write the sealed fields of ``item`` into ``obj``; the names of the fields set."""
        return set()

    def display(self, key: str, value: Any) -> str:
        if key == "grid_id":
            grid = self.ctx.grids.by_id.get(value)
            return grid.code if grid else as_text(value)
        return as_text(value)

    def apply(self, items: list[Item]) -> None:
        ctx = self.ctx
        new: list[models.Model] = []
        updates: list[tuple[models.Model, list[tuple[str, str, str]]]] = []
        fields: set[str] = set()
        for item in items:
            wanted = self.wanted(item)
            if item.existing is None:
                ctx.created += 1
                if ctx.writing:
                    new.append(self.build(item))
                continue
            obj = item.existing
            changes = []
            for key, value in wanted.items():
                old = getattr(obj, key)
                if changed(old, value):
                    name = key.removesuffix("_id")
                    changes.append((name, self.display(key, old), self.display(key, value)))
                    if ctx.writing:
                        setattr(obj, key, value)
                        fields.add(key)
            extra = self.extra_changes(item)
            if extra:
                changes += extra
                if ctx.writing:
                    fields |= self.seal(obj, item)
            if changes:
                ctx.updated += 1
                updates.append((obj, changes))
            else:
                ctx.unchanged += 1
        if not ctx.writing:
            return
        if new:
            self.model._default_manager.bulk_create(new, batch_size=INSERT_BATCH)
        if updates:
            for obj, _ in updates:
                obj.version += 1  # type: ignore[attr-defined]  # locked in resolve
                obj.updated_at = ctx.now  # type: ignore[attr-defined]
            self.model._default_manager.bulk_update(
                [u[0] for u in updates],
                sorted(fields | {"version", "updated_at"}),
                batch_size=INSERT_BATCH,
            )
            change_records(ctx, self.object_type, [(u[0].pk, u[1]) for u in updates])

    def existing(self, query: models.QuerySet) -> models.QuerySet:
        query = query.select_related("grid")
        if self.ctx.writing:
            query = query.select_for_update(of=("self",))
        return query


class BuildingHandler(UpsertHandler):
    model = Building
    object_type = "building"
    what = "该楼栋"

    def clean(self, item: Item) -> None:
        parse, data = self.parse, item.data
        data["code"] = parse.text(item, "code", 40)
        data["name"] = parse.text(item, "name", 100)
        data["address"] = parse.text(item, "address", 200)
        for key in ("code", "name", "address"):
            if not data[key]:
                self.ctx.error(item, key, "必填，不能为空。")
        if code := item.raw.get("grid_code"):
            data["grid_code"] = code
        parse.coordinates(item)
        data["floors"] = parse.integer(item, "floors", 1, 200)
        data["units"] = parse.integer(item, "units", 1, 100)
        data["use"] = parse.choice(item, "use")
        this_year = self.ctx.today.year
        data["built_year"] = parse.integer(item, "built_year", 1800, this_year)
        if item.ok:
            self.first_time(item, data["code"], "code", "楼栋编码")

    def resolve(self, items: list[Item]) -> None:
        resolve_locations(self.ctx, items)
        valid = [i for i in items if i.ok]
        query = Building.objects.filter(code__in=[i.data["code"] for i in valid])
        found = {b.code: b for b in self.existing(query)}
        for item in valid:
            building = found.get(item.data["code"])
            if building is not None and self.ctx.may_change(item, building.grid, self.what):
                item.existing = building

    def wanted(self, item: Item) -> dict[str, Any]:
        data = item.data
        wanted: dict[str, Any] = {
            "code": data["code"],
            "name": data["name"],
            "address": data["address"],
            "grid_id": item.grid.pk,  # type: ignore[union-attr]
        }
        if item.lon is not None:
            wanted.update(lon=item.lon, lat=item.lat)
        for key in ("floors", "units", "use", "built_year"):
            if data.get(key):
                wanted[key] = data[key]
        return wanted


class HouseHandler(UpsertHandler):
    model = House
    object_type = "house"
    what = "该房屋"

    def clean(self, item: Item) -> None:
        parse, data = self.parse, item.data
        data["building_code"] = parse.text(item, "building_code", 40)
        data["unit"] = parse.text(item, "unit", 10)
        data["room"] = parse.text(item, "room", 20)
        for key in ("building_code", "room"):
            if not data[key]:
                self.ctx.error(item, key, "必填，不能为空。")
        data["floor"] = parse.integer(item, "floor", -5, 200)
        data["floor_area"] = parse.decimal(item, "floor_area", 2, Decimal("10000000"))
        data["use"] = parse.choice(item, "use")
        data["status"] = parse.choice(item, "status")
        owner_type = parse.choice(item, "owner_id_type", IdType.RESIDENT)
        owner_number = parse.long_digits(item, "owner_id_number")
        if owner_number and owner_type:
            try:
                parsed = identity.parse_identity(owner_type, owner_number)
            except ValidationError as exc:
                self.ctx.error(item, "owner_id_number", exc.messages[0])
            else:
                data["owner_key"] = (owner_type, protection.id_index(owner_type, parsed.number))
        if item.ok:
            key = (data["building_code"], data["unit"], data["room"])
            self.first_time(item, key, "room", "楼栋、单元、室号")

    def resolve(self, items: list[Item]) -> None:
        ctx = self.ctx
        valid = [i for i in items if i.ok]
        codes = {i.data["building_code"] for i in valid}
        query = Building.objects.filter(code__in=codes).select_related("grid")
        buildings = {b.code: b for b in query}
        owners = {
            (p.id_type, p.id_index): p
            for p in Person.objects.filter(
                identity_q(i.data["owner_key"] for i in valid if "owner_key" in i.data)
            ).select_related("grid")
        }
        for item in valid:
            building = buildings.get(item.data["building_code"])
            if building is None:
                ctx.error(item, "building_code", "楼栋编码不存在，请先导入楼栋。")
                continue
            if not ctx.check_grid(item, building.grid, "building_code"):
                continue
            floor = item.data["floor"]
            if floor is not None and floor > building.floors:
                ctx.error(item, "floor", f"楼层超出楼栋总层数（{building.floors} 层）。")
                continue
            item.data["building"], item.grid = building, building.grid
            if "owner_key" in item.data:
                owner = owners.get(item.data["owner_key"])
                visible = owner is not None and (
                    ctx.scope is None or ctx.scope.contains_path(owner.grid.path)
                )
                if owner is None or not visible:
                    message = "产权人未登记或不在您的管辖范围内，请先导入人员。"
                    ctx.error(item, "owner_id_number", message)
                    continue
                item.data["owner_id"] = owner.pk
        valid = [i for i in valid if i.ok]
        if not valid:
            return
        wanted = {(i.data["building"].pk, i.data["unit"], i.data["room"]) for i in valid}
        query = House.objects.filter(
            building_id__in={k[0] for k in wanted}, room__in={k[2] for k in wanted}
        )
        found = {(h.building_id, h.unit, h.room): h for h in self.existing(query)}
        for item in valid:
            house = found.get((item.data["building"].pk, item.data["unit"], item.data["room"]))
            if house is not None and ctx.may_change(item, house.grid, self.what):
                item.existing = house

    def wanted(self, item: Item) -> dict[str, Any]:
        data = item.data
        building = data["building"]
        wanted: dict[str, Any] = {
            "building_id": building.pk,
            "grid_id": building.grid_id,
            "unit": data["unit"],
            "room": data["room"],
        }
        for key in ("floor", "floor_area", "use", "status", "owner_id"):
            if data.get(key) is not None and data.get(key) != "":
                wanted[key] = data[key]
        return wanted

    def display(self, key: str, value: Any) -> str:
        if key == "building_id":
            return as_text(value)
        if key == "owner_id" and value:
            return f"#{value}"
        return super().display(key, value)


class OrganisationHandler(UpsertHandler):
    model = Organisation
    object_type = "organisation"
    what = "该单位"

    def clean(self, item: Item) -> None:
        parse, data = self.parse, item.data
        data["name"] = parse.text(item, "name", 200)
        data["address"] = parse.text(item, "address", 200)
        for key in ("name", "address"):
            if not data[key]:
                self.ctx.error(item, key, "必填，不能为空。")
        data["kind"] = parse.choice(item, "kind")
        if not item.raw.get("kind"):
            self.ctx.error(item, "kind", "必填，不能为空。")
        if uscc := parse.long_digits(item, "uscc"):
            try:
                data["uscc"] = identity.normalise_uscc(uscc)
            except ValidationError as exc:
                self.ctx.error(item, "uscc", exc.messages[0])
        if phone := parse.long_digits(item, "contact_phone"):
            try:
                data["contact_phone"] = identity.normalise_mobile(phone)
            except ValidationError as exc:
                self.ctx.error(item, "contact_phone", exc.messages[0])
        for key, length in (("legal_representative", 50), ("contact_name", 50), ("notes", 2000)):
            data[key] = parse.text(item, key, length)
        data["employees"] = parse.integer(item, "employees", 0, 10_000_000)
        if code := item.raw.get("grid_code"):
            data["grid_code"] = code
        parse.coordinates(item)

    def resolve(self, items: list[Item]) -> None:
        ctx = self.ctx
        resolve_locations(ctx, items)
        valid = []
        for item in items:
            if not item.ok:
                continue
            uscc = item.data.get("uscc")
            key = ("uscc", uscc) if uscc else ("name", item.data["name"], item.grid.pk)  # type: ignore[union-attr]
            what = "统一社会信用代码" if uscc else "单位名称（同一网格内）"
            if self.first_time(item, key, "uscc" if uscc else "name", what):
                valid.append(item)
        codes = [i.data["uscc"] for i in valid if "uscc" in i.data]
        by_uscc = {o.uscc: o for o in self.existing(Organisation.objects.filter(uscc__in=codes))}
        plain = [i for i in valid if "uscc" not in i.data]
        by_name: dict[tuple[str, int], list[Organisation]] = {}
        if plain:
            query = Organisation.objects.filter(
                uscc__isnull=True,
                name__in={i.data["name"] for i in plain},
                grid_id__in={i.grid.pk for i in plain},  # type: ignore[union-attr]
            )
            for org in self.existing(query):
                by_name.setdefault((org.name, org.grid_id), []).append(org)
        for item in valid:
            if "uscc" in item.data:
                org = by_uscc.get(item.data["uscc"])
            else:
                same = by_name.get((item.data["name"], item.grid.pk), [])  # type: ignore[union-attr]
                if len(same) > 1:
                    message = (
                        "该网格内已有多个同名单位，无法确定要更新哪一个，请填写统一社会信用代码。"
                    )
                    ctx.error(item, "name", message)
                    continue
                org = same[0] if same else None
            if org is not None and ctx.may_change(item, org.grid, self.what):
                item.existing = org

    def wanted(self, item: Item) -> dict[str, Any]:
        data = item.data
        wanted: dict[str, Any] = {
            "name": data["name"],
            "kind": data["kind"],
            "address": data["address"],
            "grid_id": item.grid.pk,  # type: ignore[union-attr]
        }
        if data.get("uscc"):
            wanted["uscc"] = data["uscc"]
        if item.lon is not None:
            wanted.update(lon=item.lon, lat=item.lat)
        for key in ("legal_representative", "contact_name", "notes", "employees"):
            if data.get(key) not in (None, ""):
                wanted[key] = data[key]
        return wanted

    def build(self, item: Item) -> models.Model:
        org = Organisation(**self.wanted(item))
        self.seal(org, item)
        return org

    def extra_changes(self, item: Item) -> list[tuple[str, str, str]]:
        """The contact phone is compared by its blind index, never in clear."""
        phone, org = item.data.get("contact_phone", ""), item.existing
        if not phone or protection.phone_index(phone) == org.contact_phone_index:
            return []
        return [("contact_phone", org.contact_phone_masked, identity.mask_phone(phone))]

    def seal(self, org: Any, item: Item) -> set[str]:
        sealed = protection.seal_phone(item.data.get("contact_phone", ""))
        org.contact_phone_enc, org.contact_phone_index = sealed.enc, sealed.index
        org.contact_phone_masked = sealed.masked
        return {"contact_phone_enc", "contact_phone_index", "contact_phone_masked"}
