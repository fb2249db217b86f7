"""Rate limiting of the public credit lookup: one counter per client address for the pages and
the API, a 429 that says why, and nobody else affected."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path, reverse
from django.views import View

from credit_portal.throttling import PublicRateThrottle, PublicThrottleMixin
from credit_portal.urls import urlpatterns as portal_urls
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db
SEARCH = reverse("public:search")
API = reverse("enterprises-api:public-enterprise-list")


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()


def spend(client, n: int, url: str = SEARCH, **extra) -> None:
    for _ in range(n):
        assert client.get(url, **extra).status_code == 200


def test_sixty_first_lookup_in_a_minute_gets_the_429_page(client):
    spend(client, 60, REMOTE_ADDR="10.0.0.1")
    response = client.get(SEARCH, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    html = response.content.decode()
    assert "来自您所在网络地址的查询过于频繁" in html
    assert f"请等待 {wait} 秒后再试" in html
    assert "每分钟最多可查询 60 次" in html


def test_429_page_speaks_english_too(client):
    spend(client, 60, REMOTE_ADDR="10.0.0.2")
    response = client.get(SEARCH, REMOTE_ADDR="10.0.0.2", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    wait = response["Retry-After"]
    html = response.content.decode()
    assert "Too many lookups from your address in a short time." in html
    assert f"Please wait {wait} second" in html
    assert "60 lookups per minute" in html


def test_profile_pages_count_and_are_refused_too(client):
    enterprise = EnterpriseFactory()
    profile = reverse("public:profile", kwargs={"uscc": enterprise.uscc})
    spend(client, 60, profile, REMOTE_ADDR="10.0.0.3")
    assert client.get(profile, REMOTE_ADDR="10.0.0.3").status_code == 429


def test_another_address_is_not_affected(client):
    spend(client, 60, REMOTE_ADDR="10.0.0.4")
    assert client.get(SEARCH, REMOTE_ADDR="10.0.0.4").status_code == 429
    assert client.get(SEARCH, REMOTE_ADDR="10.0.0.5").status_code == 200


def test_api_gives_json_429_with_retry_after(api_client_for):
    client = api_client_for(None)
    EnterpriseFactory(name="成都蓉城餐饮管理有限公司")
    spend(client, 60, API, data={"q": "蓉城"}, REMOTE_ADDR="10.0.0.6")
    response = client.get(API, {"q": "蓉城"}, REMOTE_ADDR="10.0.0.6", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    body = response.json()
    assert body["code"] == "throttled"
    assert body["detail"].startswith("Too many lookups from your address in a short time.")


def test_pages_and_api_share_one_counter(client, api_client_for):
    EnterpriseFactory(name="成都蓉城餐饮管理有限公司")
    spend(client, 30, REMOTE_ADDR="10.0.0.7")
    spend(api_client_for(None), 30, API, data={"q": "蓉城"}, REMOTE_ADDR="10.0.0.7")
    assert client.get(SEARCH, REMOTE_ADDR="10.0.0.7").status_code == 429
    api = api_client_for(None).get(API, {"q": "蓉城"}, REMOTE_ADDR="10.0.0.7")
    assert api.status_code == 429


def test_a_forged_forwarded_for_header_does_not_reset_the_count(client):
    spend(client, 60, REMOTE_ADDR="10.0.0.8")
    response = client.get(SEARCH, REMOTE_ADDR="10.0.0.8", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert response.status_code == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_count(client, settings):
    rest = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    with override_settings(REST_FRAMEWORK=rest):
        spend(client, 60, REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="203.0.113.1")
        refused = client.get(SEARCH, REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="203.0.113.1")
        other = client.get(SEARCH, REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert refused.status_code == 429
    assert other.status_code == 200


def test_lookups_are_allowed_again_once_the_minute_has_passed(client, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(PublicRateThrottle, "timer", lambda self: now[0])
    spend(client, 60, REMOTE_ADDR="10.0.0.10")
    now[0] += 30
    response = client.get(SEARCH, REMOTE_ADDR="10.0.0.10")
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    now[0] += 30.5
    assert client.get(SEARCH, REMOTE_ADDR="10.0.0.10").status_code == 200


def test_rate_comes_from_the_settings(client, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public": "3/min"}
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        spend(client, 3, REMOTE_ADDR="10.0.0.11")
        response = client.get(SEARCH, REMOTE_ADDR="10.0.0.11", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "3 lookups per minute" in response.content.decode()


class _ThrottledClassView(PublicThrottleMixin, View):
    def get(self, request):
        return HttpResponse("ok")


urlpatterns = [path("throttled-cbv/", _ThrottledClassView.as_view()), *portal_urls]


@pytest.mark.urls(__name__)
def test_class_based_views_share_the_same_counter(client):
    spend(client, 59, REMOTE_ADDR="10.0.0.12")
    assert client.get("/throttled-cbv/", REMOTE_ADDR="10.0.0.12").status_code == 200
    response = client.get("/throttled-cbv/", REMOTE_ADDR="10.0.0.12")
    assert response.status_code == 429
    assert "Retry-After" in response
