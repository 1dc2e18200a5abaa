from __future__ import annotations

import pytest

from shanzhi.areas.models import Area
from shanzhi.core.models import AuditLog
from shanzhi.testing.api import assert_error, has_cjk, session_client, token_client
from shanzhi.testing.personas import box

AREAS = "/api/v1/areas/"
AREAS_GEOJSON = "/api/v1/areas/geojson/"
GRIDS_GEOJSON = "/api/v1/grids/geojson/"

TOWN_OFFICER_CODES = {
    "370403001",
    "370403001001",
    "370403001002",
    "370403001001001",
    "370403001001002",
    "370403001002001",
    "370403001001Z01",
}


def detail(area: Area) -> str:
    return f"{AREAS}{area.pk}/"


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def feature_codes(response) -> set[str]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return {feature["properties"]["code"] for feature in body["features"]}


def snapshot(area: Area) -> tuple:
    area.refresh_from_db()
    return (area.name, area.boundary, area.supervision_phone, area.version, area.area_km2)


# --- list ---------------------------------------------------------------------------------------


def test_grid_worker_lists_exactly_their_grid(world):
    body = session_client(world.grid_worker_a).get(AREAS).json()
    assert body["count"] == 1
    assert [row["code"] for row in body["results"]] == [world.grid_a.code]


def test_town_officer_lists_town_villages_and_grids(world):
    body = session_client(world.town_officer).get(AREAS).json()
    assert body["count"] == 7
    assert {row["code"] for row in body["results"]} == TOWN_OFFICER_CODES


def test_city_admin_lists_every_area_in_tree_order(world):
    response = session_client(world.city_admin).get(AREAS)
    assert response.json()["count"] == Area.objects.count() == 16
    paths = list(Area.objects.order_by("path").values_list("code", flat=True))
    assert codes(response) == paths


@pytest.mark.parametrize("persona", ["outsider", "citizen", "auditor", "department_handler"])
def test_personas_without_area_posts_list_nothing(world, persona):
    body = session_client(getattr(world, persona)).get(AREAS).json()
    assert body["count"] == 0
    assert body["results"] == []


def test_anonymous_list_is_401_in_error_format(world):
    assert_error(session_client().get(AREAS), 401, "not_authenticated")


def test_list_row_has_no_boundary_but_centroid_and_version(world):
    [row] = session_client(world.grid_worker_a).get(AREAS).json()["results"]
    assert "boundary" not in row
    assert row["centroid"] == [pytest.approx(117.125), pytest.approx(34.65)]
    assert row["version"] == 1
    assert row["parent_code"] == world.village.code
    assert row["level_label"] == "网格"
    assert row["kind_label"] == "基础网格"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level=4", {"370403001001", "370403001002"}),
        ("level=5&kind=dedicated", {"370403001001Z01"}),
        ("parent=370403001001", {"370403001001001", "370403001001002", "370403001001Z01"}),
        ("code=370403001002", {"370403001002"}),
        ("q=西村", {"370403001002", "370403001002001"}),
    ],
)
def test_list_filters_stay_inside_scope(world, query, expected):
    assert set(codes(session_client(world.town_officer).get(f"{AREAS}?{query}"))) == expected


def test_filter_by_code_outside_scope_finds_nothing(world):
    assert codes(session_client(world.town_officer).get(f"{AREAS}?code={world.grid_e.code}")) == []


def test_invalid_level_filter_is_400_with_field_error(world):
    body = assert_error(session_client(world.city_admin).get(f"{AREAS}?level=9"), 400, "invalid")
    assert "level" in body["fields"]


def test_list_is_paginated(world):
    body = session_client(world.city_admin).get(f"{AREAS}?page_size=5&page=2").json()
    assert body["count"] == 16
    assert len(body["results"]) == 5
    assert body["previous"] and body["next"]


def test_page_past_the_end_is_404_in_error_format(world):
    body = assert_error(session_client(world.city_admin).get(f"{AREAS}?page=99"), 404, "not_found")
    assert has_cjk(body["message"])


def test_list_query_count_is_pinned(world, django_assert_num_queries):
    client = token_client(world.city_admin)
    client.get(AREAS)
    # count, page with parents joined: not one more per row (the token was checked moments
    # ago: remembered with its scope, ADR 0010)
    with django_assert_num_queries(2):
        assert client.get(AREAS).json()["count"] == 16


# --- detail -------------------------------------------------------------------------------------


def test_town_officer_reads_grid_with_boundary_and_team(world):
    body = session_client(world.town_officer).get(detail(world.grid_a)).json()
    assert body["code"] == world.grid_a.code
    assert body["boundary"]["type"] == "Polygon"
    assert body["area_km2"] == pytest.approx(world.grid_a.area_km2)
    assert body["centroid"] == [world.grid_a.centroid_lon, world.grid_a.centroid_lat]
    assert body["version"] == 1
    assert body["parent"]["code"] == world.village.code
    assert {(m["role"], m["name"]) for m in body["team"]} == {
        ("worker", "网格员甲"),
        ("leader", "东村书记"),
    }


def test_village_detail_has_empty_team(world):
    body = session_client(world.town_officer).get(detail(world.village)).json()
    assert body["team"] == []
    assert body["level"] == 4


def test_area_outside_scope_is_404_in_error_format(world):
    body = assert_error(
        session_client(world.grid_worker_a).get(detail(world.grid_b)), 404, "not_found"
    )
    assert has_cjk(body["message"])


def test_unknown_area_is_404(world):
    assert_error(session_client(world.city_admin).get(f"{AREAS}999999/"), 404, "not_found")


def test_detail_query_count_is_pinned(world, django_assert_num_queries):
    client = token_client(world.town_officer)
    client.get(detail(world.grid_a))
    # area with parent, current team (token remembered with its scope, ADR 0010)
    with django_assert_num_queries(2):
        assert client.get(detail(world.grid_a)).status_code == 200


# --- PATCH --------------------------------------------------------------------------------------


def test_city_admin_renames_grid_and_version_rises(world):
    client = session_client(world.city_admin)
    response = client.patch(
        detail(world.grid_a),
        {"version": 1, "name": "东村一网格", "supervision_phone": "0632-1"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "东村一网格"
    assert body["version"] == 2
    assert len(body["team"]) == 2
    world.grid_a.refresh_from_db()
    assert (world.grid_a.name, world.grid_a.supervision_phone) == ("东村一网格", "0632-1")
    assert AuditLog.objects.filter(action="areas.update", object_id=str(world.grid_a.pk)).exists()


def test_city_admin_changes_boundary_and_derived_fields_follow(world):
    new = box(117.1, 34.6, 117.12, 34.62)
    response = session_client(world.city_admin).patch(
        detail(world.grid_a), {"version": 1, "boundary": new}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["boundary"]["type"] == "Polygon"
    assert body["centroid"] == [pytest.approx(117.11), pytest.approx(34.61)]
    assert body["area_km2"] < world.grid_a.area_km2


def test_stale_version_is_409_and_nothing_is_written(world):
    client = session_client(world.city_admin)
    assert (
        client.patch(detail(world.grid_a), {"version": 1, "name": "甲"}, format="json").status_code
        == 200
    )
    before = snapshot(world.grid_a)
    response = client.patch(detail(world.grid_a), {"version": 1, "name": "乙"}, format="json")
    body = assert_error(response, 409, "conflict")
    assert has_cjk(body["message"])
    assert snapshot(world.grid_a) == before
    assert before[0] == "甲"


def test_patch_without_areas_manage_is_403_and_nothing_is_written(world):
    before = snapshot(world.grid_a)
    response = session_client(world.town_officer).patch(
        detail(world.grid_a), {"version": 1, "name": "改名"}, format="json"
    )
    body = assert_error(response, 403, "permission_denied")
    assert has_cjk(body["message"])
    assert snapshot(world.grid_a) == before
    assert not AuditLog.objects.filter(action="areas.update").exists()


def test_patch_outside_scope_is_404_and_nothing_is_written(world):
    before = snapshot(world.grid_b)
    response = session_client(world.grid_worker_a).patch(
        detail(world.grid_b), {"version": 1, "name": "改名"}, format="json"
    )
    assert_error(response, 404, "not_found")
    assert snapshot(world.grid_b) == before


def test_anonymous_patch_is_401_and_nothing_is_written(world):
    before = snapshot(world.grid_a)
    response = session_client().patch(
        detail(world.grid_a), {"version": 1, "name": "x"}, format="json"
    )
    assert_error(response, 401)
    assert snapshot(world.grid_a) == before


def test_self_intersecting_boundary_is_400_with_chinese_field_error(world):
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[117.1, 34.6], [117.12, 34.62], [117.12, 34.6], [117.1, 34.62], [117.1, 34.6]]
        ],
    }
    before = snapshot(world.grid_a)
    response = session_client(world.city_admin).patch(
        detail(world.grid_a), {"version": 1, "boundary": bowtie}, format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert has_cjk(body["fields"]["boundary"][0])
    assert snapshot(world.grid_a) == before


def test_boundary_outside_parent_is_400(world):
    response = session_client(world.city_admin).patch(
        detail(world.grid_a), {"version": 1, "boundary": box(110, 30, 111, 31)}, format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert "上级" in body["fields"]["boundary"][0]


def test_boundary_that_is_not_an_object_is_400(world):
    response = session_client(world.city_admin).patch(
        detail(world.grid_a), {"version": 1, "boundary": "nonsense"}, format="json"
    )
    assert has_cjk(assert_error(response, 400, "invalid")["fields"]["boundary"][0])


def test_patch_without_version_is_400(world):
    before = snapshot(world.grid_a)
    response = session_client(world.city_admin).patch(
        detail(world.grid_a), {"name": "x"}, format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert "version" in body["fields"]
    assert snapshot(world.grid_a) == before


def test_patch_with_nothing_to_change_is_400(world):
    response = session_client(world.city_admin).patch(
        detail(world.grid_a), {"version": 1}, format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert has_cjk(body["message"])
    assert snapshot(world.grid_a)[3] == 1


def test_put_is_405_in_error_format(world):
    response = session_client(world.city_admin).put(
        detail(world.grid_a), {"version": 1, "name": "x"}, format="json"
    )
    assert_error(response, 405, "method_not_allowed")


def test_form_encoded_patch_is_415(world):
    response = session_client(world.city_admin).patch(
        detail(world.grid_a), "version=1&name=x", content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 415, "unsupported_media_type")
    assert snapshot(world.grid_a)[0] == "东村第一网格"


# --- GeoJSON ------------------------------------------------------------------------------------


def test_town_officer_gets_their_four_grids_as_geojson(world):
    response = session_client(world.town_officer).get(GRIDS_GEOJSON)
    assert feature_codes(response) == {
        "370403001001001",
        "370403001001002",
        "370403001002001",
        "370403001001Z01",
    }
    body = response.json()
    assert body["truncated"] is False
    feature = next(f for f in body["features"] if f["properties"]["code"] == world.grid_a.code)
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["card_url"] == f"/areas/grids/{world.grid_a.code}/"


def test_grid_geojson_filters_by_kind(world):
    response = session_client(world.town_officer).get(f"{GRIDS_GEOJSON}?kind=dedicated")
    assert feature_codes(response) == {"370403001001Z01"}


def test_grid_worker_gets_only_their_grid_as_geojson(world):
    assert feature_codes(session_client(world.grid_worker_a).get(GRIDS_GEOJSON)) == {
        world.grid_a.code
    }


def test_outsider_gets_an_empty_feature_collection(world):
    assert feature_codes(session_client(world.outsider).get(GRIDS_GEOJSON)) == set()


def test_area_geojson_filters_by_level(world):
    response = session_client(world.town_officer).get(f"{AREAS_GEOJSON}?level=4")
    assert feature_codes(response) == {"370403001001", "370403001002"}


def test_area_geojson_by_parent(world):
    response = session_client(world.city_admin).get(f"{AREAS_GEOJSON}?parent=370403")
    assert feature_codes(response) == {"370403001", "370403002"}


def test_geojson_limit_truncates_and_says_so(world):
    body = session_client(world.city_admin).get(f"{GRIDS_GEOJSON}?limit=2").json()
    assert len(body["features"]) == 2
    assert body["limit"] == 2
    assert body["truncated"] is True


def test_geojson_limit_past_max_is_400_with_clear_message(world):
    response = session_client(world.city_admin).get(f"{AREAS_GEOJSON}?limit=5001")
    body = assert_error(response, 400, "invalid")
    assert "5000" in body["fields"]["limit"][0]
    assert has_cjk(body["fields"]["limit"][0])


def test_anonymous_geojson_is_401(world):
    assert_error(session_client().get(GRIDS_GEOJSON), 401, "not_authenticated")
    assert_error(session_client().get(AREAS_GEOJSON), 401, "not_authenticated")


def test_geojson_query_count_is_pinned(world, django_assert_num_queries):
    client = token_client(world.city_admin)
    client.get(AREAS_GEOJSON)
    # areas with parents joined (token remembered with its scope, ADR 0010)
    with django_assert_num_queries(1):
        assert len(client.get(AREAS_GEOJSON).json()["features"]) == 16
    with django_assert_num_queries(1):
        assert len(client.get(GRIDS_GEOJSON).json()["features"]) == 6
