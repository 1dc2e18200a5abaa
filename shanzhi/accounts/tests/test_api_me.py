from __future__ import annotations

from shanzhi.accounts.models import Post
from shanzhi.accounts.scope import CAPABILITIES
from shanzhi.testing.api import assert_error, has_cjk, session_client, token_client

ME = "/api/v1/me/"


def test_grid_worker_sees_own_name_posts_and_capabilities(world):
    response = session_client(world.grid_worker_a).get(ME)
    assert response.status_code == 200
    body = response.json()
    # Capabilities grow as apps are added: the answer is the scope module's, sorted.
    assert body.pop("capabilities") == sorted(CAPABILITIES["grid_worker"])
    assert "areas.manage" not in CAPABILITIES["grid_worker"]
    assert body == {
        "username": "grid_worker_a",
        "real_name": "网格员甲",
        "posts": [
            {
                "id": world.grid_worker_a.posts.get().pk,
                "role": "grid_worker",
                "role_label": "网格员",
                "area": {"id": world.grid_a.pk, "code": world.grid_a.code, "name": "东村第一网格"},
                "department": None,
            }
        ],
    }


def test_city_admin_has_areas_manage_capability(world):
    body = session_client(world.city_admin).get(ME).json()
    assert "areas.manage" in body["capabilities"]
    assert body["posts"][0]["area"]["code"] == "370400"


def test_department_handler_post_names_the_department_not_an_area(world):
    body = token_client(world.department_handler).get(ME).json()
    [post] = body["posts"]
    assert post["area"] is None
    assert post["department"] == {
        "id": world.department.pk,
        "code": "370403-CG",
        "name": "薛城区城管局",
    }
    assert body["capabilities"] == sorted(CAPABILITIES["department_handler"])


def test_outsider_without_posts_gets_empty_posts_and_capabilities(world):
    body = session_client(world.outsider).get(ME).json()
    assert body["posts"] == []
    assert body["capabilities"] == []


def test_inactive_post_is_not_listed(world):
    world.town_officer.posts.update(is_active=False)
    body = session_client(world.town_officer).get(ME).json()
    assert body["posts"] == []
    assert body["capabilities"] == []


def test_anonymous_gets_401_in_error_format(world):
    response = session_client().get(ME)
    body = assert_error(response, 401, "not_authenticated")
    assert has_cjk(body["message"])
    assert response["WWW-Authenticate"] == "Token"


def test_me_refuses_post_with_405_in_error_format(world):
    body = assert_error(session_client(world.grid_worker_a).post(ME, {}), 405, "method_not_allowed")
    assert has_cjk(body["message"])


def test_me_query_count_is_pinned(world, django_assert_num_queries):
    client = token_client(world.town_officer)
    client.get(ME)  # first use stamps last_used_at
    # posts for the answer; the token, checked moments ago, is remembered with its scope
    with django_assert_num_queries(1):
        assert client.get(ME).status_code == 200


def test_a_remembered_token_forgets_its_scope_when_posts_change(world, settings):
    """The scope remembered with a token (SHANZHI_TOKEN_CACHE_SECONDS) is dropped in this
    process as soon as a post changes."""
    settings.SHANZHI_TOKEN_CACHE_SECONDS = 60
    client = token_client(world.town_officer)
    assert "events.dispatch" in client.get(ME).json()["capabilities"]
    for post in Post.objects.filter(user=world.town_officer):
        post.is_active = False
        post.save(update_fields=["is_active"])
    assert client.get(ME).json()["capabilities"] == []
