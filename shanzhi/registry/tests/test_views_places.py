"""Place pages (issue #3, item 4): buildings → houses → residents, households, organisations,
and the grid workers' collection forms for them."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from shanzhi.areas import coords
from shanzhi.registry import services
from shanzhi.registry.identity import check_digit
from shanzhi.registry.models import Building, House, Organisation

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 5, 1)
FORBIDDEN = ["auditor", "citizen", "outsider", "department_handler"]
ID_A = "37040319850612123" + check_digit("37040319850612123")
ID_B = "37040319900101456" + check_digit("37040319900101456")
PHONE = "13812345678"
# Points inside grid A only, inside grid B only, and outside every grid (WGS-84).
IN_A = (117.12, 34.65)
IN_B = (117.18, 34.65)
OUTSIDE = (100.0, 30.0)


def login(client, user):
    client.force_login(user)
    return client


def person(actor, grid, name, number, phone=""):
    data = services.person_input(name=name, id_type="resident", id_number=number, phone=phone)
    return services.person_create(actor=actor, grid=grid, data=data)


@pytest.fixture
def places(world):
    """A building in grid A with two houses; a resident of A lives in 101, a resident filed
    under grid B once lived there too; a building in grid B."""
    worker = world.grid_worker_a
    building = services.building_create(
        actor=worker,
        grid=world.grid_a,
        code="B-A1",
        name="东村1号楼",
        address="东村路1号",
        lon=IN_A[0],
        lat=IN_A[1],
        floors=6,
        units=2,
    )
    house = services.house_create(actor=worker, building=building, unit="1", room="101")
    services.house_create(actor=worker, building=building, unit="1", room="102", floor=1)
    resident = person(worker, world.grid_a, "张三", ID_A, PHONE)
    services.residence_start(
        actor=worker, person=resident, house=house, kind="owner", from_date=DAY
    )
    stranger = person(world.grid_worker_b, world.grid_b, "李四", ID_B)
    past = services.residence_start(
        actor=world.town_officer, person=stranger, house=house, kind="tenant", from_date=DAY
    )
    services.residence_end(actor=world.town_officer, residence=past, to_date=DAY.replace(month=9))
    household = services.household_create(
        actor=worker, number="H-001", head=resident, grid=world.grid_a, from_date=DAY, house=house
    )
    building_b = services.building_create(
        actor=world.grid_worker_b,
        grid=world.grid_b,
        code="B-B1",
        name="东村2号楼",
        address="东村路2号",
        lon=IN_B[0],
        lat=IN_B[1],
    )
    organisation = services.organisation_create(
        actor=worker, grid=world.grid_a, name="东村便利店", kind="individual", address="东村路1号"
    )
    return {
        "organisation": organisation,
        "building": building,
        "house": house,
        "resident": resident,
        "stranger": stranger,
        "household": household,
        "building_b": building_b,
    }


def no_clear_values(content: bytes) -> bool:
    return not any(v.encode() in content for v in (ID_A, ID_B, PHONE))


# --- buildings: list, detail, drill-down --------------------------------------------------------


def test_grid_worker_lists_only_own_grid_buildings(client, world, places):
    html = login(client, world.grid_worker_a).get(reverse("registry:building_list")).content
    html = html.decode()
    assert "东村1号楼" in html and "东村2号楼" not in html


def test_building_search_by_code_and_address(client, world, places):
    client = login(client, world.town_officer)
    html = client.get(reverse("registry:building_list"), {"q": "B-B1"}).content.decode()
    table = html.split('id="sz-building-table"')[1]
    assert "东村2号楼" in table and "东村1号楼" not in table
    html = client.get(reverse("registry:building_list"), {"q": "东村路1号"}).content.decode()
    assert "东村1号楼" in html.split('id="sz-building-table"')[1]


def test_building_drills_down_to_houses_and_residents(client, world, places):
    client = login(client, world.grid_worker_a)
    html = client.get(reverse("registry:building_detail", args=[places["building"].pk])).content
    html = html.decode()
    houses = html.split('id="sz-houses"')[1]
    house_url = reverse("registry:house_detail", args=[places["house"].pk])
    assert house_url in houses and "1单元101室" in houses and "1单元102室" in houses
    row = houses.split(f'data-house="{places["house"].pk}"')[1].split("</tr>")[0]
    assert row.rstrip().endswith("<td>1</td>")  # one resident lives there now
    house_page = client.get(house_url)
    assert house_page.status_code == 200
    current = house_page.content.decode().split('id="sz-current-residents"')[1].split("</table>")[0]
    assert "张三" in current and places["resident"].id_masked in current
    assert no_clear_values(house_page.content)


def test_house_history_hides_residents_outside_the_users_scope(client, world, places):
    url = reverse("registry:house_detail", args=[places["house"].pk])
    worker_html = login(client, world.grid_worker_a).get(url).content.decode()
    assert "李四" not in worker_html
    officer_html = login(client, world.town_officer).get(url).content.decode()
    past = officer_html.split('id="sz-past-residents"')[1].split("</table>")[0]
    assert "李四" in past and "2025-09-01" in past and "租户" in past


def test_grid_worker_a_gets_404_for_grid_b_building_and_its_pages(client, world, places):
    building_b = places["building_b"]
    house_b = services.house_create(actor=world.grid_worker_b, building=building_b, room="201")
    client = login(client, world.grid_worker_a)
    for url in (
        reverse("registry:building_detail", args=[building_b.pk]),
        reverse("registry:house_detail", args=[house_b.pk]),
        reverse("registry:house_create", args=[building_b.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert "东村2号楼" not in response.content.decode()


@pytest.mark.parametrize("persona", FORBIDDEN)
def test_personas_without_registry_right_are_forbidden_place_pages(client, world, places, persona):
    client = login(client, getattr(world, persona))
    for url in (
        reverse("registry:building_list"),
        reverse("registry:building_detail", args=[places["building"].pk]),
        reverse("registry:house_detail", args=[places["house"].pk]),
        reverse("registry:household_detail", args=[places["household"].pk]),
        reverse("registry:organisation_list"),
        reverse("registry:organisation_detail", args=[places["organisation"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert "东村1号楼" not in response.content.decode()


# --- households ---------------------------------------------------------------------------------


def test_household_page_lists_members_masked(client, world, places):
    response = login(client, world.grid_worker_a).get(
        reverse("registry:household_detail", args=[places["household"].pk])
    )
    html = response.content.decode()
    members = html.split('id="sz-members"')[1]
    assert "张三" in members and "户主" in members and places["resident"].id_masked in members
    assert no_clear_values(response.content)


def test_household_list_is_scoped_searchable_and_audited(client, world, places):
    from shanzhi.core.models import AuditLog

    household = places["household"]
    url = reverse("registry:household_list")
    page = login(client, world.grid_worker_a).get(url).content.decode()
    assert f'data-household="{household.pk}"' in page and "张三" in page
    found = client.get(url, {"q": "张"}).content.decode()
    assert f'data-household="{household.pk}"' in found
    missed = client.get(url, {"q": "李"}).content.decode()
    assert f'data-household="{household.pk}"' not in missed
    searches = AuditLog.objects.filter(
        action="registry.household_search", actor=world.grid_worker_a
    )
    assert searches.count() == 3
    assert searches.filter(detail__filters__q="李", detail__count=0).exists()

    other = login(client, world.grid_worker_b).get(url).content.decode()
    assert f'data-household="{household.pk}"' not in other
    for persona in FORBIDDEN:
        assert login(client, getattr(world, persona)).get(url).status_code == 403


def test_household_and_house_pages_are_audited(client, world, places):
    from shanzhi.core.models import AuditLog

    client = login(client, world.grid_worker_a)
    client.get(reverse("registry:household_detail", args=[places["household"].pk]))
    client.get(reverse("registry:house_detail", args=[places["house"].pk]))
    actions = set(
        AuditLog.objects.filter(actor=world.grid_worker_a).values_list("action", flat=True)
    )
    assert {"registry.household_view", "registry.house_view"} <= actions


def test_household_of_another_grid_is_404(client, world, places):
    response = login(client, world.grid_worker_b).get(
        reverse("registry:household_detail", args=[places["household"].pk])
    )
    assert response.status_code == 404


# --- building collection form -------------------------------------------------------------------


def building_data(**overrides):
    data = {
        "code": "B-NEW",
        "name": "东村3号楼",
        "address": "东村路3号",
        "use": "residential",
        "floors": "5",
        "units": "2",
        "built_year": "",
        "lon": "",
        "lat": "",
        "crs": "wgs84",
        "grid": "",
    }
    data.update(overrides)
    return data


def test_building_with_my_location_is_located_to_the_grid(client, world):
    response = login(client, world.grid_worker_a).post(
        reverse("registry:building_create"),
        building_data(lon=str(IN_A[0]), lat=str(IN_A[1]), grid=""),
    )
    building = Building.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:building_detail", args=[building.pk])
    assert (building.grid, building.lon, building.lat) == (world.grid_a, IN_A[0], IN_A[1])


def test_building_coordinates_from_a_gcj02_map_are_stored_as_wgs84(client, world):
    gcj_lon, gcj_lat = coords.wgs84_to_gcj02(*IN_A)
    login(client, world.grid_worker_a).post(
        reverse("registry:building_create"),
        building_data(lon=str(gcj_lon), lat=str(gcj_lat), crs="gcj02"),
    )
    building = Building.objects.get()
    assert building.grid == world.grid_a
    assert abs(building.lon - IN_A[0]) < 1e-6 and abs(building.lat - IN_A[1]) < 1e-6


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"lon": str(OUTSIDE[0]), "lat": str(OUTSIDE[1])}, "lon", "不在任何网格内"),
        ({"lon": str(IN_B[0]), "lat": str(IN_B[1])}, "lon", "不在您的管辖范围内"),
        ({"lon": "117.12", "lat": ""}, "lat", "经度和纬度须同时填写"),
        ({"lon": "500", "lat": "34"}, "lon", "经纬度超出范围"),
        ({"lon": str(IN_A[0]), "lat": str(IN_A[1]), "grid": "B"}, "grid", "所选网格不存在"),
        ({"code": ""}, "code", "请填写楼栋编码"),
        ({"floors": "0"}, "floors", "确保该值大于或等于1"),
    ],
    ids=["outside", "other-grid", "half", "range", "bad-grid", "code", "floors"],
)
def test_building_form_errors_are_chinese_and_write_nothing(
    client, world, overrides, field, message
):
    if overrides.get("grid") == "B":
        overrides["grid"] = str(world.grid_b.pk)
    response = login(client, world.grid_worker_a).post(
        reverse("registry:building_create"), building_data(**overrides)
    )
    assert response.status_code == 200
    block = response.content.decode().split(f'data-field="{field}"')[1].split('data-field="')[0]
    assert message in block and "is-invalid" in block
    assert Building.objects.count() == 0


def test_building_without_position_or_grid_asks_for_one(client, world):
    # The town officer has several grids, so none is preselected.
    response = login(client, world.town_officer).post(
        reverse("registry:building_create"), building_data()
    )
    assert response.status_code == 200
    assert "请选择所属网格，或填写坐标自动定位" in response.content.decode()
    assert Building.objects.count() == 0


def test_chosen_grid_must_agree_with_the_position(client, world):
    response = login(client, world.town_officer).post(
        reverse("registry:building_create"),
        building_data(lon=str(IN_B[0]), lat=str(IN_B[1]), grid=str(world.grid_a.pk)),
    )
    assert response.status_code == 200
    assert "该坐标位于“东村第二网格”，与所选网格不一致" in response.content.decode()
    assert Building.objects.count() == 0


def test_building_without_position_goes_to_the_chosen_grid(client, world):
    login(client, world.grid_worker_a).post(
        reverse("registry:building_create"), building_data(grid=str(world.grid_a.pk))
    )
    building = Building.objects.get()
    assert (building.grid, building.lon) == (world.grid_a, None)


def test_building_form_has_the_location_button_and_its_script(client, world):
    html = login(client, world.grid_worker_a).get(reverse("registry:building_create")).content
    html = html.decode()
    assert "data-sz-geolocate" in html and "registry/collect.js" in html
    assert "<script>" not in html and " style=" not in html


def test_duplicate_building_code_is_a_form_error(client, world, places):
    response = login(client, world.grid_worker_a).post(
        reverse("registry:building_create"), building_data(code="B-A1", grid=str(world.grid_a.pk))
    )
    assert response.status_code == 200
    assert "楼栋编码 B-A1 已存在" in response.content.decode()
    assert Building.objects.count() == 2


@pytest.mark.parametrize("persona", ["leader", "dispatcher", "mediator", *FORBIDDEN])
def test_personas_without_collect_right_cannot_add_buildings(client, world, persona):
    client = login(client, getattr(world, persona))
    assert client.get(reverse("registry:building_create")).status_code == 403
    response = client.post(reverse("registry:building_create"), building_data(grid=world.grid_a.pk))
    assert response.status_code == 403
    assert Building.objects.count() == 0


# --- house collection form ----------------------------------------------------------------------


def test_grid_worker_adds_a_house_to_a_building(client, world, places):
    response = login(client, world.grid_worker_a).post(
        reverse("registry:house_create", args=[places["building"].pk]),
        {"unit": "2", "floor": "3", "room": "301", "floor_area": "89.5", "use": "residential",
         "status": "rented"},
    )  # fmt: skip
    house = House.objects.get(room="301")
    assert response.status_code == 302
    assert (house.grid, house.unit, house.status) == (world.grid_a, "2", "rented")


def test_house_above_the_top_floor_is_refused_in_chinese(client, world, places):
    response = login(client, world.grid_worker_a).post(
        reverse("registry:house_create", args=[places["building"].pk]),
        {"unit": "1", "floor": "9", "room": "901", "use": "residential", "status": "vacant"},
    )
    assert response.status_code == 200
    assert "楼层超出楼栋总层数（6 层）" in response.content.decode()
    assert not House.objects.filter(room="901").exists()


def test_leader_cannot_add_a_house(client, world, places):
    response = login(client, world.leader).post(
        reverse("registry:house_create", args=[places["building"].pk]),
        {"unit": "1", "floor": "2", "room": "201", "use": "residential", "status": "vacant"},
    )
    assert response.status_code == 403
    assert House.objects.count() == 2


def test_grid_worker_b_cannot_add_a_house_to_grid_a_building(client, world, places):
    response = login(client, world.grid_worker_b).post(
        reverse("registry:house_create", args=[places["building"].pk]),
        {"unit": "1", "floor": "2", "room": "201", "use": "residential", "status": "vacant"},
    )
    assert response.status_code == 404
    assert House.objects.count() == 2


# --- organisations ------------------------------------------------------------------------------


def organisation_data(world, **overrides):
    data = {
        "name": "东村便民超市",
        "kind": "individual",
        "uscc": "",
        "address": "东村路5号",
        "grid": str(world.grid_a.pk),
        "employees": "3",
        "legal_representative": "赵六",
        "contact_name": "赵六",
        "contact_phone": "13512345678",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_organisation_is_added_and_its_phone_shown_masked(client, world):
    client = login(client, world.grid_worker_a)
    response = client.post(reverse("registry:organisation_create"), organisation_data(world))
    organisation = Organisation.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("registry:organisation_detail", args=[organisation.pk]))
    assert "135****5678" in page.content.decode()
    assert b"13512345678" not in page.content
    listing = client.get(reverse("registry:organisation_list"))
    assert "东村便民超市" in listing.content.decode() and b"13512345678" not in listing.content


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"uscc": "91370400MA3C000000"}, "uscc", "统一社会信用代码"),
        ({"contact_phone": "0632"}, "contact_phone", "手机号码应为 11 位"),
        ({"name": ""}, "name", "请填写单位名称"),
    ],
    ids=["uscc", "phone", "name"],
)
def test_organisation_form_errors_are_chinese_and_write_nothing(
    client, world, overrides, field, message
):
    response = login(client, world.grid_worker_a).post(
        reverse("registry:organisation_create"), organisation_data(world, **overrides)
    )
    assert response.status_code == 200
    block = response.content.decode().split(f'data-field="{field}"')[1].split('data-field="')[0]
    assert message in block
    assert Organisation.objects.count() == 0


def test_organisation_of_another_grid_is_404_and_not_listed(client, world):
    organisation = services.organisation_create(
        actor=world.grid_worker_b, grid=world.grid_b, name="西边工厂", kind="enterprise",
        address="东村路20号",
    )  # fmt: skip
    client = login(client, world.grid_worker_a)
    detail = reverse("registry:organisation_detail", args=[organisation.pk])
    assert client.get(detail).status_code == 404
    assert "西边工厂" not in client.get(reverse("registry:organisation_list")).content.decode()


def test_organisation_list_filters_by_kind(client, world):
    for name, kind in (("东村小学", "school"), ("东村诊所", "hospital")):
        services.organisation_create(
            actor=world.grid_worker_a, grid=world.grid_a, name=name, kind=kind, address="东村"
        )
    html = (
        login(client, world.grid_worker_a)
        .get(reverse("registry:organisation_list"), {"kind": "school"})
        .content.decode()
    )
    table = html.split('id="sz-organisation-table"')[1]
    assert "东村小学" in table and "东村诊所" not in table


@pytest.mark.parametrize("persona", ["leader", *FORBIDDEN])
def test_personas_without_collect_right_cannot_add_organisations(client, world, persona):
    response = login(client, getattr(world, persona)).post(
        reverse("registry:organisation_create"), organisation_data(world)
    )
    assert response.status_code == 403
    assert Organisation.objects.count() == 0


# --- pages are CSP-clean and mobile-ready -------------------------------------------------------


def test_registry_pages_have_no_inline_script_or_style(client, world, places):
    client = login(client, world.grid_worker_a)
    urls = [
        reverse("registry:person_list"),
        reverse("registry:person_create"),
        reverse("registry:person_detail", args=[places["resident"].pk]),
        reverse("registry:person_edit", args=[places["resident"].pk]),
        reverse("registry:building_list"),
        reverse("registry:building_create"),
        reverse("registry:building_detail", args=[places["building"].pk]),
        reverse("registry:house_create", args=[places["building"].pk]),
        reverse("registry:house_detail", args=[places["house"].pk]),
        reverse("registry:household_detail", args=[places["household"].pk]),
        reverse("registry:organisation_list"),
        reverse("registry:organisation_detail", args=[places["organisation"].pk]),
        reverse("registry:organisation_create"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "<script>" not in html and "<style" not in html and " style=" not in html, url
        assert no_clear_values(response.content), url
