"""The OpenAPI schema says what the API does (issue 12, point 8): its error answers with their
body, the fields it returns, the queries it refuses. The schema-driven test that holds the API
to it is test_api_schema_fuzz.py."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import pytest
from django.urls import resolve, reverse

from enterprises.permissions import EnterprisePerm as P
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, register_data

pytestmark = pytest.mark.django_db

ERROR_REF = {"$ref": "#/components/schemas/Error"}
SAMPLE_CODE = "91510116MA6CH3W33X"  # only to resolve paths to their views


@pytest.fixture
def schema(client) -> dict[str, Any]:
    # English: the texts asserted below are msgids (the schema speaks the reader's language).
    return client.get("/api/schema/", {"format": "json", "lang": "en"}).json()


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def _view(path: str) -> Any:
    """The view class behind a schema path, its parameters filled with sample values (a code
    for {uscc}, a number for any other)."""
    concrete = re.sub(r"\{[a-z_]+\}", "1", path.replace("{uscc}", SAMPLE_CODE))
    view_class = resolve(concrete).func.view_class
    return view_class()


def test_every_error_answer_has_the_error_body(schema):
    for path, method, operation in _operations(schema):
        errors = {code: r for code, r in operation["responses"].items() if code >= "400"}
        assert "400" in errors, (method, path)  # at least: a NUL in the address
        for code, response in errors.items():
            assert response["content"] == {"application/json": {"schema": ERROR_REF}}, (
                method,
                path,
                code,
            )
            assert response["description"], (method, path, code)


def test_error_answers_follow_the_view(schema):
    public = {"/api/v1/auth/token/", "/api/v1/public/enterprises/"}
    for path, method, operation in _operations(schema):
        codes = set(operation["responses"])
        is_public = path in public or path.startswith("/api/v1/public/")
        assert ("403" in codes) is not is_public, (method, path)
        assert "401" not in codes  # session authentication first: DRF answers 403
        paginated = "Paginated" in str(operation["responses"].get("200"))
        if "{uscc}" in path or paginated:
            assert "404" in codes, (method, path)
        if method in {"post", "patch"}:
            assert {"400", "415"} <= codes, (method, path)
            assert "nested more than 32 levels" in operation["responses"]["400"]["description"]


def test_429_is_documented_wherever_a_view_is_throttled(schema):
    throttled = set()
    for path, method, operation in _operations(schema):
        answers = operation["responses"]
        if _view(path).get_throttles():
            throttled.add(path)
            retry_after = answers["429"]["headers"]["Retry-After"]
            assert retry_after["schema"]["type"] == "integer"
        else:
            assert "429" not in answers, (method, path)
    assert {
        "/api/v1/auth/token/",
        "/api/v1/public/enterprises/",
        "/api/v1/public/enterprises/{uscc}/",
    } <= throttled


def test_the_stale_version_409_is_documented(schema):
    patch = schema["paths"]["/api/v1/enterprises/{uscc}/"]["patch"]
    assert "stale" in patch["responses"]["409"]["description"]
    assert '"conflict"' in patch["responses"]["409"]["description"]


def test_the_register_list_documents_count_capped(schema):
    ok = schema["paths"]["/api/v1/enterprises/"]["get"]["responses"]["200"]
    name = ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    page = schema["components"]["schemas"][name]
    assert {"count", "count_capped", "next", "previous", "results"} <= set(page["required"])
    assert page["properties"]["count_capped"]["type"] == "boolean"
    assert "10,000" in page["properties"]["count_capped"]["description"]
    assert "10,000" in page["properties"]["count"]["description"]


def test_refused_queries_are_described(schema):
    listing = schema["paths"]["/api/v1/enterprises/"]["get"]
    assert "Refused with 400" in listing["description"]
    params = {p["name"]: p for p in listing["parameters"]}
    assert "is a 400" in params["registered_from"]["description"]
    assert "registered_to" in params["registered_from"]["description"]
    assert "is a 400" in params["status"]["description"]
    assert "is a 400" in params["department"]["description"]
    assert "is a 400" in params["ordering"]["description"]
    assert params["q"]["schema"]["maxLength"] == 100
    assert params["page"]["schema"]["minimum"] == 1
    assert "404" in params["page"]["description"]
    assert params["page_size"]["schema"]["maximum"] == 500
    assert "reduced to 500" in params["page_size"]["description"]
    search = schema["paths"]["/api/v1/public/enterprises/"]["get"]
    assert "longer than 100" in search["responses"]["400"]["description"]
    public_size = {p["name"]: p for p in search["parameters"]}["page_size"]
    assert public_size["schema"]["maximum"] == 50


def _error_schema(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema["components"]["schemas"]["Error"], "additionalProperties": False}


def test_the_error_body_matches_what_the_exception_handler_returns(
    schema, api_client_for, user_with_perms
):
    """Real error answers, the nested ones included, validate against the Error component."""
    DepartmentFactory()
    enterprise = EnterpriseFactory()
    client = api_client_for(user_with_perms(P.VIEW, P.ADD, P.CHANGE))
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    bodies = []
    # Validation error of a list item: errors.former_names is an object by index.
    too_long = register_data(901, former_names=["ok", "x" * 201])
    answer = client.post(reverse("enterprises-api:enterprise-list"), too_long, format="json")
    assert answer.status_code == 400
    assert isinstance(answer.json()["errors"]["former_names"], dict)
    bodies.append(answer.json())
    # A service's Django ValidationError, a stale version, a parse error, a 404, a 403.
    bodies.append(
        client.post(
            reverse("enterprises-api:enterprise-list"),
            register_data(902, uscc="91510116MA6CH3W33Y"),
            format="json",
        ).json()
    )
    detail = reverse("enterprises-api:enterprise-detail", args=[enterprise.uscc])
    stale = client.patch(detail, {"version": 9, "address": "新地址"}, format="json")
    assert stale.status_code == 409
    bodies.append(stale.json())
    bodies.append(client.patch(detail, "{", content_type="application/json").json())
    bodies.append(client.get("/api/v1/enterprises/91510116MA6CH3W33X/").json())
    bodies.append(client.get("/api/v1/no-such-endpoint/").json())
    bodies.append(api_client_for(None).get(reverse("enterprises-api:enterprise-list")).json())
    bodies.append(client.get("/api/v1/enterprises/", {"q": "\x00"}).json())
    codes = {body["code"] for body in bodies}
    assert codes == {
        "invalid",
        "conflict",
        "parse_error",
        "not_found",
        "not_authenticated",
        "invalid_character",
    }
    for body in bodies:
        jsonschema.validate(body, _error_schema(schema))


def test_a_lockout_says_when_to_try_again(api_client_for, user_with_perms):
    user_with_perms(username="li")
    client = api_client_for(None)
    for _ in range(5):
        client.post(reverse("api-token"), {"username": "li", "password": "x"})
    response = client.post(reverse("api-token"), {"username": "li", "password": "x"})
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert response["Retry-After"] == "1800"
