"""Security baseline on every response: CSP, no-store, CSRF, HTTPS-only cookies (issue #2)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from shanzhi.core.models import AuditLog
from shanzhi.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db

REPO = Path(settings.BASE_DIR)


def csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.strip().split() for part in header.split(";") if part.strip()]
    return {d[0]: d[1:] for d in directives}


@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/audit/", "/admin/"])
def test_every_page_has_a_csp_without_inline_script_or_style(client, world, path):
    client.force_login(world.superuser)

    response = client.get(path)

    policy = csp(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_anonymous_login_page_also_has_the_csp(client, db):
    assert "script-src 'self'" in client.get("/accounts/login/")["Content-Security-Policy"]


def test_authenticated_pages_are_not_stored_by_caches(client, world):
    client.force_login(world.grid_worker_a)

    response = client.get("/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_api_responses_are_not_stored_even_for_anonymous_callers(client, db):
    response = client.get("/api/v1/no-such-endpoint/")

    assert response["Cache-Control"] == "no-store"


def test_the_response_to_logging_out_is_not_stored(client, world):
    client.force_login(world.grid_worker_a)

    assert client.post("/accounts/logout/")["Cache-Control"] == "no-store"


def test_login_form_requires_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)

    refused = client.post("/accounts/login/", {"username": "town_officer", "password": PASSWORD})

    assert refused.status_code == 403
    assert not AuditLog.objects.filter(action="auth.login").exists()
    page = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token, "the login form carries a CSRF token"
    accepted = client.post(
        "/accounts/login/",
        {"username": "town_officer", "password": PASSWORD, "csrfmiddlewaretoken": token[1]},
    )
    assert accepted.status_code == 302


def test_session_cookie_is_http_only_and_cookies_are_same_site_lax():
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.CSRF_COOKIE_SAMESITE == "Lax"


def settings_under(env: dict[str, str]) -> dict[str, object]:
    """Import the real settings module in a fresh interpreter with ``env``."""
    code = (
        "import json, shanzhi.settings as s; print(json.dumps({k: getattr(s, k) for k in "
        "['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', "
        "'SECURE_SSL_REDIRECT', 'SECURE_PROXY_SSL_HEADER']}))"
    )
    result = subprocess.run(  # noqa: S603 - fixed command, our own interpreter
        [sys.executable, "-c", code],
        env={**os.environ, "SECRET_KEY": "test-only", **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_behind_https_cookies_are_secure_and_hsts_is_sent():
    values = settings_under({"SHANZHI_HTTPS": "1"})

    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_without_https_cookies_are_not_marked_secure():
    values = settings_under({"SHANZHI_HTTPS": "0"})

    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0


def _strip_template_comments(text: str) -> str:
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", text, flags=re.S)
    return re.sub(r"{#.*?#}", "", text, flags=re.S)


def test_no_template_has_inline_script_or_style():
    offenders = []
    for path in sorted((REPO / "shanzhi").glob("**/templates/**/*.html")):
        text = _strip_template_comments(path.read_text(encoding="utf-8"))
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"<style\b", r"\sstyle=", r"\son\w+="):
            if re.search(pattern, text, flags=re.I):
                offenders.append(f"{path.relative_to(REPO)}: {pattern}")
    assert offenders == []
