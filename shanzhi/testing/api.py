"""Helpers for API tests: clients logged in as a persona, and the one error shape."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from shanzhi.accounts import tokens


def session_client(user: Any = None, *, enforce_csrf: bool = False) -> APIClient:
    """A client with a real session for ``user`` (anonymous when None)."""
    client = APIClient(enforce_csrf_checks=enforce_csrf)
    if user is not None:
        client.force_login(user)
    return client


def token_client(user: Any, name: str = "test") -> APIClient:
    """A client authenticating with a fresh API token of ``user`` (no session)."""
    _, key = tokens.api_token_create(actor=user, name=name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is ``status`` with the error body ``{code, message, fields}``."""
    if response.status_code != status:
        raise AssertionError(f"expected {status}, got {response.status_code}: {response.content!r}")
    body = response.json()
    if set(body) != {"code", "message", "fields"}:
        raise AssertionError(f"not the error format: {body}")
    if not isinstance(body["message"], str) or not body["message"]:
        raise AssertionError(f"error without a message: {body}")
    if not isinstance(body["fields"], dict):
        raise AssertionError(f"fields is not an object: {body}")
    if code is not None and body["code"] != code:
        raise AssertionError(f"expected code {code!r}: {body}")
    return body


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)
