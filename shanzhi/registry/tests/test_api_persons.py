"""The persons API: jurisdiction, masking, audit, optimistic locking, unmask."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shanzhi.core.models import AuditLog
from shanzhi.registry.models import ChangeRecord, Person, Tag
from shanzhi.testing.api import assert_error, session_client, token_client

from .factories import grant_unmask, mobile, person, resident_id

PERSONS = "/api/v1/persons/"
SEARCH = "/api/v1/persons/search/"

# Personas holding no registry capability at all, and those who may read but not write.
NO_REGISTRY = ["auditor", "citizen", "department_handler", "outsider"]
READ_ONLY = ["dispatcher", "mediator", "leader"]


def detail(p: Person) -> str:
    return f"{PERSONS}{p.pk}/"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def people(world):
    """One resident in each of grids A, B and E (市中区), with known clear values."""
    made = {}
    for key, grid, name in [("a", world.grid_a, "张三"), ("b", world.grid_b, "李四"),
                            ("e", world.grid_e, "王五")]:  # fmt: skip
        number, phone = resident_id(), mobile()
        made[key] = (person(world, grid=grid, name=name, id_number=number, phone=phone), number,
                     phone)  # fmt: skip
    return made


def create_body(world, **overrides):
    body = {
        "name": "赵六",
        "id_number": resident_id(male=False),
        "phone": "+86 139-0000-1111",
        "grid": world.grid_a.pk,
        "residence_category": "floating",
        "current_address": "东村路 8 号",
        "occupation": "教师",
    }
    body.update(overrides)
    return body


def wrong_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def snapshot(p: Person) -> tuple:
    p.refresh_from_db()
    return (p.name, p.occupation, p.phone_enc, p.grid_id, p.version, p.status)


# --- Jurisdiction ------------------------------------------------------------------------------


def test_each_persona_lists_exactly_their_jurisdiction(world, people):
    a, b, e = (people[k][0].pk for k in "abe")
    assert ids(session_client(world.grid_worker_a).get(PERSONS)) == {a}
    assert ids(session_client(world.grid_worker_b).get(PERSONS)) == {b}
    assert ids(session_client(world.town_officer).get(PERSONS)) == {a, b}
    assert ids(session_client(world.dispatcher).get(PERSONS)) == {a, b}
    assert ids(session_client(world.city_admin).get(PERSONS)) == {a, b, e}


def test_grid_worker_a_cannot_reach_grid_b_resident_by_any_path(world, people):
    other, number, phone = people["b"]
    client = session_client(world.grid_worker_a)
    assert other.pk not in ids(client.get(PERSONS))
    assert_error(client.get(detail(other)), 404, "not_found")
    for query in ({"q": "李四"}, {"q": "ls"}, {"id_number": number}, {"phone": phone}):
        assert ids(client.get(PERSONS, query)) == set(), query
        assert ids(client.post(SEARCH, query, format="json")) == set(), query
    assert_error(client.patch(detail(other), {"version": 1, "name": "改"}, format="json"), 404)
    before = AuditLog.objects.filter(action="registry.unmask").count()
    assert_error(
        client.post(f"{detail(other)}unmask/", {"field": "phone", "reason": "核实身份"}), 404
    )
    assert AuditLog.objects.filter(action="registry.unmask").count() == before
    assert snapshot(other)[0] == "李四"


def test_town_officer_finds_resident_by_exact_id_and_phone(world, people):
    target, number, phone = people["a"]
    client = session_client(world.town_officer)
    assert ids(client.get(PERSONS, {"id_number": number.lower()})) == {target.pk}
    assert ids(client.post(SEARCH, {"phone": phone}, format="json")) == {target.pk}
    assert ids(client.get(PERSONS, {"q": "zs"})) == {target.pk}


@pytest.mark.parametrize("persona", NO_REGISTRY)
def test_personas_without_registry_capability_are_refused_every_read(world, people, persona):
    client = session_client(getattr(world, persona))
    target = people["a"][0]
    assert_error(client.get(PERSONS), 403, "permission_denied")
    assert_error(client.post(SEARCH, {}, format="json"), 403, "permission_denied")
    assert_error(client.get(detail(target)), 403, "permission_denied")
    reads = ["registry.person_search", "registry.person_view"]
    assert not AuditLog.objects.filter(action__in=reads).exists()


def test_anonymous_is_401_in_error_format(world, people):
    assert_error(session_client().get(PERSONS), 401, "not_authenticated")
    assert_error(session_client().get(detail(people["a"][0])), 401, "not_authenticated")


def test_api_token_reads_the_same_scope(world, people):
    assert ids(token_client(world.grid_worker_b).get(PERSONS)) == {people["b"][0].pk}


# --- Masking and audit ------------------------------------------------------------------------


def test_rows_carry_masked_values_and_never_the_sealed_columns(world, people):
    target, number, phone = people["a"]
    [row] = session_client(world.grid_worker_a).get(PERSONS).json()["results"]
    assert row["id_masked"] == number[:6] + "********" + number[-4:]
    assert row["phone_masked"] == phone[:3] + "****" + phone[-4:]
    body = session_client(world.grid_worker_a).get(detail(target)).json()
    for shape in (row, body):
        assert not [k for k in shape if k.endswith(("_enc", "_index"))]
        assert "id_number" not in shape and "phone" not in shape


def test_clear_id_and_phone_never_appear_in_any_response_body(world, people):
    target, number, phone = people["a"]
    client = session_client(world.town_officer)
    created_number, created_phone = resident_id(), "13912340000"
    responses = [
        client.get(PERSONS),
        client.get(PERSONS, {"id_number": number}),
        client.get(PERSONS, {"phone": phone}),
        client.post(SEARCH, {"id_number": number}, format="json"),
        client.get(detail(target)),
        client.patch(detail(target), {"version": 1, "phone": "13900002222"}, format="json"),
        client.post(
            PERSONS,
            create_body(world, id_number=created_number, phone=created_phone),
            format="json",
        ),
        client.post(PERSONS, create_body(world, id_number=created_number), format="json"),
        client.post(
            PERSONS, create_body(world, id_number=wrong_check_digit(number)), format="json"
        ),
    ]
    assert [r.status_code for r in responses] == [200] * 6 + [201, 400, 400]
    secrets = [number, phone, created_number, created_phone, "13900002222"]
    secrets.append(wrong_check_digit(number))
    for response in responses:
        for secret in secrets:
            assert secret.encode() not in response.content, (response.request["PATH_INFO"], secret)


def test_search_is_audited_with_filters_masked_and_the_count(world, people):
    _, number, phone = people["a"]
    client = session_client(world.town_officer)
    client.get(PERSONS, {"id_number": number, "category": "registered"})
    client.post(SEARCH, {"phone": phone}, format="json")
    first, second = AuditLog.objects.filter(action="registry.person_search").order_by("id")
    assert first.actor == world.town_officer
    assert first.detail == {
        "filters": {"id_number": number[:6] + "********" + number[-4:], "category": "registered"},
        "count": 1,
    }
    assert second.detail["filters"] == {"phone": phone[:3] + "****" + phone[-4:]}
    for row in (first, second):
        assert number not in json.dumps(row.detail) and phone not in json.dumps(row.detail)


def test_detail_view_is_audited(world, people):
    target = people["a"][0]
    session_client(world.grid_worker_a).get(detail(target))
    row = AuditLog.objects.get(action="registry.person_view")
    assert (row.actor, row.object_id) == (world.grid_worker_a, str(target.pk))


def test_list_query_count_does_not_grow_with_rows(world, people):
    tag = Tag.objects.create(code="dibao", name="低保")
    client = session_client(world.city_admin)
    client.get(PERSONS)  # the session and the scope are warm from here on

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PERSONS).status_code == 200
        return len(captured)

    few = queries()
    for n in range(9):
        person(world, name=f"人{n}", tags=[tag])
    assert queries() == few
    # session, user, scope, count, page, tags, audit (posts of the actor + insert)
    assert few <= 9


# --- Filters ----------------------------------------------------------------------------------


def test_list_filters_narrow_the_scope(world, people):
    tag = Tag.objects.create(code="veteran", name="退役军人")
    old = person(
        world,
        name="老兵",
        id_number=resident_id(born=datetime.date(1940, 1, 1)),
        tags=[tag],
        current_address="东村路 99 号",
        residence_category="floating",
    )
    client = session_client(world.town_officer)
    assert ids(client.get(PERSONS, {"tag": "veteran"})) == {old.pk}
    assert ids(client.get(PERSONS, {"age_min": 80})) == {old.pk}
    assert old.pk not in ids(client.get(PERSONS, {"age_max": 79}))
    assert ids(client.get(PERSONS, {"address": "99 号"})) == {old.pk}
    assert ids(client.get(PERSONS, {"category": "floating"})) == {old.pk}
    assert ids(client.get(PERSONS, {"grid": world.grid_b.pk})) == {people["b"][0].pk}
    assert ids(client.get(PERSONS, {"status": "moved_out"})) == set()


def test_invalid_filters_are_400_with_field_errors(world):
    client = session_client(world.town_officer)
    body = assert_error(client.get(PERSONS, {"age_min": 50, "age_max": 20}), 400, "invalid")
    assert "age_max" in body["fields"]
    assert "category" in assert_error(client.get(PERSONS, {"category": "x"}), 400)["fields"]
    assert not AuditLog.objects.filter(action="registry.person_search").exists()


# --- Create -----------------------------------------------------------------------------------


def test_grid_worker_registers_a_person_in_their_grid(world):
    Tag.objects.create(code="dibao", name="低保")
    body = create_body(world, tags=["dibao"])
    response = session_client(world.grid_worker_a).post(PERSONS, body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["id_masked"] == body["id_number"][:6] + "********" + body["id_number"][-4:]
    assert data["phone_masked"] == "139****1111"
    assert (data["gender"], data["grid"]["id"], data["version"]) == ("F", world.grid_a.pk, 1)
    assert [t["code"] for t in data["tags"]] == ["dibao"]
    stored = Person.objects.get(pk=data["id"])
    assert stored.created_by == world.grid_worker_a
    assert AuditLog.objects.filter(action="registry.person_create", object_id=str(stored.pk))


def test_second_registration_of_the_same_id_is_a_clear_400(world):
    body = create_body(world)
    client = session_client(world.grid_worker_a)
    assert client.post(PERSONS, body, format="json").status_code == 201
    error = assert_error(client.post(PERSONS, {**body, "name": "别人"}, format="json"), 400)
    assert error["fields"]["id_number"] == ["该证件号码已登记，不能重复登记同一人。"]
    assert Person.objects.count() == 1


def test_invalid_id_number_is_400_on_the_field(world):
    body = create_body(world)
    body["id_number"] = wrong_check_digit(body["id_number"])
    error = assert_error(
        session_client(world.grid_worker_a).post(PERSONS, body, format="json"), 400
    )
    assert "校验位" in error["fields"]["id_number"][0]
    assert not Person.objects.exists()


def test_grid_worker_cannot_register_in_a_neighbouring_grid(world):
    body = create_body(world, grid=world.grid_b.pk)
    assert_error(session_client(world.grid_worker_a).post(PERSONS, body, format="json"), 403)
    assert not Person.objects.exists()


@pytest.mark.parametrize("persona", READ_ONLY + NO_REGISTRY)
def test_personas_without_collect_cannot_create(world, persona):
    client = session_client(getattr(world, persona))
    assert_error(client.post(PERSONS, create_body(world), format="json"), 403, "permission_denied")
    assert not Person.objects.exists()
    assert not AuditLog.objects.filter(action="registry.person_create").exists()


# --- Update -----------------------------------------------------------------------------------


def test_patch_with_current_version_changes_and_records(world, people):
    target = people["a"][0]
    client = session_client(world.grid_worker_a)
    body = {"version": 1, "occupation": "司机", "phone": "13900003333"}
    response = client.patch(detail(target), body, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["occupation"], response.json()["version"]) == ("司机", 2)
    assert response.json()["phone_masked"] == "139****3333"
    changes = dict(ChangeRecord.objects.values_list("field", "new_value"))
    assert changes == {"occupation": "司机", "phone": "139****3333"}


def test_stale_patch_is_409_and_writes_nothing(world, people):
    target = people["a"][0]
    client = session_client(world.grid_worker_a)
    first = client.patch(detail(target), {"version": 1, "occupation": "教师"}, format="json")
    assert first.status_code == 200
    before, records = snapshot(target), ChangeRecord.objects.count()
    stale = client.patch(
        detail(target), {"version": 1, "occupation": "农民", "name": "张三丰"}, format="json"
    )
    assert_error(stale, 409, "conflict")
    assert snapshot(target) == before
    assert before[:2] == ("张三", "教师") and before[4] == 2
    assert ChangeRecord.objects.count() == records


def test_patch_needs_a_change_and_valid_values(world, people):
    target = people["a"][0]
    client = session_client(world.grid_worker_a)
    assert_error(client.patch(detail(target), {"version": 1}, format="json"), 400)
    assert "version" in assert_error(client.patch(detail(target), {"name": "x"}, format="json"),
                                     400)["fields"]  # fmt: skip
    bad_phone = client.patch(detail(target), {"version": 1, "phone": "12345"}, format="json")
    assert "phone" in assert_error(bad_phone, 400)["fields"]
    assert snapshot(target)[4] == 1


def test_patch_moving_a_person_out_of_jurisdiction_is_refused(world, people):
    target = people["a"][0]
    before = snapshot(target)
    response = session_client(world.grid_worker_a).patch(
        detail(target), {"version": 1, "grid": world.grid_b.pk}, format="json"
    )
    assert_error(response, 403)
    assert snapshot(target) == before


@pytest.mark.parametrize("persona", READ_ONLY)
def test_read_only_personas_cannot_patch(world, people, persona):
    target = people["a"][0]
    before = snapshot(target)
    response = session_client(getattr(world, persona)).patch(
        detail(target), {"version": 1, "name": "改名"}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    assert snapshot(target) == before


# --- Unmask -----------------------------------------------------------------------------------


def test_unmask_without_permission_is_403_and_audited_as_denied(world, people):
    target = people["a"][0]
    response = session_client(world.town_officer).post(
        f"{detail(target)}unmask/", {"field": "id_number", "reason": "核实身份"}, format="json"
    )
    assert_error(response, 403)
    row = AuditLog.objects.get(action="registry.unmask")
    assert (row.outcome, row.reason, row.object_id) == ("denied", "核实身份", str(target.pk))


def test_unmask_without_permission_is_audited_even_without_a_reason(world, people):
    target = people["a"][0]
    response = session_client(world.grid_worker_a).post(
        f"{detail(target)}unmask/", {"field": "phone"}, format="json"
    )
    assert_error(response, 403)
    assert AuditLog.objects.get(action="registry.unmask").outcome == "denied"


def test_unmask_with_permission_and_reason_returns_the_value_and_audits_it(world, people):
    target, number, phone = people["a"]
    client = session_client(grant_unmask(world.town_officer))
    url = f"{detail(target)}unmask/"
    response = client.post(url, {"field": "id_number", "reason": "核实低保申请"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"field": "id_number", "value": number}
    assert response["Cache-Control"] == "no-store"
    assert (
        client.post(url, {"field": "phone", "reason": "联系本人核实"}, format="json").json()[
            "value"
        ]
        == phone
    )
    rows = list(AuditLog.objects.filter(action="registry.unmask").order_by("id"))
    assert [(r.outcome, r.reason, r.detail["field"]) for r in rows] == [
        ("success", "核实低保申请", "id_number"),
        ("success", "联系本人核实", "phone"),
    ]
    assert all(r.actor == world.town_officer for r in rows)


def test_unmask_needs_a_reason(world, people):
    target = people["a"][0]
    client = session_client(grant_unmask(world.town_officer))
    url = f"{detail(target)}unmask/"
    assert (
        "reason" in assert_error(client.post(url, {"field": "phone"}, format="json"), 400)["fields"]
    )
    assert (
        "reason"
        in assert_error(client.post(url, {"field": "phone", "reason": "看看"}, format="json"), 400)[
            "fields"
        ]
    )
    assert not AuditLog.objects.filter(action="registry.unmask", outcome="success").exists()


def test_tags_are_listed_for_readers(world):
    Tag.objects.create(code="dibao", name="低保")
    response = session_client(world.mediator).get("/api/v1/person-tags/")
    assert response.json() == [{"code": "dibao", "name": "低保"}]
    assert_error(session_client(world.citizen).get("/api/v1/person-tags/"), 403)
