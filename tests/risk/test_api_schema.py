"""The classification API in the OpenAPI schema (issue 16 §9): generated without a warning (no
enum named twice, no field of unknown type), valid, and saying what each operation answers
beyond the common errors: the 409 of a busy run, an ended override or an acknowledged task,
the 503 of a queue that is down."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import reset_generator_stats

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/enterprises/{uscc}/assessments/": {"get"},
    "/api/v1/enterprises/{uscc}/risk/": {"get"},
    "/api/v1/enterprises/{uscc}/class-override/": {"post"},
    "/api/v1/class-overrides/{id}/end/": {"post"},
    "/api/v1/classification-runs/": {"get", "post"},
    "/api/v1/classification-runs/{id}/": {"get"},
    "/api/v1/risk-models/": {"get"},
    "/api/v1/risk-models/{code}/versions/": {"get"},
    "/api/v1/risk-model-versions/{id}/": {"get"},
    "/api/v1/class-change-tasks/": {"get"},
    "/api/v1/class-change-tasks/{id}/acknowledge/": {"post"},
    "/api/v1/me/credit-risk/": {"get"},
}


def test_the_schema_generates_without_a_warning_and_validates(tmp_path: Path) -> None:
    reset_generator_stats()  # warnings are counted per process
    target = tmp_path / "schema.yml"
    errors = io.StringIO()

    call_command(
        "spectacular", "--fail-on-warn", "--validate", "--file", str(target), stderr=errors
    )

    schema: dict[str, Any] = yaml.safe_load(target.read_text())
    for path, methods in PATHS.items():
        assert set(schema["paths"][path]) == methods, path


@pytest.fixture
def schema(client) -> dict[str, Any]:
    return client.get("/api/schema/", {"format": "json", "lang": "en"}).json()


def test_each_operation_documents_its_own_answers(schema):
    paths = schema["paths"]
    start = paths["/api/v1/classification-runs/"]["post"]["responses"]
    assert {"201", "400", "403", "409", "415", "503"} <= set(start)
    assert '"conflict"' in start["409"]["description"]
    assert "Retry-After" in start["503"]["description"]
    assert "409" in paths["/api/v1/class-overrides/{id}/end/"]["post"]["responses"]
    assert "409" in paths["/api/v1/class-change-tasks/{id}/acknowledge/"]["post"]["responses"]
    risk = paths["/api/v1/enterprises/{uscc}/risk/"]["get"]
    assert {"400", "403", "404"} <= set(risk["responses"])
    assert [p["name"] for p in risk["parameters"] if p["in"] == "query"] == ["as_of"]
    for path, methods in PATHS.items():
        for method in methods:
            assert "403" in paths[path][method]["responses"], (method, path)


def test_the_class_fields_of_the_enterprises_own_answer_are_optional(schema):
    own = schema["components"]["schemas"]["OwnCreditRisk"]
    assert set(own["required"]) == {
        "as_of",
        "classified",
        "not_classified_reason",
        "weighing_facts",
    }
    for name in ("risk_class", "score", "overridden", "what_would_change"):
        assert "off by default" in own["properties"][name]["description"], name
