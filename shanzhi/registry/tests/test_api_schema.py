"""The registry API is documented: every operation, its errors, and its named enums."""

from __future__ import annotations

from drf_spectacular.generators import SchemaGenerator

OPERATIONS = {
    ("/api/v1/persons/", "get"),
    ("/api/v1/persons/", "post"),
    ("/api/v1/persons/search/", "post"),
    ("/api/v1/persons/{id}/", "get"),
    ("/api/v1/persons/{id}/", "patch"),
    ("/api/v1/persons/{id}/unmask/", "post"),
    ("/api/v1/person-tags/", "get"),
    ("/api/v1/households/", "get"),
    ("/api/v1/households/", "post"),
    ("/api/v1/households/{id}/", "get"),
    ("/api/v1/households/{id}/members/", "post"),
    ("/api/v1/buildings/", "get"),
    ("/api/v1/buildings/", "post"),
    ("/api/v1/buildings/{id}/", "get"),
    ("/api/v1/houses/", "get"),
    ("/api/v1/houses/", "post"),
    ("/api/v1/houses/{id}/", "get"),
    ("/api/v1/residences/", "get"),
    ("/api/v1/residences/", "post"),
    ("/api/v1/residences/{id}/", "get"),
    ("/api/v1/residences/{id}/end/", "post"),
    ("/api/v1/organisations/", "get"),
    ("/api/v1/organisations/", "post"),
    ("/api/v1/organisations/{id}/", "get"),
}


def test_every_registry_operation_is_documented_with_its_errors(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = {(path, method) for path, item in schema["paths"].items() for method in item}
    assert OPERATIONS <= found
    for path, method in OPERATIONS:
        responses = schema["paths"][path][method]["responses"]
        assert {"401", "403"} <= set(responses), (path, method)
    assert "409" in schema["paths"]["/api/v1/persons/{id}/"]["patch"]["responses"]
    unmask = schema["paths"]["/api/v1/persons/{id}/unmask/"]["post"]["responses"]
    assert {"400", "404"} <= set(unmask)
    components = schema["components"]["schemas"]
    person = components["Person"]["properties"]
    assert {"id_masked", "phone_masked"} <= set(person)
    assert not [name for name in person if name.endswith(("_enc", "_index"))]
    assert "id_number" in components["PersonCreate"]["properties"]
    for enum in (
        "PersonStatusEnum",
        "HouseStatusEnum",
        "OrganisationKindEnum",
        "ResidenceKindEnum",
    ):
        assert components[enum]["type"] == "string"
