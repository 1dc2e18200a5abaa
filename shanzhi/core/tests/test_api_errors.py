from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions

from shanzhi.core.api import conflict_response, exception_handler
from shanzhi.testing.api import assert_error, has_cjk, session_client


def handle(exc: Exception):
    response = exception_handler(exc, {})
    assert response is not None
    return response.status_code, response.data


def test_django_validation_error_with_fields_becomes_400_with_field_errors():
    status, body = handle(DjangoValidationError({"boundary": ["边界超出上级区域的范围。"]}))
    assert status == 400
    assert body == {
        "code": "invalid",
        "message": "提交的数据有误，请检查。",
        "fields": {"boundary": ["边界超出上级区域的范围。"]},
    }


def test_non_field_errors_become_the_message():
    status, body = handle(DjangoValidationError("两个字段不能同时为空。"))
    assert (status, body["message"], body["fields"]) == (400, "两个字段不能同时为空。", {})
    _, body = handle(exceptions.ValidationError({"non_field_errors": ["整体有误。"], "a": ["x"]}))
    assert body["message"] == "整体有误。"
    assert body["fields"] == {"a": ["x"]}


def test_nested_field_errors_are_flattened_to_dotted_names():
    detail = {"items": [{}, {"name": ["必填。"]}], "meta": {"owner": ["无效。"]}}
    _, body = handle(exceptions.ValidationError(detail))
    assert body["fields"] == {"items.1.name": ["必填。"], "meta.owner": ["无效。"]}


def test_django_404_and_permission_denied_keep_the_format():
    status, body = handle(Http404("No Area matches the given query."))
    assert status == 404 and body["code"] == "not_found"
    assert has_cjk(body["message"]) and "Area" not in body["message"]
    status, body = handle(PermissionDenied("您没有修改区域的权限。"))
    assert (status, body["code"], body["message"]) == (
        403,
        "permission_denied",
        "您没有修改区域的权限。",
    )


def test_other_exceptions_are_left_to_django():
    assert exception_handler(RuntimeError("boom"), {}) is None


def test_conflict_response_is_409_in_error_format():
    response = conflict_response()
    assert response.status_code == 409
    assert response.data["code"] == "conflict"
    assert has_cjk(response.data["message"])
    assert response.data["fields"] == {}


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v2/areas/", "/api/v1/areas"])
def test_unknown_api_path_is_404_json_in_error_format(world, path):
    body = assert_error(session_client(world.city_admin).get(path), 404, "not_found")
    assert has_cjk(body["message"])


def test_malformed_json_is_400_parse_error(world):
    response = session_client(world.city_admin).patch(
        f"/api/v1/areas/{world.grid_a.pk}/", "{not json", content_type="application/json"
    )
    assert_error(response, 400, "parse_error")


def test_unauthenticated_answer_names_the_token_scheme(world):
    response = session_client().get("/api/v1/areas/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_malformed_token_header_is_401(world):
    client = session_client()
    client.credentials(HTTP_AUTHORIZATION="Token a b")
    body = assert_error(client.get("/api/v1/me/"), 401, "authentication_failed")
    assert has_cjk(body["message"])


def test_api_answers_are_never_cached(world):
    response = session_client(world.city_admin).get("/api/v1/me/")
    assert response["Cache-Control"] == "no-store"
