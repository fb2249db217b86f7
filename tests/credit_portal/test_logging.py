import json
import logging

import pytest
from pythonjsonlogger.json import JsonFormatter

pytestmark = pytest.mark.django_db


def test_every_response_carries_a_request_id(client):
    response = client.get("/accounts/login/")
    assert len(response["X-Request-ID"]) >= 16


def test_an_upstream_request_id_is_kept(client):
    upstream = "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID=upstream)
    assert response["X-Request-ID"].replace("-", "") == upstream.replace("-", "")


HEX = "6f1c2d3e4b5a4c7d8e9f0a1b2c3d4e5f"


@pytest.mark.parametrize(
    "forged",
    [
        "abc-123",
        "forged-" + "A" * 80,
        "<script>x</script>",
        # What uuid.UUID() (and so django-guid) accepts but the audit log must not get:
        "-" * 60 + HEX + "-" * 60,
        "{" * 40 + HEX + "}" * 40,
        "urn:uuid:" + HEX,
    ],
)
def test_a_request_id_that_is_not_a_uuid_is_replaced(client, user_with_perms, forged):
    """The id is written into the append-only audit log: a client must not choose its text, nor
    overflow the column (which would fail every audited action of the request)."""
    from credit_portal.models import AuditEvent

    user_with_perms("credit_portal.access_staff_portal", username="li")
    response = client.post(
        "/accounts/login/",
        {"username": "li", "password": "Secret-pass-123"},
        HTTP_X_REQUEST_ID=forged,
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] != forged
    event = AuditEvent.objects.get(event_type="accounts.user_logged_in")
    assert event.request_id == response["X-Request-ID"]
    assert len(event.request_id) <= 64 and forged not in event.request_id
    assert HEX not in event.request_id


@pytest.mark.parametrize("given", [HEX, "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"])
def test_a_plain_uuid_request_id_reaches_the_audit_log(client, user_with_perms, given):
    from credit_portal.models import AuditEvent

    user_with_perms("credit_portal.access_staff_portal", username="li")
    response = client.post(
        "/accounts/login/",
        {"username": "li", "password": "Secret-pass-123"},
        HTTP_X_REQUEST_ID=given,
    )
    event = AuditEvent.objects.get(event_type="accounts.user_logged_in")
    assert event.request_id.replace("-", "") == HEX == response["X-Request-ID"].replace("-", "")


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


def test_an_ordinary_403_is_one_warning_line_without_a_traceback(client, user_with_perms, caplog):
    """Tester (issue 13): every 403 printed a traceback in the demo's log, as if the portal
    had failed. It is logged as a warning, with the path and no exception."""
    client.force_login(user_with_perms("credit_portal.access_staff_portal"))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/enterprises/")
    assert response.status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.WARNING
    assert "/enterprises/" in record.getMessage()
    assert record.exc_info is None and not record.exc_text
    assert "Traceback" not in caplog.text


def test_a_server_error_keeps_its_traceback(caplog):
    from django.test import RequestFactory
    from django.utils.log import log_response

    from credit_portal.views import error_500

    request = RequestFactory().get("/boom/")
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        with caplog.at_level(logging.ERROR, logger="django.request"):
            log_response(
                "Internal Server Error: %s",
                request.path,
                response=error_500(request),
                request=request,
                exception=exc,
            )
    assert "Traceback" in caplog.text and "RuntimeError: boom" in caplog.text
