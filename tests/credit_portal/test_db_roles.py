"""The application's database role (`credit_portal.db.app_role_setup`, ``manage.py db_roles``):
it runs the application, and cannot rewrite, truncate or unprotect the ledger and the audit log.

Every test runs the command inside the test's transaction, as the superuser that owns the test
database, and acts as the role with SET ROLE; the rollback takes the role away with everything
else (roles are cluster-wide, so each test's has a name of its own all the same).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from credit_portal.db import append_only_tables, guarded_tables
from credit_portal.models import AuditEvent
from enterprises.models import CreditRecord, Enterprise
from enterprises.services.imports import enterprises_import
from enterprises.services.ledger import CreditFact, credit_fact_append, credit_facts_append
from enterprises.services.register import enterprise_create
from enterprises.services.status import enterprise_status_change
from tests.enterprises.factories import Kind, make_uscc, register_data
from tests.enterprises.test_import import csv_bytes, row

pytestmark = pytest.mark.django_db

PASSWORD = "app-role-Secret-2026"
LEDGER = CreditRecord._meta.db_table
AUDIT = AuditEvent._meta.db_table


def _one(sql: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _db_roles(role: str, **options) -> str:
    out = io.StringIO()
    call_command("db_roles", role=role, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def new_role(require_postgres) -> str:
    """A name for a role of this test only."""
    return f"cp_test_app_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def app_role(new_role, monkeypatch) -> str:
    monkeypatch.setenv("APP_DB_PASSWORD", PASSWORD)
    _db_roles(new_role)
    return new_role


@contextmanager
def acting_as(role: str) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {role}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def _refused(statement: str) -> str:
    """The message of the privilege error `statement` meets (its savepoint rolled back)."""
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cur:
        cur.execute(statement)
    assert caught.value.__cause__.pgcode == "42501"  # insufficient_privilege
    return str(caught.value)


# --------------------------------------------------------------------------- the registry


def _tables_with_refusing_triggers() -> set[str]:
    """Tables of the schema with a trigger on UPDATE or DELETE whose function raises."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace "
            r"AND t.tgtype & (8 | 16) <> 0 AND p.prosrc ~* 'raise\s+exception'"
        )
        return {name for (name,) in cursor.fetchall()}


def test_the_registry_of_append_only_tables_is_every_table_with_an_append_only_trigger(
    require_postgres,
):
    assert {LEDGER, AUDIT} <= set(append_only_tables())
    refusing = set(append_only_tables()) | set(guarded_tables())
    assert _tables_with_refusing_triggers() == refusing


def test_there_are_no_materialized_views(require_postgres):
    """Only its owner may refresh a materialized view: the application role could not."""
    assert _one("SELECT count(*) FROM pg_matviews") == 0


# --------------------------------------------------------------------------- what it can do


def test_the_application_role_registers_appends_facts_and_imports_the_register(
    app_role, department
):
    with acting_as(app_role):
        assert _one("SELECT current_user") == app_role
        created = enterprise_create(actor=None, data=register_data(1, registered_on="2018-01-05"))
        listing = CreditFact(
            created.pk,
            Kind.ABNORMAL_LISTING,
            dt.date(2025, 7, 10),
            "listed",
            is_public=True,
            details={"reason": "unreachable"},
            source=("tests", "listing", "roles-1"),
        )
        # The bulk path: temporary table, COPY, ANALYZE, SET LOCAL jit, one UPDATE.
        appended = credit_facts_append(facts=[listing], actor=None)
        again = credit_facts_append(facts=[listing], actor=None)
        # The single path and a status change: the enterprise row locked FOR UPDATE.
        penalty = CreditFact(
            created.pk, Kind.PENALTY, dt.date(2025, 8, 1), "fined", source=("tests", "fine", "1")
        )
        record = credit_fact_append(fact=penalty, actor=None)
        enterprise_status_change(
            actor=None,
            enterprise=Enterprise.objects.get(pk=created.pk),
            new_status=Enterprise.Status.DEREGISTERED,
            effective_on=dt.date(2025, 9, 1),
        )
        # The import: COPY of the new enterprises, their records and events made by INSERT ...
        # SELECT; then a file that renames one.
        first = enterprises_import(
            file=io.BytesIO(csv_bytes([row(1), row(2)])), file_name="a.csv", actor=None
        )
        second = enterprises_import(
            file=io.BytesIO(csv_bytes([row(1, name="成都市双流区更名商贸有限公司"), row(2)])),
            file_name="b.csv",
            actor=None,
        )
    assert (appended.written, appended.state_changed, again.skipped) == (1, 1, 1)
    assert record.kind == Kind.PENALTY
    enterprise = Enterprise.objects.get(pk=created.pk)
    assert (enterprise.is_abnormal, enterprise.status) == (True, Enterprise.Status.DEREGISTERED)
    assert (first.created, first.error_rows, second.updated, second.unchanged) == (2, 0, 1, 1)
    assert Enterprise.objects.get(uscc=make_uscc(10_001)).name == "成都市双流区更名商贸有限公司"
    assert CreditRecord.objects.filter(enterprise__uscc=make_uscc(10_002)).count() == 1
    imported = AuditEvent.objects.filter(event_type="enterprises.import_applied")
    assert imported.count() == 2


def test_tables_the_owner_creates_later_are_open_to_the_role_at_once(app_role):
    with connection.cursor() as cursor:  # as the owner: what a later migration does
        cursor.execute("CREATE TABLE cp_later_thing (id bigint GENERATED BY DEFAULT AS IDENTITY)")
        cursor.execute("CREATE SEQUENCE cp_later_seq")
    with acting_as(app_role), connection.cursor() as cursor:
        cursor.execute("INSERT INTO cp_later_thing DEFAULT VALUES")
        cursor.execute("UPDATE cp_later_thing SET id = id")
        cursor.execute("DELETE FROM cp_later_thing")
        cursor.execute("SELECT nextval('cp_later_seq')")
    with acting_as(app_role):
        _refused("TRUNCATE cp_later_thing")
        _refused("SELECT setval('cp_later_seq', 1)")


# --------------------------------------------------------------------------- what it cannot do

FORBIDDEN = [
    *(
        statement.format(table=table)
        for table in (LEDGER, AUDIT)
        for statement in (
            "UPDATE {table} SET id = id",
            "DELETE FROM {table}",
            "TRUNCATE {table}",
            "ALTER TABLE {table} DISABLE TRIGGER {table}_no_update_delete",
            "ALTER TABLE {table} DISABLE TRIGGER ALL",
            "DROP TRIGGER {table}_no_update_delete ON {table}",
            "CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger "
            "AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql",
            "ALTER TABLE {table} ADD COLUMN note text",
            "DROP TABLE {table} CASCADE",
            "SELECT id FROM {table} FOR UPDATE",  # needs UPDATE: lock the enterprise instead
        )
    ),
    "SET session_replication_role = replica",  # would skip every trigger
    "DELETE FROM django_migrations",  # which migrations ran is the owner's to record
    "CREATE TABLE public.cp_own_table (id integer)",  # it would own it
    "ALTER TABLE enterprises_enterprise DROP CONSTRAINT enterprises_enterprise_pkey CASCADE",
]


@pytest.mark.parametrize("statement", FORBIDDEN)
def test_the_application_role_cannot_rewrite_or_unprotect_the_ledger_and_audit_log(
    app_role, department, statement
):
    enterprise_create(actor=None, data=register_data(3))  # rows to refuse to touch
    with acting_as(app_role):
        message = _refused(statement)
    # Refused for want of privileges, before the append-only triggers could say a word.
    assert "append-only" not in message
    assert "permission denied" in message or "must be owner" in message


def test_the_owner_meets_the_triggers_where_the_role_meets_its_privileges(app_role, department):
    enterprise_create(actor=None, data=register_data(4))
    update = "UPDATE enterprises_creditrecord SET id = id"
    assert f"{LEDGER} is append-only: UPDATE refused" in _refused(update)
    with acting_as(app_role):
        assert f"permission denied for table {LEDGER}" in _refused(update)


# --------------------------------------------------------------------------- the command


def _privileges() -> list[tuple[str, str]]:
    """Every grant of the schema's tables, the owner's default privileges, the database and the
    schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, array(SELECT unnest(c.relacl)::text ORDER BY 1)::text "
            "FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
            "UNION ALL SELECT 'default ' || defaclobjtype::text, "
            "array(SELECT unnest(defaclacl)::text ORDER BY 1)::text FROM pg_default_acl "
            "UNION ALL SELECT 'database', datacl::text FROM pg_database "
            "WHERE datname = current_database() "
            "UNION ALL SELECT 'schema', nspacl::text FROM pg_namespace "
            "WHERE oid = current_schema()::regnamespace ORDER BY 1"
        )
        return cursor.fetchall()


def _verifier(role: str) -> str:
    return _one("SELECT rolpassword FROM pg_authid WHERE rolname = %s", [role])


def _verifies(verifier: str, password: str) -> bool:
    """Whether a SCRAM-SHA-256 verifier (RFC 5803) was made from `password`."""
    scheme, iterations_salt, keys = verifier.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key = keys.split(":")[0]
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return scheme == "SCRAM-SHA-256" and (
        base64.b64encode(hashlib.sha256(client_key).digest()).decode() == stored_key
    )


def test_a_second_run_leaves_the_same_privileges_and_sets_the_password_given(new_role, monkeypatch):
    monkeypatch.setenv("APP_DB_PASSWORD", PASSWORD)
    out = _db_roles(new_role)
    assert f"Role {new_role} created, password set" in out
    assert f"no UPDATE, DELETE or TRUNCATE on {', '.join(append_only_tables())}" in out
    assert _verifies(_verifier(new_role), PASSWORD)
    granted = _privileges()
    assert new_role in str(granted)

    monkeypatch.setenv("APP_DB_PASSWORD", "a-new-Password-2027")
    assert f"Role {new_role} updated, password set" in _db_roles(new_role)
    assert _privileges() == granted
    assert _verifies(_verifier(new_role), "a-new-Password-2027")

    monkeypatch.delenv("APP_DB_PASSWORD")
    kept = _verifier(new_role)
    assert f"Role {new_role} updated:" in _db_roles(new_role)  # no password: left as it was
    assert (_privileges(), _verifier(new_role)) == (granted, kept)


def test_the_role_and_its_password_come_from_the_environment(new_role, monkeypatch):
    monkeypatch.setenv("APP_DB_USER", new_role)
    monkeypatch.setenv("APP_DB_PASSWORD", PASSWORD)
    call_command("db_roles", stdout=io.StringIO())
    assert _verifies(_verifier(new_role), PASSWORD)


def _setup_refused(role: str) -> str:
    with pytest.raises(CommandError) as caught:
        _db_roles(role)
    return str(caught.value)


def test_a_missing_role_needs_its_password(new_role, monkeypatch):
    monkeypatch.delenv("APP_DB_PASSWORD", raising=False)
    assert "give its password (APP_DB_PASSWORD)" in _setup_refused(new_role)
    assert _one("SELECT count(*) FROM pg_roles WHERE rolname = %s", [new_role]) == 0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        ("CREATE ROLE {role} SUPERUSER", "is a superuser"),
        ("CREATE ROLE {role} CREATEROLE", "may create roles"),
        ("CREATE ROLE {role}; GRANT {owner} TO {role}", "is a member of"),
        (
            "CREATE ROLE {role}; CREATE TABLE cp_theirs (id integer); "
            "ALTER TABLE cp_theirs OWNER TO {role}",
            "owns table cp_theirs",
        ),
        ("CREATE ROLE {role}; GRANT TRUNCATE ON {ledger} TO PUBLIC", f"{LEDGER}: TRUNCATE"),
        ("CREATE ROLE {role}; CREATE MATERIALIZED VIEW cp_figures AS SELECT 1", "cp_figures"),
    ],
)
def test_refuses_a_role_that_could_get_round_the_privileges(new_role, make, message):
    owner = _one("SELECT current_user")
    with connection.cursor() as cursor:
        cursor.execute(make.format(role=new_role, owner=owner, ledger=LEDGER))
    assert message in _setup_refused(new_role)


def test_refuses_the_owner_as_the_application_role(require_postgres):
    owner = _one("SELECT current_user")
    assert "owns the tables" in _setup_refused(owner)


def test_refuses_to_run_as_anyone_but_the_owner(app_role):
    with acting_as(app_role):
        assert f"Connected as {app_role}: run this as the owner" in _setup_refused(app_role)
