"""PostgreSQL backend: Django's, with health checks that skip a connection just seen working.

Django's ``CONN_HEALTH_CHECKS`` sends ``SELECT 1`` before the first query of every request on a
persistent connection, so that a connection the server has dropped (a restart, a failover) is
replaced without failing the request. On the public profile, a one-query page, that round trip
cost about a sixth of the throughput (bench/public_profile_bench.py). Here the check is skipped
when the connection was used less than ``HEALTH_CHECK_GRACE`` seconds ago (an error in that
use makes Django check the connection itself when the next request starts): under load, when
the check costs most, it is skipped; after a quiet spell, when a server restart may have gone
unnoticed, it runs as before. A server restart in the middle of heavy traffic can still fail
one request per worker; Django then replaces that connection (``errors_occurred``).

Also: connections open with ``plan_cache_mode = force_generic_plan`` (for the prepared
statements of `credit_portal.prepared.PreparedQuery`).

Settings: ``ENGINE = "credit_portal.pgbackend"``, ``CONN_HEALTH_CHECKS = True``;
``OPTIONS`` are psycopg2's, as for Django's backend.
"""

from __future__ import annotations

import time
from typing import Any

from django.db.backends.postgresql import base

HEALTH_CHECK_GRACE = 5.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    _last_used_at: float | None = None

    def get_connection_params(self) -> dict[str, Any]:
        params: dict[str, Any] = super().get_connection_params()
        # Prepared statements (credit_portal.prepared.PreparedQuery, lookups by a unique key) are
        # planned once for any values; set at connect, no round trip. Other queries are not
        # prepared, so this changes nothing for them.
        params["options"] = f"{params.get('options', '')} -c plan_cache_mode=force_generic_plan"
        return params

    def close_if_health_check_failed(self) -> None:
        # Runs before each cursor is made; Django's own check runs once per request.
        last = self._last_used_at
        if (
            last is not None
            and time.monotonic() - last < HEALTH_CHECK_GRACE
            and self.connection is not None
            and not self.connection.closed  # psycopg2 knows of no failure on it
        ):
            self.health_check_done = True  # in use a moment ago: no round trip
            return
        super().close_if_health_check_failed()

    def _cursor(self, name: str | None = None) -> Any:
        cursor = super()._cursor(name)  # type: ignore[misc]
        self._last_used_at = time.monotonic()
        return cursor

    def close(self) -> None:
        self._last_used_at = None
        super().close()
