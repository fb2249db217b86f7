"""Redis refused or hung (issue 12, point 4): every Redis call has a timeout; the token endpoint
answers a clean 503; /healthz answers 503 within 3 s whatever hangs; jobs whose wake-up was
lost are picked up when the broker is back.

A refused Redis is a closed port, a hung one a local server that never answers
(`tests.redis_outage`); the shared Redis is never stopped.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import OperationalError, connections
from django.test import override_settings
from django.utils import timezone

from credit_portal.jobs import JobQueueUnavailable, jobs_sweep
from enterprises.models import ImportJob
from tests.enterprises.test_import import csv_bytes, row
from tests.redis_outage import broker_at, hung_redis, redis_outage

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
OUTAGES = ["refused", "hung"]

_SETTINGS_PROBE = """
import importlib, json
out = {}
for name in ("local", "production"):
    s = importlib.import_module("credit_portal.settings." + name)
    out[name] = {
        "cache": s.CACHES["default"].get("OPTIONS", {}),
        "broker": s.CELERY_BROKER_TRANSPORT_OPTIONS,
        "backend": [s.CELERY_REDIS_SOCKET_TIMEOUT, s.CELERY_REDIS_SOCKET_CONNECT_TIMEOUT],
        "publish": s.CELERY_TASK_PUBLISH_RETRY_POLICY,
    }
print(json.dumps(out))
"""


def test_every_settings_module_with_redis_gives_up_in_seconds():
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
        },
        "REDIS_URL": "redis://redis:6379/0",
        "DATABASE_URL": "postgres://app@db:5432/credit",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "credit.example.gov.cn",
    }
    probe = subprocess.run(
        [sys.executable, "-c", _SETTINGS_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for name, conf in json.loads(probe.stdout).items():
        assert 0 < conf["cache"]["socket_timeout"] <= 2, name
        assert 0 < conf["cache"]["socket_connect_timeout"] <= 2, name
        assert 0 < conf["broker"]["socket_timeout"] <= 3, name
        assert 0 < conf["broker"]["socket_connect_timeout"] <= 3, name
        assert all(0 < seconds <= 3 for seconds in conf["backend"]), name
        assert conf["publish"]["max_retries"] <= 3, name


def _redis_cache(url: str, timeouts: bool = True) -> dict[str, dict[str, object]]:
    options = {"socket_connect_timeout": 1, "socket_timeout": 1} if timeouts else {}
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": options,
        }
    }


# --------------------------------------------------------------------------- token endpoint


@pytest.mark.parametrize("outage", OUTAGES)
def test_the_token_endpoint_answers_503_when_the_cache_is_down(client, user_with_perms, outage):
    user_with_perms(username="api-user")
    with redis_outage(outage) as url, override_settings(CACHES=_redis_cache(url)):
        started = time.monotonic()
        response = client.post(
            "/api/v1/auth/token/",
            {"username": "api-user", "password": "Secret-pass-123"},
            content_type="application/json",
        )
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "unavailable"
    assert body["detail"]
    assert response["Retry-After"] == "60"
    assert elapsed < 5


# --------------------------------------------------------------------------- /healthz


def test_healthz_answers_503_within_3_seconds_when_redis_hangs(client):
    """Cache and broker on a Redis that accepts and never answers, the cache client without
    any timeout of its own: the health check's own bound answers."""
    with (
        hung_redis() as url,
        override_settings(CACHES=_redis_cache(url, timeouts=False), REDIS_URL=url),
        broker_at(url),
    ):
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert (checks["cache"]["ok"], checks["broker"]["ok"], checks["database"]["ok"]) == (
        False,
        False,
        True,
    )
    assert elapsed < 3


def test_healthz_answers_503_within_3_seconds_when_the_database_hangs(client, monkeypatch):
    released = threading.Event()

    def hangs(*args: object, **kwargs: object) -> None:
        released.wait(30)
        raise OperationalError("no answer")

    # Health checks run in threads with their own connections: patch the class.
    monkeypatch.setattr(type(connections["default"]), "temporary_connection", hangs)
    try:
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    finally:
        released.set()

    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False
    assert elapsed < 3


# --------------------------------------------------------------------------- lost wake-ups


def test_a_job_whose_wake_up_was_lost_runs_when_the_broker_is_back(user_with_perms):
    job = ImportJob(
        original_name="register.csv",
        created_by=user_with_perms(),
        woken_at=timezone.now() - dt.timedelta(hours=1),  # its message went down with Redis
    )
    job.file.save("register.csv", ContentFile(csv_bytes([row(1)])), save=False)
    job.save()

    with redis_outage("refused") as url, broker_at(url), pytest.raises(JobQueueUnavailable):
        jobs_sweep()
    job.refresh_from_db()
    assert job.status == "pending"

    # The broker is back (here: tasks in process, as without Redis); the next sweep runs it.
    assert jobs_sweep() == {
        "enterprises.ImportJob": 1,
        "credit_portal.DailyRun": 0,
        "risk.ClassificationRun": 0,
        "inspections.DrawJob": 0,
    }
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 1)
