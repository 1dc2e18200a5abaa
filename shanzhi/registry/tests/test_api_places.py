"""The registry API beyond persons: households, buildings, houses, residences, organisations."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shanzhi.areas import coords
from shanzhi.registry import services
from shanzhi.registry.models import (
    Building,
    House,
    Household,
    HouseholdMember,
    Organisation,
    Residence,
)
from shanzhi.testing.api import assert_error, session_client

from .factories import person, resident_id

DAY = datetime.date(2026, 3, 1)
READ_ONLY = ["dispatcher", "mediator", "leader"]
NO_REGISTRY = ["auditor", "citizen", "department_handler", "outsider"]


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def places(world):
    """A building, a house, a resident and a household in grid A, and the same in grid B."""
    made = {}
    for key, grid, worker in [("a", world.grid_a, world.grid_worker_a),
                              ("b", world.grid_b, world.grid_worker_b)]:  # fmt: skip
        building = services.building_create(
            actor=worker, grid=grid, code=f"B-{key}", name=f"{key}楼", address=f"{key}路1号",
            lon=117.12, lat=34.65, floors=6,
        )  # fmt: skip
        house = services.house_create(actor=worker, building=building, unit="1", room="101")
        resident = person(world, grid=grid, actor=worker, name=f"住户{key}")
        household = services.household_create(
            actor=worker, number=f"H-{key}", head=resident, grid=grid, from_date=DAY, house=house
        )
        residence = services.residence_start(
            actor=worker, person=resident, house=house, kind="owner", from_date=DAY
        )
        organisation = services.organisation_create(
            actor=worker, grid=grid, name=f"{key}超市", kind="individual", address="x",
            contact_phone="13800001234" if key == "a" else "",
        )  # fmt: skip
        made[key] = {
            "building": building,
            "house": house,
            "person": resident,
            "household": household,
            "residence": residence,
            "organisation": organisation,
        }
    return made


ENDPOINTS = {
    "building": "/api/v1/buildings/",
    "house": "/api/v1/houses/",
    "household": "/api/v1/households/",
    "residence": "/api/v1/residences/",
    "organisation": "/api/v1/organisations/",
}


@pytest.mark.parametrize("kind", ENDPOINTS)
def test_lists_and_details_stay_inside_the_grid(world, places, kind):
    url = ENDPOINTS[kind]
    mine, theirs = places["a"][kind], places["b"][kind]
    client = session_client(world.grid_worker_a)
    assert ids(client.get(url)) == {mine.pk}
    assert client.get(f"{url}{mine.pk}/").json()["id"] == mine.pk
    assert_error(client.get(f"{url}{theirs.pk}/"), 404, "not_found")
    assert ids(session_client(world.town_officer).get(url)) == {mine.pk, theirs.pk}


@pytest.mark.parametrize("kind", ENDPOINTS)
@pytest.mark.parametrize("persona", NO_REGISTRY)
def test_personas_without_registry_capability_read_nothing(world, places, kind, persona):
    url = ENDPOINTS[kind]
    client = session_client(getattr(world, persona))
    assert_error(client.get(url), 403, "permission_denied")
    assert_error(client.get(f"{url}{places['a'][kind].pk}/"), 403, "permission_denied")


def test_organisation_contact_phone_is_masked_only(world, places):
    response = session_client(world.grid_worker_a).get("/api/v1/organisations/")
    [row] = response.json()["results"]
    assert row["contact_phone_masked"] == "138****1234"
    assert b"13800001234" not in response.content
    assert not [k for k in row if k.endswith(("_enc", "_index"))]


def test_household_detail_lists_members_in_scope_masked(world, places):
    household = places["a"]["household"]
    stranger = person(world, grid=world.grid_b, name="外网格人")
    HouseholdMember.objects.create(
        household=household, person=stranger, relation="other", from_date=DAY
    )
    body = session_client(world.grid_worker_a).get(f"/api/v1/households/{household.pk}/").json()
    assert [m["person"]["name"] for m in body["members"]] == ["住户a"]
    assert body["members"][0]["person"]["id_masked"].count("*") == 8
    assert body["member_count"] == 1
    assert body["head"]["name"] == "住户a"


# --- Creates: allowed, and refused without changing anything ------------------------------------


def test_grid_worker_creates_building_house_household_residence_organisation(world):
    client = session_client(world.grid_worker_a)
    gcj = coords.wgs84_to_gcj02(117.12, 34.65)
    building = client.post(
        "/api/v1/buildings/",
        {"grid": world.grid_a.pk, "code": "B-1", "name": "1号楼", "address": "东村路1号",
         "floors": 6, "units": 2, "lon": gcj[0], "lat": gcj[1], "crs": "gcj02"},
        format="json",
    )  # fmt: skip
    assert building.status_code == 201, building.content
    assert building.json()["lon"] == pytest.approx(117.12, abs=1e-6)
    assert building.json()["lat"] == pytest.approx(34.65, abs=1e-6)
    house = client.post(
        "/api/v1/houses/",
        {"building": building.json()["id"], "unit": "1", "floor": 3, "room": "301"},
        format="json",
    )
    assert house.status_code == 201, house.content
    assert house.json()["grid"]["id"] == world.grid_a.pk
    head = person(world, actor=world.grid_worker_a, name="户主")
    household = client.post(
        "/api/v1/households/",
        {"number": "H-1", "head": head.pk, "grid": world.grid_a.pk, "from_date": "2026-03-01",
         "house": house.json()["id"]},
        format="json",
    )  # fmt: skip
    assert household.status_code == 201, household.content
    assert household.json()["members"][0]["relation"] == "head"
    spouse = person(world, actor=world.grid_worker_a, name="配偶")
    member = client.post(
        f"/api/v1/households/{household.json()['id']}/members/",
        {"person": spouse.pk, "relation": "spouse", "from_date": "2026-03-01"},
        format="json",
    )
    assert member.status_code == 201, member.content
    residence = client.post(
        "/api/v1/residences/",
        {"person": head.pk, "house": house.json()["id"], "kind": "owner",
         "from_date": "2026-03-01"},
        format="json",
    )  # fmt: skip
    assert residence.status_code == 201, residence.content
    ended = client.post(
        f"/api/v1/residences/{residence.json()['id']}/end/",
        {"to_date": "2026-06-30"},
        format="json",
    )
    assert ended.json()["to_date"] == "2026-06-30"
    organisation = client.post(
        "/api/v1/organisations/",
        {"grid": world.grid_a.pk, "name": "东村超市", "kind": "enterprise", "address": "x",
         "uscc": "91350100M000100Y43", "contact_phone": "13800009999"},
        format="json",
    )  # fmt: skip
    assert organisation.status_code == 201, organisation.content
    assert organisation.json()["contact_phone_masked"] == "138****9999"
    assert b"13800009999" not in organisation.content


def counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (Building, House, Household, HouseholdMember, Residence, Organisation)
    )


@pytest.mark.parametrize("persona", READ_ONLY + NO_REGISTRY)
def test_personas_without_collect_cannot_create_anything(world, places, persona):
    client = session_client(getattr(world, persona))
    a = places["a"]
    before = counts()
    bodies = {
        "/api/v1/buildings/": {"grid": world.grid_a.pk, "code": "B-9", "name": "x", "address": "x"},
        "/api/v1/houses/": {"building": a["building"].pk, "room": "102"},
        "/api/v1/households/": {"number": "H-9", "head": a["person"].pk, "grid": world.grid_a.pk,
                                "from_date": "2026-03-01"},
        f"/api/v1/households/{a['household'].pk}/members/": {
            "person": a["person"].pk, "relation": "other", "from_date": "2026-03-01"},
        "/api/v1/residences/": {"person": a["person"].pk, "house": a["house"].pk,
                                "kind": "tenant", "from_date": "2026-04-01"},
        f"/api/v1/residences/{a['residence'].pk}/end/": {"to_date": "2026-06-30"},
        "/api/v1/organisations/": {"grid": world.grid_a.pk, "name": "x", "kind": "other",
                                   "address": "x"},
    }  # fmt: skip
    for url, body in bodies.items():
        assert_error(client.post(url, body, format="json"), 403, "permission_denied")
    assert counts() == before
    a["residence"].refresh_from_db()
    assert a["residence"].to_date is None


def test_grid_worker_b_cannot_write_in_grid_a(world, places):
    client = session_client(world.grid_worker_b)
    a = places["a"]
    before = counts()
    assert_error(
        client.post(
            "/api/v1/buildings/",
            {"grid": world.grid_a.pk, "code": "B-9", "name": "x", "address": "x"},
            format="json",
        ),
        403,
    )
    assert_error(
        client.post(
            "/api/v1/organisations/",
            {"grid": world.grid_a.pk, "name": "x", "kind": "other", "address": "x"},
            format="json",
        ),
        403,
    )
    # References to rows outside the caller's scope are answered as if they did not exist.
    house = client.post(
        "/api/v1/houses/", {"building": a["building"].pk, "room": "102"}, format="json"
    )
    assert "不存在" in assert_error(house, 400)["fields"]["building"][0]
    residence = client.post(
        "/api/v1/residences/",
        {"person": a["person"].pk, "house": places["b"]["house"].pk, "kind": "tenant",
         "from_date": "2026-04-01"},
        format="json",
    )  # fmt: skip
    assert "person" in assert_error(residence, 400)["fields"]
    assert_error(client.post(f"/api/v1/households/{a['household'].pk}/members/",
                             {"person": places["b"]["person"].pk, "relation": "other",
                              "from_date": "2026-03-01"}, format="json"), 404)  # fmt: skip
    assert_error(
        client.post(
            f"/api/v1/residences/{a['residence'].pk}/end/", {"to_date": "2026-06-30"}, format="json"
        ),
        404,
    )
    assert counts() == before


def test_invalid_creates_are_400_on_the_field(world, places):
    client = session_client(world.grid_worker_a)
    before = counts()
    duplicate = client.post(
        "/api/v1/houses/",
        {"building": places["a"]["building"].pk, "unit": "1", "room": "101"},
        format="json",
    )
    assert "room" in assert_error(duplicate, 400)["fields"]
    bad_uscc = client.post(
        "/api/v1/organisations/",
        {"grid": world.grid_a.pk, "name": "x", "kind": "other", "address": "x",
         "uscc": "91350100M000100Y42"},
        format="json",
    )  # fmt: skip
    assert "uscc" in assert_error(bad_uscc, 400)["fields"]
    half_point = client.post(
        "/api/v1/buildings/",
        {"grid": world.grid_a.pk, "code": "B-8", "name": "x", "address": "x", "lon": 117.1},
        format="json",
    )
    assert "lat" in assert_error(half_point, 400)["fields"]
    assert counts() == before


def test_list_filters(world, places):
    client = session_client(world.town_officer)
    a, b = places["a"], places["b"]
    assert ids(client.get("/api/v1/buildings/", {"grid": world.grid_b.pk})) == {b["building"].pk}
    assert ids(client.get("/api/v1/buildings/", {"q": "a楼"})) == {a["building"].pk}
    assert ids(client.get("/api/v1/houses/", {"building": a["building"].pk})) == {a["house"].pk}
    assert ids(client.get("/api/v1/households/", {"q": "住户b"})) == {b["household"].pk}
    assert ids(client.get("/api/v1/residences/", {"person": a["person"].pk})) == {a["residence"].pk}
    assert ids(client.get("/api/v1/residences/", {"current": "false"})) == set()
    assert ids(client.get("/api/v1/organisations/", {"q": "b超市"})) == {b["organisation"].pk}


def test_clear_id_and_phone_appear_in_no_list_or_detail(world):
    worker = world.grid_worker_a
    numbers, phones = [], []
    building = services.building_create(
        actor=worker, grid=world.grid_a, code="B-1", name="1号楼", address="x", floors=3
    )
    people = []
    for n in range(3):
        numbers.append(resident_id())
        phones.append(f"1350000{n:04d}")
        people.append(
            person(world, actor=worker, name=f"人{n}", id_number=numbers[-1], phone=phones[-1])
        )
    house = services.house_create(actor=worker, building=building, room="101", owner=people[0])
    household = services.household_create(
        actor=worker, number="H-1", head=people[0], grid=world.grid_a, from_date=DAY, house=house
    )
    services.household_add_member(
        actor=worker, household=household, person=people[1], relation="spouse", from_date=DAY
    )
    residence = services.residence_start(
        actor=worker, person=people[0], house=house, kind="owner", from_date=DAY
    )
    services.organisation_create(
        actor=worker, grid=world.grid_a, name="店", kind="other", address="x",
        contact_phone="13500009999",
    )  # fmt: skip
    phones.append("13500009999")
    client = session_client(world.town_officer)
    urls = [*ENDPOINTS.values(), "/api/v1/persons/", f"/api/v1/persons/{people[0].pk}/",
            f"/api/v1/houses/{house.pk}/", f"/api/v1/households/{household.pk}/",
            f"/api/v1/residences/{residence.pk}/", f"/api/v1/buildings/{building.pk}/"]  # fmt: skip
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        for secret in numbers + phones:
            assert secret.encode() not in response.content, (url, secret)
    assert people[0].id_masked.encode() in client.get(f"/api/v1/houses/{house.pk}/").content


@pytest.mark.parametrize("kind", ENDPOINTS)
def test_list_query_count_does_not_grow_with_rows(world, kind):
    worker = world.grid_worker_a
    client = session_client(world.town_officer)
    client.get(ENDPOINTS[kind])

    def add(n: int) -> None:
        building = services.building_create(
            actor=worker, grid=world.grid_a, code=f"B-{n}", name=f"{n}号楼", address="x",
            floors=3,
        )  # fmt: skip
        house = services.house_create(actor=worker, building=building, room="101")
        head = person(world, actor=worker, name=f"户主{n}", id_number=resident_id())
        services.household_create(
            actor=worker, number=f"H-{n}", head=head, grid=world.grid_a, from_date=DAY,
            house=house,
        )  # fmt: skip
        services.residence_start(actor=worker, person=head, house=house, kind="owner",
                                 from_date=DAY)  # fmt: skip
        services.organisation_create(actor=worker, grid=world.grid_a, name=f"店{n}",
                                     kind="other", address="x")  # fmt: skip

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(ENDPOINTS[kind]).status_code == 200
        return len(captured)

    add(1)
    one = queries()
    for n in range(2, 7):
        add(n)
    assert queries() == one <= 8
