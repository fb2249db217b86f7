"""Limits where attackers look (issue 12, point 9): the API behind a login is throttled per user,
and logins are limited per client address across usernames (password spraying) as well as per
username, on the login page and the API token endpoint alike."""

from __future__ import annotations

import pytest
from django.urls import reverse

from credit_portal.models import AuditEvent
from enterprises.permissions import EnterprisePerm
from tests.conftest import redis_cache_isolated

pytestmark = pytest.mark.django_db

LIST = "/api/v1/enterprises/"
PUBLIC = "/api/v1/public/enterprises/"
TOKEN = "/api/v1/auth/token/"


# (a) the staff API, per user ------------------------------------------------------------------


@pytest.fixture(params=["local-memory", "redis"])
def api_cache(request, settings):
    """The default cache for one test: in-process (DRF's window) or Redis (the Lua script),
    with a key prefix of its own on Redis, removed afterwards."""
    if request.param == "local-memory":
        yield
        return
    url = request.getfixturevalue("require_redis")
    with redis_cache_isolated(settings, url, "test-staff-throttle"):
        yield


def _rate(settings, rate: str) -> None:
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "staff_api": rate}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def test_the_staff_api_is_throttled_per_user_with_retry_after(
    api_cache, settings, user_with_perms, api_client_for
):
    _rate(settings, "3/min")
    reader = api_client_for(user_with_perms(EnterprisePerm.VIEW))
    colleague = api_client_for(user_with_perms(EnterprisePerm.VIEW))
    for _ in range(3):
        assert reader.get(LIST).status_code == 200

    refused = reader.get(LIST)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["code"] == "throttled"
    assert colleague.get(LIST).status_code == 200  # per user, not per address


def test_the_staff_api_rate_is_a_setting_and_the_default_is_generous(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["staff_api"] == "120/min"
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == [
        "credit_portal.throttling.StaffApiRateThrottle"
    ]


def test_the_public_lookup_and_anonymous_requests_are_not_counted_per_user(
    settings, user_with_perms, api_client_for
):
    """The public lookup keeps its own limit per address; the user's allowance is untouched."""
    _rate(settings, "2/min")
    client = api_client_for(user_with_perms(EnterprisePerm.VIEW))
    for _ in range(5):
        assert client.get(PUBLIC, {"q": "蓉城"}).status_code == 200
    assert client.get(LIST).status_code == 200
    anonymous = api_client_for(None)
    for _ in range(3):
        assert anonymous.get(LIST).status_code in (401, 403)


# (b) logins: per address across usernames -----------------------------------------------------


def _fail(client, username: str, address: str) -> int:
    return client.post(
        reverse("login"),
        {"username": username, "password": "Spring2026!"},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="en",
    ).status_code


def test_password_spraying_from_one_address_is_stopped_across_usernames(
    client, settings, user_with_perms
):
    """One or two passwords on many accounts stay under the limit per username (5); the limit
    per address (20) stops them, even for the right password of an account never tried."""
    user_with_perms("credit_portal.access_staff_portal", username="li")
    assert settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS == 20
    for n in range(19):
        assert _fail(client, f"staff{n % 10}", "203.0.113.9") == 200
    ok = client.post(
        reverse("login"),
        {"username": "li", "password": "Secret-pass-123"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert ok.status_code == 302  # 19 failures: still allowed
    client.logout()

    assert _fail(client, "staff19", "203.0.113.9") == 429  # the 20th failure locks the address
    locked = client.post(
        reverse("login"),
        {"username": "li", "password": "Secret-pass-123"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert locked.status_code == 429
    assert "Log-ins from your address are paused" in locked.content.decode()
    assert AuditEvent.objects.filter(event_type="accounts.user_logged_in").count() == 1

    elsewhere = client.post(
        reverse("login"),
        {"username": "li", "password": "Secret-pass-123"},
        REMOTE_ADDR="198.51.100.4",
    )
    assert elsewhere.status_code == 302  # the account itself is not locked


def test_spraying_through_the_token_endpoint_is_stopped_too(
    client, settings, user_with_perms, api_client_for
):
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 6
    user_with_perms(username="li")
    api = api_client_for(None)
    for n in range(6):
        answer = api.post(
            TOKEN, {"username": f"staff{n}", "password": "x"}, REMOTE_ADDR="203.0.113.10"
        )
        assert answer.status_code == (429 if n == 5 else 400)
    refused = api.post(
        TOKEN, {"username": "li", "password": "Secret-pass-123"}, REMOTE_ADDR="203.0.113.10"
    )
    assert refused.status_code == 429
    assert refused.json()["code"] == "locked_out"
    # One store for both doors: the login page refuses the address as well.
    page = client.post(
        reverse("login"),
        {"username": "li", "password": "Secret-pass-123"},
        REMOTE_ADDR="203.0.113.10",
    )
    assert page.status_code == 429
    other = api.post(
        TOKEN, {"username": "li", "password": "Secret-pass-123"}, REMOTE_ADDR="198.51.100.5"
    )
    assert other.status_code == 200


def test_the_lockout_per_username_still_says_the_account_is_locked(client, user_with_perms):
    user_with_perms(username="li")
    for _ in range(5):
        _fail(client, "li", "203.0.113.11")
    response = client.post(
        reverse("login"),
        {"username": "li", "password": "Secret-pass-123"},
        REMOTE_ADDR="203.0.113.11",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 429
    assert "This account is locked for 30 minutes" in response.content.decode()
