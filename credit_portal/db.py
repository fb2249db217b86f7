"""Database helpers for migrations: append-only tables, and indexes built without locking writes.

Append-only tables (the audit log, the credit ledger).

The ORM refuses updates and deletes already; on PostgreSQL a trigger makes the database refuse
them too, so that raw SQL, a shell or another client cannot rewrite history. TRUNCATE stays
possible for the table owner only (Django's test flush uses it); production connects as the
owner today, so the README tells operators to revoke TRUNCATE if they split roles.
SQLite (the embedded demo) relies on the ORM guard alone.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import DatabaseError, migrations


def _forward(table: str) -> Any:
    def apply(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{table} is append-only: % refused', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END;
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER {table}_no_update_delete
                BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
            """,
            params=None,  # no parameter substitution: the function body contains a literal %
        )

    return apply


def _backward(table: str) -> Any:
    def revert(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};"
            f"DROP FUNCTION IF EXISTS {table}_append_only();"
        )

    return revert


def append_only_table(table: str) -> migrations.RunPython:
    """A migration operation that makes `table` append-only in the PostgreSQL database."""
    return migrations.RunPython(_forward(table), _backward(table))


# The first key of the advisory locks taken here (two-key form: the second is the index name's
# hash), so that they cannot collide with single-key advisory locks of anything else.
INDEX_LOCK_CLASS = 0x43504958  # "CPIX"
_LOCK_POLL_SECONDS = 0.5


def create_index_concurrently(schema_editor: Any, name: str, table: str, using: str) -> None:
    """``CREATE INDEX CONCURRENTLY IF NOT EXISTS name ON table using`` on PostgreSQL (no-op
    elsewhere), for a migration with ``atomic = False``: the register stays writable while a
    large index is built.

    A concurrent build that fails part-way (a cancelled migration, a deadlock, a lost
    connection) leaves the index behind, marked invalid: never used by the planner, yet updated
    on every write, and ``IF NOT EXISTS`` would keep it for good. So an invalid index of that
    name on that table is dropped first and the build starts again.

    An index that another session is still building is invalid too. An advisory lock per index,
    held for the check and the build, makes a second ``migrate`` (two containers starting at
    once) wait for the first instead of dropping its work. It waits in Python, between short
    ``pg_try_advisory_lock`` calls: a session blocked inside ``pg_advisory_lock`` holds a
    snapshot, which the other's concurrent build waits for in its last phase (a deadlock).
    """
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    if connection.in_atomic_block:
        raise RuntimeError(
            f"{name}: CREATE INDEX CONCURRENTLY cannot run in a transaction; "
            "set atomic = False on the migration"
        )
    key = [INDEX_LOCK_CLASS, name]
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", key)
            if cursor.fetchone()[0]:
                break
            time.sleep(_LOCK_POLL_SECONDS)
        try:
            cursor.execute(
                "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) "
                "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE i.indrelid = %s::regclass AND c.relname = %s AND NOT i.indisvalid",
                [table, name],
            )
            invalid = cursor.fetchone()
            if invalid is not None:
                schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {invalid[0]}")
            schema_editor.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} {using}"
            )
        finally:
            try:
                cursor.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", key)
            except DatabaseError:
                # The session is broken (a lost connection): closing it releases its locks,
                # and the error that broke it is the one to report.
                connection.close()
