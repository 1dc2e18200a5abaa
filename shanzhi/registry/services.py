"""Writes to the registry. Every create, update and unmask goes through here."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from pypinyin import Style, lazy_pinyin

from shanzhi.accounts.scope import scope_for
from shanzhi.areas.models import Area, GridKind, Level
from shanzhi.areas.services import StaleEdit
from shanzhi.core.audit import audit_record

from . import identity, protection
from .identity import Gender
from .models import (
    Building,
    ChangeRecord,
    House,
    Household,
    HouseholdMember,
    Organisation,
    Person,
    PersonStatus,
    Relation,
    Residence,
    Tag,
)

UNMASK_PERMISSION = "registry.unmask_personal_data"


@functools.lru_cache(maxsize=100_000)
def name_pinyin(name: str) -> tuple[str, str]:
    """(full pinyin, initials), lower-case without separators: 张三 → ("zhangsan", "zs").
    Cached: names repeat, and a bulk import builds hundreds of thousands of them."""
    syllables = lazy_pinyin(name, errors="ignore")
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(syllables).lower()[:120], "".join(initials).lower()[:30]


def require_grid_in_scope(*, actor: Any, grid: Area, capability: str = "registry.collect") -> None:
    """The actor may write registry data in ``grid``; raises PermissionDenied otherwise."""
    if grid.level != Level.GRID or grid.kind != GridKind.BASIC:
        raise ValidationError({"grid": "人员、房屋、单位须落在基础网格内。"})
    if actor is None:  # system jobs (demo, operator commands run with --area checks)
        return
    scope = scope_for(actor)
    if not scope.can(capability) or not scope.contains_path(grid.path):
        raise PermissionDenied("该网格不在您的管辖范围内。")


@dataclass(frozen=True)
class PersonInput:
    """A validated, normalised person as the services store it (used by forms and imports)."""

    name: str
    id_type: str
    id_number: str
    gender: str
    birth_date: datetime.date | None
    phone: str


def person_input(
    *,
    name: str,
    id_type: str,
    id_number: str,
    gender: str = "",
    birth_date: datetime.date | None = None,
    phone: str = "",
) -> PersonInput:
    """Validate and normalise the identifying fields; errors keyed by field, in Chinese."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["姓名不能为空。"]
    elif len(name) > 50:
        errors["name"] = ["姓名过长（最多 50 个字符）。"]
    parsed = None
    try:
        parsed = identity.parse_identity(id_type, id_number)
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    normal_phone = _normalised(errors, "phone", phone, identity.normalise_mobile, "")
    if errors or parsed is None:
        raise ValidationError(errors)
    derived_gender = parsed.gender if parsed.gender != Gender.UNKNOWN else ""
    if gender and derived_gender and gender != derived_gender:
        raise ValidationError({"gender": ["性别与身份证号码不一致。"]})
    if birth_date and parsed.birth_date and birth_date != parsed.birth_date:
        raise ValidationError({"birth_date": ["出生日期与身份证号码不一致。"]})
    return PersonInput(
        name=name,
        id_type=id_type,
        id_number=parsed.number,
        gender=gender or derived_gender or Gender.UNKNOWN,
        birth_date=birth_date or parsed.birth_date,
        phone=normal_phone,
    )


DUPLICATE_MESSAGE = "该证件号码已登记，不能重复登记同一人。"


def person_build(*, data: PersonInput, grid: Area, **fields: Any) -> Person:
    """An unsaved Person with sensitive fields sealed (for create and bulk import)."""
    sealed_id = protection.seal_id(data.id_type, data.id_number)
    sealed_phone = protection.seal_phone(data.phone)
    full, initials = name_pinyin(data.name)
    return Person(
        name=data.name,
        name_pinyin=full,
        name_initials=initials,
        gender=data.gender,
        birth_date=data.birth_date,
        id_type=data.id_type,
        id_number_enc=sealed_id.enc,
        id_index=sealed_id.index,
        id_masked=sealed_id.masked,
        phone_enc=sealed_phone.enc,
        phone_index=sealed_phone.index,
        phone_masked=sealed_phone.masked,
        grid=grid,
        **fields,
    )


@transaction.atomic
def person_create(
    *,
    actor: Any,
    grid: Area,
    data: PersonInput,
    tags: Iterable[Tag] = (),
    **fields: Any,
) -> Person:
    """Register a person. A second registration of the same document is refused, also
    under concurrency: the database's unique (id_type, id_index) decides."""
    require_grid_in_scope(actor=actor, grid=grid)
    person = person_build(data=data, grid=grid, created_by=actor, **fields)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:
        raise ValidationError({"id_number": [DUPLICATE_MESSAGE]}, code="duplicate") from exc
    if tags:
        person.tags.set(tags)
    audit_record(action="registry.person_create", actor=actor, obj=person)
    return person


@transaction.atomic
def person_collect(
    *,
    actor: Any,
    grid: Area,
    data: PersonInput,
    tags: Iterable[Tag] = (),
    house: House | None = None,
    residence_kind: str = "family",
    from_date: datetime.date | None = None,
    **fields: Any,
) -> Person:
    """A grid worker's collection form: register a person and, if a house is given, start
    their 人房关联 there today — both or neither."""
    if house is not None and house.grid_id != grid.pk:
        raise ValidationError({"house": ["所选房屋不在该网格内。"]})
    person = person_create(actor=actor, grid=grid, data=data, tags=tags, **fields)
    if house is not None:
        residence_start(
            actor=actor,
            person=person,
            house=house,
            kind=residence_kind,
            from_date=from_date or timezone.localdate(),
        )
    return person


# Fields a person update may change directly (the identity and phone go through sealing).
EDITABLE_FIELDS = (
    "name",
    "ethnicity",
    "residence_category",
    "registered_address",
    "current_address",
    "origin_place",
    "occupation",
    "employer",
    "political_status",
    "notes",
    "status",
    "birth_date",
    "gender",
)


def _record_changes(
    *,
    actor: Any,
    changes: list[tuple[str, str, str]],
    person: Person | None = None,
    obj: Any = None,
    object_type: str = "person",
) -> None:
    """One ChangeRecord per changed field (field, old, new) of ``person`` or ``obj``."""
    target = person if person is not None else obj
    ChangeRecord.objects.bulk_create(
        ChangeRecord(
            object_type=object_type,
            object_id=target.pk,
            field=field,
            old_value=old,
            new_value=new,
            actor=actor,
        )
        for field, old, new in changes
    )


@transaction.atomic
def person_update(
    *,
    actor: Any,
    person: Person,
    version: int,
    grid: Area | None = None,
    phone: str | None = None,
    tags: Iterable[Tag] | None = None,
    **fields: Any,
) -> Person:
    """Change a person if ``version`` is current (else StaleEdit → 409); every changed field
    gets a ChangeRecord (sensitive values masked)."""
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if locked.version != version:
        raise StaleEdit("该人员信息已被他人修改，请刷新后重试。")
    require_grid_in_scope(actor=actor, grid=locked.grid)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({f: ["该字段不可修改。"] for f in sorted(unknown)})
    changes: list[tuple[str, str, str]] = []
    update_fields = ["version", "updated_at"]
    for field, value in fields.items():
        old = getattr(locked, field)
        if field == "name":
            value = (value or "").strip()
            if not value:
                raise ValidationError({"name": ["姓名不能为空。"]})
        if old != value:
            changes.append(
                (field, "" if old is None else str(old), "" if value is None else str(value))
            )
            setattr(locked, field, value)
            update_fields.append(field)
    if "name" in update_fields:
        locked.name_pinyin, locked.name_initials = name_pinyin(locked.name)
        update_fields += ["name_pinyin", "name_initials"]
    if phone is not None:
        normal = identity.normalise_mobile(phone) if phone else ""
        new_index = protection.phone_index(normal) if normal else ""
        if new_index != locked.phone_index:
            sealed = protection.seal_phone(normal)
            changes.append(("phone", locked.phone_masked, sealed.masked))
            locked.phone_enc, locked.phone_index, locked.phone_masked = (
                sealed.enc,
                sealed.index,
                sealed.masked,
            )
            update_fields += ["phone_enc", "phone_index", "phone_masked"]
    if grid is not None and grid.pk != locked.grid_id:
        require_grid_in_scope(actor=actor, grid=grid)
        changes.append(("grid", locked.grid.code, grid.code))
        locked.grid = grid
        update_fields.append("grid")
    if tags is not None:
        new_tags = sorted(t.name for t in tags)
        old_tags = sorted(locked.tags.values_list("name", flat=True))
        if new_tags != old_tags:
            locked.tags.set(tags)
            changes.append(("tags", "、".join(old_tags), "、".join(new_tags)))
    if not changes:
        return locked
    locked.version = F("version") + 1  # type: ignore[assignment]
    locked.save(update_fields=update_fields)
    locked.refresh_from_db()
    _record_changes(actor=actor, person=locked, changes=changes)
    audit_record(
        action="registry.person_update",
        actor=actor,
        obj=locked,
        detail={"fields": [c[0] for c in changes]},
    )
    return locked


def person_unmask(
    *, actor: Any, person: Person, field: str, reason: str, request: Any = None
) -> str:
    """The clear ID number or phone, for an actor with the unmask permission and a reason.
    Every call — granted or refused — is in the audit log."""
    reason = (reason or "").strip()
    if field not in ("id_number", "phone"):
        raise ValidationError({"field": ["只能查看证件号码或联系电话。"]})
    scope = scope_for(actor)
    allowed = (
        actor is not None
        and actor.has_perm(UNMASK_PERMISSION)
        and scope.can("registry.view")
        and scope.contains_path(person.grid.path)
    )
    if not allowed:
        audit_record(
            action="registry.unmask",
            actor=actor,
            request=request,
            obj=person,
            outcome="denied",
            reason=reason,
            detail={"field": field},
        )
        raise PermissionDenied("您没有查看完整个人信息的权限。")
    if len(reason) < 4:
        raise ValidationError({"reason": ["请填写查看事由（至少 4 个字）。"]})
    audit_record(
        action="registry.unmask",
        actor=actor,
        request=request,
        obj=person,
        reason=reason,
        detail={"field": field},
    )
    if field == "id_number":
        return protection.reveal_id(person.id_number_enc)
    return protection.reveal_phone(person.phone_enc)


def person_set_status(*, actor: Any, person: Person, version: int, status: str) -> Person:
    if status not in PersonStatus.values:
        raise ValidationError({"status": ["未知的人员状态。"]})
    return person_update(actor=actor, person=person, version=version, status=status)


# --- Buildings, houses, households, residences, organisations ---------------------------------


_Empty = TypeVar("_Empty", str, None)


def _normalised(
    errors: dict[str, list[str]],
    field: str,
    value: str | None,
    normalise: Callable[[str], str],
    empty: _Empty,
) -> str | _Empty:
    """``normalise(value)`` for a value given, ``empty`` for none; a refusal is recorded in
    ``errors[field]`` (and ``empty`` returned) so every field's errors come back at once."""
    if not value:
        return empty
    try:
        return normalise(value)
    except ValidationError as exc:
        errors[field] = exc.messages
        return empty


def _save_unique(obj: Any, message: dict[str, list[str]]) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ValidationError(message, code="duplicate") from exc


@transaction.atomic
def building_create(
    *,
    actor: Any,
    grid: Area,
    code: str,
    name: str,
    address: str,
    lon: float | None = None,
    lat: float | None = None,
    **fields: Any,
) -> Building:
    require_grid_in_scope(actor=actor, grid=grid)
    if not code.strip() or not name.strip():
        raise ValidationError({"code": ["楼栋编码和名称不能为空。"]})
    building = Building(
        grid=grid,
        code=code.strip(),
        name=name.strip(),
        address=address,
        lon=lon,
        lat=lat,
        **fields,
    )
    _save_unique(building, {"code": [f"楼栋编码 {code} 已存在。"]})
    audit_record(action="registry.building_create", actor=actor, obj=building)
    return building


@transaction.atomic
def house_create(
    *,
    actor: Any,
    building: Building,
    room: str,
    unit: str = "",
    floor: int = 1,
    owner: Person | None = None,
    **fields: Any,
) -> House:
    require_grid_in_scope(actor=actor, grid=building.grid)
    if not room.strip():
        raise ValidationError({"room": ["室号不能为空。"]})
    if floor > building.floors:
        raise ValidationError({"floor": [f"楼层超出楼栋总层数（{building.floors} 层）。"]})
    house = House(
        building=building,
        grid=building.grid,
        room=room.strip(),
        unit=unit.strip(),
        floor=floor,
        owner=owner,
        **fields,
    )
    _save_unique(house, {"room": ["该楼栋已有相同单元、室号的房屋。"]})
    audit_record(action="registry.house_create", actor=actor, obj=house)
    return house


@transaction.atomic
def residence_start(
    *,
    actor: Any,
    person: Person,
    house: House,
    kind: str,
    from_date: datetime.date,
) -> Residence:
    """人房关联: the person lives in the house from ``from_date`` (history is kept)."""
    require_grid_in_scope(actor=actor, grid=house.grid)
    if kind not in Residence.Kind.values:
        raise ValidationError({"kind": ["未知的人房关系。"]})
    residence = Residence(person=person, house=house, kind=kind, from_date=from_date)
    _save_unique(residence, {"house": ["此人已登记居住在该房屋。"]})
    audit_record(action="registry.residence_start", actor=actor, obj=residence)
    return residence


@transaction.atomic
def residence_end(*, actor: Any, residence: Residence, to_date: datetime.date) -> Residence:
    require_grid_in_scope(actor=actor, grid=residence.house.grid)
    if to_date < residence.from_date:
        raise ValidationError({"to_date": ["迁出日期不能早于入住日期。"]})
    residence.to_date = to_date
    residence.save(update_fields=["to_date"])
    audit_record(action="registry.residence_end", actor=actor, obj=residence)
    return residence


@transaction.atomic
def household_create(
    *,
    actor: Any,
    number: str,
    head: Person,
    grid: Area,
    from_date: datetime.date,
    house: House | None = None,
    address: str = "",
) -> Household:
    require_grid_in_scope(actor=actor, grid=grid)
    household = Household(number=number.strip(), head=head, grid=grid, house=house, address=address)
    _save_unique(household, {"number": [f"户号 {number} 已存在。"]})
    household_add_member(
        actor=actor, household=household, person=head, relation=Relation.HEAD, from_date=from_date
    )
    audit_record(action="registry.household_create", actor=actor, obj=household)
    return household


@transaction.atomic
def household_add_member(
    *,
    actor: Any,
    household: Household,
    person: Person,
    relation: str,
    from_date: datetime.date,
) -> HouseholdMember:
    require_grid_in_scope(actor=actor, grid=household.grid)
    if relation not in Relation.values:
        raise ValidationError({"relation": ["未知的与户主关系。"]})
    member = HouseholdMember(
        household=household, person=person, relation=relation, from_date=from_date
    )
    _save_unique(member, {"person": ["此人已在另一户中，请先办理迁出。"]})
    return member


@transaction.atomic
def organisation_create(
    *,
    actor: Any,
    grid: Area,
    name: str,
    kind: str,
    address: str,
    uscc: str = "",
    contact_phone: str = "",
    **fields: Any,
) -> Organisation:
    require_grid_in_scope(actor=actor, grid=grid)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["单位名称不能为空。"]
    if kind not in Organisation.Kind.values:
        errors["kind"] = ["未知的单位类型。"]
    code = _normalised(errors, "uscc", uscc, identity.normalise_uscc, None)
    phone = _normalised(errors, "contact_phone", contact_phone, identity.normalise_mobile, "")
    if errors:
        raise ValidationError(errors)
    sealed = protection.seal_phone(phone)
    org = Organisation(
        grid=grid,
        name=name.strip(),
        kind=kind,
        address=address,
        uscc=code,
        contact_phone_enc=sealed.enc,
        contact_phone_index=sealed.index,
        contact_phone_masked=sealed.masked,
        **fields,
    )
    _save_unique(org, {"uscc": [f"统一社会信用代码 {code} 已登记。"]})
    audit_record(action="registry.organisation_create", actor=actor, obj=org)
    return org


# --- Editing buildings, houses and organisations --------------------------------------------

BUILDING_EDITABLE = (
    "code",
    "name",
    "address",
    "lon",
    "lat",
    "floors",
    "units",
    "use",
    "built_year",
)
HOUSE_EDITABLE = ("unit", "floor", "room", "floor_area", "use", "status")
ORGANISATION_EDITABLE = (
    "name",
    "kind",
    "address",
    "lon",
    "lat",
    "legal_representative",
    "contact_name",
    "employees",
    "notes",
)


def _as_text(value: Any) -> str:
    return "" if value is None else str(value)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, float) and isinstance(new, float):
        return abs(old - new) < 1e-9  # a coordinate read back from a form
    return bool(old == new)


def _collect_changes(
    locked: Any, fields: dict[str, Any], editable: tuple[str, ...]
) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Set the changed ``fields`` on ``locked``; (changes, update_fields)."""
    unknown = set(fields) - set(editable)
    if unknown:
        raise ValidationError({f: ["该字段不可修改。"] for f in sorted(unknown)})
    changes: list[tuple[str, str, str]] = []
    update_fields: list[str] = []
    for field, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        old = getattr(locked, field)
        if not _same(old, value):
            changes.append((field, _as_text(old), _as_text(value)))
            setattr(locked, field, value)
            update_fields.append(field)
    return changes, update_fields


def _save_edit(
    *,
    actor: Any,
    locked: Any,
    object_type: str,
    changes: list[tuple[str, str, str]],
    update_fields: list[str],
    duplicate: dict[str, list[str]],
) -> Any:
    """Bump the version, save the changed fields (a unique clash → ``duplicate``), and record
    a ChangeRecord per field and one audit entry. Nothing changed: nothing written."""
    if not changes:
        return locked
    locked.version = F("version") + 1
    try:
        with transaction.atomic():
            locked.save(update_fields=[*update_fields, "version", "updated_at"])
    except IntegrityError as exc:
        raise ValidationError(duplicate, code="duplicate") from exc
    locked.refresh_from_db()
    _record_changes(actor=actor, obj=locked, object_type=object_type, changes=changes)
    audit_record(
        action=f"registry.{object_type}_update",
        actor=actor,
        obj=locked,
        detail={"fields": [c[0] for c in changes]},
    )
    return locked


@transaction.atomic
def building_update(
    *,
    actor: Any,
    building: Building,
    version: int,
    grid: Area | None = None,
    **fields: Any,
) -> Building:
    """Change a building if ``version`` is current (else StaleEdit → 409). A new grid (the
    form locates it from a new point) must be in the actor's scope too; the building's houses
    move with it."""
    locked = Building.objects.select_for_update().select_related("grid").get(pk=building.pk)
    if locked.version != version:
        raise StaleEdit("该楼栋信息已被他人修改，请刷新后重试。")
    require_grid_in_scope(actor=actor, grid=locked.grid)
    errors: dict[str, list[str]] = {}
    for key, message in (("code", "楼栋编码不能为空。"), ("name", "楼栋名称不能为空。")):
        if key in fields and not (fields[key] or "").strip():
            errors[key] = [message]
    if "use" in fields and fields["use"] not in Building.Use.values:
        errors["use"] = ["未知的楼栋用途。"]
    if fields.get("floors") is not None:
        highest = locked.houses.aggregate(m=Max("floor"))["m"]
        if highest is not None and fields["floors"] < highest:
            errors["floors"] = [f"已有房屋位于第 {highest} 层，层数不能少于 {highest}。"]
    if errors:
        raise ValidationError(errors)
    changes, update_fields = _collect_changes(locked, fields, BUILDING_EDITABLE)
    if grid is not None and grid.pk != locked.grid_id:
        require_grid_in_scope(actor=actor, grid=grid)
        changes.append(("grid", locked.grid.code, grid.code))
        locked.grid = grid
        update_fields.append("grid")
        House.objects.filter(building=locked).update(grid=grid)
    code = fields.get("code", locked.code)
    return _save_edit(  # type: ignore[no-any-return]
        actor=actor,
        locked=locked,
        object_type="building",
        changes=changes,
        update_fields=update_fields,
        duplicate={"code": [f"楼栋编码 {code} 已存在。"]},
    )


@transaction.atomic
def house_update(*, actor: Any, house: House, version: int, **fields: Any) -> House:
    """Change a house if ``version`` is current (else StaleEdit → 409)."""
    locked = House.objects.select_for_update().get(pk=house.pk)
    if locked.version != version:
        raise StaleEdit("该房屋信息已被他人修改，请刷新后重试。")
    building = Building.objects.select_related("grid").get(pk=locked.building_id)
    require_grid_in_scope(actor=actor, grid=building.grid)
    errors: dict[str, list[str]] = {}
    if "room" in fields and not (fields["room"] or "").strip():
        errors["room"] = ["室号不能为空。"]
    if fields.get("floor") is not None and fields["floor"] > building.floors:
        errors["floor"] = [f"楼层超出楼栋总层数（{building.floors} 层）。"]
    if "use" in fields and fields["use"] not in House.Use.values:
        errors["use"] = ["未知的房屋用途。"]
    if "status" in fields and fields["status"] not in House.Status.values:
        errors["status"] = ["未知的房屋状态。"]
    if errors:
        raise ValidationError(errors)
    changes, update_fields = _collect_changes(locked, fields, HOUSE_EDITABLE)
    return _save_edit(  # type: ignore[no-any-return]
        actor=actor,
        locked=locked,
        object_type="house",
        changes=changes,
        update_fields=update_fields,
        duplicate={"room": ["该楼栋已有相同单元、室号的房屋。"]},
    )


@transaction.atomic
def organisation_update(
    *,
    actor: Any,
    organisation: Organisation,
    version: int,
    grid: Area | None = None,
    uscc: str | None = None,
    contact_phone: str | None = None,
    **fields: Any,
) -> Organisation:
    """Change an organisation if ``version`` is current (else StaleEdit → 409). ``uscc``
    None leaves it, "" clears it; ``contact_phone`` None or "" leaves it (the clear number is
    never shown, so an empty box means unchanged); the change record keeps it masked."""
    locked = Organisation.objects.select_for_update().select_related("grid").get(pk=organisation.pk)
    if locked.version != version:
        raise StaleEdit("该单位信息已被他人修改，请刷新后重试。")
    require_grid_in_scope(actor=actor, grid=locked.grid)
    errors: dict[str, list[str]] = {}
    if "name" in fields and not (fields["name"] or "").strip():
        errors["name"] = ["单位名称不能为空。"]
    if "kind" in fields and fields["kind"] not in Organisation.Kind.values:
        errors["kind"] = ["未知的单位类型。"]
    code: str | None = locked.uscc
    if uscc is not None:  # "" (or blanks) clears it
        code = _normalised(
            errors, "uscc", uscc if uscc.strip() else "", identity.normalise_uscc, None
        )
    phone = _normalised(errors, "contact_phone", contact_phone, identity.normalise_mobile, "")
    if errors:
        raise ValidationError(errors)
    changes, update_fields = _collect_changes(locked, fields, ORGANISATION_EDITABLE)
    if code != locked.uscc:
        changes.append(("uscc", _as_text(locked.uscc), _as_text(code)))
        locked.uscc = code
        update_fields.append("uscc")
    if phone and protection.phone_index(phone) != locked.contact_phone_index:
        sealed = protection.seal_phone(phone)
        changes.append(("contact_phone", locked.contact_phone_masked, sealed.masked))
        locked.contact_phone_enc = sealed.enc
        locked.contact_phone_index = sealed.index
        locked.contact_phone_masked = sealed.masked
        update_fields += ["contact_phone_enc", "contact_phone_index", "contact_phone_masked"]
    if grid is not None and grid.pk != locked.grid_id:
        require_grid_in_scope(actor=actor, grid=grid)
        changes.append(("grid", locked.grid.code, grid.code))
        locked.grid = grid
        update_fields.append("grid")
    return _save_edit(  # type: ignore[no-any-return]
        actor=actor,
        locked=locked,
        object_type="organisation",
        changes=changes,
        update_fields=update_fields,
        duplicate={"uscc": [f"统一社会信用代码 {code} 已登记。"]},
    )


def registry_access_record(
    *,
    actor: Any,
    action: str,
    request: Any = None,
    obj: Any = None,
    filters: dict[str, Any] | None = None,
    count: int | None = None,
) -> None:
    """Audit a read of personal data: a detail view ("registry.person_view"), a search
    ("registry.person_search", with the filters and the row count) or an export
    ("registry.export"). Pages, the API and exports all call this, so every access is logged.
    Filter values that are personal data (ID number, phone) are logged masked."""
    safe = dict(filters or {})
    if safe.get("id_number"):
        safe["id_number"] = identity.mask_id(str(safe["id_number"]))
    if safe.get("phone"):
        safe["phone"] = identity.mask_phone(str(safe["phone"]))
    detail: dict[str, Any] = {"filters": {k: v for k, v in safe.items() if v not in (None, "")}}
    if count is not None:
        detail["count"] = count
    audit_record(action=action, actor=actor, request=request, obj=obj, detail=detail)
