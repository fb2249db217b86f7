"""Two refreshes of one year at once (the daily job, `dashboard_refresh`, the demo step), on
PostgreSQL: the second waits for the first one's commit (the year's advisory lock, taken as the
transaction opens, before any count), both succeed, and one set of rows is left."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

from dashboard.models import Tally, TallyYear
from dashboard.tallies import REFRESH_LOCK_CLASS, tallies_refresh
from tests.dashboard.test_tallies import TODAY, YEAR, _clock, district  # noqa: F401 - fixtures

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _in_thread(work: Callable[[], Any], outcomes: list[str]) -> threading.Thread:
    def run() -> None:
        try:
            work()
            outcomes.append("ok")
        except Exception as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _rows() -> list[tuple[Any, ...]]:
    rows = Tally.objects.filter(year=YEAR).values_list(
        "measure", "street", "department_id", "key", "value"
    )
    return sorted(rows, key=lambda r: (r[0], r[1], r[2] or 0, r[3], r[4]))


def test_two_refreshes_of_one_year_at_once_both_succeed_and_leave_one_set(
    require_postgres,
    district,  # noqa: F811 - the fixture
):
    tallies_refresh(year=YEAR, on=TODAY)
    expected = _rows()
    assert expected
    outcomes: list[str] = []
    with transaction.atomic():
        # Hold the year's lock, as a refresh in progress does: both refreshes must wait for it.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [REFRESH_LOCK_CLASS, YEAR])
        barrier = threading.Barrier(2)

        def refresh() -> None:
            barrier.wait()
            tallies_refresh(year=YEAR, on=TODAY)

        threads = [_in_thread(refresh, outcomes) for _ in range(2)]
        time.sleep(0.5)
        assert outcomes == []  # both wait for the lock
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes == ["ok", "ok"]
    assert _rows() == expected
    assert TallyYear.objects.filter(year=YEAR).count() == 1


def test_two_refreshes_race_without_a_held_lock(
    require_postgres,
    district,  # noqa: F811 - the fixture
):
    outcomes: list[str] = []
    barrier = threading.Barrier(3)

    def refresh() -> None:
        barrier.wait()
        tallies_refresh(year=YEAR, on=TODAY)

    threads = [_in_thread(refresh, outcomes) for _ in range(3)]
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes == ["ok", "ok", "ok"]
    first = _rows()
    tallies_refresh(year=YEAR, on=TODAY)
    assert _rows() == first
