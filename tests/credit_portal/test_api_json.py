"""JSON bodies nested too deep (issue 12, point 6): a 400 with a message on every API endpoint,
never a RecursionError, and no traceback in the log."""

from __future__ import annotations

import io
import logging

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.exceptions import ParseError

from credit_portal.parsers import JSON_MAX_DEPTH, DepthLimitedJSONParser, json_too_deep
from enterprises.permissions import EnterprisePerm as P
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def _nested(depth: int, *, inside: str = "[]") -> str:
    """`depth` levels: arrays, with objects every other level."""
    opening = "".join('{"a":' if i % 2 else "[" for i in range(depth - 1))
    closing = "".join("}" if i % 2 else "]" for i in reversed(range(depth - 1)))
    return opening + inside + closing


def _parse(text: str) -> object:
    return DepthLimitedJSONParser().parse(io.BytesIO(text.encode()), "application/json", {})


def test_depth_is_measured_without_recursion():
    assert not json_too_deep(1)
    assert not json_too_deep([])
    assert json_too_deep([[[]]], limit=2)
    assert not json_too_deep({"a": [1, {"b": []}]}, limit=4)
    assert json_too_deep({"a": [1, {"b": []}]}, limit=3)
    deep: list = []
    for _ in range(100_000):  # far beyond the interpreter's recursion limit
        deep = [deep]
    assert json_too_deep(deep)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_parser_accepts_the_limit_and_refuses_one_more():
    assert _parse(_nested(JSON_MAX_DEPTH))
    with pytest.raises(ParseError, match=f"more than {JSON_MAX_DEPTH} levels"):
        _parse(_nested(JSON_MAX_DEPTH + 1))


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_parser_refuses_what_pythons_json_cannot_parse(depth):
    with pytest.raises(ParseError, match="levels deep"):
        _parse(_nested(depth))


def _assert_refused_without_traceback(response, caplog) -> None:
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "parse_error"
    assert f"more than {JSON_MAX_DEPTH} levels deep" in body["detail"]
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.parametrize("depth", [JSON_MAX_DEPTH + 1, 1_000, 100_000])
def test_token_endpoint_answers_400(api_client_for, caplog, depth):
    body = _nested(depth, inside='{"username": "a", "password": "b"}')
    response = api_client_for(None).post(
        reverse("api-token"), body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    _assert_refused_without_traceback(response, caplog)


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_staff_writes_answer_400(api_client_for, user_with_perms, caplog, depth):
    enterprise = EnterpriseFactory()
    client = api_client_for(user_with_perms(P.VIEW, P.ADD, P.CHANGE))
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    deep_field = '{"version": 1, "former_names": ' + _nested(depth) + "}"
    created = client.post(
        reverse("enterprises-api:enterprise-list"), deep_field, content_type="application/json"
    )
    _assert_refused_without_traceback(created, caplog)
    changed = client.patch(
        reverse("enterprises-api:enterprise-detail", args=[enterprise.uscc]),
        deep_field,
        content_type="application/json",
    )
    _assert_refused_without_traceback(changed, caplog)


def test_public_endpoint_ignores_a_deep_body(api_client_for, caplog):
    """A GET of the public lookup does not read its body: a deep one changes nothing."""
    enterprise = EnterpriseFactory()
    response = api_client_for(None).generic(
        "GET",
        reverse("enterprises-api:public-enterprise-detail", args=[enterprise.uscc]),
        _nested(100_000),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_forms_are_still_read(api_client_for):
    response = api_client_for(None).post(
        reverse("api-token"), {"username": "nobody", "password": "x"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
