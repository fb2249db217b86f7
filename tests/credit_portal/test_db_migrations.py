"""Indexes built CONCURRENTLY by migrations (credit_portal.db.create_index_concurrently): a build
that failed part-way leaves an invalid index, which the next run of the migration replaces."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection

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
