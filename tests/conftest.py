"""Shared fixtures.

Service policy: a test that needs PostgreSQL, Redis, a Celery worker or Chromium asks for it
through `require_service`. Locally a missing service skips the test with the reason; in CI
(CI=true) it fails, so a green CI run always means the real services were exercised.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import connection
from rest_framework.test import APIClient

from credit_portal.models import Department, StaffProfile, User
from credit_portal.roles import Role

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(available: bool, what: str) -> None:
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available", pytrace=False)
    pytest.skip(f"{what} not available (set it up, or run in CI where it is required)")


def redis_url() -> str:
    return settings.REDIS_URL


def redis_available() -> bool:
    url = redis_url()
    if not url:
        return False
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False
    return True


@pytest.fixture
def require_postgres() -> None:
    require_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


@pytest.fixture
def require_redis() -> str:
    require_service(redis_available(), "Redis (REDIS_URL)")
    return redis_url()


@pytest.fixture
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    require_service(path is not None, "Chromium (apt-get install chromium)")
    assert path is not None
    return path


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Every test starts with an empty cache (the workbench keeps figures per user id, and
    SQLite hands out the same ids again after a rollback), and the working-day calendar's
    per-process cache empty (a test's calendar entries are rolled back without a signal)."""
    from django.core.cache import cache

    from credit_portal.workdays import calendar_cache_clear

    cache.clear()
    calendar_cache_clear()


@pytest.fixture
def department(db: Any) -> Department:
    return Department.objects.get_or_create(
        code="amr", defaults={"name": "区市场监督管理局", "is_bureau": True}
    )[0]


@pytest.fixture
def user_with_perms(db: Any, department: Department) -> Callable[..., User]:
    """Make a staff user holding exactly these codenames ('app_label.codename')."""
    counter = {"n": 0}

    def make(*codenames: str, username: str | None = None, **fields: Any) -> User:
        counter["n"] += 1
        user = User.objects.create_user(
            username=username or f"user{counter['n']}", password="Secret-pass-123", **fields
        )
        for full in codenames:
            app_label, codename = full.split(".", 1)
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        StaffProfile.objects.create(user=user, department=department)
        return User.objects.get(pk=user.pk)  # fresh permission cache

    return make


@pytest.fixture
def user_with_role(db: Any, department: Department) -> Callable[[Role], User]:
    def make(role: Role, username: str | None = None) -> User:
        user = User.objects.create_user(username=username or str(role), password="Secret-pass-123")
        user.groups.add(Group.objects.get(name=str(role)))
        StaffProfile.objects.create(user=user, department=department)
        return user

    return make


@pytest.fixture
def api_client_for() -> Callable[[User | None], APIClient]:
    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


def perms_of(user: User) -> Iterable[str]:
    return sorted(user.get_all_permissions())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Transactional tests flush the database; only a serialized rollback brings back what the
    data migrations wrote (roles, permissions). Mixing flush-with-post_migrate tests and
    serialized ones makes content types collide, so every transactional test must serialize."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker
            and marker.kwargs.get("transaction")
            and not marker.kwargs.get("serialized_rollback")
        ):
            raise pytest.UsageError(
                f"{item.nodeid}: use @pytest.mark.django_db(transaction=True, "
                "serialized_rollback=True)"
            )


@contextmanager
def redis_cache_isolated(django_settings: Any, url: str, name: str) -> Iterator[redis.Redis]:
    """The default cache on Redis at `url` under a key prefix of its own (`name` and a random
    suffix), for one test; yields a client, and removes the prefix's keys afterwards (the
    database may be shared with other tests: no FLUSHDB)."""
    prefix = f"{name}-{uuid.uuid4().hex}"
    django_settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    server = redis.Redis.from_url(url)
    try:
        yield server
    finally:
        for key in server.scan_iter(f"{prefix}:*"):
            server.delete(key)
        server.close()
