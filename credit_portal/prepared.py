"""Prepared queries: a queryset compiled to SQL once per process and, on PostgreSQL, prepared
on the server once per database session, then executed with new values each time
(`PreparedQuery`). A general database tool; the public credit lookup
(`enterprises.public`) is its first user.
"""

from __future__ import annotations

import itertools
import re
import weakref
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet


class Slot:
    """A value bound per execution of a `PreparedQuery`; `sentinel` marks its place."""

    def __init__(self, name: str, sentinel: Any, adapt: str = "") -> None:
        self.name, self.sentinel, self.adapt = name, sentinel, adapt


_PREPARED_NAMES = itertools.count(1)
# Per database connection wrapper (one per thread and alias): the DB-API connection the
# statements were prepared on, and their names.
_PREPARED_ON: weakref.WeakKeyDictionary[BaseDatabaseWrapper, tuple[Any, set[str]]] = (
    weakref.WeakKeyDictionary()
)


class PreparedQuery:
    """A queryset compiled to SQL once per process and executed with new values each time.

    Why: the public profile is the hottest page of the portal (public, uncached, 1M entities).
    Building and compiling the two ORM querysets cost about 1 ms of CPU a page, ten times the
    queries themselves. The querysets stay the single definition of the rules (the selectors
    build them); only their compilation is reused. Values are bound by position: the queryset
    is built with sentinel values, and each sentinel in the compiled parameters is replaced by
    the real value, adapted the way the backend adapts it (dates are text on SQLite). Rows come
    back through the same converters the ORM applies (JSON, decimals, SQLite dates), and the
    query runs through Django's cursor, so it is counted and logged like any other.

    On PostgreSQL the statement is also prepared on the server, once per database session
    (``PREPARE``, then ``EXECUTE`` with the values): planning the records query cost PostgreSQL
    more than running it, and preparing halves the database's CPU per profile page (measured,
    bench/public_profile_bench.py). The ``PREPARE`` goes through the raw connection, like
    Django's own session set-up, so query counts stay those of the page. Prepared statements
    live as long as the session (a rollback does not drop them); a transaction-mode pooler
    (PgBouncer) in front of PostgreSQL would need this switched off.

    Prepared statements are planned once, for any values: the portal's PostgreSQL backend
    (`credit_portal.pgbackend`) opens its connections with ``plan_cache_mode`` set to
    ``force_generic_plan``, which concerns prepared statements only. Left to itself, PostgreSQL
    kept re-planning the profile query for every code, which cost a third of its time. So use
    this only for queries whose best plan does not depend on the values, such as lookups by a
    unique key.
    """

    def __init__(self, build: Callable[..., QuerySet[Any]], *slots: Slot) -> None:
        self._build, self._slots = build, slots
        self._compiled: dict[str, tuple[Any, str, list[Any], dict[int, Any]]] = {}
        self._name = f"cp_prepared_{next(_PREPARED_NAMES)}"

    def _compile(self, alias: str) -> tuple[Any, str, list[Any], dict[int, Any]]:
        compiled = self._compiled.get(alias)
        if compiled is None:
            queryset = self._build(**{s.name: s.sentinel for s in self._slots}).using(alias)
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            ops = connections[alias].ops
            bound: list[Any] = []
            for param in params:
                slot = next(
                    (s for s in self._slots if param == self._adapted(ops, s, s.sentinel)), None
                )
                bound.append(slot if slot is not None else param)
            missing = {s.name for s in self._slots} - {b.name for b in bound if isinstance(b, Slot)}
            if missing:
                raise RuntimeError(f"prepared query lost its parameters {missing}")
            converters = compiler.get_converters(
                [col[0] for col in compiler.select[: compiler.col_count]]
            )
            compiled = self._compiled[alias] = (compiler, sql, bound, converters)
        return compiled

    def _server_prepared(
        self, connection: BaseDatabaseWrapper, sql: str, bound: list[Any], slots: list[Slot]
    ) -> str:
        """The EXECUTE statement of this query, PREPAREd first if this session lacks it.

        Only the slots are parameters of the statement, one each however often the query uses
        it; the constants of the query (kinds, flags) are written into the prepared statement
        as literals, quoted by psycopg2. PostgreSQL parses every EXECUTE: the fewer values it
        carries, the less work each page costs."""
        raw = connection.connection  # the DB-API connection, open: a cursor was just made
        session = _PREPARED_ON.get(connection)
        if session is None or session[0] is not raw:  # first use, or the connection was renewed
            session = _PREPARED_ON[connection] = (raw, set())
        if self._name not in session[1]:
            given = iter(bound)
            with connection.wrap_database_errors, raw.cursor() as cursor:

                def placeholder(match: re.Match[str]) -> str:
                    if match[0] == "%%":
                        return "%"
                    param = next(given)
                    if isinstance(param, Slot):
                        return f"${slots.index(param) + 1}"
                    return str(cursor.mogrify("%s", [param]).decode())

                server_sql = re.sub(r"%%|%s", placeholder, sql)
                # Django's error wrapper: a failure marks the connection for its checks.
                cursor.execute(f"PREPARE {self._name} AS {server_sql}")
            session[1].add(self._name)
        return (
            f"EXECUTE {self._name} ({', '.join(['%s'] * len(slots))})"
            if slots
            else f"EXECUTE {self._name}"
        )

    @staticmethod
    def _unique_slots(bound: list[Any]) -> list[Slot]:
        slots: list[Slot] = []
        for param in bound:
            if isinstance(param, Slot) and param not in slots:
                slots.append(param)
        return slots

    @staticmethod
    def _adapted(ops: Any, slot: Slot, value: Any) -> Any:
        return ops.adapt_datefield_value(value) if slot.adapt == "date" else value

    def rows(self, using: str = "default", **values: Any) -> list[list[Any]]:
        compiler, sql, bound, converters = self._compile(using)
        connection = connections[using]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                slots = self._unique_slots(bound)
                execute = self._server_prepared(connection, sql, bound, slots)
                cursor.execute(
                    execute, [self._adapted(connection.ops, s, values[s.name]) for s in slots]
                )
            else:
                params = [
                    self._adapted(connection.ops, b, values[b.name]) if isinstance(b, Slot) else b
                    for b in bound
                ]
                cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            return list(compiler.apply_converters(rows, converters))
        return [list(r) for r in rows]
