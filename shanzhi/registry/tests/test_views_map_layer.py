"""The buildings layer of the map: scoped, bounded by a box and by a maximum count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shanzhi.registry import services
from shanzhi.registry.views import map_layer

pytestmark = pytest.mark.django_db

URL = "registry:buildings_geojson"
EVERYWHERE = "117.0,34.5,118.0,35.3"


def login(client, user):
    client.force_login(user)
    return client


def building(actor, grid, code, lon, lat):
    return services.building_create(
        actor=actor, grid=grid, code=code, name=f"楼栋{code}", address="东村", lon=lon, lat=lat
    )


@pytest.fixture
def buildings(world):
    return {
        "a": building(world.grid_worker_a, world.grid_a, "A1", 117.12, 34.65),
        "a_far": building(world.grid_worker_a, world.grid_a, "A2", 117.11, 34.69),
        "b": building(world.grid_worker_b, world.grid_b, "B1", 117.18, 34.65),
        "unlocated": services.building_create(
            actor=world.grid_worker_a, grid=world.grid_a, code="A3", name="无坐标", address="东村"
        ),
    }


def codes(client, bbox=EVERYWHERE) -> set[str]:
    response = client.get(reverse(URL), {"bbox": bbox})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    return {f["properties"]["code"] for f in response.json()["features"]}


def test_grid_worker_a_sees_only_grid_a_buildings_on_the_map(client, world, buildings):
    assert codes(login(client, world.grid_worker_a)) == {"A1", "A2"}


def test_grid_worker_b_sees_only_grid_b_buildings(client, world, buildings):
    assert codes(login(client, world.grid_worker_b)) == {"B1"}


def test_town_officer_sees_every_located_building_of_the_town(client, world, buildings):
    assert codes(login(client, world.town_officer)) == {"A1", "A2", "B1"}


def test_box_limits_the_buildings(client, world, buildings):
    client = login(client, world.town_officer)
    assert codes(client, "117.115,34.64,117.19,34.66") == {"A1", "B1"}
    assert codes(client, "117.0,30.0,117.05,30.5") == set()


def test_features_are_points_with_a_link_and_no_personal_data(client, world, buildings):
    response = login(client, world.grid_worker_a).get(reverse(URL), {"bbox": EVERYWHERE})
    feature = next(f for f in response.json()["features"] if f["properties"]["code"] == "A1")
    assert feature["geometry"] == {"type": "Point", "coordinates": [117.12, 34.65]}
    assert feature["properties"]["url"] == reverse(
        "registry:building_detail", args=[buildings["a"].pk]
    )
    assert feature["properties"]["grid"] == "东村第一网格"
    assert set(feature["properties"]) == {
        "id", "code", "name", "address", "use", "floors", "grid", "url",
    }  # fmt: skip


@pytest.mark.parametrize(
    "bbox",
    ["", "117,34", "a,b,c,d", "118,34,117,35", "117,34,190,35"],
    ids=["missing", "short", "text", "reversed", "out-of-range"],
)
def test_bad_box_is_a_clear_400(client, world, buildings, bbox):
    response = login(client, world.town_officer).get(reverse(URL), {"bbox": bbox})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "bad_bbox" and "bbox" in body["error"]


def test_too_many_buildings_is_a_400_asking_to_zoom_in(client, world, buildings, monkeypatch):
    monkeypatch.setattr(map_layer, "MAX_FEATURES", 2)
    response = login(client, world.town_officer).get(reverse(URL), {"bbox": EVERYWHERE})
    assert response.status_code == 400
    body = response.json()
    assert body == {
        "error": "当前范围内的楼栋超过 2 个，请放大地图后查看。",
        "code": "too_many",
        "max": 2,
    }
    # Within the limit for a smaller scope.
    assert codes(login(client, world.grid_worker_a)) == {"A1", "A2"}


def test_map_layer_query_count_is_pinned(client, world, buildings, django_assert_num_queries):
    client = login(client, world.town_officer)
    client.get(reverse("core:home"))
    with django_assert_num_queries(4):  # session, user, posts (scope), buildings + grids
        client.get(reverse(URL), {"bbox": EVERYWHERE})


@pytest.mark.parametrize("persona", ["auditor", "citizen", "outsider", "department_handler"])
def test_personas_without_registry_right_are_forbidden_the_layer(client, world, buildings, persona):
    response = login(client, getattr(world, persona)).get(reverse(URL), {"bbox": EVERYWHERE})
    assert response.status_code == 403
    # No GeoJSON and no building's name (a bare code like "A1" could occur in a CSRF token).
    assert b'"features"' not in response.content
    assert "楼栋A1".encode() not in response.content


def test_anonymous_is_sent_to_login(client, world, buildings):
    response = client.get(reverse(URL), {"bbox": EVERYWHERE})
    assert response.status_code == 302


def test_map_page_includes_the_layer_script_for_registry_readers_only(client, world):
    script = "registry/buildings_layer.js"
    assert script in login(client, world.grid_worker_a).get(reverse("areas:map")).content.decode()
    # An auxiliary member sees the map but not the registry.
    from shanzhi.testing.personas import make_post, make_user

    auxiliary = make_user("aux", "辅助网格员")
    make_post(auxiliary, "auxiliary", world.grid_a)
    html = login(client, auxiliary).get(reverse("areas:map")).content.decode()
    assert "sz-map" in html and script not in html
