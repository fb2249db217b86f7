"""Start a real Celery worker process on Redis for integration tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def _database_url_of_test_db() -> str:
    """The URL of the database this test run uses, so the worker sees the same rows."""
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        user = s.get("USER") or "postgres"
        host = s.get("HOST") or "127.0.0.1"
        port = s.get("PORT") or 5432
        return f"postgres://{user}@{host}:{port}/{s['NAME']}"
    return f"sqlite:///{s['NAME']}"


@contextmanager
def celery_worker(redis_url: str, queues: str = "") -> Iterator[str]:
    """Run `celery worker` in a subprocess on a private queue; yields the queue name.

    The worker uses the local settings with this run's database and Redis, eager mode off.
    """
    from credit_portal.celery import app

    queue = queues or f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "credit_portal.settings.local",
        "DJANGO_DEBUG": "0",
        "REDIS_URL": redis_url,
        "DATABASE_URL": _database_url_of_test_db(),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "credit_portal",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{queue}@%h",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # The test settings already point the broker and result backend at REDIS_URL; tasks
    # just run eagerly by default. Turn that off while the worker runs.
    if app.conf.broker_url != redis_url:
        raise RuntimeError("the test settings' broker is not REDIS_URL")
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            replies = app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1)
            if replies:
                break
            if proc.poll() is not None:
                raise RuntimeError(f"worker exited: {proc.stdout.read() if proc.stdout else ''}")
        else:
            raise RuntimeError("worker did not answer a ping within 60 s")
        yield queue
    finally:
        app.conf.task_always_eager = True
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
