"""Rate limiting of the public credit lookup: one counter per client address for the pages and
the API, a 429 that says why, and nobody else affected.

Every test runs twice: on the in-process cache (development, DRF's throttle) and on Redis
(production, the one-round-trip Lua script), so both give the same answers."""

from __future__ import annotations

import threading

import pytest
import redis
from django.core.cache import cache
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path, reverse
from django.views import View

from credit_portal import throttling
from credit_portal.throttling import PublicRateThrottle, PublicThrottleMixin
from credit_portal.urls import urlpatterns as portal_urls
from tests.conftest import redis_cache_isolated
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db
SEARCH = reverse("public:search")
API = reverse("enterprises-api:public-enterprise-list")


@pytest.fixture(autouse=True, params=["local-memory", "redis"])
def throttle_cache(request, settings):
    """The default cache for one test, empty. On Redis the keys carry a prefix of their own and
    are removed afterwards: the database may be shared with other tests, so no FLUSHDB."""
    if request.param == "local-memory":
        cache.clear()
        yield None
        return
    url = request.getfixturevalue("require_redis")
    with redis_cache_isolated(settings, url, "test-throttle") as server:
        yield server


ON_REDIS = pytest.mark.parametrize("throttle_cache", ["redis"], indirect=True)


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


@ON_REDIS
def test_on_redis_the_history_is_a_list_written_by_the_script(client, throttle_cache):
    spend(client, 3, REMOTE_ADDR="10.0.0.13")
    (key,) = [k for k in throttle_cache.scan_iter(f"{cache.key_prefix}:*") if b"10.0.0.13" in k]
    assert throttle_cache.type(key) == b"list"
    assert throttle_cache.llen(key) == 3
    assert 0 < throttle_cache.ttl(key) <= 60


@ON_REDIS
def test_on_redis_a_lookup_is_one_round_trip(client, throttle_cache, monkeypatch):
    client.get(SEARCH, REMOTE_ADDR="10.0.0.14")  # the script is loaded on the first call
    sent: list[bytes] = []
    send = redis.connection.AbstractConnection.send_packed_command

    def recording(self, command, *args, **kwargs):
        sent.append(command if isinstance(command, bytes) else b"".join(command))
        return send(self, command, *args, **kwargs)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", recording)
    assert client.get(SEARCH, REMOTE_ADDR="10.0.0.14").status_code == 200
    assert len(sent) == 1
    assert b"EVALSHA" in sent[0]


def kept_connection_id() -> int:
    """The Redis client id of the connection the throttle keeps for this thread."""
    connection = throttling._scripts[cache._cache]._kept.connection
    connection.send_command("CLIENT", "ID")
    return int(connection.read_response())


@ON_REDIS
def test_on_redis_lookups_keep_one_connection(client, throttle_cache):
    spend(client, 1, REMOTE_ADDR="10.0.0.20")
    first = kept_connection_id()
    spend(client, 3, REMOTE_ADDR="10.0.0.20")
    assert kept_connection_id() == first


@ON_REDIS
def test_on_redis_a_connection_closed_by_the_server_is_replaced(client, throttle_cache, caplog):
    """A Redis restart or idle timeout closes the kept connection: the next lookup still counts,
    on a new connection, and nothing is logged as a failure."""
    spend(client, 2, REMOTE_ADDR="10.0.0.21")
    old = kept_connection_id()
    assert throttle_cache.client_kill_filter(_id=old) == 1
    with caplog.at_level("WARNING", logger="credit_portal.throttling"):
        spend(client, 1, REMOTE_ADDR="10.0.0.21")
    assert "Redis failed" not in caplog.text
    assert kept_connection_id() != old
    (key,) = [k for k in throttle_cache.scan_iter(f"{cache.key_prefix}:*") if b"10.0.0.21" in k]
    assert throttle_cache.llen(key) == 3


@ON_REDIS
def test_on_redis_a_forgotten_script_is_sent_again(client, throttle_cache, monkeypatch):
    """After a Redis restart (or SCRIPT FLUSH) the script is unknown to the server: the lookup
    still counts (EVAL sends the script). Simulated with a digest the server does not know,
    since SCRIPT FLUSH would empty the cache of every other user of this Redis."""
    spend(client, 1, REMOTE_ADDR="10.0.0.19")
    script = throttling._scripts[cache._cache]
    monkeypatch.setattr(script, "sha", "0" * 40)
    assert throttle_cache.script_exists("0" * 40) == [False]
    spend(client, 2, REMOTE_ADDR="10.0.0.19")
    (key,) = [k for k in throttle_cache.scan_iter(f"{cache.key_prefix}:*") if b"10.0.0.19" in k]
    assert throttle_cache.llen(key) == 3


@ON_REDIS
def test_concurrent_lookups_cannot_overwrite_each_others_count(throttle_cache, rf, settings):
    """Twenty lookups at once from one client with ten allowed: exactly ten go through. With a
    read-then-write counter (DRF's, on the in-process cache) interleaved requests lose counts,
    so this runs on Redis, as production does."""
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public": "10/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    start = threading.Barrier(20, timeout=10)
    allowed: list[bool] = []
    failures: list[BaseException] = []

    def lookup() -> None:
        try:
            request = rf.get(SEARCH, REMOTE_ADDR="10.0.0.15")
            start.wait()
            allowed.append(PublicRateThrottle().allow_request(request, None))
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)

    threads = [threading.Thread(target=lookup) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert failures == []
    assert sorted(allowed) == [False] * 10 + [True] * 10


def with_rate(settings, rate: str) -> None:
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public": rate}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


@ON_REDIS
def test_on_redis_the_wait_is_exact_after_the_rate_was_lowered(client, settings, monkeypatch):
    now = [2_000_000.0]
    monkeypatch.setattr(PublicRateThrottle, "timer", lambda self: now[0])
    for _ in range(5):  # at 10 a minute: lookups at +0, +1, +2, +3, +4 s
        spend(client, 1, REMOTE_ADDR="10.0.0.16")
        now[0] += 1
    with_rate(settings, "3/min")
    now[0] += 5  # +10 s: five in the window, three allowed
    response = client.get(SEARCH, REMOTE_ADDR="10.0.0.16")
    assert response.status_code == 429
    assert response["Retry-After"] == "52"  # until the lookup of +2 s leaves the window
    now[0] += 51.5
    assert client.get(SEARCH, REMOTE_ADDR="10.0.0.16").status_code == 429
    now[0] += 1
    assert client.get(SEARCH, REMOTE_ADDR="10.0.0.16").status_code == 200


def test_a_rate_of_zero_refuses_every_lookup_with_a_wait(client, settings):
    with_rate(settings, "0/min")
    response = client.get(SEARCH, REMOTE_ADDR="10.0.0.17")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"


@ON_REDIS
def test_when_redis_fails_lookups_go_through_and_the_failure_is_logged(client, settings, caplog):
    """Nothing listens on port 1: the connection is refused, as when Redis is down."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with caplog.at_level("WARNING", logger="credit_portal.throttling"):
        assert client.get(SEARCH, REMOTE_ADDR="10.0.0.18").status_code == 200
        assert client.get(API, {"q": "蓉城"}, REMOTE_ADDR="10.0.0.18").status_code == 200
    assert "Redis failed" in caplog.text


@ON_REDIS
def test_on_redis_a_server_gone_down_is_tried_once_per_lookup(
    client, throttle_cache, monkeypatch, caplog
):
    """Redis goes away after it answered: the first lookup retries once (the connection may
    just have been closed), later ones make one attempt each, and all are let through."""
    spend(client, 1, REMOTE_ADDR="10.0.0.22")
    kept = throttling._scripts[cache._cache]._kept.connection
    assert throttle_cache.client_kill_filter(_id=kept_connection_id()) == 1
    attempts: list[int] = []

    def refused(*args, **kwargs):
        attempts.append(1)
        raise redis.exceptions.ConnectionError("Connection refused")

    monkeypatch.setattr(kept, "connect_check_health", refused)
    with caplog.at_level("WARNING", logger="credit_portal.throttling"):
        spend(client, 1, REMOTE_ADDR="10.0.0.22")
        assert len(attempts) == 1  # the retry's connection attempt
        spend(client, 2, REMOTE_ADDR="10.0.0.22")
    assert len(attempts) == 3
    assert caplog.text.count("Redis failed") == 3


class Interrupt(BaseException):
    """Stands for what may stop a request between two lines: a signal, MemoryError."""


@ON_REDIS
def test_on_redis_an_interrupted_lookup_leaves_no_reply_for_the_next(client, settings, monkeypatch):
    """Stopped between sending the script and reading its reply, a lookup must not leave that
    reply for the next one: another client would read this client's refusal as its own."""
    with_rate(settings, "1/min")
    spend(client, 1, REMOTE_ADDR="10.0.0.23")  # 10.0.0.23 is now at its limit
    read = redis.connection.AbstractConnection.read_response
    calls = {"n": 0}

    def interrupted(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise Interrupt  # the refusal of 10.0.0.23 stays unread
        return read(self, *args, **kwargs)

    monkeypatch.setattr(redis.connection.AbstractConnection, "read_response", interrupted)
    with pytest.raises(Interrupt):
        client.get(SEARCH, REMOTE_ADDR="10.0.0.23")
    assert client.get(SEARCH, REMOTE_ADDR="10.0.0.24").status_code == 200
