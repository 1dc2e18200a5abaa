from __future__ import annotations

import re
from io import StringIO

import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

API_OPERATIONS = {
    ("/api/v1/me/", "get"),
    ("/api/v1/tokens/", "get"),
    ("/api/v1/tokens/", "post"),
    ("/api/v1/tokens/{id}/", "delete"),
    ("/api/v1/areas/", "get"),
    ("/api/v1/areas/{id}/", "get"),
    ("/api/v1/areas/{id}/", "patch"),
    ("/api/v1/areas/geojson/", "get"),
    ("/api/v1/grids/geojson/", "get"),
}


def schema() -> dict:
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return yaml.safe_load(out.getvalue())


def test_schema_generates_valid_openapi_without_warnings(db):
    document = schema()  # --fail-on-warn raises on any warning or error
    assert document["openapi"].startswith("3.")
    operations = {(path, method) for path, item in document["paths"].items() for method in item}
    assert API_OPERATIONS <= operations


def test_every_operation_documents_its_errors_in_the_error_shape(db):
    document = schema()
    error = document["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "message", "fields"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            for code in ("401", "403"):
                ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error", (path, method, code)
    patch = document["paths"]["/api/v1/areas/{id}/"]["patch"]["responses"]
    assert {"400", "404", "409"} <= set(patch)


def test_token_auth_is_an_api_key_in_the_authorization_header(db):
    document = schema()
    scheme = document["components"]["securitySchemes"]["tokenAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert {"tokenAuth": []} in document["paths"]["/api/v1/areas/"]["get"]["security"]


def test_schema_endpoint_serves_openapi(db):
    response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["info"]["title"].startswith("Shanzhi")


def test_docs_page_loads_swagger_ui_from_static_and_passes_csp(db):
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in sources
    for src in sources:
        assert src.startswith(("/static/", "/api/docs/")), src
        if src.startswith("/static/"):
            assert finders.find(src.removeprefix("/static/")), src
    # Nothing the CSP (script-src/style-src 'self') would refuse.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html and "style=" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "cdn." not in html.lower()  # no CDN host (a bare "cdn" could be in a token)


def test_docs_init_script_is_same_origin_javascript(db):
    response = Client().get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in response.content
