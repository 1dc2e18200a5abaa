from __future__ import annotations

import re

from django.test import Client

from shanzhi.accounts import tokens
from shanzhi.accounts.models import ApiToken

PAGE = "/accounts/tokens/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_page_creates_a_token_and_shows_its_key_once(world):
    client = logged_in(world.grid_worker_a)
    response = client.post(PAGE, {"name": "大屏"})
    assert response.status_code == 200
    html = response.content.decode()
    [key] = re.findall(r'value="(sz_[^"]+)"', html)
    token = ApiToken.objects.get(user=world.grid_worker_a)
    assert token.name == "大屏"
    assert response["Cache-Control"] == "no-store"
    again = client.get(PAGE).content.decode()
    assert key not in again
    assert token.prefix in again


def test_page_has_no_inline_script_or_style(world):
    tokens.api_token_create(actor=world.grid_worker_a, name="x")
    html = logged_in(world.grid_worker_a).post(PAGE, {"name": "y"}).content.decode()
    assert "style=" not in html
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_page_revokes_own_token(world):
    token, _ = tokens.api_token_create(actor=world.grid_worker_a, name="旧")
    response = logged_in(world.grid_worker_a).post(PAGE, {"revoke": token.pk})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_page_cannot_revoke_someone_elses_token(world):
    token, _ = tokens.api_token_create(actor=world.grid_worker_b, name="乙")
    response = logged_in(world.grid_worker_a).post(PAGE, {"revoke": token.pk})
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_page_lists_only_own_tokens(world):
    tokens.api_token_create(actor=world.grid_worker_b, name="乙的令牌")
    tokens.api_token_create(actor=world.grid_worker_a, name="甲的令牌")
    html = logged_in(world.grid_worker_a).get(PAGE).content.decode()
    assert "甲的令牌" in html
    assert "乙的令牌" not in html


def test_blank_name_shows_error_and_creates_nothing(world):
    response = logged_in(world.grid_worker_a).post(PAGE, {"name": ""})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_anonymous_is_sent_to_login_and_nothing_is_created(world):
    response = Client().post(PAGE, {"name": "x"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not ApiToken.objects.exists()
