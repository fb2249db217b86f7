"""A draw is append-only in the database too (migration 0004, PostgreSQL): raw SQL cannot
delete a draw, its files, strata, exclusions or selections, nor change its commitment, a
recorded outside value or the selection hash; the services' own updates go through."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from tests.inspections import factories_draw as f

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def derived(require_postgres, time_machine):
    time_machine.move_to(
        dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False
    )
    w = f.world(firms=6)
    f.classed(w.bureau, "B", status="deregistered")  # an exclusion row
    return f.derive(w, f.commit(w))


def _refused(sql: str, params: list) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as c:
        c.execute(sql, params)
    return str(caught.value)


@pytest.mark.parametrize("table", ["draw", "drawfile", "drawstratum", "exclusion", "selection"])
def test_nothing_of_a_draw_can_be_deleted(derived, table):
    column = "id" if table == "draw" else "draw_id"
    message = _refused(f"DELETE FROM inspections_{table} WHERE {column} = %s", [derived.pk])  # noqa: S608
    assert "append-only: DELETE refused" in message


@pytest.mark.parametrize(
    ("sql", "says"),
    [
        ("UPDATE inspections_draw SET pool_hash = 'x' WHERE id = %s", "commitment"),
        ("UPDATE inspections_draw SET server_seed = 'x' WHERE id = %s", "commitment"),
        ("UPDATE inspections_draw SET manifest = '{}' WHERE id = %s", "commitment"),
        ("UPDATE inspections_draw SET previous_hash = 'x' WHERE id = %s", "commitment"),
        ("UPDATE inspections_draw SET outside_value = '9' WHERE id = %s", "second outside value"),
        ("UPDATE inspections_draw SET selection_hash = 'x' WHERE id = %s", "selection hash"),
        ("UPDATE inspections_drawstratum SET target = 0 WHERE draw_id = %s", "committed stratum"),
        ("UPDATE inspections_drawfile SET sha256 = 'x' WHERE draw_id = %s", "UPDATE refused"),
        ("UPDATE inspections_selection SET rank = 1 WHERE draw_id = %s", "UPDATE refused"),
        ("UPDATE inspections_exclusion SET rule = 'x' WHERE draw_id = %s", "UPDATE refused"),
    ],
)
def test_a_draw_cannot_be_rewritten(derived, sql, says):
    from inspections.models import Exclusion

    assert Exclusion.objects.filter(draw=derived).exists()
    assert says in _refused(sql, [derived.pk])


def test_the_services_own_updates_go_through(derived):
    with connection.cursor() as c:
        c.execute(
            "UPDATE inspections_draw SET status = 'revealed', version = version + 1 WHERE id = %s",
            [derived.pk],
        )
        c.execute(
            "UPDATE inspections_drawstratum SET selected = selected WHERE draw_id = %s",
            [derived.pk],
        )
