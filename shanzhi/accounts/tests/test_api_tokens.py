from __future__ import annotations

import hashlib

from django.utils import timezone
from rest_framework.test import APIClient

from shanzhi.accounts import authentication, tokens
from shanzhi.accounts.models import ApiToken
from shanzhi.core.models import AuditLog
from shanzhi.testing.api import assert_error, has_cjk, session_client, token_client

TOKENS = "/api/v1/tokens/"


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_creating_a_token_shows_the_key_once_and_stores_only_its_digest(world):
    client = session_client(world.grid_worker_a)
    response = client.post(TOKENS, {"name": "大屏"}, format="json")
    assert response.status_code == 201
    body = response.json()
    key = body["key"]
    assert key.startswith("sz_") and len(key) > 40
    assert body["name"] == "大屏"
    assert body["is_active"] is True
    token = ApiToken.objects.get(pk=body["id"])
    assert token.user == world.grid_worker_a
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:10] == body["prefix"]
    stored = {token.name, token.prefix, token.digest}
    assert key not in stored
    listed = client.get(TOKENS).json()
    assert listed["count"] == 1
    assert "key" not in listed["results"][0]
    assert key not in str(listed)


def test_created_key_authenticates_as_its_owner(world):
    response = session_client(world.grid_worker_a).post(TOKENS, {"name": "脚本"}, format="json")
    me = key_client(response.json()["key"]).get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "grid_worker_a"
    assert ApiToken.objects.get().last_used_at is not None


def test_token_creation_writes_an_audit_row(world):
    session_client(world.town_officer).post(TOKENS, {"name": "对接"}, format="json")
    row = AuditLog.objects.get(action="accounts.token_create")
    assert row.actor_id == world.town_officer.pk
    assert row.detail["name"] == "对接"
    assert row.ip == "127.0.0.1"


def test_existing_token_may_create_another(world):
    client = token_client(world.city_admin, name="first")
    response = client.post(TOKENS, {"name": "second"}, format="json")
    assert response.status_code == 201
    assert set(ApiToken.objects.values_list("name", flat=True)) == {"first", "second"}


def test_anonymous_cannot_create_a_token_and_nothing_is_written(world):
    response = APIClient().post(TOKENS, {"name": "x"}, format="json")
    assert_error(response, 401, "not_authenticated")
    assert not ApiToken.objects.exists()


def test_session_creation_without_csrf_token_is_refused_and_nothing_is_written(world):
    client = session_client(world.grid_worker_a, enforce_csrf=True)
    response = client.post(TOKENS, {"name": "x"}, format="json")
    body = assert_error(response, 403, "csrf_failed")
    assert has_cjk(body["message"])
    assert not ApiToken.objects.exists()


def test_basic_auth_cannot_create_a_token(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic Z3JpZF93b3JrZXJfYTpDb3JyZWN0LUhvcnNlLTQyIQ==")
    assert_error(client.post(TOKENS, {"name": "x"}, format="json"), 401)
    assert not ApiToken.objects.exists()


def test_blank_name_is_400_with_chinese_field_error(world):
    response = session_client(world.grid_worker_a).post(TOKENS, {"name": "  "}, format="json")
    body = assert_error(response, 400, "invalid")
    assert has_cjk(body["fields"]["name"][0])
    assert not ApiToken.objects.exists()


def test_active_tokens_are_capped(world, monkeypatch):
    monkeypatch.setattr(tokens, "MAX_ACTIVE_TOKENS_PER_USER", 2)
    client = session_client(world.grid_worker_a)
    for name in ("a", "b"):
        assert client.post(TOKENS, {"name": name}, format="json").status_code == 201
    body = assert_error(client.post(TOKENS, {"name": "c"}, format="json"), 400, "invalid")
    assert "上限" in body["fields"]["name"][0]
    assert ApiToken.objects.count() == 2


def test_list_shows_only_the_callers_tokens(world):
    tokens.api_token_create(actor=world.grid_worker_b, name="乙的令牌")
    tokens.api_token_create(actor=world.grid_worker_a, name="甲的令牌")
    body = session_client(world.grid_worker_a).get(TOKENS).json()
    assert [t["name"] for t in body["results"]] == ["甲的令牌"]


def test_revoked_token_is_refused_with_401(world):
    token, key = tokens.api_token_create(actor=world.grid_worker_a, name="旧")
    client = key_client(key)
    assert client.get("/api/v1/me/").status_code == 200
    assert client.delete(f"{TOKENS}{token.pk}/").status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    body = assert_error(client.get("/api/v1/me/"), 401, "authentication_failed")
    assert has_cjk(body["message"])


def test_revocation_writes_an_audit_row_once(world):
    token, _ = tokens.api_token_create(actor=world.grid_worker_a, name="旧")
    client = session_client(world.grid_worker_a)
    assert client.delete(f"{TOKENS}{token.pk}/").status_code == 204
    assert client.delete(f"{TOKENS}{token.pk}/").status_code == 204  # already revoked: no-op
    assert AuditLog.objects.filter(action="accounts.token_revoke").count() == 1


def test_someone_elses_token_cannot_be_revoked(world):
    token, key = tokens.api_token_create(actor=world.grid_worker_b, name="乙的令牌")
    response = session_client(world.grid_worker_a).delete(f"{TOKENS}{token.pk}/")
    assert_error(response, 404, "not_found")
    token.refresh_from_db()
    assert token.revoked_at is None
    assert key_client(key).get("/api/v1/me/").status_code == 200
    assert not AuditLog.objects.filter(action="accounts.token_revoke").exists()


def test_city_admin_cannot_revoke_another_users_token_either(world):
    token, _ = tokens.api_token_create(actor=world.grid_worker_b, name="乙的令牌")
    assert_error(session_client(world.city_admin).delete(f"{TOKENS}{token.pk}/"), 404)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_of_inactive_user_is_refused(world):
    _, key = tokens.api_token_create(actor=world.grid_worker_a, name="x")
    world.grid_worker_a.is_active = False
    world.grid_worker_a.save(update_fields=["is_active"])
    assert_error(key_client(key).get("/api/v1/me/"), 401, "authentication_failed")


def test_unknown_key_is_refused_with_401(world):
    assert_error(key_client("sz_not-a-real-key").get("/api/v1/me/"), 401, "authentication_failed")


def test_token_list_query_count_is_pinned(world, django_assert_num_queries):
    client = token_client(world.grid_worker_a)
    tokens.api_token_create(actor=world.grid_worker_a, name="second")
    client.get(TOKENS)
    # count, page (the token was checked moments ago: cached)
    with django_assert_num_queries(2):
        assert client.get(TOKENS).json()["count"] == 2


def test_checked_token_is_remembered_briefly_and_forgotten_on_revoke(world, settings):
    """A process trusts a token it checked for SHANZHI_TOKEN_CACHE_SECONDS; revoking it here
    refuses it at once, and after the window a revocation elsewhere is refused too."""
    settings.SHANZHI_TOKEN_CACHE_SECONDS = 60
    token, key = tokens.api_token_create(actor=world.grid_worker_a, name="cached")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(TOKENS).status_code == 200
    assert token.digest in authentication._checked
    # Revoked here: forgotten at once.
    tokens.api_token_revoke(actor=world.grid_worker_a, token=token)
    assert client.get(TOKENS).status_code == 401

    other, other_key = tokens.api_token_create(actor=world.grid_worker_a, name="elsewhere")
    client.credentials(HTTP_AUTHORIZATION=f"Token {other_key}")
    assert client.get(TOKENS).status_code == 200
    # Revoked by another process (no forget here): refused once the window has passed.
    ApiToken.objects.filter(pk=other.pk).update(revoked_at=timezone.now())
    settings.SHANZHI_TOKEN_CACHE_SECONDS = 0
    assert client.get(TOKENS).status_code == 401
    assert other.digest not in authentication._checked


def test_requests_with_a_remembered_token_get_their_own_user(world):
    """Per-request caches on the user (scope, posts) never leak from one request to the
    next through the remembered token."""
    _, key = tokens.api_token_create(actor=world.grid_worker_a, name="copies")
    digest = authentication.token_digest(key)
    first = authentication._checked_token(digest)
    second = authentication._checked_token(digest)
    assert first is not None and second is not None
    assert first.user == second.user and first.user is not second.user
    first.user._shanzhi_scope = "stale"
    assert second.user._shanzhi_scope != "stale"  # the scope checked with the token
