"""Database helpers: append-only tables, the application's role, and indexes built without
locking writes.

Append-only tables (the audit log, the credit ledger).

The ORM refuses updates and deletes already (`credit_portal.models.AppendOnlyModel`); on
PostgreSQL a trigger makes the database refuse them too (`append_only_table`, in the migration
that creates the table), so that raw SQL, a shell or another client cannot rewrite history.
Every model that inherits `AppendOnlyModel` is one, and `append_only_tables` is the one list of
them (a test checks it against the triggers in the database).

The application's role (production).

A trigger binds everyone but its table's owner, who can disable it, alter or drop the table, or
TRUNCATE it (Django's test flush uses that). So production keeps two roles: the **owner**, who
ran the migrations and owns every table, used only by the one-shot `migrate` service, and the
**application role**, which web, worker and beat connect as, and which owns nothing.
`app_role_setup` (``manage.py db_roles``, run by the owner after every ``migrate``) gives the
application role data access (SELECT, INSERT, UPDATE, DELETE on tables; USAGE, SELECT on
sequences; CONNECT and TEMPORARY on the database, USAGE on the schema), the same on every table
a later migration creates (default privileges of the owner), and takes UPDATE, DELETE and
TRUNCATE back on the append-only tables. What the application does beyond data access is
allowed to any role: temporary tables it owns (the ledger's bulk path stages facts in one with
COPY and ANALYZEs it), ``SET LOCAL`` of planner settings, prepared statements, advisory locks.
What needs the owner runs only as the owner: migrations, and the demo district
(``seed_demo`` drops and rebuilds indexes, resets sequences and ANALYZEs the register). Two
things a later app must not do, since the application role could not: ``SELECT ... FOR
UPDATE`` (or ``FOR SHARE``) on an append-only table (it needs UPDATE; lock the enterprise row),
and materialized views (only their owner may refresh one; keep a table refreshed by a job).
SQLite (the embedded demo) relies on the ORM guard alone.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connection, migrations, transaction


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


def append_only_tables() -> list[str]:
    """The tables of the installed append-only models (those that inherit `AppendOnlyModel`),
    sorted: the one list of append-only tables. `app_role_setup` takes UPDATE, DELETE and
    TRUNCATE back on each; each needs `append_only_table` in the migration that creates it
    (tests/credit_portal/test_db_roles.py checks the list against the database's triggers, both
    ways)."""
    from django.apps import apps

    from credit_portal.models import AppendOnlyModel

    return sorted(
        {
            model._meta.db_table
            for model in apps.get_models()
            if issubclass(model, AppendOnlyModel) and model._meta.managed
        }
    )


# Tables frozen in part: rows never deleted and some columns never changed once written (a
# draw's commitment), by a trigger the declaring app's migration writes; the rest of the row
# moves on through its services. Declared from the app's `ready()`; the trigger test checks the
# database's refusing triggers against this list and `append_only_tables()` together.
_GUARDED_TABLES: set[str] = set()


def guarded_tables_declare(*tables: str) -> None:
    """Declare tables guarded in part by a trigger (from the declaring app's `ready()`)."""
    _GUARDED_TABLES.update(tables)


def guarded_tables() -> list[str]:
    return sorted(_GUARDED_TABLES)


# --- The application's role ---------------------------------------------------------------

APP_ROLE = "credit_app"  # the application role's name unless told otherwise (docker-compose.yml)
TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCE_PRIVILEGES = "USAGE, SELECT"  # nextval, currval; not setval (UPDATE)
APPEND_ONLY_REVOKED = "UPDATE, DELETE, TRUNCATE"
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")  # needs no quoting


class RoleSetupError(Exception):
    """The application role cannot be set up as asked; the message says why and what to do."""


@dataclass(frozen=True)
class AppRoleSetup:
    """What `app_role_setup` did."""

    role: str
    owner: str
    created: bool
    password_set: bool
    tables: int  # tables and views of the schema, all granted data access
    sequences: int
    append_only: tuple[str, ...]


def app_role_setup(*, role: str = APP_ROLE, password: str | None = None) -> AppRoleSetup:
    """Create the application role, or bring it in line: data access to every table of the
    migrations' owner, now and for the tables the owner creates later, but no UPDATE, DELETE
    or TRUNCATE on the append-only tables, and nothing owned (PostgreSQL).

    Rules: run as the owner (the role that owns ``django_migrations``, or a superuser) after
    ``migrate``. Without `password` the role must exist (its password is left as it is). The
    role must not be the owner, a member of it, a superuser, nor able to create roles (it could
    join the owner) or to bypass row security, and must own nothing in the database (no table,
    schema or function). There must be no materialized view: only its owner could refresh it.
    Idempotent: every privilege of the role on the database, the schema, its tables and
    sequences, and the owner's default privileges for it, are revoked and granted again in one
    transaction, so a second run leaves the same privileges (and no window without them).
    ``django_migrations`` is read-only to the role, as the append-only tables are.
    Side effects, in one transaction: the role created (LOGIN), or its password set again when
    given (sent as a SCRAM-SHA-256 verifier made here, so the password itself is never in a
    statement the server might log); its privileges; ``CREATE`` on the schema revoked from
    PUBLIC. Checked at the end through every role it belongs to, refused otherwise: no CREATE on
    the database or the schema, no TRUNCATE or TRIGGER on any table, no UPDATE or DELETE on an
    append-only one.
    """
    if connection.vendor != "postgresql":
        raise RoleSetupError(f"Database roles are for PostgreSQL, not {connection.vendor}.")
    if not _ROLE_NAME.fullmatch(role):
        raise RoleSetupError(
            f"{role!r}: give the role a name of lower-case letters, digits and _ "
            "(not starting with a digit, at most 63 characters)."
        )
    append_only = append_only_tables()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relowner, pg_get_userbyid(c.relowner), "
            "quote_ident(pg_get_userbyid(c.relowner)), c.relnamespace, quote_ident(n.nspname), "
            "quote_ident(current_database()), current_user, "
            "pg_has_role(current_user, c.relowner, 'USAGE') "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.oid = to_regclass('django_migrations')"
        )
        found = cursor.fetchone()
        if found is None:
            raise RoleSetupError("No django_migrations table here: run manage.py migrate first.")
        owner_oid, owner, owner_q, schema_oid, schema_q, database_q, user, is_owner = found
        if not is_owner:
            raise RoleSetupError(
                f"Connected as {user}: run this as the owner of the tables ({owner}), with the "
                "credentials that run the migrations."
            )
        if role == owner:
            raise RoleSetupError(
                f"{role} owns the tables: the application role must be another role."
            )
        cursor.execute(
            "SELECT oid, rolsuper OR rolcreaterole OR rolbypassrls, "
            "pg_has_role(oid, %s, 'MEMBER') FROM pg_roles WHERE rolname = %s",
            [owner_oid, role],
        )
        existing = cursor.fetchone()
        if existing is None and password is None:
            raise RoleSetupError(
                f"Role {role} does not exist: give its password (APP_DB_PASSWORD) to create it."
            )
        if existing is not None:
            _role_checked(cursor, role=role, owner=owner, found=existing)
        if password is not None:
            from psycopg2.extensions import encrypt_password

            verifier = encrypt_password(password, role, connection.connection, "scram-sha-256")
            verb = "CREATE ROLE {} LOGIN" if existing is None else "ALTER ROLE {}"
            cursor.execute(verb.format(role) + " PASSWORD %s", [verifier])
        cursor.execute(
            "SELECT string_agg(quote_ident(relname), ', ') FROM pg_class "
            "WHERE relkind = 'm' AND relnamespace = %s",
            [schema_oid],
        )
        matviews = cursor.fetchone()[0]
        if matviews:
            raise RoleSetupError(
                f"Materialized views {matviews}: only their owner may refresh them, so the "
                "application could not; keep such figures in a table a job refreshes."
            )
        on = f"IN SCHEMA {schema_q}"
        default = f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} {on}"
        for statement in [
            f"REVOKE ALL ON DATABASE {database_q} FROM {role}",
            # Temporary tables: the ledger's bulk path stages facts in them (COPY, ANALYZE).
            f"GRANT CONNECT, TEMPORARY ON DATABASE {database_q} TO {role}",
            # A table the role could create would be its own (PostgreSQL 15 no longer grants
            # this by default; a database created by an older version may still).
            f"REVOKE CREATE ON SCHEMA {schema_q} FROM PUBLIC",
            f"REVOKE ALL ON SCHEMA {schema_q} FROM {role}",
            f"GRANT USAGE ON SCHEMA {schema_q} TO {role}",
            f"REVOKE ALL ON ALL TABLES {on} FROM {role}",  # column privileges with them
            f"GRANT {TABLE_PRIVILEGES} ON ALL TABLES {on} TO {role}",
            f"REVOKE ALL ON ALL SEQUENCES {on} FROM {role}",
            f"GRANT {SEQUENCE_PRIVILEGES} ON ALL SEQUENCES {on} TO {role}",
            f"{default} REVOKE ALL ON TABLES FROM {role}",
            f"{default} GRANT {TABLE_PRIVILEGES} ON TABLES TO {role}",
            f"{default} REVOKE ALL ON SEQUENCES FROM {role}",
            f"{default} GRANT {SEQUENCE_PRIVILEGES} ON SEQUENCES TO {role}",
        ]:
            cursor.execute(statement)
        for table in append_only:
            name = f"{schema_q}.{connection.ops.quote_name(table)}"
            cursor.execute(f"REVOKE {APPEND_ONLY_REVOKED} ON {name} FROM {role}")
        # Which migrations ran is the owner's to record (the application only reads it).
        cursor.execute(f"REVOKE INSERT, UPDATE, DELETE ON {schema_q}.django_migrations FROM {role}")
        _grants_checked(cursor, role=role, schema_oid=schema_oid, append_only=append_only)
        cursor.execute(
            "SELECT count(*) FILTER (WHERE relkind IN ('r', 'p', 'v', 'f')), "
            "count(*) FILTER (WHERE relkind = 'S') FROM pg_class WHERE relnamespace = %s",
            [schema_oid],
        )
        tables, sequences = cursor.fetchone()
    return AppRoleSetup(
        role=role,
        owner=owner,
        created=existing is None,
        password_set=password is not None,
        tables=tables,
        sequences=sequences,
        append_only=tuple(append_only),
    )


def _role_checked(cursor: Any, *, role: str, owner: str, found: tuple[Any, ...]) -> None:
    """Refuse an existing role that holds more than data access could give it."""
    role_oid, powerful, member_of_owner = found
    if powerful:
        raise RoleSetupError(
            f"Role {role} is a superuser, or may create roles or bypass row security: the "
            f"application role must not (ALTER ROLE {role} NOSUPERUSER NOCREATEROLE "
            "NOBYPASSRLS)."
        )
    if member_of_owner:
        raise RoleSetupError(
            f"Role {role} is a member of {owner}, so it holds the owner's rights: revoke "
            "that membership."
        )
    # Objects of this database it owns, and the database itself; not its temporary tables (a
    # bulk append running meanwhile).
    cursor.execute(
        "SELECT string_agg(pg_describe_object(d.classid, d.objid, d.objsubid), ', ') "
        "FROM pg_shdepend d WHERE d.refobjid = %s AND d.deptype = 'o' "
        "AND (d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "OR d.classid = 'pg_database'::regclass AND d.objid = "
        "(SELECT oid FROM pg_database WHERE datname = current_database())) "
        "AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE d.classid = 'pg_class'::regclass "
        "AND c.oid = d.objid AND c.relpersistence = 't')",
        [role_oid],
    )
    owned = cursor.fetchone()[0]
    if owned:
        raise RoleSetupError(
            f"Role {role} owns {owned}: the application role must own nothing (its owner can "
            f"alter or drop it). Hand it over: REASSIGN OWNED BY {role} TO {owner}."
        )


def _grants_checked(cursor: Any, *, role: str, schema_oid: int, append_only: list[str]) -> None:
    """Refuse privileges the role still holds through PUBLIC or a role it belongs to."""
    cursor.execute(
        "SELECT c.relname || ': ' || p FROM pg_class c, "
        "unnest(ARRAY['TRUNCATE', 'TRIGGER', 'UPDATE', 'DELETE']) p "
        "WHERE c.relnamespace = %s AND c.relkind IN ('r', 'p') "
        "AND (p IN ('TRUNCATE', 'TRIGGER') OR c.relname = ANY(%s)) "
        "AND CASE WHEN p = 'UPDATE' THEN has_any_column_privilege(%s, c.oid, p) "
        "ELSE has_table_privilege(%s, c.oid, p) END "
        "UNION ALL SELECT 'the schema: CREATE' WHERE has_schema_privilege(%s, %s::oid, 'CREATE') "
        "UNION ALL SELECT 'the database: CREATE' "
        "WHERE has_database_privilege(%s, current_database(), 'CREATE') ORDER BY 1",
        [schema_oid, append_only, role, role, role, schema_oid, role],
    )
    held = [row[0] for row in cursor.fetchall()]
    if held:
        raise RoleSetupError(
            f"Role {role} still holds, through PUBLIC or a role it belongs to: "
            f"{'; '.join(held)}. Revoke those grants."
        )


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
