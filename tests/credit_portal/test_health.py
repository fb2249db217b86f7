import pytest
from django.db import connections
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_service(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(c["ok"] for c in body["checks"].values())


def test_healthz_is_503_when_the_broker_does_not_answer(client, settings):
    from credit_portal.celery import app

    # A closed port: nothing listens on 127.0.0.1:1.
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        old = (app.conf.broker_url, app.conf.task_always_eager)
        app.conf.broker_url, app.conf.task_always_eager = "redis://127.0.0.1:1/0", False
        try:
            response = client.get("/healthz")
        finally:
            app.conf.broker_url, app.conf.task_always_eager = old
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_healthz_is_503_when_the_cache_does_not_answer(client):
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=caches):  # Django resets its cache handler on this change
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False


def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    from django.db import OperationalError

    def broken(*args, **kwargs):
        raise OperationalError("connection refused")

    # Health checks run in a worker thread with its own connection: break the class, not one object.
    monkeypatch.setattr(type(connections["default"]), "temporary_connection", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False
