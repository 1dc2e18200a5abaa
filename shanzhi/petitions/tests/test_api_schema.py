"""The petitions endpoints appear in the OpenAPI schema with Chinese summaries, their tag and
every error status in the one error shape (the whole schema generates without warnings:
shanzhi/core/tests/test_api_schema.py)."""

from __future__ import annotations

from shanzhi.core.tests.test_api_schema import schema
from shanzhi.testing.api import has_cjk

OPERATIONS = {
    ("/api/v1/petitions/", "get"): {"400"},
    ("/api/v1/petitions/", "post"): {"201", "400"},
    ("/api/v1/petitions/{id}/", "get"): {"200", "404"},
    ("/api/v1/petitions/{id}/transitions/{name}/", "post"): {"200", "400", "404", "409"},
    ("/api/v1/petitions/aid/ledger/", "get"): {"200", "400"},
    ("/api/v1/petitions/statistics/", "get"): {"200", "400"},
}


def test_petition_operations_are_documented(db):
    document = schema()
    for (path, method), codes in OPERATIONS.items():
        operation = document["paths"][path][method]
        assert operation["tags"] == ["petitions"], path
        assert has_cjk(operation["summary"]), path
        assert codes | {"401", "403"} <= set(operation["responses"]), (path, method)
        for code in {"401", "403"} | (codes & {"400", "404", "409"}):
            ref = operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Error", (path, method, code)
    detail = document["components"]["schemas"]["PetitionDetail"]["properties"]
    assert {"petitioners", "deadlines", "repeats", "timeline", "actions"} <= set(detail)
    petitioner = document["components"]["schemas"]["Petitioner"]["properties"]
    assert not {"id_number_enc", "phone_enc", "id_number_index"} & set(petitioner)
