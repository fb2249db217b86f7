"""A Redis that refuses or hangs, for the tests of what the portal does then (issue 12).

Never the shared Redis server: a closed port stands for a refused Redis, and a small local
server that accepts connections and never answers for a hung one.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

REFUSED_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@contextlib.contextmanager
def hung_redis() -> Iterator[str]:
    """A server that accepts connections and never answers; yields its redis:// URL.

    At the end its connections are closed, which ends any wait still on them (a client without
    a socket timeout would otherwise wait for ever, and hold the test run's exit)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _address = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(conn)

    thread = threading.Thread(target=accept, name="hung-redis", daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()


@contextlib.contextmanager
def redis_outage(kind: str) -> Iterator[str]:
    """The URL of a Redis that is "refused" or "hung"."""
    if kind == "refused":
        yield REFUSED_URL
    else:
        with hung_redis() as url:
            yield url


def _pools_reset(app: Any) -> None:
    """Celery keeps the pools of the broker URL it first used; kombu keeps a pool per URL, so
    forgetting them makes the next publish take the pool of the URL now configured."""
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Publish to the broker at `url` (eager mode off) for the duration."""
    from credit_portal.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager)
    _pools_reset(app)
    app.conf.broker_url, app.conf.task_always_eager = url, False
    try:
        yield
    finally:
        _pools_reset(app)
        app.conf.broker_url, app.conf.task_always_eager = saved
