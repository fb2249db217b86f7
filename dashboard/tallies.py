"""Keeping the dashboard's tallies (`dashboard.models.Tally`): each measure module counts a
year once, set-based, and the year's rows are replaced in one transaction.

Who calls it: the daily job `dashboard.tallies` (`dashboard.jobs`), the management command
`dashboard_refresh`, the demo step "dashboard". A recomputation changes no case: it writes no
audit event; it logs what it counted.
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from dashboard.measures import TallyRow, measure_modules
from dashboard.models import Tally, TallyYear

logger = logging.getLogger(__name__)

BATCH = 5_000


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _accepts_on(func: Callable[..., Any]) -> bool:
    params = inspect.signature(func).parameters.values()
    return any(p.name == "on" or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def tally_rows(*, year: int, on: dt.date) -> Iterable[TallyRow]:
    """Every measure module's rows for `year` (as of `on` where a module reads the day)."""
    first, last = year_bounds(year)
    for module in measure_modules():
        func = module.rows
        kwargs: dict[str, Any] = {"year": year, "first": first, "last": last}
        if _accepts_on(func):
            kwargs["on"] = on
        yield from func(**kwargs)


# The refresh's lock (two-key advisory lock, first key "dash" in ASCII so that it cannot collide
# with other advisory locks; second key the year): two refreshes of one year (the daily job,
# `dashboard_refresh`, the demo step) run one after the other, never interleaved.
REFRESH_LOCK_CLASS = 0x64617368


def _refresh_lock(year: int) -> None:
    """Take the year's refresh lock for the current transaction (PostgreSQL; on SQLite the
    write transaction itself serialises the refreshes)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [REFRESH_LOCK_CLASS, year])


def tallies_refresh(*, year: int, on: dt.date) -> dict[str, int]:
    """Recompute every measure of `year` and replace the year's rows (one transaction:
    readers see the old tallies or the new ones, never a mix; a rerun gives the same rows).

    Concurrency: the transaction is opened first and takes the year's lock (`_refresh_lock`)
    before counting, so a second refresh of the same year waits for the first one's commit,
    then counts and replaces its rows (never a unique-key clash on the year's rows); every
    measure is counted inside that one transaction, after the lock. Other years are not held up.

    Rows a module yields twice for the same (measure, street, department, key) are added up.
    Returns the number of rows per measure, and "rows" in all. Side effects: the year's
    `Tally` rows and its `TallyYear`; a log line.
    """
    with transaction.atomic():
        _refresh_lock(year)
        values: dict[tuple[str, str, int | None, str], int] = {}
        for measure, street, department_id, key, value in tally_rows(year=year, on=on):
            cell = (measure, street or "", department_id, key or "")
            values[cell] = values.get(cell, 0) + int(value)
        counts = Counter(cell[0] for cell, value in values.items() if value)
        Tally.objects.filter(year=year).delete()
        Tally.objects.bulk_create(
            (
                Tally(
                    year=year,
                    measure=measure,
                    street=street,
                    department_id=department_id,
                    key=key,
                    value=value,
                )
                for (measure, street, department_id, key), value in values.items()
                if value
            ),
            batch_size=BATCH,
        )
        TallyYear.objects.update_or_create(
            year=year,
            defaults={
                "computed_at": timezone.now(),
                "on": on,
                "counts": dict(sorted(counts.items())),
            },
        )
    result = {**dict(counts), "rows": sum(counts.values())}
    logger.info("dashboard tallies of %s as of %s: %s rows", year, on, result["rows"])
    return result


def tally_years() -> list[int]:
    """The years that have tallies (newest first)."""
    return list(TallyYear.objects.order_by("-year").values_list("year", flat=True))
