"""Inserting many new rows of one model at once: COPY on PostgreSQL, bulk_create elsewhere.

For bulk jobs (the register import and its ledger and audit rows), whose values have been
cleaned already. Runs inside the caller's transaction.

A row can be turned into its line of COPY text ahead of time (`copy_line`), for example by a
thread that has nothing else to do while the writer waits for PostgreSQL; `bulk_insert` then
only joins the lines. Columns stamped with the time of the write (auto_now, auto_now_add) hold
a placeholder in such a line, replaced with the write's timestamp in one pass over the text.
"""

from __future__ import annotations

import functools
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.utils import timezone

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
NULL = "\\N"  # COPY text format
# Stands for the write's timestamp in a line made ahead of time; cleaned text never holds NUL
# (enterprise_clean strips control characters, and PostgreSQL text cannot store it).
NOW = "\x00now\x00"


def copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format (a JSON value: pass its dump)."""
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    text = str(value)
    # translate() looks up every character in a dict; most values need no escape at all.
    return text.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(text) else text


def _copy_value(value: Any, is_json: bool) -> str:
    if is_json and value is not None:
        return copy_text(json.dumps(value, ensure_ascii=False))
    return copy_text(value)


@dataclass(frozen=True)
class CopyPlan:
    """How the rows of one model are written with COPY: every concrete column but the key."""

    statement: str
    values: tuple[tuple[str, bool, bool], ...]  # (attname, is JSON, stamped with the time)
    stamped: tuple[str, ...]


@functools.cache
def copy_plan(model: type[models.Model]) -> CopyPlan:
    meta = model._meta
    if not isinstance(meta.pk, models.fields.AutoFieldMixin):
        # The key is left to the database's sequence; a UUID key would go in as NULL.
        raise ValueError(f"{meta.label}: COPY here needs an auto-increment primary key")
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)

    def is_stamped(f: models.Field[Any, Any]) -> bool:
        return bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))

    return CopyPlan(
        statement=f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN",
        values=tuple((f.attname, isinstance(f, models.JSONField), is_stamped(f)) for f in fields),
        stamped=tuple(f.attname for f in fields if is_stamped(f)),
    )


def copy_line(obj: models.Model) -> str:
    """The row of an unsaved instance in COPY text, with NOW for the stamped columns."""
    return (
        "\t".join(
            NOW if stamped else _copy_value(getattr(obj, attname), is_json)
            for attname, is_json, stamped in copy_plan(type(obj)).values
        )
        + "\n"
    )


def bulk_insert(objs: list[Any], *, key: str | None = None, lines: list[str] | None = None) -> None:
    """Insert new rows of one model; with `key` (a unique field), set their primary keys.

    On PostgreSQL the rows go in with COPY, which measured about a third faster than
    bulk_create's multi-row INSERT for chunks of 2,000 rows of 33 columns (less Python per
    value, less for the server to parse). `lines`, when given, are the objects' `copy_line`s,
    made ahead of time. The values must be clean already: no field's get_db_prep_value() runs
    (an empty string is not turned into NULL, say). Elsewhere (SQLite) bulk_create. Both run
    inside the caller's transaction.
    """
    if not objs:
        return
    model: type[models.Model] = type(objs[0])
    plan = copy_plan(model)  # checks the model on every backend
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs)
        return
    now = timezone.now()
    for obj in objs:
        for attname in plan.stamped:
            setattr(obj, attname, now)
    text = "".join(lines if lines is not None else (copy_line(o) for o in objs))
    if plan.stamped:
        text = text.replace(NOW, copy_text(now))
    buffer = io.StringIO(text)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(plan.statement, buffer)
    if key is not None:
        by_key = {getattr(o, key): o for o in objs}
        # Uses index: the unique index of `key`.
        pairs = model._default_manager.filter(**{f"{key}__in": list(by_key)}).values_list(key, "pk")
        for value, pk in pairs:
            obj = by_key[value]
            obj.pk = pk
            obj._state.adding, obj._state.db = False, connection.alias
