"""GET /healthz: JSON state of database, cache and broker; 200 when all answer, 503 otherwise.

Built on django-health-check's checks; the view only shapes the answer for load balancers
and the container health checks in docker-compose.yml.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker answers a connection. Without REDIS_URL tasks run in process: OK."""

    def run(self) -> None:
        from credit_portal.celery import app

        if app.conf.task_always_eager and not settings.REDIS_URL:
            return
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
        except Exception as exc:
            raise ServiceUnavailable(f"Broker unreachable: {type(exc).__name__}") from exc


NAMES = {Database: "database", Cache: "cache", Broker: "broker"}


class HealthzView(HealthCheckView):
    checks = (Database, Cache, Broker)

    async def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        import asyncio

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
