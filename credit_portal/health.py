"""GET /healthz: JSON state of database, cache and broker; 200 when all answer, 503 otherwise.

Built on django-health-check's checks; the view only shapes the answer for load balancers
and the container health checks in docker-compose.yml.

Every check has a hard time bound, whatever its client does: the answer comes within
`CHECK_SECONDS` (a check still waiting then is reported down). The checks run in threads of
the view's own pool, which is shut down without waiting: a check stuck on a hung Redis or
database finishes in the background (its client's socket timeout ends it), not in the
request. (With the event loop's default pool, closing the loop waited for every thread, and a
hung Redis held the health check for 30 s, until the container's worker was killed.)
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, JsonResponse
from health_check import checks
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

CHECK_SECONDS = 2.0  # each check, and so the whole answer (they run side by side)
# django-health-check waits a check's `timeout` plus one second.
_TIMEOUT = dt.timedelta(seconds=CHECK_SECONDS - 1)


class Database(checks.Database):
    """SELECT 1 on a connection of its own."""

    timeout = _TIMEOUT


@dataclasses.dataclass
class Cache(HealthCheck):
    """The default cache stores and returns a value. Synchronous, so that it runs in the view's
    pool: the library's asynchronous check ran the cache call on the request's own thread,
    where nothing could stop it waiting."""

    timeout = _TIMEOUT

    def run(self) -> None:
        cache = caches["default"]
        key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
        try:
            cache.set(key, value, timeout=10)
            answered = cache.get(key)
        except Exception as exc:
            raise ServiceUnavailable(f"Cache unreachable: {type(exc).__name__}") from exc
        if answered != value:
            raise ServiceUnavailable("Cache did not return the value stored")


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker answers a connection. Without REDIS_URL tasks run in process: OK."""

    timeout = _TIMEOUT

    def run(self) -> None:
        from credit_portal.celery import app

        if app.conf.task_always_eager and not settings.REDIS_URL:
            return
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=int(CHECK_SECONDS))
        except Exception as exc:
            raise ServiceUnavailable(f"Broker unreachable: {type(exc).__name__}") from exc


NAMES = {Database: "database", Cache: "cache", Broker: "broker"}


@contextlib.contextmanager
def _pool_not_waited_for() -> Iterator[Executor]:
    pool = ThreadPoolExecutor(max_workers=len(NAMES), thread_name_prefix="healthz")
    try:
        yield pool
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


class HealthzView(HealthCheckView):
    checks = (Database, Cache, Broker)

    def get_executor(self) -> contextlib.AbstractContextManager[Executor | None]:
        return _pool_not_waited_for()

    async def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        with self.get_executor() as executor:
            self.results = await asyncio.gather(
                *(check.get_result(executor) for check in self.get_checks())
            )
        checks = {
            NAMES[type(r.check)]: {
                "ok": not r.error,
                **({"error": str(r.error)} if r.error else {}),
            }
            for r in self.results
        }
        healthy = all(c["ok"] for c in checks.values())
        return JsonResponse(
            {"status": "ok" if healthy else "unavailable", "checks": checks},
            status=200 if healthy else 503,
        )
