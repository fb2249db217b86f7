"""Start a real Celery worker process on Redis for integration tests."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


def _worker_env(redis_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "credit_portal.settings.local",
        "DJANGO_DEBUG": "0",
        "REDIS_URL": redis_url,
        "DATABASE_URL": _database_url_of_test_db(),
        **(extra or {}),
    }


def _worker_command(queue: str, name: str, include: str = "") -> list[str]:
    return [
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
        f"{name}@%h",
        "--loglevel",
        "INFO",
        *(["--include", include] if include else []),
    ]


def _wait_until_it_answers(app: Any, proc: subprocess.Popen[Any], name: str, log: Any) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(destination=[f"{name}@{os.uname().nodename}"], timeout=1):
            return
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited: {log()}")
    raise RuntimeError("worker did not answer a ping within 60 s")


@contextmanager
def celery_worker(redis_url: str, queues: str = "") -> Iterator[str]:
    """Run `celery worker` in a subprocess on a private queue; yields the queue name.

    The worker uses the local settings with this run's database and Redis, eager mode off.
    """
    from credit_portal.celery import app

    queue = queues or f"test-{uuid.uuid4().hex[:8]}"
    proc = subprocess.Popen(
        _worker_command(queue, queue),
        cwd=ROOT,
        env=_worker_env(redis_url),
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
        _wait_until_it_answers(app, proc, queue, lambda: proc.stdout.read() if proc.stdout else "")
        yield queue
    finally:
        app.conf.task_always_eager = True
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def celery_worker_process(
    redis_url: str,
    queue: str,
    *,
    name: str,
    env: dict[str, str] | None = None,
    include: str = "",
) -> Iterator[subprocess.Popen[bytes]]:
    """Like `celery_worker`, on a given queue, yielding the worker's process (a test may kill
    it). `env` adds to the worker's environment, `include` names modules it imports at start
    (test hooks). Its output goes to a file, printed if it fails to start."""
    from credit_portal.celery import app

    if app.conf.broker_url != redis_url:
        raise RuntimeError("the test settings' broker is not REDIS_URL")
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            _worker_command(queue, name, include),
            cwd=ROOT,
            env=_worker_env(redis_url, env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        app.conf.task_always_eager = False

        def output() -> str:
            log.seek(0)
            return log.read().decode(errors="replace")

        try:
            _wait_until_it_answers(app, proc, name, output)
            yield proc
        finally:
            app.conf.task_always_eager = True
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
