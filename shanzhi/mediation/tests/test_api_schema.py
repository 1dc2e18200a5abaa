"""The mediation endpoints appear in the OpenAPI schema with Chinese summaries, their tag and
every error status in the one error shape (the whole schema generates without warnings:
shanzhi/core/tests/test_api_schema.py)."""

from __future__ import annotations

from shanzhi.core.tests.test_api_schema import schema
from shanzhi.testing.api import has_cjk

OPERATIONS = {
    ("/api/v1/mediation/cases/", "get"): {"400"},
    ("/api/v1/mediation/cases/", "post"): {"201", "400"},
    ("/api/v1/mediation/cases/{id}/", "get"): {"200", "404"},
    ("/api/v1/mediation/cases/{id}/transitions/{name}/", "post"): {"200", "400", "404", "409"},
    ("/api/v1/mediation/bodies/", "get"): {"200"},
    ("/api/v1/mediation/statistics/", "get"): {"200", "400"},
}


def test_mediation_operations_are_documented(db):
    document = schema()
    for (path, method), codes in OPERATIONS.items():
        operation = document["paths"][path][method]
        assert operation["tags"] == ["mediation"], path
        assert has_cjk(operation["summary"]), path
        assert codes | {"401", "403"} <= set(operation["responses"]), (path, method)
        for code in {"401", "403"} | (codes & {"400", "404", "409"}):
            ref = operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Error", (path, method, code)
    detail = document["components"]["schemas"]["CaseDetail"]["properties"]
    assert {"parties", "sessions", "agreement", "confirmation", "visits", "timeline"} <= set(detail)
    party = document["components"]["schemas"]["Party"]["properties"]
    assert not {"id_number_enc", "phone_enc", "id_number_index"} & set(party)
