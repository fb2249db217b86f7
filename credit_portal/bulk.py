"""Inserting many new rows of one model at once: COPY on PostgreSQL, bulk_create elsewhere.

For bulk jobs (the register import and its ledger and audit rows), whose values have been
cleaned already. Runs inside the caller's transaction.

A row can be turned into its line of COPY text ahead of time (`copy_line`, or `copy_line_of`
from a dict of values without a model instance), for example by a thread that has nothing else
to do while the writer waits for PostgreSQL; `bulk_insert` and `insert_values` then only join
the lines. Columns stamped with the time of the write (auto_now, auto_now_add) hold a
placeholder in such a line, replaced with the write's timestamp in one pass over the text.

A loader of many rows of a few shapes (the demo district) gives them as tuples for a list of
columns (`insert_rows`): no dict per row, the columns it leaves out filled once per call. Its
rows can carry their own primary keys (`with_pk`: a loader that numbers its rows itself, so that
one row can point at another of the same batch); the sequences are then moved past them
(`sequences_reset`).

Rows derived from rows already in the database (the ledger record and the audit event of each
enterprise just imported) are best made by the database itself: `insert_select` writes
INSERT ... SELECT, with no Python per row at all.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
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
    # translate() looks up every character in a dict; most values need no escape at all.
    if type(value) is str:  # the most frequent by far: one test, no call
        return value.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(value) else value
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    # A str subclass (a TextChoices member) stands for its text, as the database adapters
    # write it, without a call of its __str__ (Python code in Django's choices).
    text = str.__str__(value) if isinstance(value, str) else str(value)
    return text.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(text) else text


# Types whose text is str(value), which never holds a character to escape.
_PLAIN = frozenset({type(None), int, float, Decimal, dt.date, dt.datetime, dt.time})


def _column_text(values: Sequence[Any]) -> Sequence[str]:
    """[copy_text(v) for v in values], with less Python per value: a column of text without a
    character to escape as it is, one of plain types (and None) by str()."""
    types = set(map(type, values))
    if all(issubclass(t, str) for t in types):
        if types != {str}:  # str subclasses (TextChoices members) stand for their text
            values = list(map(str.__str__, values))
        return list(map(copy_text, values)) if _COPY_SPECIAL.search("".join(values)) else values
    if types <= _PLAIN:
        if type(None) in types:
            return [NULL if v is None else str(v) for v in values]
        return list(map(str, values))
    return list(map(copy_text, values))


def _copy_value(value: Any, is_json: bool) -> str:
    if is_json and value is not None:
        return copy_text(json.dumps(value, ensure_ascii=False))
    return copy_text(value)


@dataclass(frozen=True)
class CopyPlan:
    """How the rows of one model are written with COPY: every concrete column but the key (or
    with it, first, for rows that carry their own)."""

    statement: str
    columns: str  # the quoted column names, comma-separated
    # (attname, is JSON, stamped with the time, field)
    values: tuple[tuple[str, bool, bool, models.Field[Any, Any]], ...]
    stamped: tuple[str, ...]
    attnames: frozenset[str]

    def check(self, model: type[models.Model], values: Mapping[str, Any]) -> None:
        """Refuse keys that are not columns (a field's name for its attname, a typo), which
        COPY would otherwise drop for the default; bulk_create refuses them too."""
        if not values.keys() <= self.attnames:
            unknown = sorted(set(values) - self.attnames)
            raise ValueError(f"{model._meta.label}: no such columns {unknown}")


@functools.cache
def copy_plan(model: type[models.Model], *, with_pk: bool = False) -> CopyPlan:
    """The plan of `model`'s rows; `with_pk`: the rows carry their own primary keys."""
    meta = model._meta
    if not with_pk and not isinstance(meta.pk, models.fields.AutoFieldMixin):
        # The key is left to the database's sequence; a UUID key would go in as NULL.
        raise ValueError(f"{meta.label}: COPY here needs an auto-increment primary key")
    fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)

    def is_stamped(f: models.Field[Any, Any]) -> bool:
        return bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))

    return CopyPlan(
        statement=f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN",
        columns=columns,
        values=tuple(
            (f.attname, isinstance(f, models.JSONField), is_stamped(f), f) for f in fields
        ),
        stamped=tuple(f.attname for f in fields if is_stamped(f)),
        attnames=frozenset(f.attname for f in fields),
    )


def _copy_in(statement: str, text: str) -> None:
    """Run `statement` (COPY ... FROM STDIN) with `text` as its input."""
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(statement, io.StringIO(text))


def copy_line(obj: models.Model) -> str:
    """The row of an unsaved instance in COPY text, with NOW for the stamped columns."""
    return _line(copy_plan(type(obj)), vars(obj))


def copy_line_of(model: type[models.Model], values: Mapping[str, Any]) -> str:
    """The row of `model` with `values` ({attname: value}, cleaned) in COPY text, with NOW for
    the stamped columns. A column missing from `values` holds its field's default, as a new
    instance would: the same line as `copy_line(model(**values))`, without building the
    instance (Model.__init__ costs more than the line itself). Keys that are not columns
    are refused."""
    plan = copy_plan(model)
    plan.check(model, values)
    return _line(plan, values)


def _line(plan: CopyPlan, values: Mapping[str, Any]) -> str:
    return (
        "\t".join(
            NOW
            if stamped
            else _copy_value(values[attname] if attname in values else field.get_default(), is_json)
            for attname, is_json, stamped, field in plan.values
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
    _copy_in(plan.statement, text)
    if key is not None:
        by_key = {getattr(o, key): o for o in objs}
        # Uses index: the unique index of `key`.
        pairs = model._default_manager.filter(**{f"{key}__in": list(by_key)}).values_list(key, "pk")
        for value, pk in pairs:
            obj = by_key[value]
            obj.pk = pk
            obj._state.adding, obj._state.db = False, connection.alias


def insert_values(
    model: type[models.Model],
    rows: list[dict[str, Any]],
    *,
    lines: list[str | None] | None = None,
) -> None:
    """Insert new rows of `model` given as {attname: value} dicts (cleaned). On PostgreSQL with
    COPY and without building instances; `lines[i]`, when given and not None, is rows[i]'s
    `copy_line_of` made ahead of time. Elsewhere bulk_create. No primary keys come back: what
    needs them reads the rows back, or is derived in the database (`insert_select`), or the
    rows carry their own (`insert_rows`). Keys that are not columns are refused, on every
    backend."""
    if not rows:
        return
    plan = copy_plan(model)  # checks the model on every backend
    for row in rows:
        plan.check(model, row)
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create([model(**row) for row in rows])
        return
    made = lines if lines is not None else [None] * len(rows)
    text = "".join(
        line if line is not None else _line(plan, row) for row, line in zip(rows, made, strict=True)
    )
    if plan.stamped:
        text = text.replace(NOW, copy_text(timezone.now()))
    _copy_in(plan.statement, text)


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    with_pk: bool = False,
) -> None:
    """Insert new rows of `model` given as tuples of values (cleaned) for `columns` (attnames),
    in that order: for a loader of many rows of one shape, without a dict per row.

    On PostgreSQL one COPY whose column list follows `columns`; each value is in the text of
    `copy_text` (a JSON value dumped first; one object shared by many rows, a constant
    `details` say, is dumped once), made a column at a time (`_column_text`: less Python per
    value than a call for each). A column not in `columns` holds the time of the write if it is
    stamped (auto_now, auto_now_add; so does a stamped column in `columns`, as in
    `insert_values`), else its field's default, evaluated once for the call (a callable default
    gives every row the same value, as in `insert_select`). Elsewhere bulk_create.
    With `with_pk` the rows carry their own primary keys (the key is one of `columns`; a row
    without it is refused), so that one row can point at another of the same call; on
    PostgreSQL the sequence does not see them: call `sequences_reset` before the table takes
    rows numbered by the sequence again. Columns that are not the model's, or named twice, are
    refused before anything is written, on every backend. Runs inside the caller's transaction.
    """
    if not rows:
        return
    plan = copy_plan(model, with_pk=with_pk)  # checks the model on every backend
    meta = model._meta
    names = tuple(columns)
    plan.check(model, dict.fromkeys(names))
    if len(set(names)) != len(names):
        raise ValueError(f"{meta.label}: a column named twice in {list(names)}")
    if set(map(len, rows)) != {len(names)}:
        raise ValueError(f"{meta.label}: a row of another length than {list(names)}")
    if with_pk:
        key = meta.pk.attname if meta.pk is not None else "pk"
        if key not in names:
            raise ValueError(f"{meta.label}: with_pk, but no {key} among the columns")
        if None in map(operator.itemgetter(names.index(key)), rows):
            raise ValueError(f"{meta.label}: a row without its key ({key})")
    omitted = [v for v in plan.values if v[0] not in names]
    defaults = {attname: f.get_default() for attname, _j, stamped, f in omitted if not stamped}
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [model(**defaults, **dict(zip(names, row, strict=True))) for row in rows]
        )
        return
    stamp = copy_text(timezone.now())
    # The text of each JSON object met, by id; `seen` keeps the objects alive meanwhile, so
    # that an id is never reused. No container per row (each would add to the collector's
    # work, which grows with all a loader holds in memory).
    shared: dict[int, str] = {}
    seen: list[Any] = []

    def json_text(value: Any) -> str:
        if not value and type(value) in (list, dict):
            return "[]" if type(value) is list else "{}"  # json.dumps of an empty one
        text = shared.get(id(value))
        if text is None:
            text = shared[id(value)] = _copy_value(value, True)
            seen.append(value)
        return text

    kinds = {attname: (is_json, stamped, f) for attname, is_json, stamped, f in plan.values}
    texts: list[Sequence[str]] = []
    for at, name in enumerate(names):
        values = list(map(operator.itemgetter(at), rows))
        is_json, stamped, _f = kinds[name]
        if stamped:
            texts.append([stamp] * len(values))
        elif is_json:
            texts.append(list(map(json_text, values)))
        else:
            texts.append(_column_text(values))
    if omitted:  # the same text on every row
        tail = "\t".join(
            stamp if stamped else _copy_value(defaults[attname], is_json)
            for attname, is_json, stamped, _f in omitted
        )
        texts.append([tail] * len(rows))
    text = "\n".join(map("\t".join, zip(*texts, strict=True))) + "\n"
    quote = connection.ops.quote_name
    column_list = ", ".join(quote(kinds[n][2].column) for n in (*names, *(v[0] for v in omitted)))
    statement = f"COPY {quote(meta.db_table)} ({column_list}) FROM STDIN"
    _copy_in(statement, text)


def sequences_reset(*models_: type[models.Model]) -> None:
    """Move the primary-key sequences of `models_` past their highest key, after rows written
    with their own keys (`insert_rows(..., with_pk=True)`). Nothing to do on SQLite, whose
    AUTOINCREMENT follows the keys written. Runs inside the caller's transaction."""
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


_SEQUENCES: dict[tuple[str, str], str] = {}


def new_key_sql(model: type[models.Model], *, ordinal: str) -> str:
    """SQL giving a new primary key of `model` for each row of the statement it is in: keys
    reserved before their rows are written, so that rows written first can point at them (the
    project's foreign keys are checked at commit) instead of an UPDATE linking them afterwards.
    In a subquery, keep it from being flattened (OFFSET 0) so that each row's key is drawn once.

    PostgreSQL: the next value of the key's sequence (`ordinal` unused): a concurrent writer
    draws other keys. SQLite: the highest key the table has given (its AUTOINCREMENT counter,
    or its highest key) plus `ordinal`, an expression numbering the statement's rows from 1
    (ROW_NUMBER() OVER (...)). SQLite lets one transaction write at a time, so the keys hold
    from the caller's first write on, if no row of that table is written without its key
    before the reserved ones are.
    """
    table = model._meta.db_table
    column = model._meta.pk.column
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        key = (connection.alias, table)
        sequence = _SEQUENCES.get(key)
        if sequence is None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [quote(table), column])
                found = cursor.fetchone()
            if found is None or not found[0]:
                raise ValueError(f"{model._meta.label}: its key has no sequence")
            sequence = _SEQUENCES[key] = str(found[0])
        return "nextval('" + sequence.replace("'", "''") + "'::regclass)"
    counter = "'" + table.replace("'", "''") + "'"
    return (
        f"(MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = {counter}), 0), "  # noqa: S608
        f"COALESCE((SELECT MAX({quote(column)}) FROM {quote(table)}), 0)) + {ordinal})"
    )


@dataclass(frozen=True)
class Sql:
    """A SQL expression over the columns of `insert_select`'s source, with its parameters."""

    expression: str
    params: tuple[Any, ...] = ()


_UNSET = object()
_TYPE_LENGTH = re.compile(r"\(.*\)")  # varchar(100) -> varchar, numeric(14, 2) -> numeric


def insert_select(
    model: type[models.Model],
    values: Mapping[str, Any],
    *,
    source: str,
    params: Sequence[Any] = (),
) -> int:
    """INSERT INTO `model`'s table SELECT ... FROM `source`: one new row per source row, made by
    the database. Returns the number of rows written.

    `values` maps attnames to an `Sql` expression over the source or to a constant (the same
    for every row, adapted by its field as a save would). A column not in `values` holds the
    time of the write if it is stamped (auto_now, auto_now_add), else what a new instance would
    hold (`Field.get_default`: its default, evaluated once, so a callable default gives every
    row the same value; "" for text; NULL); a NOT NULL column left NULL is refused before
    anything is written. The primary key is left to the database.
    `source` is the FROM clause (a table with an alias, a WHERE clause) with `params`; the SQL
    must hold for every backend (|| for concatenation, SUBSTR, CAST(... AS TEXT) and CASE do).
    On PostgreSQL each constant is cast to its column's type without a length, so that an
    untyped parameter fits a date, boolean or JSON column and a string is never cut short.
    Runs inside the caller's transaction.
    """
    plan = copy_plan(model)
    plan.check(model, values)
    now = timezone.now()
    selects: list[str] = []
    select_params: list[Any] = []
    for attname, _is_json, stamped, f in plan.values:
        value = values.get(attname, _UNSET)
        if isinstance(value, Sql):
            selects.append(value.expression)
            select_params.extend(value.params)
            continue
        if value is _UNSET:
            value = now if stamped else f.get_default()  # "" for a text field, as in __init__
            if value is None and not f.null:
                raise ValueError(f"{model._meta.label}.{attname}: no value and no default")
        placeholder = "%s"
        if connection.vendor == "postgresql":
            placeholder = f"CAST(%s AS {_TYPE_LENGTH.sub('', f.db_type(connection) or 'text')})"
        selects.append(placeholder)
        select_params.append(f.get_db_prep_save(value, connection))
    # Names come from the model and SQL from the caller's code; values are all parameters.
    table, select = connection.ops.quote_name(model._meta.db_table), ", ".join(selects)
    sql = f"INSERT INTO {table} ({plan.columns}) SELECT {select} FROM {source}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*select_params, *params])
        return int(cursor.rowcount)
