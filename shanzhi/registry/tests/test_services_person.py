from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

from shanzhi.core.models import AuditLog
from shanzhi.registry import selectors, services
from shanzhi.registry.models import ChangeRecord, Person

ID_A = "11010519491231002X"


def make(world, id_number=ID_A, grid=None, actor=None, **kw):
    data = services.person_input(
        name=kw.pop("name", "张三"),
        id_type="resident",
        id_number=id_number,
        phone=kw.pop("phone", "13812345678"),
    )
    return services.person_create(
        actor=actor or world.grid_worker_a, grid=grid or world.grid_a, data=data, **kw
    )


def test_create_stores_id_and_phone_only_encrypted_and_masked(world):
    person = make(world)
    row = Person.objects.values().get(pk=person.pk)
    flat = " ".join(str(v) for v in row.values())
    assert ID_A not in flat and "13812345678" not in flat
    assert person.id_masked == "110105********002X"
    assert person.phone_masked == "138****5678"
    assert (person.gender, str(person.birth_date)) == ("F", "1949-12-31")
    assert (person.name_pinyin, person.name_initials) == ("zhangsan", "zs")


def test_second_registration_of_same_id_is_refused(world):
    make(world)
    with pytest.raises(ValidationError) as exc:
        make(world, name="李四")
    assert "已登记" in str(exc.value)
    assert Person.objects.count() == 1


def test_grid_worker_cannot_register_in_neighbouring_grid(world):
    with pytest.raises(PermissionDenied):
        make(world, grid=world.grid_b)
    assert Person.objects.count() == 0


def test_exact_id_search_finds_person_within_scope_only(world):
    person = make(world)
    assert list(selectors.person_list(user=world.town_officer, id_number=ID_A.lower())) == [person]
    assert list(selectors.person_list(user=world.grid_worker_b, id_number=ID_A)) == []


def test_name_search_matches_pinyin_initials(world):
    person = make(world)
    assert list(selectors.person_list(user=world.grid_worker_a, q="zs")) == [person]
    assert list(selectors.person_list(user=world.grid_worker_a, q="张")) == [person]


def test_stale_update_is_refused_and_changes_nothing(world):
    person = make(world)
    services.person_update(actor=world.grid_worker_a, person=person, version=1, occupation="教师")
    with pytest.raises(services.StaleEdit):
        services.person_update(
            actor=world.grid_worker_a, person=person, version=1, occupation="农民"
        )
    person.refresh_from_db()
    assert (person.occupation, person.version) == ("教师", 2)


def test_update_records_field_changes_with_phone_masked(world):
    person = make(world)
    services.person_update(
        actor=world.grid_worker_a, person=person, version=1, phone="13900001111", occupation="司机"
    )
    changes = {c.field: (c.old_value, c.new_value) for c in ChangeRecord.objects.all()}
    assert changes["phone"] == ("138****5678", "139****1111")
    assert changes["occupation"] == ("", "司机")


def test_unmask_needs_permission_and_is_audited(world):
    person = make(world)
    with pytest.raises(PermissionDenied):
        services.person_unmask(
            actor=world.town_officer, person=person, field="id_number", reason="核实身份"
        )
    world.town_officer.user_permissions.add(Permission.objects.get(codename="unmask_personal_data"))
    officer = type(world.town_officer).objects.get(pk=world.town_officer.pk)
    value = services.person_unmask(
        actor=officer, person=person, field="id_number", reason="核实身份"
    )
    assert value == ID_A
    rows = list(AuditLog.objects.filter(action="registry.unmask").order_by("id"))
    assert [r.outcome for r in rows] == ["denied", "success"]
    assert rows[1].reason == "核实身份"
