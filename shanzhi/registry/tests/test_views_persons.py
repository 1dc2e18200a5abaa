"""Person pages (issue #3, item 4): list, search, detail, collection form, edit, unmask.

Masked everywhere; every search and every detail view is audited; a grid worker of grid A
cannot reach a resident of grid B by any path; refused writes change nothing.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from shanzhi.core.models import AuditLog
from shanzhi.registry import services
from shanzhi.registry.identity import check_digit
from shanzhi.registry.models import ChangeRecord, Person, Residence, Tag

pytestmark = pytest.mark.django_db


def resident_id(first17: str) -> str:
    return first17 + check_digit(first17)


ID_A = resident_id("37040319850612123")  # 370403********123x, grid A
ID_B = resident_id("37040319900101456")  # grid B
PHONE_A = "13812345678"
PHONE_B = "13987654321"
FORBIDDEN = ["auditor", "citizen", "outsider", "department_handler"]


def register(actor, grid, *, name, id_number, phone="", **fields):
    data = services.person_input(name=name, id_type="resident", id_number=id_number, phone=phone)
    return services.person_create(actor=actor, grid=grid, data=data, **fields)


@pytest.fixture
def people(world):
    a = register(
        world.grid_worker_a,
        world.grid_a,
        name="张三",
        id_number=ID_A,
        phone=PHONE_A,
        current_address="东村路 8 号",
    )
    b = register(
        world.grid_worker_b,
        world.grid_b,
        name="李四",
        id_number=ID_B,
        phone=PHONE_B,
        current_address="东村路 9 号",
    )
    return a, b


def login(client, user):
    client.force_login(user)
    return client


def grant_unmask(user):
    user.user_permissions.add(Permission.objects.get(codename="unmask_personal_data"))
    return type(user).objects.get(pk=user.pk)


def listed(response) -> set[str]:
    """Names in the results table of a person list page."""
    html = response.content.decode()
    table = html.split('id="sz-person-table"')[1].split("</table>")[0]
    return {name for name in ("张三", "李四") if name in table}


def assert_no_clear_values(content: bytes) -> None:
    for clear in (ID_A, ID_B, PHONE_A, PHONE_B, ID_A.lower()):
        assert clear.encode() not in content


# --- list and search ------------------------------------------------------------------------


def test_grid_worker_list_shows_own_grid_residents_masked(client, world, people):
    response = login(client, world.grid_worker_a).get(reverse("registry:person_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert listed(response) == {"张三"}
    assert people[0].id_masked in html and people[0].id_masked == "370403********" + ID_A[-4:]
    assert "138****5678" in html
    assert_no_clear_values(response.content)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "李四"},
        {"q": "ls"},
        {"q": "lisi"},
        {"q": ID_B},
        {"q": ID_B, "search_by": "id_number"},
        {"q": PHONE_B},
        {"q": "东村路 9 号", "search_by": "address"},
    ],
    ids=["name", "initials", "pinyin", "id-auto", "id", "phone", "address"],
)
def test_grid_worker_a_cannot_find_grid_b_resident_by_any_search(client, world, people, params):
    response = login(client, world.grid_worker_a).post(reverse("registry:person_list"), params)
    assert response.status_code == 200
    assert listed(response) == set()
    assert f'data-person="{people[1].pk}"' not in response.content.decode()
    # The same search by B's own worker finds B's resident: the search itself works.
    client.force_login(world.grid_worker_b)
    assert listed(client.post(reverse("registry:person_list"), params)) == {"李四"}


def test_grid_worker_a_cannot_filter_by_grid_b(client, world, people):
    response = login(client, world.grid_worker_a).get(
        reverse("registry:person_list"), {"grid": world.grid_b.pk}
    )
    assert listed(response) == set()
    assert "所选网格不存在或不在您的管辖范围内" in response.content.decode()


def test_town_officer_finds_resident_by_exact_id_and_sees_it_masked(client, world, people):
    response = login(client, world.town_officer).post(
        reverse("registry:person_list"), {"q": ID_A.lower()}
    )
    assert listed(response) == {"张三"}
    html = response.content.decode()
    assert people[0].id_masked in html
    assert f"按证件号码 {people[0].id_masked} 精确查找" in html
    # The search box does not echo the clear number back.
    assert_no_clear_values(response.content)


def test_search_form_posts_so_numbers_stay_out_of_urls(client, world, people):
    html = login(client, world.town_officer).get(reverse("registry:person_list")).content.decode()
    form = html.split('id="sz-person-filter"')[0].rsplit("<form", 1)[1]
    assert 'method="post"' in form and "hx-post=" in html.split('id="sz-person-filter"')[1][:200]


def test_get_filters_work_for_links(client, world, people):
    response = login(client, world.town_officer).get(
        reverse("registry:person_list"), {"grid": world.grid_b.pk}
    )
    assert listed(response) == {"李四"}


def test_phone_search_is_exact_and_accepts_country_code(client, world, people):
    client = login(client, world.town_officer)
    found = client.post(reverse("registry:person_list"), {"q": "+86 138-1234-5678"})
    assert listed(found) == {"张三"}
    assert_no_clear_values(found.content)
    partial = client.post(reverse("registry:person_list"), {"q": "1381234", "search_by": "phone"})
    assert listed(partial) == set()


def test_filters_by_category_age_tag_and_status(client, world, people):
    tag = Tag.objects.create(code="dibao", name="低保")
    people[0].tags.add(tag)
    client = login(client, world.town_officer)

    def names(**params):
        return listed(client.get(reverse("registry:person_list"), params))

    assert names(tag="dibao") == {"张三"}
    assert names(category="floating") == set()
    assert names(category="registered") == {"张三", "李四"}
    assert names(status="moved_out") == set()
    assert names(status="active") == {"张三", "李四"}
    assert names(grid=world.grid_b.pk) == {"李四"}


def test_age_range_filter_uses_birth_date(client, world, people):
    client = login(client, world.town_officer)
    today = datetime.date.today()  # noqa: DTZ011 - ages are calendar arithmetic
    age_a = today.year - 1985 - ((today.month, today.day) < (6, 12))
    response = client.get(reverse("registry:person_list"), {"age_min": age_a, "age_max": age_a})
    assert listed(response) == {"张三"}


def test_min_age_above_max_age_is_a_chinese_error(client, world, people):
    response = login(client, world.town_officer).get(
        reverse("registry:person_list"), {"age_min": 50, "age_max": 20}
    )
    assert "最大年龄不能小于最小年龄" in response.content.decode()
    assert listed(response) == set()


def test_search_writes_audit_row_with_masked_filters_and_count(client, world, people):
    login(client, world.town_officer).post(
        reverse("registry:person_list"), {"q": ID_A, "category": "registered"}
    )
    row = AuditLog.objects.get(action="registry.person_search")
    assert row.actor == world.town_officer
    assert "街道干部" in row.post or row.post
    assert row.detail["count"] == 1
    assert row.detail["filters"] == {
        "id_number": "370403********" + ID_A[-4:],
        "category": "registered",
    }
    assert ID_A not in str(row.detail)


def test_htmx_filter_request_returns_only_the_results(client, world, people):
    response = login(client, world.grid_worker_a).post(
        reverse("registry:person_list"), {"q": "zs"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="sz-person-table"' in html and "张三" in html
    assert "HX-Request" in response["Vary"]


def test_list_is_paginated(client, world):
    for i in range(30):
        register(
            world.grid_worker_a,
            world.grid_a,
            name=f"居民{i:02d}",
            id_number=resident_id(f"370403199001{i + 1:02d}001"),
        )
    client = login(client, world.grid_worker_a)
    first = client.get(reverse("registry:person_list")).content.decode()
    second = client.post(reverse("registry:person_list"), {"page": 2}).content.decode()
    assert first.count('data-person="') == 25 and second.count('data-person="') == 5
    assert "第 2 / 2 页" in second


def test_person_list_query_count_is_pinned(client, world, people, django_assert_num_queries):
    for i in range(10):
        person = register(
            world.grid_worker_a,
            world.grid_a,
            name=f"居民{i}",
            id_number=resident_id(f"370403199002{i + 1:02d}002"),
        )
        person.tags.add(Tag.objects.get_or_create(code=f"t{i}", name=f"标签{i}")[0])
    client = login(client, world.town_officer)
    client.get(reverse("core:home"))  # the session's first "last seen" write happens here
    # session, user, posts (scope, also the audit row's post), grid choices, tag choices,
    # count, rows, tags prefetch, audit insert
    with django_assert_num_queries(9):
        response = client.post(reverse("registry:person_list"), {"q": "居民"})
    assert response.content.decode().count('data-person="') == 10


@pytest.mark.parametrize("persona", FORBIDDEN)
def test_personas_without_registry_right_are_forbidden_the_list(client, world, people, persona):
    response = login(client, getattr(world, persona)).get(reverse("registry:person_list"))
    assert response.status_code == 403
    assert "张三" not in response.content.decode()
    assert not AuditLog.objects.filter(action="registry.person_search").exists()


def test_anonymous_is_sent_to_login(client, world, people):
    for url in (
        reverse("registry:person_list"),
        reverse("registry:person_detail", args=[people[0].pk]),
        reverse("registry:person_create"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


# --- detail ---------------------------------------------------------------------------------


def test_detail_shows_masked_fields_residences_and_writes_view_audit(client, world, people):
    response = login(client, world.grid_worker_a).get(
        reverse("registry:person_detail", args=[people[0].pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert people[0].id_masked in html and "138****5678" in html
    assert_no_clear_values(response.content)
    row = AuditLog.objects.get(action="registry.person_view")
    assert (row.actor, row.object_id) == (world.grid_worker_a, str(people[0].pk))


def test_grid_worker_a_gets_404_for_grid_b_resident_by_id(client, world, people):
    for name in ("registry:person_detail", "registry:person_edit"):
        response = login(client, world.grid_worker_a).get(reverse(name, args=[people[1].pk]))
        assert response.status_code == 404
        assert "李四" not in response.content.decode()
    assert not AuditLog.objects.filter(action="registry.person_view").exists()


@pytest.mark.parametrize("persona", FORBIDDEN)
def test_personas_without_registry_right_are_forbidden_the_detail(client, world, people, persona):
    response = login(client, getattr(world, persona)).get(
        reverse("registry:person_detail", args=[people[0].pk])
    )
    assert response.status_code == 403
    assert "张三" not in response.content.decode()


def test_detail_lists_change_history_with_who_and_readable_values(client, world, people):
    services.person_update(
        actor=world.grid_worker_a,
        person=people[0],
        version=1,
        occupation="教师",
        residence_category="floating",
        phone="13700001111",
    )
    html = (
        login(client, world.grid_worker_a)
        .get(reverse("registry:person_detail", args=[people[0].pk]))
        .content.decode()
    )
    changes = html.split('id="sz-changes"')[1]
    assert "职业" in changes and "教师" in changes and "网格员甲" in changes
    assert "流动人口" in changes and "户籍人口" in changes
    assert "138****5678" in changes and "137****1111" in changes
    assert "13700001111" not in html


def test_detail_shows_residence_history_and_household(client, world, people):
    building = services.building_create(
        actor=world.grid_worker_a,
        grid=world.grid_a,
        code="B-1",
        name="东村1号楼",
        address="东村路1号",
        floors=6,
    )
    house = services.house_create(actor=world.grid_worker_a, building=building, room="101")
    day = datetime.date(2024, 1, 1)
    residence = services.residence_start(
        actor=world.grid_worker_a, person=people[0], house=house, kind="tenant", from_date=day
    )
    services.residence_end(
        actor=world.grid_worker_a, residence=residence, to_date=datetime.date(2025, 1, 1)
    )
    services.household_create(
        actor=world.grid_worker_a, number="H-001", head=people[0], grid=world.grid_a, from_date=day
    )
    html = (
        login(client, world.grid_worker_a)
        .get(reverse("registry:person_detail", args=[people[0].pk]))
        .content.decode()
    )
    residences = html.split('id="sz-residences"')[1]
    assert "东村1号楼101室" in residences and "2025-01-01" in residences and "租户" in residences
    assert "H-001" in html.split('id="sz-households"')[1]


def test_person_detail_query_count_is_pinned(client, world, people, django_assert_num_queries):
    client = login(client, world.grid_worker_a)
    client.get(reverse("core:home"))  # the session's first "last seen" write happens here
    # session, user, posts (scope, also the audit row's post), person (+grid, parent,
    # collector), tags, audit insert, permissions (user, group), households, residences, changes
    with django_assert_num_queries(11):
        response = client.get(reverse("registry:person_detail", args=[people[0].pk]))
    assert response.status_code == 200


# --- unmask ---------------------------------------------------------------------------------


def test_unmask_form_is_shown_only_with_the_permission(client, world, people):
    url = reverse("registry:person_detail", args=[people[0].pk])
    assert 'id="sz-unmask-form"' not in login(client, world.town_officer).get(url).content.decode()
    officer = grant_unmask(world.town_officer)
    assert 'id="sz-unmask-form"' in login(client, officer).get(url).content.decode()


def test_unmask_with_reason_shows_clear_value_once_and_audits_the_reason(client, world, people):
    officer = grant_unmask(world.town_officer)
    response = login(client, officer).post(
        reverse("registry:person_unmask", args=[people[0].pk]),
        {"field": "id_number", "reason": "核实身份办理低保"},
    )
    assert response.status_code == 200
    assert ID_A.encode() in response.content
    assert response["Cache-Control"] == "no-store"
    row = AuditLog.objects.get(action="registry.unmask")
    assert (row.actor, row.outcome, row.reason) == (officer, "success", "核实身份办理低保")
    assert row.detail == {"field": "id_number"}
    # The detail page afterwards is masked again.
    detail = client.get(reverse("registry:person_detail", args=[people[0].pk]))
    assert ID_A.encode() not in detail.content


def test_unmask_phone(client, world, people):
    officer = grant_unmask(world.town_officer)
    response = login(client, officer).post(
        reverse("registry:person_unmask", args=[people[0].pk]),
        {"field": "phone", "reason": "联系本人核实"},
    )
    assert PHONE_A.encode() in response.content and ID_A.encode() not in response.content


def test_unmask_with_short_reason_is_refused_in_chinese_and_reveals_nothing(client, world, people):
    officer = grant_unmask(world.town_officer)
    response = login(client, officer).post(
        reverse("registry:person_unmask", args=[people[0].pk]),
        {"field": "id_number", "reason": "看"},
    )
    assert response.status_code == 200
    assert "请填写查看事由（至少 4 个字）" in response.content.decode()
    assert_no_clear_values(response.content)
    assert not AuditLog.objects.filter(action="registry.unmask", outcome="success").exists()


def test_unmask_without_permission_is_403_and_audited_as_denied(client, world, people):
    response = login(client, world.grid_worker_a).post(
        reverse("registry:person_unmask", args=[people[0].pk]),
        {"field": "id_number", "reason": "想看看号码"},
    )
    assert response.status_code == 403
    assert_no_clear_values(response.content)
    row = AuditLog.objects.get(action="registry.unmask")
    assert (row.actor, row.outcome, row.reason) == (world.grid_worker_a, "denied", "想看看号码")


def test_unmask_outside_scope_is_404_even_with_the_permission(client, world, people):
    worker = grant_unmask(world.grid_worker_a)
    response = login(client, worker).post(
        reverse("registry:person_unmask", args=[people[1].pk]),
        {"field": "id_number", "reason": "核实身份信息"},
    )
    assert response.status_code == 404
    assert_no_clear_values(response.content)
    assert not AuditLog.objects.filter(action="registry.unmask").exists()


def test_unmask_is_post_only(client, world, people):
    officer = grant_unmask(world.town_officer)
    response = login(client, officer).get(reverse("registry:person_unmask", args=[people[0].pk]))
    assert response.status_code == 405


# --- collection form ------------------------------------------------------------------------


def collect_data(**overrides):
    data = {
        "name": "王小明",
        "id_type": "resident",
        "id_number": resident_id("37040320000229001"),
        "phone": "13612345678",
        "residence_category": "registered",
        "current_address": "东村路 10 号",
        "registered_address": "",
        "residence_kind": "family",
        "occupation": "农民",
        "political_status": "masses",
    }
    data.update(overrides)
    return data


def test_collection_form_defaults_to_the_workers_only_grid(client, world):
    html = login(client, world.grid_worker_a).get(reverse("registry:person_create")).content
    html = html.decode()
    assert f'<option value="{world.grid_a.pk}" selected>' in html
    assert f'value="{world.grid_b.pk}"' not in html
    assert 'name="viewport" content="width=device-width' in html


def test_grid_worker_adds_resident_through_the_form(client, world):
    tag = Tag.objects.create(code="dibao", name="低保")
    response = login(client, world.grid_worker_a).post(
        reverse("registry:person_create"),
        collect_data(grid=world.grid_a.pk, tags=[tag.pk]),
    )
    person = Person.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:person_detail", args=[person.pk])
    assert (person.name, person.grid, person.created_by) == (
        "王小明",
        world.grid_a,
        world.grid_worker_a,
    )
    assert (person.gender, person.birth_date) == ("M", datetime.date(2000, 2, 29))
    assert list(person.tags.all()) == [tag]
    assert person.phone_masked == "136****5678"
    assert AuditLog.objects.filter(action="registry.person_create").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": "370403200002290010"}, "id_number", "身份证号码校验位错误"),
        ({"id_number": ""}, "id_number", "请填写证件号码"),
        ({"name": ""}, "name", "请填写姓名"),
        ({"phone": "12345"}, "phone", "手机号码应为 11 位大陆手机号"),
        ({"gender": "F"}, "gender", "性别与身份证号码不一致"),
        ({"id_type": "passport", "id_number": "E1"}, "id_number", "护照号码应为"),
    ],
    ids=["check-digit", "missing-id", "missing-name", "phone", "gender", "passport"],
)
def test_collection_form_errors_are_chinese_next_to_the_field_and_nothing_is_written(
    client, world, overrides, field, message
):
    response = login(client, world.grid_worker_a).post(
        reverse("registry:person_create"), collect_data(grid=world.grid_a.pk, **overrides)
    )
    assert response.status_code == 200
    html = response.content.decode()
    block = html.split(f'data-field="{field}"')[1].split('data-field="')[0]
    assert message in block and f'data-error-for="{field}"' in block
    assert "is-invalid" in block
    assert "请修正标红的内容后重新提交" in html
    assert Person.objects.count() == 0
    assert not AuditLog.objects.filter(action="registry.person_create").exists()


def test_collection_form_reports_every_error_at_once(client, world):
    response = login(client, world.grid_worker_a).post(
        reverse("registry:person_create"),
        collect_data(grid=world.grid_a.pk, name="", id_number="370403200002290010", phone="1"),
    )
    html = response.content.decode()
    assert 'data-error-for="name"' in html and "请填写姓名" in html
    assert "身份证号码校验位错误" in html and "手机号码应为 11 位" in html
    assert "姓名不能为空" not in html  # the name's error is given once
    assert Person.objects.count() == 0


def test_second_registration_of_the_same_id_is_a_form_error(client, world, people):
    response = login(client, world.grid_worker_a).post(
        reverse("registry:person_create"), collect_data(grid=world.grid_a.pk, id_number=ID_A)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "该证件号码已登记" in html
    # Only the number the worker typed is given back, in its own input, to correct it.
    assert html.count(ID_A) == 1 and f'value="{ID_A}"' in html
    assert PHONE_A not in html and ID_B not in html
    assert Person.objects.count() == 2


def test_grid_worker_cannot_add_resident_to_neighbouring_grid(client, world):
    response = login(client, world.grid_worker_a).post(
        reverse("registry:person_create"), collect_data(grid=world.grid_b.pk)
    )
    assert response.status_code == 200
    assert "所选网格不存在或不在您的管辖范围内" in response.content.decode()
    assert Person.objects.count() == 0


@pytest.mark.parametrize("persona", ["leader", "dispatcher", "mediator", *FORBIDDEN])
def test_personas_without_collect_right_cannot_add_residents(client, world, persona):
    client = login(client, getattr(world, persona))
    assert client.get(reverse("registry:person_create")).status_code == 403
    response = client.post(reverse("registry:person_create"), collect_data(grid=world.grid_a.pk))
    assert response.status_code == 403
    assert Person.objects.count() == 0


def test_resident_added_from_a_house_page_moves_in(client, world):
    building = services.building_create(
        actor=world.grid_worker_a, grid=world.grid_a, code="B-1", name="东村1号楼", address="路1号"
    )
    house = services.house_create(actor=world.grid_worker_a, building=building, room="101")
    url = reverse("registry:person_create") + f"?house={house.pk}"
    client = login(client, world.grid_worker_a)
    assert "入住：东村1号楼101室" in client.get(url).content.decode()
    response = client.post(url, collect_data(grid=world.grid_a.pk, house=house.pk))
    assert response.status_code == 302
    residence = Residence.objects.get()
    assert (residence.house, residence.kind, residence.to_date) == (house, "family", None)


def test_house_of_another_grid_is_refused_and_nothing_is_written(client, world):
    building = services.building_create(
        actor=world.grid_worker_b, grid=world.grid_b, code="B-2", name="东村2号楼", address="路2号"
    )
    house = services.house_create(actor=world.grid_worker_b, building=building, room="201")
    client = login(client, world.grid_worker_a)
    assert client.get(reverse("registry:person_create") + f"?house={house.pk}").status_code == 404
    response = client.post(
        reverse("registry:person_create"), collect_data(grid=world.grid_a.pk, house=house.pk)
    )
    assert response.status_code == 200
    assert Person.objects.count() == 0 and Residence.objects.count() == 0


# --- edit -----------------------------------------------------------------------------------


def edit_data(person, **overrides):
    data = {
        "version": person.version,
        "name": person.name,
        "ethnicity": person.ethnicity,
        "phone": "",
        "status": person.status,
        "grid": person.grid_id,
        "residence_category": person.residence_category,
        "current_address": person.current_address,
        "registered_address": person.registered_address,
        "origin_place": "",
        "occupation": "",
        "employer": "",
        "political_status": person.political_status,
        "notes": "",
    }
    data.update(overrides)
    return data


def test_edit_form_never_shows_the_clear_phone_or_id(client, world, people):
    response = login(client, world.grid_worker_a).get(
        reverse("registry:person_edit", args=[people[0].pk])
    )
    assert response.status_code == 200
    assert_no_clear_values(response.content)


def test_edit_saves_and_records_the_change(client, world, people):
    response = login(client, world.grid_worker_a).post(
        reverse("registry:person_edit", args=[people[0].pk]),
        edit_data(people[0], occupation="教师", phone="13700001111"),
    )
    assert response.status_code == 302
    people[0].refresh_from_db()
    assert (people[0].occupation, people[0].phone_masked, people[0].version) == (
        "教师",
        "137****1111",
        2,
    )
    fields = set(ChangeRecord.objects.values_list("field", flat=True))
    assert fields == {"occupation", "phone"}


def test_stale_edit_is_409_in_chinese_and_writes_nothing(client, world, people):
    services.person_update(
        actor=world.grid_worker_a, person=people[0], version=1, occupation="司机"
    )
    before = ChangeRecord.objects.count()
    response = login(client, world.grid_worker_a).post(
        reverse("registry:person_edit", args=[people[0].pk]),
        edit_data(people[0], version=1, occupation="教师"),
    )
    assert response.status_code == 409
    assert "该记录已被他人修改，请刷新后重试" in response.content.decode()
    people[0].refresh_from_db()
    assert (people[0].occupation, people[0].version) == ("司机", 2)
    assert ChangeRecord.objects.count() == before


def test_leader_may_read_but_not_edit(client, world, people):
    client = login(client, world.leader)
    assert client.get(reverse("registry:person_detail", args=[people[0].pk])).status_code == 200
    response = client.post(
        reverse("registry:person_edit", args=[people[0].pk]),
        edit_data(people[0], occupation="教师"),
    )
    assert response.status_code == 403
    people[0].refresh_from_db()
    assert people[0].occupation == ""


def test_grid_worker_b_cannot_edit_grid_a_resident(client, world, people):
    response = login(client, world.grid_worker_b).post(
        reverse("registry:person_edit", args=[people[0].pk]),
        edit_data(people[0], occupation="教师"),
    )
    assert response.status_code == 404
    people[0].refresh_from_db()
    assert people[0].occupation == "" and ChangeRecord.objects.count() == 0


def test_export_link_keeps_filters_but_never_an_id_number(client, world, people):
    client = login(client, world.town_officer)
    by_id = client.post(reverse("registry:person_list"), {"q": ID_A.lower()}).content.decode()
    link = by_id.split('data-action="export-persons"')[0].rsplit("href=", 1)[1]
    assert ID_A.lower() not in link and ID_A not in link
    by_category = client.get(reverse("registry:person_list"), {"category": "registered"})
    html = by_category.content.decode()
    link = html.split('data-action="export-persons"')[0].rsplit("href=", 1)[1]
    assert "category=registered" in link


def test_export_link_hidden_without_export_capability(client, world, people):
    html = login(client, world.mediator).get(reverse("registry:person_list")).content.decode()
    assert 'data-action="export-persons"' not in html
