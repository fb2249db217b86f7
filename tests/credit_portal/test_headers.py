"""Security headers and caching on each kind of answer (issue 12, point 10).

Every answer carries the Content Security Policy and the Permissions-Policy
(`credit_portal.middleware.SecurityHeadersMiddleware`); every answer to a logged-in user, by
session or API token (staff pages, self-service, exports, API, admin), is `no-store`; the public
pages and static files keep the caching they had.
"""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from credit_portal.middleware import SecurityHeadersMiddleware
from credit_portal.permissions import CorePerm
from enterprises.permissions import EnterprisePerm
from tests.credit_portal.test_settings import PROD_ENV, _manage
from tests.enterprises.factories import EnterpriseFactory, enterprise_user

pytestmark = pytest.mark.django_db

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DISABLED = ["camera", "microphone", "geolocation", "payment", "usb", "serial", "hid", "midi"]


def assert_policies(response) -> None:
    assert response["Content-Security-Policy"] == CSP
    policy = [p.strip() for p in response["Permissions-Policy"].split(",")]
    for feature in DISABLED:
        assert f"{feature}=()" in policy


def assert_no_store(response) -> None:
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives, response["Cache-Control"]


@pytest.fixture
def enterprise():
    return EnterpriseFactory(name="成都市双流区响应头商贸有限公司")


@pytest.fixture
def staff(user_with_perms):
    return user_with_perms(
        CorePerm.ACCESS_STAFF_PORTAL,
        EnterprisePerm.VIEW,
        EnterprisePerm.EXPORT,
        EnterprisePerm.IMPORT,
        username="staff",
    )


def test_public_pages_keep_their_caching_and_carry_the_policies(client, enterprise):
    """The public lookup sets no Cache-Control (as before); it varies on the cookie, so a shared
    cache never gives a logged-in user's page to a visitor."""
    for url in [
        reverse("public:search"),
        f"{reverse('public:search')}?q=响应头",
        reverse("public:profile", args=[enterprise.uscc]),
    ]:
        response = client.get(url)
        assert response.status_code == 200
        assert_policies(response)
        assert "Cache-Control" not in response
        assert "Cookie" in response["Vary"]


def test_public_api_keeps_its_caching_and_carries_the_policies(client, enterprise):
    response = client.get(reverse("enterprises-api:public-enterprise-list"), {"q": "响应头"})
    assert response.status_code == 200
    assert_policies(response)
    assert "Cache-Control" not in response


def test_anonymous_public_profile_does_not_load_the_session(
    client, enterprise, django_assert_num_queries
):
    """The hottest page: the header middleware adds no query (the profile's one on PostgreSQL)."""
    from tests.enterprises.factories import public_profile_queries

    url = reverse("public:profile", args=[enterprise.uscc])
    client.get(url)  # warm: the layout's shell, the prepared statement
    with django_assert_num_queries(public_profile_queries()):
        response = client.get(url)
    assert "Cache-Control" not in response


def test_login_page_is_not_cached(client):
    response = client.get(reverse("login"))
    assert_policies(response)
    assert_no_store(response)


def test_staff_pages_are_no_store(client, staff, enterprise):
    client.force_login(staff)
    for url in [
        reverse("home"),
        reverse("enterprises:list"),
        reverse("enterprises:detail", kwargs={"uscc": enterprise.uscc}),
        reverse("enterprises:import"),
        reverse("public:profile", args=[enterprise.uscc]),  # with the user's name in the masthead
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_policies(response)
        assert_no_store(response)


def test_exports_and_downloads_are_no_store(client, staff, enterprise):
    client.force_login(staff)
    for url in [reverse("enterprises:export"), reverse("enterprises:import_template")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "attachment" in response["Content-Disposition"]
        assert_no_store(response)


def test_self_service_pages_are_no_store(client, enterprise):
    client.force_login(enterprise_user(enterprise))
    for url in [reverse("me:home"), reverse("me:records")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_policies(response)
        assert_no_store(response)


def test_api_answers_to_a_token_are_no_store(staff, enterprise):
    """Token authentication: no session cookie; DRF puts the token's user on the request."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
    response = api.get(reverse("enterprises-api:enterprise-list"))
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert_policies(response)
    assert_no_store(response)


def test_api_answers_to_a_session_are_no_store(client, staff, enterprise):
    client.force_login(staff)
    response = client.get(reverse("enterprises-api:enterprise-list"))
    assert response.status_code == 200
    assert_no_store(response)
    # The public API authenticates no one: the same public answer for all, cacheable as before.
    public = client.get(reverse("enterprises-api:public-enterprise-list"), {"q": "响应头"})
    assert public.status_code == 200
    assert "Cache-Control" not in public


def test_admin_pages_are_no_store(client, user_with_perms):
    client.force_login(user_with_perms(is_superuser=True, is_staff=True))
    for url in [reverse("admin:index"), reverse("admin:enterprises_enterprise_changelist")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_policies(response)
        assert_no_store(response)


def test_static_files_keep_their_caching_for_everyone(client, staff):
    for logged_in in (False, True):
        if logged_in:
            client.force_login(staff)
        response = client.get("/static/css/portal.css")
        assert response.status_code == 200
        assert_policies(response)
        assert "no-store" not in response["Cache-Control"]
        assert "public" in response["Cache-Control"]


def test_api_docs_carry_the_policy(client):
    for params in ({}, {"script": ""}):
        response = client.get(reverse("api-docs"), params)
        assert response.status_code == 200
        assert_policies(response)


def test_a_policy_the_view_set_is_kept():
    def view(request):
        response = HttpResponse()
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = SecurityHeadersMiddleware(view)(RequestFactory().get("/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert "Permissions-Policy" in response
    assert "Cache-Control" not in response  # no user on the request: nothing known, nothing set


@override_settings(DEBUG=True)
def test_debug_error_pages_are_left_without_the_policy(client):
    """Django's technical 404 page styles itself inline; with DEBUG off it is never shown."""
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Content-Security-Policy" not in response
    assert "Permissions-Policy" in response


def test_language_cookie_is_lax_and_http_only(client):
    response = client.get(reverse("language_switch"), {"language": "en", "next": "/credit/"})
    cookie = response.cookies["cp_language"]
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"] is True
    assert not cookie["secure"]  # plain HTTP in development; Secure in production (below)


def test_language_cookie_is_secure_in_production():
    code = (
        "from django.conf import settings as s; "
        "print(s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_SAMESITE, s.LANGUAGE_COOKIE_HTTPONLY)"
    )
    result = _manage("shell", "-c", code, env=PROD_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True Lax True"
