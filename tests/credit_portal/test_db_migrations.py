"""Indexes built CONCURRENTLY by migrations (credit_portal.db.create_index_concurrently): a build
that failed part-way leaves an invalid index, which the next run of the migration replaces."""

from __future__ import annotations

import importlib
import threading

import psycopg2
import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db import connections as db_connections

from credit_portal.db import INDEX_LOCK_CLASS

INDEX = "ent_initials_trgm_idx"
migration = importlib.import_module("enterprises.migrations.0009_initials_anywhere")


def index_state() -> tuple[int, bool]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::int, i.indisvalid FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s",
            [INDEX],
        )
        return cursor.fetchone()


def run_migration() -> None:
    with connection.schema_editor(atomic=False) as editor:
        migration.forward(apps, editor)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_invalid_index_left_by_a_failed_build_is_built_again(require_postgres):
    oid, valid = index_state()
    assert valid
    with connection.cursor() as cursor:  # what a cancelled CREATE INDEX CONCURRENTLY leaves
        cursor.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = %s", [oid])
    run_migration()
    new_oid, valid = index_state()
    assert valid
    assert new_oid != oid  # dropped and built again, not kept by IF NOT EXISTS


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_valid_index_is_left_alone(require_postgres):
    before = index_state()
    run_migration()
    assert index_state() == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_migrate_waits_for_a_build_in_progress(require_postgres):
    """An index still being built is invalid too: a second run (two containers starting at
    once) waits on the index's advisory lock instead of dropping the first run's work."""
    other = psycopg2.connect(**connection.get_connection_params())
    other.autocommit = True
    key = [INDEX_LOCK_CLASS, INDEX]
    done = threading.Event()
    failures: list[BaseException] = []

    def second_migrate() -> None:
        try:
            run_migration()
            done.set()
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            db_connections.close_all()

    with other.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", key)  # "the first run"
        thread = threading.Thread(target=second_migrate)
        thread.start()
        assert not done.wait(1.5)  # waits for the lock...
        # ... holding no snapshot while it waits: the first run's CREATE INDEX CONCURRENTLY
        # waits for every older snapshot before it finishes, and would deadlock with it.
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_xmin IS NOT NULL AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", key)
    thread.join(timeout=30)
    other.close()
    assert failures == []
    assert done.is_set()
    assert index_state()[1]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_inside_a_transaction_it_says_why_and_keeps_no_lock(require_postgres):
    with (
        pytest.raises(RuntimeError, match="atomic = False"),
        transaction.atomic(),
        connection.schema_editor(atomic=False) as editor,
    ):
        migration.forward(apps, editor)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )  # this session's: other tests running beside it take their own
        assert cursor.fetchone()[0] == 0
