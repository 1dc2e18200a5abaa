"""The map page, its GeoJSON, the public grid card and the area page (issue #2)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from shanzhi.areas import services
from shanzhi.areas.models import Area, GridMembership

pytestmark = pytest.mark.django_db

MAP_DATA = "areas:map_data"


def map_codes(client, user) -> set[str]:
    client.force_login(user)
    response = client.get(reverse(MAP_DATA))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    return {feature["properties"]["code"] for feature in response.json()["features"]}


def codes(*areas: Area) -> set[str]:
    return {area.code for area in areas}


# --- map data: exactly the user's subtree --------------------------------------------------------


def test_grid_worker_map_data_holds_exactly_their_grid(client, world):
    assert map_codes(client, world.grid_worker_a) == codes(world.grid_a)


def test_town_officer_map_data_holds_exactly_the_town_its_villages_and_grids(client, world):
    assert map_codes(client, world.town_officer) == codes(
        world.town,
        world.village,
        world.village2,
        world.grid_a,
        world.grid_b,
        world.grid_c,
        world.school_grid,
    )


def test_city_admin_map_data_holds_every_area(client, world):
    everything = set(Area.objects.values_list("code", flat=True))
    assert len(everything) == 16
    assert map_codes(client, world.city_admin) == everything


def test_department_handler_has_the_map_but_no_areas_on_it(client, world):
    assert map_codes(client, world.department_handler) == set()
    assert client.get(reverse("areas:map")).status_code == 200


@pytest.mark.parametrize("persona", ["outsider", "auditor", "citizen"])
def test_users_without_map_right_are_forbidden_the_map_and_its_data(client, world, persona):
    client.force_login(getattr(world, persona))
    response = client.get(reverse("areas:map"))
    assert response.status_code == 403
    assert "您没有查看地图的权限。" in response.content.decode()
    response = client.get(reverse(MAP_DATA))
    assert response.status_code == 403
    assert world.grid_a.code.encode() not in response.content


def test_anonymous_map_and_data_redirect_to_login(client, world):
    for name in ("areas:map", MAP_DATA):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_map_features_carry_level_kind_and_card_link_of_grids(client, world):
    client.force_login(world.town_officer)
    features = {
        f["properties"]["code"]: f for f in client.get(reverse(MAP_DATA)).json()["features"]
    }
    school = features[world.school_grid.code]
    assert school["geometry"]["type"] == "Polygon"
    assert school["properties"]["level"] == 5
    assert school["properties"]["kind"] == "dedicated"
    assert school["properties"]["card_url"] == reverse(
        "areas:grid_card", args=[world.school_grid.code]
    )
    village = features[world.village.code]
    assert village["properties"]["level"] == 4
    assert village["properties"]["card_url"] is None
    assert village["properties"]["parent_code"] == world.town.code


def test_map_data_query_count_is_the_same_for_one_grid_and_the_whole_city(
    client, world, django_assert_num_queries
):
    # session, user, posts (scope), areas with parents joined: no query per area.
    for user in (world.grid_worker_a, world.city_admin):
        client.force_login(user)
        client.get(reverse(MAP_DATA))  # first request writes the session timestamps
        with django_assert_num_queries(4):
            assert client.get(reverse(MAP_DATA)).status_code == 200


# --- map page ------------------------------------------------------------------------------------


def test_map_page_draws_boundaries_only_when_no_tile_url_is_set(client, world, settings):
    settings.SHANZHI_MAP_TILE_URL = ""
    client.force_login(world.grid_worker_a)
    response = client.get(reverse("areas:map"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-sz-map="scope"' in html
    assert 'data-tile-url=""' in html
    assert f'data-geojson-url="{reverse(MAP_DATA)}"' in html
    assert "vendor/leaflet/leaflet.js" in html
    for kind_label in ("基础网格", "专属网格", "专业网格"):
        assert kind_label in html  # the legend


def test_map_page_passes_the_configured_tile_layer_to_the_script(client, world, settings):
    settings.SHANZHI_MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.SHANZHI_MAP_TILE_ATTRIBUTION = "© Example"
    client.force_login(world.grid_worker_a)
    html = client.get(reverse("areas:map")).content.decode()
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert 'data-tile-attribution="© Example"' in html


def test_map_page_query_count_is_pinned(client, world, django_assert_num_queries):
    client.force_login(world.city_admin)
    client.get(reverse("areas:map"))
    with django_assert_num_queries(3):  # session, user, posts (scope); areas come by fetch
        client.get(reverse("areas:map"))


# --- public grid card ----------------------------------------------------------------------------


def test_grid_card_is_public_and_shows_team_and_supervision_phone(client, world):
    response = client.get(reverse("areas:grid_card", args=[world.grid_a.code]))
    assert response.status_code == 200
    html = response.content.decode()
    for fact in (
        "东村第一网格",
        world.grid_a.code,
        "基础网格",
        "东村",
        "常庄街道",
        "网格员甲",  # full-time grid worker
        "13800000001",
        "东村书记",  # grid leader
        "0632-4412345",  # supervision phone
    ):
        assert fact in html
    assert 'data-sz-map="boundary"' in html
    assert '"type": "Polygon"' in html  # boundary handed to the map as json_script


def test_grid_card_shows_auxiliaries_with_their_roles(client, world):
    services.membership_assign(
        actor=None,
        grid=world.grid_a,
        role="auxiliary",
        auxiliary_role="police",
        name="片警老王",
        phone="13800000009",
        start_date=datetime.date(2026, 1, 1),
    )
    html = client.get(reverse("areas:grid_card", args=[world.grid_a.code])).content.decode()
    assert "片警老王" in html
    assert "片警" in html
    assert "13800000009" in html


def test_grid_card_shows_no_personal_data_beyond_the_public_facts(client, world):
    worker = world.grid_worker_a
    worker.phone = "13999990000"
    worker.email = "worker-a@example.invalid"
    worker.save(update_fields=["phone", "email"])
    Area.objects.filter(pk=world.grid_a.pk).update(description="内部备注：勿公开")
    services.membership_assign(
        actor=None,
        grid=world.grid_a,
        role="worker",
        name="新网格员丙",
        phone="13800000003",
        start_date=datetime.date(2026, 3, 1),
        replace_current=True,
    )
    GridMembership.objects.filter(name="网格员甲").update(phone="13800000001")
    html = client.get(reverse("areas:grid_card", args=[world.grid_a.code])).content.decode()
    assert "新网格员丙" in html
    for private in (
        "13999990000",  # the account's own phone
        "worker-a@example.invalid",
        worker.username,
        "内部备注",
        "网格员甲",  # a former worker: history is not public
        "13800000001",
    ):
        assert private not in html


def test_grid_card_partial_is_the_card_alone_for_the_map_popup(client, world):
    url = reverse("areas:grid_card", args=[world.grid_a.code])
    for response in (client.get(url, {"partial": "1"}), client.get(url, HTTP_HX_REQUEST="true")):
        html = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in html
        assert html.lstrip().startswith('<article class="sz-grid-card"')
        assert "网格员甲" in html
        assert "0632-4412345" in html
        assert f'href="{url}"' in html
        assert "HX-Request" in response["Vary"]


def test_grid_card_of_a_village_or_unknown_code_is_404(client, world):
    assert client.get(reverse("areas:grid_card", args=[world.village.code])).status_code == 404
    assert client.get(reverse("areas:grid_card", args=["nope"])).status_code == 404


def test_grid_card_of_an_inactive_grid_is_404(client, world):
    Area.objects.filter(pk=world.grid_b.pk).update(is_active=False)
    assert client.get(reverse("areas:grid_card", args=[world.grid_b.code])).status_code == 404


def test_grid_card_query_count_is_pinned(client, world, django_assert_num_queries):
    services.membership_assign(
        actor=None,
        grid=world.grid_a,
        role="auxiliary",
        auxiliary_role="lawyer",
        name="律师小李",
        start_date=datetime.date(2026, 1, 1),
    )
    with django_assert_num_queries(2):  # the grid with village and town; its current team
        client.get(reverse("areas:grid_card", args=[world.grid_a.code]))


# --- area detail ---------------------------------------------------------------------------------


def test_area_detail_outside_scope_is_404(client, world):
    client.force_login(world.grid_worker_a)
    response = client.get(reverse("areas:area_detail", args=[world.grid_b.pk]))
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    assert world.grid_b.name not in response.content.decode()
    assert client.get(reverse("areas:area_detail", args=[world.village.pk])).status_code == 404
    client.force_login(world.town_officer)
    assert client.get(reverse("areas:area_detail", args=[world.town2.pk])).status_code == 404
    assert client.get(reverse("areas:area_detail", args=[world.grid_e.pk])).status_code == 404


def test_area_detail_is_404_for_users_without_areas(client, world):
    for user in (world.outsider, world.citizen, world.auditor, world.department_handler):
        client.force_login(user)
        assert client.get(reverse("areas:area_detail", args=[world.grid_a.pk])).status_code == 404


def test_town_page_lists_its_villages_and_not_other_towns(client, world):
    client.force_login(world.town_officer)
    response = client.get(reverse("areas:area_detail", args=[world.town.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.town.code in html
    assert "东村" in html and "西村" in html
    assert "南村" not in html
    assert reverse("areas:area_detail", args=[world.village.pk]) in html
    # The parent district is outside the town officer's scope: named, not linked.
    assert "薛城区" in html
    assert reverse("areas:area_detail", args=[world.xuecheng.pk]) not in html


def test_grid_page_shows_team_history_with_ended_members(client, world):
    services.membership_assign(
        actor=None,
        grid=world.grid_a,
        role="worker",
        name="新网格员丙",
        start_date=datetime.date(2026, 3, 1),
        replace_current=True,
    )
    client.force_login(world.grid_worker_a)
    html = client.get(reverse("areas:area_detail", args=[world.grid_a.pk])).content.decode()
    assert "新网格员丙" in html
    assert "网格员甲" in html
    assert "2026-02-28" in html  # the former worker's end date
    assert reverse("areas:grid_card", args=[world.grid_a.code]) in html


def test_area_detail_query_count_is_pinned(client, world, django_assert_num_queries):
    client.force_login(world.city_admin)
    url = reverse("areas:area_detail", args=[world.village.pk])
    client.get(url)
    with django_assert_num_queries(5):  # session, user, posts, the area, its children
        assert client.get(url).status_code == 200
