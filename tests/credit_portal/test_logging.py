import json
import logging

import pytest
from pythonjsonlogger.json import JsonFormatter

pytestmark = pytest.mark.django_db


def test_every_response_carries_a_request_id(client):
    response = client.get("/accounts/login/")
    assert len(response["X-Request-ID"]) >= 16


def test_an_upstream_request_id_is_kept(client):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="abc-123-from-proxy")
    assert response["X-Request-ID"] == "abc-123-from-proxy"


def test_json_log_lines_carry_the_request_id(settings):
    from django_guid import set_guid
    from django_guid.log_filters import CorrelationId

    conf = settings.LOGGING["formatters"]["json"]
    formatter = JsonFormatter(conf["format"], rename_fields=conf["rename_fields"])
    set_guid("req-42")
    record = logging.LogRecord("credit_portal", logging.ERROR, __file__, 1, "boom %s", ("x",), None)
    CorrelationId().filter(record)
    line = json.loads(formatter.format(record))
    assert line["request_id"] == "req-42"
    assert line["message"] == "boom x"
    assert line["level"] == "ERROR"
