"""The UI shell: home page, navigation by role, log-in and log-out (issue #2)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from shanzhi.accounts.views import LoginView
from shanzhi.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


def home_html(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    return response.content.decode()


def nav_links(html: str) -> set[str]:
    return set(re.findall(r'data-nav="([a-z_]+)"', html))


def test_grid_worker_navigation_shows_the_map_but_not_audit_or_admin(client, world):
    html = home_html(client, world.grid_worker_a)
    assert {"home", "map", "logout"} <= nav_links(html)
    assert not {"audit", "admin"} & nav_links(html)
    assert f'href="{reverse("areas:map")}"' in html
    assert reverse("core:audit_log") not in html


@pytest.mark.parametrize("persona", ["auditor", "city_admin"])
def test_audit_link_is_shown_to_auditor_and_city_admin(client, world, persona):
    html = home_html(client, getattr(world, persona))
    assert "audit" in nav_links(html)
    assert f'href="{reverse("core:audit_log")}"' in html


@pytest.mark.parametrize("persona", ["town_officer", "dispatcher", "citizen", "outsider"])
def test_audit_link_is_hidden_from_everyone_else(client, world, persona):
    html = home_html(client, getattr(world, persona))
    assert "audit" not in nav_links(html)
    assert reverse("core:audit_log") not in html


def test_auditor_and_citizen_get_no_map_link(client, world):
    assert "map" not in nav_links(home_html(client, world.auditor))
    assert "map" not in nav_links(home_html(client, world.citizen))


def test_admin_link_only_for_staff(client, world):
    assert "admin" in nav_links(home_html(client, world.superuser))
    assert "admin" not in nav_links(home_html(client, world.city_admin))


def test_user_menu_shows_real_name_role_and_a_post_logout_form(client, world):
    html = home_html(client, world.town_officer)
    assert "街道干部" in html  # real name
    assert "镇街干部" in html  # role label
    logout = reverse("accounts:logout")
    form = (
        rf'<form method="post" action="{logout}">\s*<input type="hidden" name="csrfmiddlewaretoken"'
    )
    assert re.search(form, html)


def test_home_lists_posts_and_area_counts_by_level_in_scope(client, world):
    html = home_html(client, world.town_officer)
    assert "常庄街道" in html
    assert reverse("areas:area_detail", args=[world.town.pk]) in html
    counts = dict(
        re.findall(r'data-level="(\d)">\s*<div class="fs-4 fw-semibold">(\d+)</div>', html)
    )
    assert counts == {"3": "1", "4": "2", "5": "4"}


def test_home_of_a_user_without_posts_says_so(client, world):
    html = home_html(client, world.outsider)
    assert "您还没有岗位" in html
    assert 'id="sz-area-counts"' not in html


def test_home_query_count_is_pinned(client, world, django_assert_num_queries):
    client.force_login(world.city_admin)
    client.get(reverse("core:home"))
    with django_assert_num_queries(5):  # session, user, posts (scope), area counts, posts list
        client.get(reverse("core:home"))


def test_anonymous_home_redirects_to_login(client, world):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_login_form_logs_in_and_logout_by_post_logs_out(client, world):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()
    response = client.post(
        reverse("accounts:login"), {"username": "grid_worker_a", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert client.get(reverse("core:home")).status_code == 200
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 302


def test_login_with_wrong_password_shows_the_error_in_chinese(client, world):
    response = client.post(
        reverse("accounts:login"), {"username": "grid_worker_a", "password": "wrong-password"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    form_class = LoginView().get_form_class()
    message = str(form_class.error_messages["invalid_login"]) % {"username": "用户名"}
    assert re.search(r"[\u4e00-\u9fff]", message)  # the message itself is Chinese
    assert f'<div class="alert alert-danger" role="alert"><div>{escape(message)}</div>' in html
    assert 'value="grid_worker_a"' in html


def test_login_page_shows_session_expired_notice_when_the_view_says_so(rf, world):
    request = rf.get(reverse("accounts:login"))
    request.user = AnonymousUser()
    form = LoginView.form_class(request)
    html = render_to_string(
        "accounts/login.html", {"form": form, "session_expired": True}, request=request
    )
    assert 'data-notice="session-expired"' in html
    html = render_to_string("accounts/login.html", {"form": form}, request=request)
    assert 'data-notice="session-expired"' not in html


def test_registry_menu_follows_the_registry_right(client, world):
    assert "registry" in nav_links(home_html(client, world.grid_worker_a))
    assert "registry" not in nav_links(home_html(client, world.auditor))
    assert "registry" not in nav_links(home_html(client, world.outsider))
