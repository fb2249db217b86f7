"""How the staff inbox's statements reach the rows (issue 18 "Performance", PostgreSQL): the
counts never join the register (an enterprise's name is a subquery, `credit_portal.inbox.name_of`,
which the counts do not read), and the results to review and publish are read in due order
from their own index (`inspection_results_due_idx`), not sorted."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credit_portal.inbox import _items_sql, _source_sql, inbox_counts, inbox_items, sources_for
from inspections.models import Inspection
from tests.credit_portal.test_inbox import ALL_PERMS, repair, staff, task
from tests.credit_portal.test_inbox_sources import PORTAL, inspection

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def today() -> dt.date:
    return timezone.localdate()


def test_the_counts_never_join_the_register_and_the_items_still_name_the_enterprise(
    require_postgres: Any,
) -> None:
    user = staff(*ALL_PERMS, username="no-join")
    late = repair(due=today() - dt.timedelta(days=1), name="名称子查询公司")
    task(due=today())
    user.get_all_permissions()
    with CaptureQueriesContext(connection) as ctx:
        counts = inbox_counts(user=user)
    assert counts.total == 2
    (sql,) = [q["sql"] for q in ctx.captured_queries]
    assert "inbox_s0" in sql and 'JOIN "enterprises_enterprise"' not in sql
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "enterprises_enterprise" not in plan  # the name's subquery is not even planned
    first = inbox_items(user=user)[0]
    assert (first.item_id, first.enterprise_name) == (late.pk, "名称子查询公司")


def test_the_results_to_publish_are_read_in_due_order_from_their_index(
    require_postgres: Any,
) -> None:
    reviewer = staff(
        PORTAL, "inspections.view_inspection", "inspections.review_inspection", username="plan"
    )
    for n in range(3):
        inspection(f"结果{n}公司", status=Inspection.Status.RECORDED, publish_due=today())
    (source,) = [s for s in sources_for(reviewer) if s.key == "inspections.results"]
    compiled = _source_sql(source, reviewer, today())
    assert compiled is not None
    sql, params = _items_sql(compiled, 0, 50)
    with transaction.atomic(), connection.cursor() as cursor:
        # A tiny table would be read whole: take the sequential and bitmap reads and the sort
        # away, so that the plan shows whether the index matches the source's filter at all.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "inspection_results_due_idx" in plan, plan
    assert "Sort" not in plan, plan
    assert len(inbox_items(user=reviewer, source="inspections.results")) == 3
