"""Editing buildings, houses and organisations (issue #3 follow-up): the grid's worker and the
town officer may edit, others get 403/404; a stale version is a 409; every changed field gets
a ChangeRecord, shown on the detail page; a rejected edit writes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from shanzhi.areas.services import StaleEdit
from shanzhi.core.models import AuditLog
from shanzhi.registry import services
from shanzhi.registry.models import Building, ChangeRecord, House, Organisation

pytestmark = pytest.mark.django_db

IN_A = (117.12, 34.65)
IN_B = (117.18, 34.65)
GOOD_USCC = "91350100M000100Y43"
BAD_USCC = "91350100M000100Y42"


@pytest.fixture
def place(world):
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
    organisation = services.organisation_create(
        actor=worker, grid=world.grid_a, name="东村便利店", kind="individual", address="东村路1号"
    )
    return {"building": building, "house": house, "organisation": organisation}


def building_post(building, **changes):
    data = {
        "version": building.version,
        "code": building.code,
        "name": building.name,
        "address": building.address,
        "use": building.use,
        "floors": building.floors,
        "units": building.units,
        "built_year": "",
        "lon": building.lon,
        "lat": building.lat,
        "crs": "wgs84",
        "grid": building.grid_id,
    }
    data.update(changes)
    return data


def house_post(house, **changes):
    data = {
        "version": house.version,
        "unit": house.unit,
        "floor": house.floor,
        "room": house.room,
        "floor_area": "",
        "use": house.use,
        "status": house.status,
    }
    data.update(changes)
    return data


def organisation_post(org, **changes):
    data = {
        "version": org.version,
        "name": org.name,
        "kind": org.kind,
        "uscc": org.uscc or "",
        "address": org.address,
        "grid": org.grid_id,
        "employees": "",
        "legal_representative": "",
        "contact_name": "",
        "contact_phone": "",
        "notes": "",
    }
    data.update(changes)
    return data


def changes_of(object_type, obj):
    return {
        c.field: (c.old_value, c.new_value)
        for c in ChangeRecord.objects.filter(object_type=object_type, object_id=obj.pk)
    }


# --- who may edit -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["grid_worker_a", "town_officer"])
def test_grid_worker_and_town_officer_edit_a_building(client, world, place, persona):
    building = place["building"]
    client.force_login(getattr(world, persona))
    url = reverse("registry:building_edit", args=[building.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'value="B-A1"' in page.content.decode()
    response = client.post(url, building_post(building, name="东村一号楼", floors=8))
    assert response.status_code == 302
    building.refresh_from_db()
    assert building.name == "东村一号楼" and building.floors == 8 and building.version == 2
    assert changes_of("building", building) == {
        "name": ("东村1号楼", "东村一号楼"),
        "floors": ("6", "8"),
    }
    record = ChangeRecord.objects.filter(object_type="building").first()
    assert record.actor == getattr(world, persona)
    assert AuditLog.objects.filter(action="registry.building_update").count() == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [("grid_worker_b", 404), ("auditor", 403), ("citizen", 403), ("outsider", 403)],
)
def test_others_may_not_edit(client, world, place, persona, status):
    client.force_login(getattr(world, persona))
    targets = [
        ("registry:building_edit", place["building"], building_post(place["building"], name="X")),
        ("registry:house_edit", place["house"], house_post(place["house"], room="999")),
        (
            "registry:organisation_edit",
            place["organisation"],
            organisation_post(place["organisation"], name="X"),
        ),
    ]
    for name, obj, data in targets:
        url = reverse(name, args=[obj.pk])
        assert client.get(url).status_code == status
        assert client.post(url, data).status_code == status
    assert not ChangeRecord.objects.exists()
    assert Building.objects.get().name == "东村1号楼"
    assert House.objects.get().room == "101"
    assert Organisation.objects.get().name == "东村便利店"


def test_edit_buttons_only_for_collectors_and_readers_get_403(client, world, place):
    pages = [
        ("building", place["building"]),
        ("house", place["house"]),
        ("organisation", place["organisation"]),
    ]
    client.force_login(world.grid_worker_a)
    for kind, obj in pages:
        html = client.get(reverse(f"registry:{kind}_detail", args=[obj.pk])).content.decode()
        assert reverse(f"registry:{kind}_edit", args=[obj.pk]) in html
    client.force_login(world.dispatcher)  # reads the district's registry, collects nothing
    for kind, obj in pages:
        response = client.get(reverse(f"registry:{kind}_detail", args=[obj.pk]))
        assert response.status_code == 200
        assert reverse(f"registry:{kind}_edit", args=[obj.pk]) not in response.content.decode()
        assert client.get(reverse(f"registry:{kind}_edit", args=[obj.pk])).status_code == 403


def test_moving_to_a_grid_outside_scope_is_refused(client, world, place):
    building = place["building"]
    client.force_login(world.grid_worker_a)
    url = reverse("registry:building_edit", args=[building.pk])
    response = client.post(url, building_post(building, lon=IN_B[0], lat=IN_B[1], grid=""))
    assert response.status_code == 200
    assert "不在您的管辖范围内" in response.content.decode()
    building.refresh_from_db()
    assert building.grid == world.grid_a and building.version == 1
    with pytest.raises(PermissionDenied):
        services.organisation_update(
            actor=world.grid_worker_a,
            organisation=place["organisation"],
            version=1,
            grid=world.grid_b,
        )
    assert not ChangeRecord.objects.exists()


def test_new_point_relocates_building_and_its_houses(client, world, place):
    building = place["building"]
    client.force_login(world.town_officer)
    url = reverse("registry:building_edit", args=[building.pk])
    response = client.post(url, building_post(building, lon=IN_B[0], lat=IN_B[1], grid=""))
    assert response.status_code == 302
    building.refresh_from_db()
    assert building.grid == world.grid_b and building.lon == pytest.approx(IN_B[0])
    assert House.objects.get().grid == world.grid_b
    changed = changes_of("building", building)
    assert changed["grid"] == (world.grid_a.code, world.grid_b.code)
    assert {"lon", "grid"} <= set(changed)


# --- validation and conflicts ------------------------------------------------------------------


def test_bad_uscc_is_a_chinese_error_and_writes_nothing(client, world, place):
    org = place["organisation"]
    client.force_login(world.grid_worker_a)
    url = reverse("registry:organisation_edit", args=[org.pk])
    response = client.post(url, organisation_post(org, name="新名字", uscc=BAD_USCC))
    assert response.status_code == 200
    html = response.content.decode()
    assert "统一社会信用代码" in html and "未保存任何数据" in html
    org.refresh_from_db()
    assert org.name == "东村便利店" and org.uscc is None and org.version == 1
    assert not ChangeRecord.objects.exists()


def test_organisation_edit_records_uscc_and_masked_phone(client, world, place):
    org = place["organisation"]
    client.force_login(world.grid_worker_a)
    url = reverse("registry:organisation_edit", args=[org.pk])
    data = organisation_post(org, uscc=GOOD_USCC.lower(), contact_phone="13800009999")
    assert client.post(url, data).status_code == 302
    org.refresh_from_db()
    assert org.uscc == GOOD_USCC and org.contact_phone_masked.startswith("138")
    changed = changes_of("organisation", org)
    assert changed == {"uscc": ("", GOOD_USCC), "contact_phone": ("", org.contact_phone_masked)}
    assert "13800009999" not in str(changed)
    detail = client.get(reverse("registry:organisation_detail", args=[org.pk])).content.decode()
    history = detail.split('id="sz-changes"')[1]
    assert GOOD_USCC in history and "联系电话" in history and "13800009999" not in detail


@pytest.mark.parametrize("kind", ["building", "house", "organisation"])
def test_stale_version_is_409_and_writes_nothing(client, world, place, kind):
    obj = place[kind]
    post = {"building": building_post, "house": house_post, "organisation": organisation_post}
    field, value = ("room", "201") if kind == "house" else ("name", "新名字")
    data = post[kind](obj, **{field: value})
    model = type(obj)
    model.objects.filter(pk=obj.pk).update(version=5)  # someone saved in between
    client.force_login(world.grid_worker_a)
    response = client.post(reverse(f"registry:{kind}_edit", args=[obj.pk]), data)
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()
    fresh = model.objects.get(pk=obj.pk)
    assert getattr(fresh, field) == getattr(obj, field) and fresh.version == 5
    assert not ChangeRecord.objects.exists()


def test_service_stale_edit_raises(world, place):
    with pytest.raises(StaleEdit):
        services.house_update(
            actor=world.grid_worker_a, house=place["house"], version=9, room="202"
        )
    assert House.objects.get().room == "101"


def test_house_floor_above_building_is_refused(client, world, place):
    house = place["house"]
    client.force_login(world.grid_worker_a)
    url = reverse("registry:house_edit", args=[house.pk])
    response = client.post(url, house_post(house, floor=9))
    assert response.status_code == 200 and "楼层超出楼栋总层数" in response.content.decode()
    house.refresh_from_db()
    assert house.floor == 1 and not ChangeRecord.objects.exists()


def test_building_floors_below_an_existing_house_are_refused(world, place):
    services.house_create(
        actor=world.grid_worker_a, building=place["building"], room="501", floor=5
    )
    with pytest.raises(Exception) as exc:
        services.building_update(
            actor=world.grid_worker_a, building=place["building"], version=1, floors=3
        )
    assert "层数不能少于 5" in str(exc.value)
    assert Building.objects.get().floors == 6


def test_duplicate_building_code_is_refused(world, place):
    services.building_create(
        actor=world.grid_worker_a, grid=world.grid_a, code="B-A2", name="2号楼", address="x"
    )
    with pytest.raises(Exception) as exc:
        services.building_update(
            actor=world.grid_worker_a, building=place["building"], version=1, code="B-A2", name="新"
        )
    assert "已存在" in str(exc.value)
    assert Building.objects.get(pk=place["building"].pk).name == "东村1号楼"
    assert not ChangeRecord.objects.exists()


# --- history on the detail pages ----------------------------------------------------------------


def test_house_edit_shows_in_the_history(client, world, place):
    house = place["house"]
    client.force_login(world.grid_worker_a)
    url = reverse("registry:house_edit", args=[house.pk])
    assert client.post(url, house_post(house, room="102", status="vacant")).status_code == 302
    house.refresh_from_db()
    assert house.version == 2
    assert set(changes_of("house", house)) == {"room", "status"}
    detail = client.get(reverse("registry:house_detail", args=[house.pk])).content.decode()
    history = detail.split('id="sz-changes"')[1].split("</table>")[0]
    assert "室号" in history and "101" in history and "102" in history
    assert world.grid_worker_a.display_name in history


def test_unchanged_save_writes_no_history(client, world, place):
    building = place["building"]
    client.force_login(world.grid_worker_a)
    url = reverse("registry:building_edit", args=[building.pk])
    assert client.post(url, building_post(building)).status_code == 302
    building.refresh_from_db()
    assert building.version == 1 and not ChangeRecord.objects.exists()
    detail = client.get(reverse("registry:building_detail", args=[building.pk])).content.decode()
    assert "登记后没有修改过" in detail
