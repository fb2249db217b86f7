"""The PostgreSQL backend's health checks (credit_portal.pgbackend): skipped for a connection
used a moment ago, run after a quiet spell, and a connection the server dropped meanwhile is
replaced without failing the request."""

from __future__ import annotations

import psycopg2
import pytest
from django.db import connection

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
    params = connection.get_connection_params()
    other = psycopg2.connect(**params)
    other.autocommit = True
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    other.close()
    connection._last_used_at -= pgbackend.HEALTH_CHECK_GRACE + 1
    new_request()
    assert backend_pid() != pid  # the request's query ran on a new connection
    assert checks == [1]
