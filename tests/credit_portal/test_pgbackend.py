"""The PostgreSQL backend's health checks (credit_portal.pgbackend): skipped for a connection
used a moment ago, run after a quiet spell, and a connection the server dropped meanwhile is
replaced without failing the request."""

from __future__ import annotations

import psycopg2
import pytest
from django.db import OperationalError, connection

from credit_portal.pgbackend import base as pgbackend

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def new_request() -> None:
    """What Django does when a request starts (request_started -> close_old_connections)."""
    connection.close_if_unusable_or_obsolete()


@pytest.fixture
def checks(monkeypatch, require_postgres):
    assert connection.health_check_enabled
    # A fresh connection: one that earlier tests of this worker kept open for longer than
    # CONN_MAX_AGE (60 s) is closed as obsolete at the next request, whatever its health, and
    # the pid these tests compare would change for that reason (seen in CI under load).
    connection.close()
    calls = []
    original = connection.is_usable

    def counting():
        calls.append(1)
        return original()

    monkeypatch.setattr(connection, "is_usable", counting)
    return calls


def test_no_round_trip_for_a_connection_used_a_moment_ago(checks):
    pid = backend_pid()
    new_request()
    assert backend_pid() == pid
    assert checks == []


def test_after_a_quiet_spell_the_connection_is_checked(checks):
    pid = backend_pid()
    connection._last_used_at -= pgbackend.HEALTH_CHECK_GRACE + 1
    new_request()
    assert backend_pid() == pid
    assert checks == [1]


def test_a_connection_dropped_by_the_server_is_replaced_without_an_error(checks):
    pid = backend_pid()
    terminate(pid)
    connection._last_used_at -= pgbackend.HEALTH_CHECK_GRACE + 1
    new_request()
    assert backend_pid() != pid  # the request's query ran on a new connection
    assert checks == [1]


def terminate(pid: int) -> None:
    other = psycopg2.connect(**connection.get_connection_params())
    other.autocommit = True
    with other.cursor() as cursor:
        # With a timeout, PostgreSQL (14+) waits until the backend is gone: without one it only
        # signals it, and on a loaded machine the next query could still be served by it.
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    other.close()


def test_a_connection_dropped_within_the_grace_fails_one_request_then_is_replaced(checks):
    pid = backend_pid()
    terminate(pid)
    new_request()  # within the grace: no check, the request meets the dropped connection
    with pytest.raises(OperationalError):
        backend_pid()
    assert connection.errors_occurred
    new_request()  # Django sees the error, checks the connection and drops it
    assert backend_pid() != pid


def test_prepared_statements_are_planned_once(require_postgres):
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_generic_plan"
