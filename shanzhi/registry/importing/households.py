"""Households (户): one row per member, grouped by 户号. A new household needs exactly one
户主 row; the household's address, house and grid are read from that row. Members must be
registered persons and not current members of another household. Upsert by 户号: an existing
household gets its changed fields updated and its missing members added; nothing is removed.

Rows of one household may be anywhere in the file, so validation keeps a small plan per
household (numbers and ids, not rows) and the checks that span rows, and the writes, happen in
``finish`` — still inside the one commit transaction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from .. import identity, protection
from ..identity import IdType
from ..models import House, Household, HouseholdMember, Person, Relation
from .base import Context, Handler, Item, as_text, change_records, identity_q

RELATION_LABELS = dict(Relation.choices)


@dataclass
class Member:
    row: int
    person_id: int
    person_name: str
    relation: str
    from_date: datetime.date
    current_relation: str | None  # relation if already a current member of this household


@dataclass
class Plan:
    number: str
    existing: Household | None = None
    head_rows: list[int] = field(default_factory=list)
    head_person_id: int | None = None
    head_grid_id: int | None = None
    address: str | None = None
    house_id: int | None = None
    house_grid_id: int | None = None
    grid_id: int | None = None  # given explicitly on the head row
    members: list[Member] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


class HouseholdHandler(Handler):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.plans: dict[str, Plan] = {}

    def clean(self, item: Item) -> None:
        parse, data = self.parse, item.data
        data["number"] = parse.text(item, "number", 40)
        if not data["number"]:
            self.ctx.error(item, "number", "必填，不能为空。")
        data["relation"] = parse.choice(item, "relation")
        if not item.raw.get("relation"):
            self.ctx.error(item, "relation", "必填，不能为空。")
        data["address"] = parse.text(item, "address", 200)
        data["name"] = item.raw.get("name", "")
        data["from_date"] = parse.date(item, "from_date") or self.ctx.today
        if data["from_date"] > self.ctx.today:
            self.ctx.error(item, "from_date", "入户日期不能晚于今天。")
        if building := item.raw.get("building_code"):
            if not item.raw.get("room"):
                self.ctx.error(item, "room", "填写楼栋编码时须同时填写室号。")
            data["house_key"] = (building, item.raw.get("unit", ""), item.raw.get("room", ""))
        if code := item.raw.get("grid_code"):
            data["grid_code"] = code
        id_type = parse.choice(item, "id_type", IdType.RESIDENT)
        number = parse.long_digits(item, "id_number")
        if not id_type or not number:
            if not item.raw.get("id_number"):
                self.ctx.error(item, "id_number", "必填，不能为空。")
            return
        try:
            parsed = identity.parse_identity(id_type, number)
        except ValidationError as exc:
            self.ctx.error(item, "id_number", exc.messages[0])
            return
        item.key = (id_type, protection.id_index(id_type, parsed.number))
        self.first_time(item, item.key, "id_number", "成员证件号码")

    def resolve(self, items: list[Item]) -> None:
        ctx = self.ctx
        valid = [i for i in items if i.ok]
        if not valid:
            return
        persons = {
            (p.id_type, p.id_index): p
            for p in Person.objects.filter(identity_q(i.key for i in valid)).select_related("grid")
        }
        memberships = {
            m.person_id: m
            for m in HouseholdMember.objects.filter(
                person__in=list(persons.values()), to_date__isnull=True
            ).select_related("household")
        }
        numbers = {i.data["number"] for i in valid} - set(self.plans)
        for household in Household.objects.filter(number__in=numbers).select_related("grid"):
            self.plans[household.number] = Plan(household.number, existing=household)
        houses = self._houses({i.data["house_key"] for i in valid if "house_key" in i.data})
        ctx.grids.load_codes(i.data["grid_code"] for i in valid if "grid_code" in i.data)
        for item in valid:
            self._plan_row(item, persons, memberships, houses)

    def _houses(self, keys: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], House]:
        if not keys:
            return {}
        query = House.objects.filter(
            building__code__in={k[0] for k in keys}, room__in={k[2] for k in keys}
        ).select_related("building", "grid")
        return {(h.building.code, h.unit, h.room): h for h in query}

    def _plan_row(
        self,
        item: Item,
        persons: dict[tuple[str, str], Person],
        memberships: dict[int, HouseholdMember],
        houses: dict[tuple[str, str, str], House],
    ) -> None:
        ctx, data = self.ctx, item.data
        person = persons.get(item.key)
        in_scope = person is not None and (
            ctx.scope is None or ctx.scope.contains_path(person.grid.path)
        )
        if person is None or not in_scope:
            ctx.error(
                item, "id_number", "该证件号码的人员未登记或不在您的管辖范围内，请先导入人员。"
            )
            return
        if data["name"] and data["name"] != person.name:
            ctx.error(item, "name", "姓名与该证件号码登记的姓名不一致。")
            return
        plan = self.plans.setdefault(data["number"], Plan(data["number"]))
        if plan.existing is not None and not ctx.may_change(item, plan.existing.grid, "该户"):
            return
        membership = memberships.get(person.pk)
        current = None
        if membership is not None:
            if membership.household.number != data["number"]:
                ctx.error(
                    item,
                    "id_number",
                    f"此人已在户 {membership.household.number} 中，请先在系统中办理迁出。",
                )
                return
            current = membership.relation
        if data["relation"] == Relation.HEAD:
            if not self._plan_head(item, plan, person, houses):
                return
        plan.rows.append(item.row)
        plan.members.append(
            Member(item.row, person.pk, person.name, data["relation"], data["from_date"], current)
        )

    def _plan_head(
        self, item: Item, plan: Plan, person: Person, houses: dict[tuple[str, str, str], House]
    ) -> bool:
        ctx, data = self.ctx, item.data
        if plan.existing is not None and plan.existing.head_id != person.pk:
            ctx.error(item, "relation", f"户 {plan.number} 已有户主，户主变更请在系统中办理。")
            return False
        if "house_key" in data:
            house = houses.get(data["house_key"])
            if house is None:
                ctx.error(item, "building_code", "找不到该楼栋、单元、室号的房屋，请先导入房屋。")
                return False
            if not ctx.check_grid(item, house.grid, "building_code"):
                return False
            plan.house_id, plan.house_grid_id = house.pk, house.grid_id
        if "grid_code" in data:
            grid = ctx.grids.by_code.get(data["grid_code"])
            if grid is None:
                ctx.error(item, "grid_code", f"网格编码 {data['grid_code']} 不存在。")
                return False
            if not ctx.check_grid(item, grid):
                return False
            plan.grid_id = grid.pk
        plan.head_rows.append(item.row)
        plan.head_person_id, plan.head_grid_id = person.pk, person.grid_id
        if data["address"]:
            plan.address = data["address"]
        return True

    # --- after the last row -----------------------------------------------------------------

    def finish(self) -> None:
        ctx = self.ctx
        for plan in self.plans.values():
            if not plan.rows and not plan.head_rows:
                continue  # an existing household none of whose rows survived validation
            if len(plan.head_rows) > 1:
                for row in plan.head_rows[1:]:
                    ctx.error(Item(row, {}), "relation", f"户 {plan.number} 有多个“户主”行。")
            elif plan.existing is None and not plan.head_rows:
                for row in plan.rows:
                    ctx.error(Item(row, {}), "relation", f"新户 {plan.number} 缺少“户主”行。")
        if ctx.error_count:
            return
        new: list[Plan] = []
        for plan in self.plans.values():
            if not plan.members:
                continue
            if plan.existing is None:
                ctx.created += 1
                new.append(plan)
            elif self._changes(plan):
                ctx.updated += 1
            else:
                ctx.unchanged += 1
        if ctx.writing:
            self._write(new)

    def _grid_id(self, plan: Plan) -> int | None:
        return plan.grid_id or plan.house_grid_id or plan.head_grid_id

    def _changes(self, plan: Plan) -> list[tuple[str, str, str]]:
        household = plan.existing
        if household is None:
            return []
        changes = []
        if plan.address is not None and plan.address != household.address:
            changes.append(("address", household.address, plan.address))
        if plan.house_id is not None and plan.house_id != household.house_id:
            changes.append(("house", as_text(household.house_id), as_text(plan.house_id)))
        explicit_grid = plan.grid_id or plan.house_grid_id
        if explicit_grid is not None and explicit_grid != household.grid_id:
            changes.append(("grid", as_text(household.grid_id), as_text(explicit_grid)))
        for member in plan.members:
            label = RELATION_LABELS[member.relation]
            if member.current_relation is None:
                changes.append(("member", "", f"{member.person_name}（{label}）"))
            elif member.current_relation != member.relation:
                old = RELATION_LABELS.get(member.current_relation, member.current_relation)
                name = member.person_name
                changes.append(("member", f"{name}（{old}）", f"{name}（{label}）"))
        return changes

    def _write(self, new: list[Plan]) -> None:
        ctx = self.ctx
        households = [
            Household(
                number=plan.number,
                head_id=plan.head_person_id,
                house_id=plan.house_id,
                address=plan.address or "",
                grid_id=self._grid_id(plan),
            )
            for plan in new
        ]
        Household.objects.bulk_create(households, batch_size=1000)
        for plan, household in zip(new, households, strict=True):
            plan.existing = household
        members: list[HouseholdMember] = []
        relation_updates: list[HouseholdMember] = []
        records: list[tuple[int, list[tuple[str, str, str]]]] = []
        changed: list[Household] = []
        current = {
            (m.household_id, m.person_id): m
            for m in HouseholdMember.objects.filter(
                household__in=[p.existing for p in self.plans.values() if p.existing is not None],
                to_date__isnull=True,
            )
        }
        new_numbers = {plan.number for plan in new}
        for plan in self.plans.values():
            household = plan.existing
            if household is None or not plan.members:
                continue
            if plan.number not in new_numbers:
                changes = self._changes(plan)
                if not changes:
                    continue
                records.append((household.pk, changes))
                if plan.address is not None:
                    household.address = plan.address
                if plan.house_id is not None:
                    household.house_id = plan.house_id
                household.grid_id = plan.grid_id or plan.house_grid_id or household.grid_id
                household.version += 1
                household.updated_at = ctx.now
                changed.append(household)
            for member in plan.members:
                if member.current_relation is None:
                    members.append(
                        HouseholdMember(
                            household=household,
                            person_id=member.person_id,
                            relation=member.relation,
                            from_date=member.from_date,
                        )
                    )
                elif member.current_relation != member.relation:
                    row = current[(household.pk, member.person_id)]
                    row.relation = member.relation
                    relation_updates.append(row)
        HouseholdMember.objects.bulk_create(members, batch_size=1000)
        if relation_updates:
            HouseholdMember.objects.bulk_update(relation_updates, ["relation"], batch_size=1000)
        if changed:
            fields = ["address", "house_id", "grid_id", "version", "updated_at"]
            Household.objects.bulk_update(changed, fields, batch_size=1000)
        change_records(ctx, "household", records)

    def apply(self, items: list[Item]) -> None:
        return None  # everything is written in finish()
