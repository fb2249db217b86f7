"""The annual-report deadline (docs/domain.md §3, §4): every entity that had to report for a year
and had not by its deadline gets an `annual_report_late` fact, written by the daily job
`annual_reports.deadline` (`annual_reports.jobs`). What the lateness leads to (an individual
business marked, an enterprise deferred into the buffer or listed) is remediation's part
(`remediation.services.directory.directory_deadline_run`, the job after this one).

Rules
- Who had to report for `year` (`annual_reports.rules.report_due`, the same rule in SQL here):
  registered on or before 31 December of `year`; not deregistered, revoked or moved out on or
  before the deadline (30 June of `year` + 1, `report_deadline`), read from the register's
  cached status and `status_changed_on` (a closed entity without that date is taken as closed
  before); a suspended entity still reports (细则 art. 63).
- Who reported: a submitted `AnnualReport` of the year (any revision) filed (`filed_on`: online
  the day submitted, on paper the day received) on or before the deadline.
- The fact: not public; dated the first day after the window (`report_deadline` + 1 day),
  whatever day the job runs; details {"year"}; source ("annual_reports", "reportyear",
  "<enterprise id>:<year>"), so a rerun, or two runs at once, add nothing.

Cost: set-based. Per range of `LATE_CHUNK` enterprise ids (its own transaction), one
`credit_facts_append_derived` inserts the facts straight from a SELECT over the register: the
entities due less those that filed in time (an anti-join on the year's reports), less those
with a late fact of the year already (a rerun): the two sets of ids subtracted with EXCEPT, the
facts read once by the ledger's kind index, rather than a lookup per entity on the
enterprise index (100,000 random index reads on the first run, which finds none) or a join
that the planner would choose from statistics the facts just written do not have. No Python
per entity. A late fact changes no cached state (its kind has no effect), so nothing is locked
or refreshed.
Measured by bench/deadline_run_bench.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annual_reports.kinds import ANNUAL_REPORT_LATE
from annual_reports.models import AnnualReport
from enterprises.models import CreditRecord, Enterprise
from enterprises.services.ledger import credit_facts_append_derived

# The fact's source key: (app, what, "<enterprise id>:<year>").
SOURCE_APP, SOURCE_MODEL = "annual_reports", "reportyear"
# The stored summary (the ledger keeps the text as written; the kind's label names it in the
# reader's language).
LATE_SUMMARY = "未按规定期限报送{year}年度年度报告"
# Enterprise ids per transaction: each range reads the year's reports once (a hash of them), so
# a range is a large one (a register of 1,000,000: one or two transactions of a few seconds).
LATE_CHUNK = 1_000_000


def late_fact_day(year: int) -> dt.date:
    """The day an `annual_report_late` fact of `year` carries: the first day after the window."""
    from annual_reports.rules import report_deadline

    return report_deadline(year) + dt.timedelta(days=1)


def late_source_id(enterprise_id: int, year: int) -> str:
    """The source id of an entity's late fact for `year`."""
    return f"{enterprise_id}:{year}"


def _q(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _late_select(*, year: int, low: int, high: int) -> tuple[str, list[Any]]:
    """The SELECT `credit_facts_append_derived` inserts from (seq, then the staged columns), one
    row per entity with id in [low, high) that had to report for `year`, did not by the
    deadline, and has no late fact for the year yet."""
    from annual_reports.rules import CLOSED_STATUSES, report_deadline

    deadline = report_deadline(year)
    day = late_fact_day(year)
    pg = connection.vendor == "postgresql"
    if pg:
        details = "jsonb_build_object('year', %s::int)"
        source_id = "CAST(e.id AS text) || ':' || %s"
    else:
        details = "json_object('year', %s)"
        source_id = "CAST(e.id AS TEXT) || ':' || %s"
    closed = ", ".join(["%s"] * len(CLOSED_STATUSES))
    authority = settings.CREDIT_PORTAL.get("BUREAU_NAME", "")
    # The entities due less those whose report was filed in time (an anti-join on the reports,
    # whose statistics hold), less those with a late fact of the day already (a rerun): EXCEPT,
    # a hashed or sorted difference of the two sets whatever the statistics of the facts just
    # written say (a join planned on none can rescan them per entity); the facts are read once,
    # by the ledger's kind index (credit_kind_date_idx).
    record = _q(CreditRecord)
    select = (
        f"SELECT CAST(ROW_NUMBER() OVER (ORDER BY e.id) AS integer), e.id, %s, %s, %s, "  # noqa: S608
        "CAST(NULL AS date), CAST(NULL AS date), %s, '', %s, "
        f"{details}, %s, %s, {source_id}, CAST(NULL AS bigint) FROM ("
        f"SELECT e.id FROM {_q(Enterprise)} e "
        "WHERE e.id >= %s AND e.id < %s AND e.registered_on <= %s "
        f"AND NOT (e.status IN ({closed}) AND (e.status_changed_on IS NULL "
        "OR e.status_changed_on <= %s)) "
        f"AND NOT EXISTS (SELECT 1 FROM {_q(AnnualReport)} a WHERE a.enterprise_id = e.id "
        "AND a.year = %s AND a.status = %s AND a.filed_on <= %s) "
        f"EXCEPT SELECT r.enterprise_id FROM {record} r WHERE r.kind = %s "
        "AND r.occurred_on = %s AND r.source_app = %s AND r.source_model = %s "
        "AND r.enterprise_id >= %s AND r.enterprise_id < %s) e "
        "ORDER BY e.id"
    )
    params: list[Any] = [
        ANNUAL_REPORT_LATE,
        day,
        False,
        authority,
        LATE_SUMMARY.format(year=year),
        year,
        SOURCE_APP,
        SOURCE_MODEL,
        str(year),
        low,
        high,
        dt.date(year, 12, 31),
        *CLOSED_STATUSES,
        deadline,
        year,
        AnnualReport.Status.SUBMITTED,
        deadline,
        ANNUAL_REPORT_LATE,
        day,
        SOURCE_APP,
        SOURCE_MODEL,
        low,
        high,
    ]
    return select, params


def deadline_late_facts_write(*, year: int, on: dt.date, chunk: int = LATE_CHUNK) -> int:
    """Write an `annual_report_late` fact for every entity that had to report for `year` and
    did not by its deadline; returns how many were written.

    Rules: see the module docstring. `on` is the day of the run: the window of `year` must
    have ended by then (on or after 1 July of `year` + 1), and it may not be after today.
    Idempotent: a second run, or a run beside another, writes nothing more.
    Side effects, per range of `chunk` enterprise ids in its own transaction: the facts, one
    audit event per fact (actor None: the system) and the ledger's pending change rows.
    Queries: two to find the range of ids, then the ledger's few per range.
    """
    today = timezone.localdate()
    day = late_fact_day(year)
    if on < day:
        raise ValidationError(
            _(
                "The reports for %(year)d are due until %(deadline)s: the late ones can be "
                "recorded from %(day)s."
            )
            % {"year": year, "deadline": day - dt.timedelta(days=1), "day": day},
            code="window_open",
        )
    if on > today:
        raise ValidationError(
            _("Late reports can be recorded up to today (%(today)s), not on %(day)s.")
            % {"today": today.isoformat(), "day": on.isoformat()},
            code="future",
        )
    if chunk < 1:
        raise ValueError("chunk must be positive")
    ids = Enterprise.objects.filter(registered_on__lte=dt.date(year, 12, 31))
    first = ids.order_by("pk").values_list("pk", flat=True).first()
    last = ids.order_by("-pk").values_list("pk", flat=True).first()
    if first is None or last is None:
        return 0
    written = 0
    for low in range(first, last + 1, chunk):
        select, params = _late_select(year=year, low=low, high=low + chunk)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # The JIT compiler would spend more compiling the statement than running it
                # (over a second, EXPLAIN ANALYZE), as the ledger's own state refresh notes.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL jit = off")
            written += credit_facts_append_derived(select=select, params=params, actor=None).written
    return written
