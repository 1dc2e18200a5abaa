from __future__ import annotations

from unittest import mock

from django.db import OperationalError
from django.test import Client


def test_healthz_is_200_when_the_database_answers(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_fails_and_leaks_no_detail(db):
    failing = mock.MagicMock()
    failing.cursor.return_value.__enter__.return_value.execute.side_effect = OperationalError(
        'connection to server at "10.1.2.3" failed: password authentication failed for "shanzhi"'
    )
    with mock.patch("shanzhi.core.views.connection", failing):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}
    assert b"10.1.2.3" not in response.content
    assert b"password" not in response.content


def test_healthz_needs_no_login(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert "Location" not in response
