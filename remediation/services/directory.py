"""The abnormal-operations directory (经营异常名录), its punishment buffer (惩戒缓冲) and the
individual businesses' abnormal mark (标记为经营异常状态): docs/domain.md §3, §4, §5.

What is here
- `directory_deadline_run`: the consequences of the annual-report deadline. For every
  `annual_report_late` fact of a year (written by `annual_reports.services.deadline`) without
  its case: an individual business is marked at once (a listing case with
  `individual_business`, shown as △, never "listed"); an enterprise eligible for the buffer
  (the setting BUFFER_RULE, default: no listing in the 3 years before) goes to *pending
  listing* until the buffer deadline (the year's `FilingSeason.buffer_deadline`, else 20 WD
  after 30 June: 2025-07-28); any other enterprise is listed with reason 1, dated the run's day
  but no later than the 10th WD after 30 June (2025-07-14).
- The buffer: `buffer_pledge` (the enterprise's optional credit pledge), `buffer_reminders_send`
  (reminders BUFFER_REMINDER_WORKING_DAYS before the deadline), `buffer_expire` (the deadline
  passed: listed, dated the day after the buffer deadline, whatever day the job runs).
- Cure after filing (`directory_filings_apply`, from the ledger subscription and the daily
  catch-up): a case in the buffer whose report was filed by its deadline is closed without
  listing (never listed: no public fact, ever; the ledger keeps the deferral, not public); an
  individual business's mark is lifted the day it files the missing report (恢复正常记载状态,
  "零跑腿"); an enterprise's reason-1 listings are removed without an application once every
  missing year is filed (setting AUTO_REMOVAL, on by default: removal code 1, on the day the
  last year is found filed, within the 5 WD of §3); a year filed while others are missing is
  recorded on its case (`cured_on`) and nothing is removed. An individual business marked as
  unreachable (reason 4) is restored by a change of premises (a `registration_change` fact
  changing the address; code 4).
- Staff: `directory_list` (reasons 2-4: an order not complied with, false information,
  unreachable; an individual business is marked), `directory_remove` (removal after
  verification, codes 1-5 and 7), `directory_case_removed_by_repair` (a repair application
  approved closed the listing), and `directory_closed_entities` (the daily removal, code 7, of
  the listings of entities deregistered or revoked).

Ledger facts (`remediation.kinds`; source: the case, so a rerun writes nothing twice; the
model's docstring gives their details): `listing_deferred` (not public), `abnormal_listing`
(public from its date; authority: the deciding department, the bureau for the deadline run;
a document number 双市监异〔year〕<case>号), `abnormal_removal` (public, closes the listing).

Set-based: the deadline run, the buffer's expiry and reminders, the cure after filings and the
closed entities' removals write their cases with INSERT/UPDATE ... SELECT, their facts with
`credit_facts_append_derived` (straight from a SELECT over the cases), and one audit event per
case with `audit_events_insert_select`: a constant number of statements per chunk (RUN_CHUNK
entities a transaction), nothing per row in Python but ids, no PDF (letters are made when
first opened or printed, `remediation.services.directory_notices`). The deadline run writes
each new case pointing at its fact by a key reserved for the fact
(`credit_portal.bulk.new_key_sql`), which the fact then takes (no second write of the cases);
the others, changing cases that exist, link each case to its record by an UPDATE (`_link`: by
the record's source, on the ledger's unique index).

Plans that do not depend on statistics: the facts and cases a run has just written have none
(autovacuum comes later; a rerun in the same night sees them stale), and joins planned on
none compared every case with every record. So: a case's record, filing or entity is looked
up per case by key in a correlated scalar subquery (never an EXISTS, which the planner turns
into a join), on an index the lookup names (`_kind_is` keeps the ledger's kind index out of
it); two sets of ids are subtracted with EXCEPT; the JIT compiler is off for these
transactions (`_jit_off`); the cases are analysed after a run (`_analyse_cases`). Measured by
bench/deadline_run_bench.py (1,000,000 entities, 100,000 late).

Who acts: every write is transactional and audited; staff act only on the cases of their
department (the bureau on all; `remediation.selectors.directory.case_decided_within`); a stale
version is a `ConflictError` and nothing is written. The system's own cases (the deadline run,
the buffer's expiry) are made by the portal's system account (`system_user`): a case needs an
author, and no person decided them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record, audit_events_insert_select
from credit_portal.bulk import Sql, new_key_sql
from credit_portal.dates import add_years
from credit_portal.errors import ConflictError
from credit_portal.models import Department, StaffProfile, User
from credit_portal.services import system_user  # re-exported: the cases the system makes
from credit_portal.workdays import add_working_days, deadline_after, is_working_day
from enterprises import rules as register_rules
from enterprises.kinds import REGISTRATION_CHANGE
from enterprises.models import CreditRecord, Enterprise
from enterprises.services.ledger import credit_facts_append_derived, credit_record_append
from remediation import audit_events as events
from remediation import rules
from remediation.kinds import (
    ABNORMAL_LISTING,
    ABNORMAL_REMOVAL,
    ABNORMAL_REVOCATION,
    LISTING_DEFERRED,
)
from remediation.models import DirectoryCase, DisclosureOrder
from remediation.selectors.directory import case_decided_within

State = DirectoryCase.State
Reason = DirectoryCase.Reason
Removal = DirectoryCase.Removal
Source = DirectoryCase.Source

ANNUAL_REPORT_FILED = "annual_report_filed"  # annual_reports.kinds (that app's kind)
ANNUAL_REPORT_LATE = "annual_report_late"
# Statuses of an entity that has ceased (removal code 7), and those no longer supervised here.
CEASED_STATUSES = register_rules.CEASED_STATUSES
CLOSED_STATUSES = register_rules.CLOSED_STATUSES
# The source key of the facts a case gives: (app, model, case id).
SOURCE_APP, SOURCE_MODEL = "remediation", "directorycase"
# The portal's own account, the author of the cases the system makes.
# Entities per transaction in the deadline run; enterprise ids per batch of the drain.
RUN_CHUNK = 25_000
APPLY_CHUNK = 10_000
FACTS_MAX = 4000
REASONS_MAX = 4000
PLEDGE_MAX = 2000

# The stored summaries, in the publicity system's words (the ledger keeps the text as written).
LISTED_PREFIX = "列入经营异常名录："
MARKED_PREFIX = "标记为经营异常状态："
REMOVED_PREFIX = "移出经营异常名录："
RESTORED_PREFIX = "恢复正常记载状态："
REASON_TEXT = {
    Reason.LATE_REPORT: "未按规定期限公示{year}年度年度报告",
    Reason.NOT_DISCLOSED: "未在责令的期限内公示有关企业信息",
    Reason.FALSE_INFORMATION: "公示企业信息隐瞒真实情况、弄虚作假",
    Reason.UNREACHABLE: "通过登记的住所或者经营场所无法联系",
}
IB_REASON_TEXT = {
    Reason.LATE_REPORT: "未按规定报送{year}年度年度报告",
    Reason.FALSE_INFORMATION: "年度报告隐瞒真实情况、弄虚作假",
    Reason.UNREACHABLE: "通过登记的经营场所或者经营者住所无法联系",
}
REMOVAL_TEXT = {
    Removal.REPORTS_FILED: "已补报未报送年度的年度报告并公示",
    Removal.DISCLOSED: "已依法履行公示义务",
    Removal.CORRECTED: "已更正其公示的信息",
    Removal.ADDRESS_CHANGED: "已依法办理住所或者经营场所变更登记",
    Removal.REACHABLE: "经核实可以通过登记的住所或者经营场所联系",
    Removal.CLOSED_ENTITY: "已注销、被吊销营业执照或者被撤销登记",
}
IB_REMOVAL_TEXT = {
    Removal.REPORTS_FILED: "已补报{year}年度年度报告",
    Removal.CORRECTED: "已更正年度报告",
    Removal.ADDRESS_CHANGED: "已办理经营场所变更登记",
    Removal.REACHABLE: "经核实可以通过登记的经营场所联系",
    Removal.CLOSED_ENTITY: "已注销、被吊销营业执照或者被撤销登记",
}
# The removal codes that cure each reason (docs/domain.md §3 "Removal"); 7 ends any listing.
REMOVAL_CODES_BY_REASON: dict[str, tuple[str, ...]] = {
    Reason.LATE_REPORT: (Removal.REPORTS_FILED, Removal.CLOSED_ENTITY),
    Reason.NOT_DISCLOSED: (Removal.DISCLOSED, Removal.CLOSED_ENTITY),
    Reason.FALSE_INFORMATION: (Removal.CORRECTED, Removal.CLOSED_ENTITY),
    Reason.UNREACHABLE: (Removal.ADDRESS_CHANGED, Removal.REACHABLE, Removal.CLOSED_ENTITY),
}


def _today() -> dt.date:
    return timezone.localdate()


# --------------------------------------------------------------------------- settings, names


def buffer_rule() -> str:
    """Who is eligible for the buffer (setting BUFFER_RULE): "not_listed_3_years" (default),
    "all" or "none"."""
    return str(rules.directory_setting("BUFFER_RULE", rules.BUFFER_RULE))


def auto_removal() -> bool:
    """Whether reason-1 listings are removed without an application once every missing year is
    filed (setting AUTO_REMOVAL, on by default)."""
    return bool(rules.directory_setting("AUTO_REMOVAL", rules.AUTO_REMOVAL))


def listing_day(year: int) -> dt.date:
    """The last day the deadline run may date a reason-1 listing of `year`: the 10th WD after
    the deadline (30 June; 2025: 2025-07-14)."""
    from annual_reports.rules import report_deadline

    return add_working_days(report_deadline(year), rules.LISTING_WORKING_DAYS)


def buffer_deadline_of(year: int) -> dt.date:
    """The buffer deadline of `year`'s late reports: the bureau's `FilingSeason` row for the
    year, else BUFFER_WORKING_DAYS (a setting, 20) WD after 30 June, 1 July the first of them
    (2025: 2025-07-28)."""
    from annual_reports.models import FilingSeason
    from annual_reports.rules import report_deadline

    day = FilingSeason.objects.filter(year=year).values_list("buffer_deadline", flat=True).first()
    if day is not None:
        return day
    days = int(str(rules.directory_setting("BUFFER_WORKING_DAYS", rules.BUFFER_WORKING_DAYS)))
    return add_working_days(report_deadline(year), days)


def bureau() -> Department:
    """The bureau (the deciding department of the deadline run's cases)."""
    found = Department.objects.filter(is_bureau=True).first()
    if found is None:
        raise ValidationError(
            _("No department is marked as the bureau: an administrator must mark it first."),
            code="no_bureau",
        )
    return found


def authority_of(department: Department) -> str:
    """The deciding authority a listing names: the bureau's full name (setting BUREAU_NAME) for
    the bureau, else the department's name."""
    if department.is_bureau:
        return str(settings.CREDIT_PORTAL.get("BUREAU_NAME", "") or department.name)
    return department.name


def listing_number_stem() -> str:
    """The stem of a listing's document number: 双市监异 (the bureau's prefix and 异)."""
    return f"{rules.document_number_prefix()}异"


def listing_number(year: int, case_id: int) -> str:
    """A listing's document number: 双市监异〔2025〕123号 (the year listed, the case's number)."""
    return f"{listing_number_stem()}〔{year}〕{case_id}号"


def _author(actor: User | None) -> User:
    return actor if actor is not None and actor.is_authenticated else system_user()


# --------------------------------------------------------------------------- SQL helpers


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _q(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _any(column: str) -> str:
    """`column` is one of a list of ids (the parameter `_ids` gives)."""
    if _pg():
        return f"{column} = ANY(%s)"
    return f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - a column name


def _ids(ids: Sequence[int]) -> Any:
    return list(ids) if _pg() else json.dumps(list(ids))


def _jtext(column: str, key: str) -> str:
    """A JSON value of `column` as text."""
    return f"({column} ->> '{key}')" if _pg() else f"json_extract({column}, '$.{key}')"


def _jint(column: str, key: str) -> str:
    return f"CAST({_jtext(column, key)} AS integer)"


def _jbool(expression: str) -> str:
    """A boolean column as a JSON true/false (SQLite keeps booleans as 0/1)."""
    if _pg():
        return expression
    return f"CASE WHEN {expression} THEN json('true') ELSE json('false') END"


def _jobject(pairs: Sequence[tuple[str, str]]) -> str:
    function = "jsonb_build_object" if _pg() else "json_object"
    return f"{function}(" + ", ".join(f"'{k}', {v}" for k, v in pairs) + ")"


def _text(expression: str) -> str:
    return f"CAST({expression} AS TEXT)"


def _year(column: str) -> str:
    if _pg():
        return f"CAST(EXTRACT(YEAR FROM {column}) AS integer)"
    return f"CAST(strftime('%%Y', {column}) AS integer)"


def _date(expression: str) -> str:
    """A date parameter or literal (SQLite keeps dates as ISO text: a CAST would make a number
    of it)."""
    return f"CAST({expression} AS date)" if _pg() else expression


def _greatest(a: str, b: str) -> str:
    return f"GREATEST({a}, {b})" if _pg() else f"MAX({a}, {b})"


def _least(a: str, b: str) -> str:
    return f"LEAST({a}, {b})" if _pg() else f"MIN({a}, {b})"


def _returned() -> str:
    """The id of each case an UPDATE over c changed (SQLite's RETURNING names the table's
    columns without its alias; PostgreSQL needs it beside a FROM with an id)."""
    return "c.id" if _pg() else "id"


def _kind_is(alias: str, kind: str) -> str:
    """A record's kind, in a lookup of one enterprise's or one source's records: written so
    that the ledger's kind index (credit_kind_date_idx) cannot serve it, and the lookup goes
    through the enterprise's or the source's index whatever the statistics say (a kind just
    written has none: the planner took the kind index and read every record of the kind for
    each case)."""
    return f"{alias}.kind || '' = '{kind}'"


def _jit_off() -> None:
    """PostgreSQL's JIT compiler off for the rest of the transaction: the set-based statements
    here cost enough to pass its threshold, and it then spends more compiling them (over a
    second a statement, EXPLAIN ANALYZE) than they take (as the ledger's state refresh does)."""
    if _pg():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def _execute(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall()) if cursor.description else []


def _rowcount(sql: str, params: Sequence[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return int(cursor.rowcount)


# The staged columns of a derived fact (enterprises.services.ledger._STAGED), after seq.
def _fact_select(
    *,
    rows: str,
    kind: str,
    occurred_on: str,
    public: bool,
    authority: str,
    document_number: str,
    summary: str,
    details: str,
    closes: str = "CAST(NULL AS bigint)",
    key: str | None = None,
) -> str:
    """The SELECT `credit_facts_append_derived` inserts from, over `rows` (a FROM clause whose
    case is aliased c), each expression SQL over its row. `kind` and the flags are literals
    of this module (no user input). `key`: the record's key, reserved by the case (its column
    naming the record; `with_ids=True`)."""
    start = occurred_on if public else "CAST(NULL AS date)"
    reserved = f"{key}, " if key else ""
    return (
        f"SELECT CAST(ROW_NUMBER() OVER (ORDER BY c.id) AS integer), {reserved}c.enterprise_id, "  # noqa: S608
        f"'{kind}', {occurred_on}, {'true' if public else 'false'}, {start}, "
        f"CAST(NULL AS date), {authority}, {document_number}, {summary}, {details}, "
        f"'{SOURCE_APP}', '{SOURCE_MODEL}', {_text('c.id')}, {closes} FROM {rows} ORDER BY c.id"
    )


def _link(
    field: str,
    kind: str,
    where: str,
    params: Sequence[Any],
    *,
    also: Sequence[tuple[str, str]] = (),
    sets: str = "",
    sets_params: Sequence[Any] = (),
) -> list[int]:
    """Point each case of `where` (over c) whose `field` is empty at its record of `kind` (the
    fact whose source is the case), with `also` (more columns of the case, each from an
    expression over the record r) and `sets` (more assignments, with `sets_params`); returns the
    ids of the cases linked.

    Plan: one UPDATE of the cases alone, each case's record looked up by its key on the
    ledger's unique index (source, kind) in correlated scalar subqueries (an EXISTS would be
    turned into a join): no join for the planner to choose from statistics that a table just
    written does not have (a join chosen from them compared every case with every record of
    the directory: minutes on 100,000 cases, EXPLAIN ANALYZE)."""
    case = _q(DirectoryCase)
    record = _q(CreditRecord)
    key = (
        f"FROM {record} r WHERE r.source_app = '{SOURCE_APP}' "
        f"AND r.source_model = '{SOURCE_MODEL}' AND r.source_id = {_text('c.id')} "
        f"AND r.source_id <> '' AND {_kind_is('r', kind)}"
    )
    columns = ", ".join([field, *(name for name, _expression in also)])
    values = ", ".join(["r.id", *(expression for _name, expression in also)])
    assign = f"({columns}) = (SELECT {values} {key})" if also else f"{field} = (SELECT r.id {key})"
    extra = f", {sets}" if sets else ""
    sql = (
        f"UPDATE {case} AS c SET {assign}{extra} WHERE c.{field} IS NULL AND ({where}) "  # noqa: S608
        f"AND (SELECT r.id {key}) IS NOT NULL RETURNING {_returned()}"
    )
    return [row[0] for row in _execute(sql, [*sets_params, *params])]


def _audit_cases(
    *, actor: User | None, event_type: str, ids: Sequence[int], extra: dict[str, Any]
) -> int:
    """One audit event per case of `ids`, made by the database."""
    if not ids:
        return 0
    case = _q(DirectoryCase)
    return audit_events_insert_select(
        actor=actor,
        event_type=event_type,
        target={
            "enterprise_id": Sql("c.enterprise_id"),
            "target_type": DirectoryCase._meta.label_lower,
            "target_id": Sql(_text("c.id")),
            "target_repr": Sql("'#' || " + _text("c.id")),
        },
        extra=extra,
        source=f"{case} c WHERE {_any('c.id')} ORDER BY c.id",
        params=[_ids(ids)],
    )


def _authority_sql() -> str:
    """The deciding authority of a case c's fact: the bureau's full name (two parameters: the
    setting BUREAU_NAME, twice) for the bureau, else the department's name."""
    department = _q(Department)
    return (
        f"COALESCE((SELECT CASE WHEN d.is_bureau AND %s <> '' THEN %s ELSE d.name END "  # noqa: S608
        f"FROM {department} d WHERE d.id = c.department_id), '')"
    )


def _append(
    select: str, params: Sequence[Any], actor: User | None, *, with_ids: bool = False
) -> int:
    return credit_facts_append_derived(
        select=select, params=params, actor=actor, with_ids=with_ids
    ).written


# --------------------------------------------------------------------------- the deadline run


def _listing_summary_sql() -> str:
    """The summary of a reason-1 listing or mark, over a case c (the year from its row)."""
    return (
        f"CASE WHEN c.individual_business THEN '{MARKED_PREFIX}未按规定报送' "
        f"ELSE '{LISTED_PREFIX}未按规定期限公示' END || {_text('c.report_year')} || '年度年度报告'"
    )


def _cases_reserved(column: str) -> str:
    """The cases whose ids are the parameter (`_ids`), aliased c, that point at a record by
    `column`, each looked up by its key: a lateral lookup on PostgreSQL (OFFSET 0), since on
    the statistics of cases just written the planner scanned every case of the state and
    compared each with the whole list of ids (seconds a chunk, EXPLAIN ANALYZE)."""
    case = _q(DirectoryCase)
    if _pg():
        rows = (
            "unnest(CAST(%s AS bigint[])) AS k (id) CROSS JOIN LATERAL ("  # noqa: S608
            f"SELECT * FROM {case} c1 WHERE c1.id = k.id OFFSET 0) c"
        )
    else:
        rows = f"json_each(%s) AS k JOIN {case} c ON c.id = k.value"
    return f"{rows} WHERE c.{column} IS NOT NULL"


def _listing_facts(
    where: str,
    params: Sequence[Any],
    actor: User | None,
    *,
    reserved: Sequence[int] | None = None,
) -> int:
    """The `abnormal_listing` facts of the reason-1 cases of `where` (over c) that are listed
    and have none yet: public from the listing day, the bureau's (the case's department's)
    name, the number 双市监异〔year〕<case>号; the cases are then linked to them (`_link`).
    `reserved`, instead of `where`: the ids of cases just written pointing at their records'
    reserved keys (`_run_chunk`), which the records take."""
    case = _q(DirectoryCase)
    if reserved is None:
        rows = f"{case} c WHERE c.listing_record_id IS NULL AND ({where})"
    else:
        rows, params = _cases_reserved("listing_record_id"), [_ids(reserved)]
    stem = listing_number_stem()
    bureau_name = str(settings.CREDIT_PORTAL.get("BUREAU_NAME", ""))
    mark = rules.INDIVIDUAL_MARK_CODES.get(Reason.LATE_REPORT, "")
    details = _jobject(
        [
            ("reason_code", "c.reason"),
            ("report_year", "c.report_year"),
            ("individual_business", _jbool("c.individual_business")),
            ("mark_code", f"CASE WHEN c.individual_business THEN '{mark}' ELSE '' END"),
            ("case", "c.id"),
        ]
    )
    select = _fact_select(
        rows=f"{rows} AND c.state = 'listed' AND c.reason = '1'",
        key=None if reserved is None else "c.listing_record_id",
        kind=ABNORMAL_LISTING,
        occurred_on="c.listed_on",
        public=True,
        authority=_authority_sql(),
        document_number=(
            f"'{stem}〔' || {_text(_year('c.listed_on'))} || '〕' || {_text('c.id')} || '号'"
        ),
        summary=_listing_summary_sql(),
        details=details,
    )
    # The authority's two parameters come first in the SELECT, then the rows'.
    return _append(
        select, [bureau_name, bureau_name, *params], actor, with_ids=reserved is not None
    )


def _deferral_facts(
    where: str,
    params: Sequence[Any],
    actor: User | None,
    *,
    reserved: Sequence[int] | None = None,
) -> int:
    """The `listing_deferred` facts of the cases of `where` (over c) in the buffer that have
    none yet: not public, dated the day the case was found. `reserved`: as for
    `_listing_facts`."""
    case = _q(DirectoryCase)
    if reserved is None:
        rows = f"{case} c WHERE c.deferral_record_id IS NULL AND ({where})"
    else:
        rows, params = _cases_reserved("deferral_record_id"), [_ids(reserved)]
    details = _jobject(
        [
            ("reason_code", "c.reason"),
            ("year", "c.report_year"),
            ("buffer_deadline", _text("c.buffer_deadline")),
            ("case", "c.id"),
        ]
    )
    select = _fact_select(
        rows=f"{rows} AND c.state = 'pending'",
        key=None if reserved is None else "c.deferral_record_id",
        kind=LISTING_DEFERRED,
        occurred_on="c.detected_on",
        public=False,
        authority="''",
        document_number="''",
        summary=(
            f"'暂缓列入经营异常名录（惩戒缓冲期）：未按规定期限公示' || {_text('c.report_year')} "
            f"|| '年度年度报告，缓冲期至' || {_text('c.buffer_deadline')}"
        ),
        details=details,
    )
    return _append(select, params, actor, with_ids=reserved is not None)


def _analyse_cases() -> None:
    """Fresh statistics for the cases after a run wrote thousands (PostgreSQL): the ledger
    subscription's drain follows within minutes, before autovacuum, and planned on the old
    ones (no case linked to a record yet) it read every listing to find a batch's cases."""
    if _pg():
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {_q(DirectoryCase)}")


def _deadline_todo(year: int) -> list[int]:
    """The entities with a late fact of `year` and no case for the year yet, by id: one query,
    the two sets of ids each read once and their difference (EXCEPT; no anti-join planned on
    statistics that facts and cases just written do not have). Empty on a rerun."""
    from annual_reports.services.deadline import late_fact_day

    record, case = _q(CreditRecord), _q(DirectoryCase)
    rows = _execute(
        f"SELECT f.enterprise_id FROM {record} f WHERE f.kind = '{ANNUAL_REPORT_LATE}' "  # noqa: S608
        f"AND f.occurred_on = %s AND {_jint('f.details', 'year')} = %s "
        f"EXCEPT SELECT o.enterprise_id FROM {case} o WHERE o.reason = '1' "
        "AND o.report_year = %s ORDER BY 1",
        [late_fact_day(year), year, year],
    )
    return [row[0] for row in rows]


def _run_chunk(
    *,
    year: int,
    ids: Sequence[int],
    decided_on: dt.date,
    due: dt.date,
    buffer_deadline: dt.date,
    serious_due: dt.date,
    department: Department,
    author: User,
    actor: User | None,
) -> dict[str, int]:
    """The deadline run for the late facts of the enterprises `ids` (`_deadline_todo`), in the
    caller's transaction: the cases (INSERT ... SELECT), their facts, their audit events.

    Each case is written whole, pointing at its fact by a key reserved for it (and holding its
    document number): the facts then take those keys, and no UPDATE links the two (the cases'
    twelve indexes written twice: a fifth of the run, bench/deadline_run_bench.py). A case
    refused by the unique index (a run beside this one) gets no fact: its key goes unused."""
    from annual_reports.rules import report_deadline

    _jit_off()
    case, record, enterprise = _q(DirectoryCase), _q(CreditRecord), _q(Enterprise)
    rule = buffer_rule()
    deadline = report_deadline(year)
    since = add_years(decided_on, -rules.BUFFER_LOOKBACK_YEARS)
    if rule == "all":
        eligible = "true"
    elif rule == "none":
        eligible = "false"
    else:
        # Not listed in the directory in the 3 years before the day of the decision; a listing
        # revoked as wrongful does not count (docs/domain.md §3 "Objections"). One lookup per
        # enterprise on the ledger's enterprise index: a scalar subquery with LIMIT, which the
        # planner can neither hash nor turn into a join (it hashed an EXISTS here, reading the
        # whole ledger for each chunk: half a second, EXPLAIN ANALYZE).
        eligible = (
            f"(SELECT l.id FROM {record} l WHERE l.enterprise_id = e.id "  # noqa: S608
            f"AND {_kind_is('l', ABNORMAL_LISTING)} AND l.occurred_on >= %s AND l.occurred_on < %s "
            f"AND NOT EXISTS (SELECT 1 FROM {record} v WHERE v.closes_id = l.id "
            f"AND {_kind_is('v', ABNORMAL_REVOCATION)}) LIMIT 1) IS NULL"
        )
    eligible_params: list[Any] = [since, decided_on] if rule not in ("all", "none") else []
    ib = "e.entity_type = 'individual_business'"
    now = timezone.now()
    closed = ", ".join(f"'{s}'" for s in CLOSED_STATUSES)
    d = _date("%s")
    facts = (
        f"截至{deadline.isoformat()}未公示{year}年度年度报告（逾期未报，经营异常名录列入事由一）"
    )
    # Each entity's kind and whether it goes to the buffer, found once (OFFSET 0 keeps the
    # subquery as written: the eligibility is one lookup per enterprise, none for an individual
    # business, never deferred), and the keys of its case and of the case's fact, drawn once
    # per row (OFFSET 0 again).
    late = (
        f"SELECT e.id AS enterprise_id, {ib} AS ib, "  # noqa: S608
        f"CASE WHEN {ib} THEN false ELSE {eligible} END AS deferred "
        f"FROM {enterprise} e WHERE {_any('e.id')} "
        f"AND e.status NOT IN ({closed})" + (" OFFSET 0" if _pg() else "")
    )
    ordinal = "ROW_NUMBER() OVER (ORDER BY x.enterprise_id)"
    keyed = (
        f"SELECT x.enterprise_id, x.ib, x.deferred, "  # noqa: S608
        f"{new_key_sql(DirectoryCase, ordinal=ordinal)} AS case_id, "
        f"{new_key_sql(CreditRecord, ordinal=ordinal)} AS record_id "
        f"FROM ({late}) x" + (" OFFSET 0" if _pg() else "")
    )
    # The cases: one per entity (a rerun lists nobody twice: `_deadline_todo`, and the unique
    # index on (enterprise, report year) for reason 1 against a run beside this one). Entities
    # closed since the deadline are left out (nothing to list). A listing's document number is
    # its fact's (`_listing_facts`: the year of the listing day, the case's number).
    inserted = _execute(
        f"INSERT INTO {case} (id, created_by_id, created_at, updated_at, version, "  # noqa: S608
        "enterprise_id, department_id, individual_business, reason, report_year, source, "
        "facts, state, detected_on, buffer_deadline, pledge_text, reminders, listing_due, "
        "listed_on, document_number, removal_code, serious_due, listing_record_id, "
        "deferral_record_id) "
        "SELECT x.case_id, %s, %s, %s, 1, x.enterprise_id, %s, x.ib, '1', %s, %s, %s, "
        "CASE WHEN x.deferred THEN 'pending' ELSE 'listed' END, %s, "
        f"CASE WHEN x.deferred THEN {d} END, '', %s, "
        f"CASE WHEN x.deferred THEN NULL ELSE {d} END, "
        f"CASE WHEN x.deferred THEN NULL ELSE {d} END, "
        f"CASE WHEN x.deferred THEN '' ELSE %s || {_text('x.case_id')} || '号' END, '', "
        f"CASE WHEN x.deferred OR x.ib THEN NULL ELSE {d} END, "
        "CASE WHEN x.deferred THEN NULL ELSE x.record_id END, "
        "CASE WHEN x.deferred THEN x.record_id END "
        f"FROM ({keyed}) x WHERE true ORDER BY x.enterprise_id "
        "ON CONFLICT (enterprise_id, report_year) WHERE reason = '1' DO NOTHING "
        "RETURNING id, state, individual_business",
        [
            author.pk,
            now,
            now,
            department.pk,
            year,
            Source.DEADLINE_RUN,
            facts,
            decided_on,
            buffer_deadline,
            "[]",
            due,
            decided_on,
            f"{listing_number_stem()}〔{decided_on.year}〕",
            serious_due,
            *eligible_params,
            _ids(ids),
        ],
    )
    counts = {"deferred": 0, "listed": 0, "marked": 0}
    pending_ids: list[int] = []
    listed_ids: list[int] = []
    marked_ids: list[int] = []
    for pk, state, individual in inserted:
        if state == State.PENDING:
            pending_ids.append(pk)
        elif individual:
            marked_ids.append(pk)
        else:
            listed_ids.append(pk)
    counts.update(deferred=len(pending_ids), listed=len(listed_ids), marked=len(marked_ids))
    if pending_ids:
        _deferral_facts("", [], actor, reserved=pending_ids)
        _audit_cases(
            actor=actor,
            event_type=events.DIRECTORY_DEFERRED,
            ids=pending_ids,
            extra={"year": year, "buffer_deadline": buffer_deadline, "run_on": decided_on},
        )
    listed_or_marked = listed_ids + marked_ids
    if listed_or_marked:
        _listing_facts("", [], actor, reserved=listed_or_marked)
    for event_type, ids in (
        (events.DIRECTORY_LISTED, listed_ids),
        (events.DIRECTORY_MARKED, marked_ids),
    ):
        _audit_cases(
            actor=actor,
            event_type=event_type,
            ids=ids,
            extra={"year": year, "reason": Reason.LATE_REPORT, "listed_on": decided_on},
        )
    return counts


def directory_deadline_run(
    *, year: int, on: dt.date, actor: User | None = None, chunk: int = RUN_CHUNK
) -> dict[str, int]:
    """Turn the late reports of `year` into marks, deferrals and listings; returns the counts
    {"marked", "deferred", "listed", "cases"}.

    Rules (docs/domain.md §3, §4; module docstring): one case per `annual_report_late` fact of
    `year` that has none (reason 1, that report year), decided by the bureau, made by `actor`
    (else the system account); an entity deregistered, revoked or moved out since the deadline
    gets none. An individual business: listed state with `individual_business` (the mark), an
    `abnormal_listing` fact with "individual_business": true. An enterprise eligible for the
    buffer (`buffer_rule()`; not listed in the 3 years before the day of the decision, a
    revoked listing not counted): pending, with the buffer deadline (`buffer_deadline_of`) and
    a `listing_deferred` fact (not public). Any other: listed with an `abnormal_listing` fact.
    Marks, listings and deferrals are dated the day of the decision: `on`, but no later than
    the 10th WD after the deadline (`listing_day`: a run catching up on 20 July still lists on
    14 July). A listing's `serious_due` is 3 years after it (the serious list; none for a mark).
    `on` is after the window (1 July of `year` + 1 or later) and not after today.
    Idempotent: a rerun, or a run beside another, lists nobody twice.
    Side effects, per range of `chunk` enterprise ids in its own transaction: the cases, their
    facts (with the ledger's audit events, pending changes and cached state), the link of each
    case to its record, one audit event per case; and one audit event for the run.
    """
    from annual_reports.services.deadline import late_fact_day

    today = _today()
    if on < late_fact_day(year):
        raise ValidationError(
            _("The reports for %(year)d are due until %(deadline)s: nobody can be listed yet.")
            % {"year": year, "deadline": late_fact_day(year) - dt.timedelta(days=1)},
            code="window_open",
        )
    if on > today:
        raise ValidationError(
            _("The deadline run can be made up to today (%(today)s), not on %(day)s.")
            % {"today": today.isoformat(), "day": on.isoformat()},
            code="future",
        )
    due = listing_day(year)
    decided_on = min(on, due)
    department = bureau()
    author = _author(actor)
    deadline = buffer_deadline_of(year)
    serious_due = add_years(decided_on, rules.SERIOUS_AFTER_YEARS)
    todo = _deadline_todo(year)
    counts = {"marked": 0, "deferred": 0, "listed": 0}
    for start in range(0, len(todo), chunk):
        with transaction.atomic():
            done = _run_chunk(
                year=year,
                ids=todo[start : start + chunk],
                decided_on=decided_on,
                due=due,
                buffer_deadline=deadline,
                serious_due=serious_due,
                department=department,
                author=author,
                actor=actor,
            )
        for key, value in done.items():
            counts[key] += value
    total = sum(counts.values())
    if total:
        _analyse_cases()
        with transaction.atomic():
            audit_event_record(
                actor=actor,
                event_type=events.DIRECTORY_RUN,
                extra={
                    "year": year,
                    "on": on,
                    "listed_on": decided_on,
                    "buffer_deadline": deadline,
                    **counts,
                },
            )
    return {**counts, "cases": total}


# --------------------------------------------------------------------------- the buffer


def _locked(case: DirectoryCase, expected_version: int) -> DirectoryCase:
    """The case locked, or a ConflictError when someone acted on it first."""
    locked = DirectoryCase.objects.select_for_update().select_related("enterprise").get(pk=case.pk)
    if locked.version != expected_version:
        raise ConflictError(
            _(
                "Someone else acted on this case first: it is now “%(state)s”. Nothing was "
                "written; read it again before you act."
            )
            % {"state": locked.get_state_display()},
            current_version=locked.version,
        )
    return locked


def _jurisdiction_problem(actor: User | None, case: DirectoryCase) -> None:
    """Who decided, acts: refuse a step by staff outside the department that decided the case."""
    if not case_decided_within(user=actor, case=case):
        raise ValidationError(
            _(
                "This case was decided by another department: only that department acts on it "
                "(谁认定、谁修复)."
            ),
            code="jurisdiction",
        )


def _state_problem(case: DirectoryCase, allowed: Sequence[str]) -> None:
    if case.state not in allowed:
        raise ValidationError(
            _("This case is “%(state)s”: that step is no longer possible.")
            % {"state": case.get_state_display()},
            code="state",
        )


def _own_enterprise(actor: User | None, case: DirectoryCase) -> bool:
    membership = getattr(actor, "enterprise_membership", None) if actor is not None else None
    return membership is not None and membership.enterprise_id == case.enterprise_id


@transaction.atomic
def buffer_pledge(
    *, actor: User, case: DirectoryCase, text: str, expected_version: int
) -> DirectoryCase:
    """Record the enterprise's credit pledge (守信承诺) for a case in the buffer.

    Rules: the enterprise's own user, or staff of the deciding department entering a pledge
    given on paper; the case is pending (in the buffer); the pledge's text is given (at most
    PLEDGE_MAX characters); a second pledge replaces the first (both stay in the audit log);
    the version read. Optional: a case is closed without listing whether or not it has one.
    Side effects: the case (`pledge_text`, `pledged_on` today, its version); an audit event.
    """
    if not _own_enterprise(actor, case):
        _jurisdiction_problem(actor, case)
    locked = _locked(case, expected_version)
    _state_problem(locked, [State.PENDING])
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write the pledge: what the enterprise undertakes.")]})
    if len(text) > PLEDGE_MAX:
        raise ValidationError({"text": [_("At most %(n)d characters.") % {"n": PLEDGE_MAX}]})
    previous = locked.pledge_text
    locked.pledge_text = text
    locked.pledged_on = _today()
    locked.version += 1
    locked.save()
    audit_event_record(
        actor=actor,
        event_type=events.DIRECTORY_PLEDGED,
        target=locked,
        enterprise=locked.enterprise,
        extra={
            "case": locked.pk,
            "pledged_on": locked.pledged_on,
            "replaces": bool(previous),
            "text": text,
        },
    )
    return locked


def working_day_before(day: dt.date, n: int) -> dt.date:
    """The n-th working day before `day` (`day` itself never counts): the day from which `day`
    is n WD away (`add_working_days` of it is `day`)."""
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    current, found = day, 0
    while found < n:
        current -= dt.timedelta(days=1)
        if is_working_day(current):
            found += 1
    return current


def reminder_day(buffer_deadline: dt.date, on: dt.date) -> tuple[dt.date, int] | None:
    """The latest reminder due by `on` for a buffer ending on `buffer_deadline` (each
    BUFFER_REMINDER_WORKING_DAYS before it), with its number of WD; None when none is due
    yet, or when the deadline has passed (the case is then listed, not reminded)."""
    if on > buffer_deadline:
        return None
    due = [
        (working_day_before(buffer_deadline, n), n)
        for n in rules.BUFFER_REMINDER_WORKING_DAYS
        if n >= 1
    ]
    due = [(day, n) for day, n in due if day <= on]
    return max(due) if due else None


def buffer_reminders_send(*, on: dt.date) -> int:
    """Send the buffer's reminders due by `on`; returns how many cases were reminded.

    Rules: a case in the buffer is reminded BUFFER_REMINDER_WORKING_DAYS (10 and 3) WD before
    its buffer deadline, through self-service (its notice and its home page show the reminder);
    only the latest reminder due is sent (a run catching up sends one, not two), and none for a
    day before the case was found. Idempotent per reminder day: the case's `reminders` holds
    {"on": the day sent, "due": the reminder day, "channel": "self_service",
    "working_days_before": n}, and a day already there is not sent again.
    Side effects, per buffer deadline in one transaction: the cases' `reminders` (not their
    version: nobody's form holds them), one audit event per case reminded.
    """
    case = _q(DirectoryCase)
    deadlines = (
        DirectoryCase.objects.filter(state=State.PENDING, buffer_deadline__gte=on)
        .order_by()
        .values_list("buffer_deadline", flat=True)
        .distinct()
    )
    sent = 0
    for deadline in sorted({d for d in deadlines if d is not None}):
        found = reminder_day(deadline, on)
        if found is None:
            continue
        day, n = found
        if _pg():
            append = (
                "reminders = COALESCE(reminders, '[]'::jsonb) || jsonb_build_array("
                "jsonb_build_object('on', CAST(%s AS text), 'due', CAST(%s AS text), "
                "'channel', 'self_service', 'working_days_before', %s::int))"
            )
            not_sent = (
                "NOT (COALESCE(reminders, '[]'::jsonb) @> "
                "jsonb_build_array(jsonb_build_object('due', CAST(%s AS text))))"
            )
        else:
            append = (
                "reminders = json_insert(COALESCE(reminders, '[]'), '$[#]', json_object("
                "'on', %s, 'due', %s, 'channel', 'self_service', 'working_days_before', %s))"
            )
            not_sent = (
                "NOT EXISTS (SELECT 1 FROM json_each(COALESCE(reminders, '[]')) "
                "WHERE json_extract(value, '$.due') = %s)"
            )
        with transaction.atomic():
            rows = _execute(
                f"UPDATE {case} SET {append}, updated_at = %s "  # noqa: S608
                "WHERE state = 'pending' AND buffer_deadline = %s AND detected_on <= %s "
                f"AND {not_sent} RETURNING id",
                [
                    on.isoformat(),
                    day.isoformat(),
                    n,
                    timezone.now(),
                    deadline,
                    day,
                    day.isoformat(),
                ],
            )
            ids = [row[0] for row in rows]
            _audit_cases(
                actor=None,
                event_type=events.DIRECTORY_REMINDED,
                ids=ids,
                extra={
                    "on": on,
                    "due": day,
                    "buffer_deadline": deadline,
                    "working_days_before": n,
                    "channel": "self_service",
                },
            )
        sent += len(ids)
    return sent


def buffer_expire(*, on: dt.date, actor: User | None = None) -> int:
    """List the cases whose buffer deadline passed before `on`; returns how many were listed.

    Rules: a pending case whose `buffer_deadline` is before `on` becomes listed, dated the day
    after the buffer deadline (the first day the deferral no longer holds), whatever day the
    job runs, like the end of any other term (`remediation.services.publicity`); its
    `abnormal_listing` fact as the deadline run's (public from that day, the bureau, a number);
    `serious_due` 3 years on. An entity closed meanwhile (deregistered, revoked, moved out) is
    left to `directory_closed_entities`, which closes its case. `on` may not be after today.
    Idempotent: a listed case is not pending any more.
    Side effects, per buffer deadline in one transaction: the cases (state, dates, version),
    their facts (with the ledger's audit events and cached state), the links, one audit event
    per case.
    """
    today = _today()
    if on > today:
        raise ValidationError(
            _("Buffers can be ended up to today (%(today)s), not on %(day)s.")
            % {"today": today.isoformat(), "day": on.isoformat()},
            code="future",
        )
    case, enterprise = _q(DirectoryCase), _q(Enterprise)
    closed = ", ".join(f"'{s}'" for s in CLOSED_STATUSES)
    deadlines = (
        DirectoryCase.objects.filter(state=State.PENDING, buffer_deadline__lt=on)
        .order_by()
        .values_list("buffer_deadline", flat=True)
        .distinct()
    )
    listed = 0
    for deadline in sorted({d for d in deadlines if d is not None}):
        listed_on = deadline + dt.timedelta(days=1)
        serious_due = add_years(listed_on, rules.SERIOUS_AFTER_YEARS)
        with transaction.atomic():
            _jit_off()
            rows = _execute(
                f"UPDATE {case} AS c SET state = 'listed', listed_on = %s, listing_due = %s, "  # noqa: S608
                "serious_due = CASE WHEN c.individual_business THEN NULL "
                f"ELSE {_date('%s')} END, "
                "version = c.version + 1, updated_at = %s "
                "WHERE c.state = 'pending' AND c.buffer_deadline = %s "
                f"AND NOT EXISTS (SELECT 1 FROM {enterprise} e WHERE e.id = c.enterprise_id "
                f"AND e.status IN ({closed})) RETURNING {_returned()}",
                [listed_on, listed_on, serious_due, timezone.now(), deadline],
            )
            ids = [row[0] for row in rows]
            if not ids:
                continue
            _listing_facts(_any("c.id"), [_ids(ids)], actor)
            _link(
                "listing_record_id",
                ABNORMAL_LISTING,
                _any("c.id"),
                [_ids(ids)],
                also=[("document_number", "r.document_number")],
            )
            _audit_cases(
                actor=actor,
                event_type=events.DIRECTORY_LISTED,
                ids=ids,
                extra={
                    "reason": Reason.LATE_REPORT,
                    "listed_on": listed_on,
                    "buffer_deadline": deadline,
                    "after_buffer": True,
                },
            )
        listed += len(ids)
    return listed


# --------------------------------------------------------------------------- cure after filing


def _filed_on_sql() -> str:
    """The first day the report of a case c's year was filed, by `annual_report_filed` facts
    dated on or before the day (one parameter): NULL when none. A correlated lookup per case on
    the ledger's enterprise index (credit_ent_date_idx), whatever the statistics say."""
    record = _q(CreditRecord)
    # A report for a year is filed no earlier than that year (the window opens the next
    # January): the lookup reads only the enterprise's records since then.
    if _pg():
        since = "make_date(c.report_year, 1, 1)"
    else:
        since = "(CAST(c.report_year AS TEXT) || '-01-01')"
    return (
        f"(SELECT MIN(r.occurred_on) FROM {record} r WHERE r.enterprise_id = c.enterprise_id "  # noqa: S608
        f"AND r.occurred_on >= {since} AND r.occurred_on <= %s "
        f"AND {_kind_is('r', ANNUAL_REPORT_FILED)} "
        f"AND {_jint('r.details', 'year')} = c.report_year)"
    )


def _address_changed_on_sql() -> str:
    """The first day since a case c's listing that a change of registration of the address
    was recorded, on or before the day (one parameter): NULL when none."""
    record = _q(CreditRecord)
    if _pg():
        address = "(a.details -> 'changes') ? 'address'"
    else:
        address = "json_extract(a.details, '$.changes.address') IS NOT NULL"
    return (
        f"(SELECT MIN(a.occurred_on) FROM {record} a WHERE a.enterprise_id = c.enterprise_id "  # noqa: S608
        f"AND {_kind_is('a', REGISTRATION_CHANGE)} AND a.occurred_on >= c.listed_on "
        f"AND a.occurred_on <= %s AND {address})"
    )


def _cases_with(column: str, found: str, where: str) -> str:
    """A FROM clause: the cases of `where` (over c) with `found` (SQL over c) as `column`, those
    for which it is found, aliased c again."""
    case = _q(DirectoryCase)
    # OFFSET 0 (PostgreSQL) keeps the subquery as written: `found` is looked up once a case.
    offset = " OFFSET 0" if _pg() else ""
    return (
        f"(SELECT c.*, {found} AS {column} FROM {case} c WHERE {where}{offset}) c "  # noqa: S608
        f"WHERE c.{column} IS NOT NULL"
    )


def _removal_facts(
    *,
    rows: str,
    params: Sequence[Any],
    occurred_on: str,
    code: str,
    summary: str,
    actor: User | None,
) -> int:
    """`abnormal_removal` facts closing the listings of the cases of `rows` (a FROM clause whose
    case is aliased c, listed with a record): public, the case's department's authority, dated
    `occurred_on`, details {"reason_code": code, "report_year", "individual_business", "case"}."""
    bureau_name = str(settings.CREDIT_PORTAL.get("BUREAU_NAME", ""))
    details = _jobject(
        [
            ("reason_code", f"'{code}'"),
            ("report_year", "c.report_year"),
            ("individual_business", _jbool("c.individual_business")),
            ("case", "c.id"),
        ]
    )
    select = _fact_select(
        rows=rows,
        kind=ABNORMAL_REMOVAL,
        occurred_on=occurred_on,
        public=True,
        authority=_authority_sql(),
        document_number="''",
        summary=summary,
        details=details,
        closes="c.listing_record_id",
    )
    # The SELECT's parameters in the order they appear: the authority's, then the rows'.
    return _append(select, [bureau_name, bureau_name, *params], actor)


def _removed_link(where: str, params: Sequence[Any]) -> list[int]:
    """Mark removed each listed case of `where` (over c) that a removal fact of its own now
    closes: the removal's date and code, its record, the version; returns their ids."""
    return _link(
        "removal_record_id",
        ABNORMAL_REMOVAL,
        f"c.state = 'listed' AND ({where})",
        params,
        also=[
            ("removed_on", "r.occurred_on"),
            ("removal_code", _jtext("r.details", "reason_code")),
        ],
        sets="state = 'removed', version = c.version + 1, updated_at = %s",
        sets_params=[timezone.now()],
    )


def _filings_apply(
    scope: str, scope_params: Sequence[Any], on: dt.date, *, actor: User | None
) -> dict[str, int]:
    """`directory_filings_apply` for the cases of `scope` (a condition over c, with its
    parameters), in the caller's transaction.

    Concurrency: no lock is taken. A case changes state in one UPDATE that checks its state
    again (a buffer closed here and listed by `buffer_expire` at the same moment: one of them
    wins); a removal is a fact whose source is the case, and the ledger's unique indexes on
    (source, kind) and on `closes` refuse a second one (another drain, the catch-up, a staff
    removal or a repair at the same moment): the ledger then skips it, or refuses the batch,
    which the drain tries again at its next run and finds done."""
    _jit_off()
    case = _q(DirectoryCase)
    now = timezone.now()
    scope = f"({scope})"
    counts = {"closed_no_listing": 0, "restored": 0, "cured": 0, "removed": 0}
    filed_on = _filed_on_sql()
    written = 0  # removal facts written by this call

    # 1. The buffer: filed by the buffer deadline → closed without listing (never listed).
    rows = _execute(
        f"UPDATE {case} AS c SET state = 'closed_no_listing', "  # noqa: S608
        f"(closed_on, cured_on) = (SELECT f.d, f.d FROM (SELECT {filed_on} AS d) f), "
        "version = c.version + 1, updated_at = %s "
        f"WHERE c.state = 'pending' AND c.reason = '1' AND {scope} "
        f"AND {filed_on} <= c.buffer_deadline RETURNING {_returned()}",
        [on, now, *scope_params, on],
    )
    closed_ids = [row[0] for row in rows]
    counts["closed_no_listing"] = len(closed_ids)
    _audit_cases(
        actor=actor,
        event_type=events.DIRECTORY_CLOSED_NO_LISTING,
        ids=closed_ids,
        extra={"on": on},
    )

    # 2. An individual business's mark for a year filed since: lifted the day it filed.
    marks = _cases_with(
        "filed_on",
        filed_on,
        "c.state = 'listed' AND c.individual_business AND c.reason = '1' "
        f"AND c.listing_record_id IS NOT NULL AND c.removal_record_id IS NULL AND {scope}",
    )
    written += _removal_facts(
        rows=marks,
        params=[on, *scope_params],
        occurred_on=_greatest("c.filed_on", "c.listed_on"),
        code=Removal.REPORTS_FILED,
        summary=f"'{RESTORED_PREFIX}已补报' || {_text('c.report_year')} || '年度年度报告'",
        actor=actor,
    )

    # 3. An individual business marked as unreachable: a change of premises registered since.
    moved = _cases_with(
        "changed_on",
        _address_changed_on_sql(),
        "c.state = 'listed' AND c.individual_business AND c.reason = '4' "
        f"AND c.listing_record_id IS NOT NULL AND c.removal_record_id IS NULL AND {scope}",
    )
    written += _removal_facts(
        rows=moved,
        params=[on, *scope_params],
        occurred_on="c.changed_on",
        code=Removal.ADDRESS_CHANGED,
        summary=f"'{RESTORED_PREFIX}{IB_REMOVAL_TEXT[Removal.ADDRESS_CHANGED]}'",
        actor=actor,
    )

    # 4. An enterprise's reason-1 listings: each year filed is recorded as cured ...
    rows = _execute(
        f"UPDATE {case} AS c SET cured_on = {filed_on}, updated_at = %s "  # noqa: S608
        "WHERE c.state = 'listed' AND NOT c.individual_business AND c.reason = '1' "
        f"AND c.cured_on IS NULL AND {scope} AND {filed_on} IS NOT NULL RETURNING {_returned()}",
        [on, now, *scope_params, on],
    )
    cured_ids = [row[0] for row in rows]
    counts["cured"] = len(cured_ids)
    _audit_cases(actor=actor, event_type=events.DIRECTORY_CURED, ids=cured_ids, extra={"on": on})
    # ... and once every listed year is filed, all are removed without an application, dated
    # the day the last one was found filed (never before the listing).
    if auto_removal():
        all_filed = (
            f"{case} c WHERE c.state = 'listed' AND NOT c.individual_business "  # noqa: S608
            "AND c.reason = '1' AND c.cured_on IS NOT NULL AND c.listing_record_id IS NOT NULL "
            f"AND c.removal_record_id IS NULL AND {scope} AND NOT EXISTS (SELECT 1 FROM {case} o "
            "WHERE o.enterprise_id = c.enterprise_id AND o.state = 'listed' "
            "AND NOT o.individual_business AND o.reason = '1' AND o.cured_on IS NULL)"
        )
        written += _removal_facts(
            rows=all_filed,
            params=scope_params,
            occurred_on=_greatest(_date(f"'{on.isoformat()}'"), "c.listed_on"),
            code=Removal.REPORTS_FILED,
            summary=f"'{REMOVED_PREFIX}{REMOVAL_TEXT[Removal.REPORTS_FILED]}'",
            actor=actor,
        )

    # The cases whose removal was just written: removed, in one UPDATE (none written: none to
    # link; a removal written by another call is linked by that call, in its transaction).
    removed = (
        []
        if not written
        else _removed_link(
            f"c.reason IN ('1', '4') AND c.listing_record_id IS NOT NULL AND {scope}",
            scope_params,
        )
    )
    if removed:
        kinds = dict(
            DirectoryCase.objects.filter(pk__in=removed).values_list("pk", "individual_business")
        )
        restored = [pk for pk in removed if kinds.get(pk)]
        automatic = [pk for pk in removed if not kinds.get(pk)]
        counts["restored"], counts["removed"] = len(restored), len(automatic)
        _audit_cases(
            actor=actor, event_type=events.DIRECTORY_RESTORED, ids=restored, extra={"on": on}
        )
        _audit_cases(
            actor=actor,
            event_type=events.DIRECTORY_REMOVED,
            ids=automatic,
            extra={"on": on, "code": Removal.REPORTS_FILED, "automatic": True},
        )
    return counts


def directory_filings_apply(
    *, enterprise_ids: Sequence[int], on: dt.date | None = None, actor: User | None = None
) -> dict[str, int]:
    """What the filings of these enterprises' missing reports cure; returns the counts
    {"closed_no_listing", "restored", "cured", "removed"}.

    Rules (docs/domain.md §3, §4, §10; module docstring), from their `annual_report_filed` facts
    dated on or before `on` (today by default), for the year each names:
    - a case in the buffer whose year was filed by its buffer deadline → closed without listing
      (`closed_on` and `cured_on`: the day filed); it was never listed and never will be;
    - an individual business's mark (reason 1) whose year was filed → lifted the day it filed
      (never before the mark): an `abnormal_removal` fact, code 1, public beside the mark;
    - an individual business marked unreachable (reason 4) with a `registration_change` fact
      changing its address dated on or after the mark → lifted that day, code 4;
    - an enterprise's reason-1 listing whose year was filed → `cured_on` (the day filed); once
      every one of its listed reason-1 years is cured, and AUTO_REMOVAL is on, each is removed
      (code 1) dated `on`: the day the system found the last year filed, which the ledger
      subscription makes the day of the filing and the daily catch-up the next day at the
      latest (within the 5 WD of §3). While a year is missing, nothing is removed.
    A filing after the buffer deadline leaves the case to `buffer_expire`, then removes it as a
    listing. Idempotent: a case done is not running any more.
    Side effects, per batch of APPLY_CHUNK enterprises in one transaction: the cases (state,
    dates, record, version), the removal facts (with the ledger's audit events and cached
    state), one audit event per case changed.
    """
    on = on or _today()
    counts = {"closed_no_listing": 0, "restored": 0, "cured": 0, "removed": 0}
    ids = sorted({int(pk) for pk in enterprise_ids})
    for start in range(0, len(ids), APPLY_CHUNK):
        # Most changes of the ledger (registrations, penalties, an import) touch no entity with
        # a running case: one query finds that out, and nothing more is asked.
        batch = list(
            DirectoryCase.objects.filter(
                enterprise_id__in=ids[start : start + APPLY_CHUNK],
                state__in=[State.PENDING, State.LISTED],
                reason__in=[Reason.LATE_REPORT, Reason.UNREACHABLE],
            )
            .order_by("enterprise_id")
            .values_list("enterprise_id", flat=True)
            .distinct()
        )
        if not batch:
            continue
        with transaction.atomic():
            done = _filings_apply(_any("c.enterprise_id"), [_ids(batch)], on, actor=actor)
        for key, value in done.items():
            counts[key] += value
    return counts


def directory_ledger_changed(enterprise_ids: list[int]) -> None:
    """The ledger subscription `remediation.directory` (`RemediationConfig.ready`): the ledger
    of these enterprises changed (a report filed, a change of registration): apply what it
    cures, today (`directory_filings_apply`). Idempotent, as the drain requires."""
    directory_filings_apply(enterprise_ids=enterprise_ids, on=_today())


def directory_filings_catch_up(*, on: dt.date, actor: User | None = None) -> dict[str, int]:
    """The daily catch-up of the ledger subscription (a drain missed or failed, a filing dated
    before a case was made): `directory_filings_apply`'s rules over every running case a
    filing or a change of premises could cure, in one transaction (each case one lookup of its
    facts; no list of enterprises)."""
    with transaction.atomic():
        return _filings_apply("1 = 1", [], on, actor=actor)


# --------------------------------------------------------------------------- entities ceased


def directory_closed_entities(*, on: dt.date, actor: User | None = None) -> dict[str, int]:
    """End the cases of entities that have ceased; returns {"removed", "closed"}.

    Rules (docs/domain.md §3 "Removal", code 7): a listing or mark of an entity deregistered or
    revoked is removed with code 7, dated the day its status changed (never before the listing,
    never after `on`; `on` when the day is unknown); a case in the buffer of an entity
    deregistered, revoked or moved out is closed without listing on `on`, with no `cured_on`
    (the report was never filed: the figures do not count it as filed within the buffer). A
    listing of an entity moved out stays: the entity still exists, and is now another
    bureau's to supervise. Idempotent.
    Side effects, in one transaction: the cases, the removal facts, one audit event per case.
    """
    case, enterprise = _q(DirectoryCase), _q(Enterprise)
    ceased = set(CEASED_STATUSES)
    closed = ", ".join(f"'{s}'" for s in CLOSED_STATUSES)
    day = _date(f"'{on.isoformat()}'")
    now = timezone.now()
    with transaction.atomic():
        _jit_off()
        # The running cases whose entity has ceased or moved out: one pass over the running
        # cases, one lookup of each one's entity by key (a scalar subquery: no join planned on
        # the statistics of cases just written).
        running = _execute(
            f"SELECT c.id, c.state, c.status FROM (SELECT c.id, c.state, (SELECT e.status "  # noqa: S608
            f"FROM {enterprise} e WHERE e.id = c.enterprise_id) AS status FROM {case} c "
            "WHERE c.state = 'pending' OR (c.state = 'listed' AND c.listing_record_id IS NOT NULL)"
            f"{' OFFSET 0' if _pg() else ''}) c WHERE c.status IN ({closed}) ORDER BY c.id",
            [],
        )
        ids = [pk for pk, state, status in running if state == State.LISTED and status in ceased]
        pending = [pk for pk, state, _status in running if state == State.PENDING]
        removed: list[int] = []
        if ids:
            rows = (
                f"{case} c JOIN {enterprise} e ON e.id = c.enterprise_id WHERE {_any('c.id')} "
                "AND c.removal_record_id IS NULL"
            )
            when = _greatest(_least(f"COALESCE(e.status_changed_on, {day})", day), "c.listed_on")
            _removal_facts(
                rows=rows,
                params=[_ids(ids)],
                occurred_on=when,
                code=Removal.CLOSED_ENTITY,
                summary=(
                    f"CASE WHEN c.individual_business THEN '{RESTORED_PREFIX}' "
                    f"ELSE '{REMOVED_PREFIX}' END || '{REMOVAL_TEXT[Removal.CLOSED_ENTITY]}'"
                ),
                actor=actor,
            )
            removed = _removed_link(_any("c.id"), [_ids(ids)])
            _audit_cases(
                actor=actor,
                event_type=events.DIRECTORY_REMOVED,
                ids=removed,
                extra={"on": on, "code": Removal.CLOSED_ENTITY, "automatic": True},
            )
        closed_ids: list[int] = []
        if pending:
            rows_closed = _execute(
                f"UPDATE {case} AS c SET state = 'closed_no_listing', closed_on = %s, "  # noqa: S608
                f"version = c.version + 1, updated_at = %s WHERE c.state = 'pending' "
                f"AND {_any('c.id')} RETURNING {_returned()}",
                [on, now, _ids(pending)],
            )
            closed_ids = [row[0] for row in rows_closed]
        _audit_cases(
            actor=actor,
            event_type=events.DIRECTORY_CLOSED_ENTITY,
            ids=closed_ids,
            extra={"on": on},
        )
    return {"removed": len(removed), "closed": len(closed_ids)}


# --------------------------------------------------------------------------- staff


def _staff_department(actor: User | None, order: DisclosureOrder | None) -> Department:
    """The department that decides a listing: the order's for an order not complied with, else
    the officer's own (the bureau for a superuser without a profile, and for the system)."""
    if order is not None:
        return Department.objects.get(pk=order.department_id)
    if actor is not None and actor.is_authenticated:
        profile = StaffProfile.objects.filter(user=actor).select_related("department").first()
        if profile is not None:
            return profile.department
        if not actor.is_superuser:
            raise ValidationError(
                _("Only staff of the bureau or a partner department may list."),
                code="jurisdiction",
            )
    return bureau()


def _sees_enterprise(actor: User, enterprise: Enterprise) -> bool:
    from enterprises.selectors import enterprise_list_for_user

    return enterprise_list_for_user(user=actor).filter(pk=enterprise.pk).exists()


def listing_summary(case: DirectoryCase) -> str:
    """The stored summary of a case's listing (or mark): 列入经营异常名录：<reason>, or
    标记为经营异常状态：<reason> for an individual business."""
    texts = IB_REASON_TEXT if case.individual_business else REASON_TEXT
    prefix = MARKED_PREFIX if case.individual_business else LISTED_PREFIX
    return prefix + texts[Reason(case.reason)].format(year=case.report_year or "")


def removal_summary(case: DirectoryCase, code: str) -> str:
    """The stored summary of a removal: 移出经营异常名录：<cure>, or 恢复正常记载状态：<cure> for an
    individual business."""
    if case.individual_business:
        text = IB_REMOVAL_TEXT.get(Removal(code), REMOVAL_TEXT[Removal(code)])
        return RESTORED_PREFIX + text.format(year=case.report_year or "")
    return REMOVED_PREFIX + REMOVAL_TEXT[Removal(code)]


@transaction.atomic
def directory_list(
    *,
    actor: User | None,
    enterprise: Enterprise,
    reason: str,
    facts: str,
    verified_on: dt.date,
    source: str = Source.STAFF,
    order: DisclosureOrder | None = None,
) -> DirectoryCase:
    """List an enterprise for reason 2, 3 or 4 (or mark an individual business for 3 or 4).

    Rules (docs/domain.md §3): reason 1 is the deadline run's, not an officer's; reason 2 (an
    order to disclose not complied with) needs the order, of this enterprise, and applies to
    no individual business (no duty of immediate disclosure); the facts found are stated; the
    day verified (for an order: the day its period ended) is neither in the future nor before
    the entity was registered; the entity is not closed; no case of the same reason is running
    for it (pending or listed). The listing is due within 10 WD of the verification
    (`listing_due`); a listing later than that is still made, and the delay recorded in its
    audit event ("late_by_working_days"): refusing it would leave the cause unlisted. The
    deciding department: the order's, else the officer's own; staff see the enterprise
    (jurisdiction). The system (an order's expiry, `actor` None) lists as the bureau.
    Side effects: the case (listed today, `serious_due` 3 years on for an enterprise), its
    `abnormal_listing` fact (public from today, the department's name, 双市监异〔year〕<case>号,
    details {"reason_code", "report_year", "individual_business", "mark_code"}), an audit event.
    """
    today = _today()
    problems: dict[str, list[str]] = {}
    reason = str(reason or "")
    individual = enterprise.entity_type == Enterprise.EntityType.INDIVIDUAL_BUSINESS
    if actor is not None and actor.is_authenticated and not _sees_enterprise(actor, enterprise):
        raise ValidationError(
            _("This market entity is outside your department's jurisdiction."),
            code="jurisdiction",
        )
    if reason == Reason.LATE_REPORT:
        problems["reason"] = [
            _(
                "A late annual report is listed by the deadline run, with its buffer; an "
                "officer lists for reasons 2 to 4."
            )
        ]
    elif reason not in Reason.values:
        problems["reason"] = [_("Choose the reason for listing.")]
    elif reason == Reason.NOT_DISCLOSED and individual:
        problems["reason"] = [
            _(
                "An individual business has no duty of immediate disclosure: reason 2 does not "
                "apply."
            )
        ]
    if source not in Source.values or source == Source.DEADLINE_RUN:
        problems["source"] = [_("Unknown source of the listing.")]
    if reason == Reason.NOT_DISCLOSED and order is None:
        problems["order"] = [_("Reason 2 lists an order to disclose that was not complied with.")]
    if order is not None and order.enterprise_id != enterprise.pk:
        problems["order"] = [_("That order concerns another market entity.")]
    facts = (facts or "").strip()
    if not facts:
        problems["facts"] = [_("State the facts found (what was verified, how and when).")]
    elif len(facts) > FACTS_MAX:
        problems["facts"] = [_("At most %(n)d characters.") % {"n": FACTS_MAX}]
    if verified_on is None:
        problems["verified_on"] = [_("Give the day the facts were verified.")]
    elif verified_on > today:
        problems["verified_on"] = [_("The date cannot be in the future.")]
    elif verified_on < enterprise.registered_on:
        problems["verified_on"] = [_("The date is before the entity was registered.")]
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if locked.status in CLOSED_STATUSES:
        problems["enterprise"] = [
            _("This entity is “%(status)s”: it is no longer listed here.")
            % {"status": locked.get_status_display()}
        ]
    running = (
        DirectoryCase.objects.filter(
            enterprise=locked, reason=reason, state__in=[State.PENDING, State.LISTED]
        )
        .values_list("pk", flat=True)
        .first()
        if reason in Reason.values
        else None
    )
    if running is not None:
        problems["reason"] = [
            _("A case of this reason is already running for this entity (no. %(id)d).")
            % {"id": running}
        ]
    if problems:
        raise ValidationError(problems)
    department = _staff_department(actor, order)
    due = deadline_after(verified_on, rules.LISTING_AFTER_VERIFICATION_WORKING_DAYS)
    case = DirectoryCase.objects.create(
        enterprise=locked,
        department=department,
        individual_business=individual,
        reason=reason,
        source=source,
        facts=facts,
        state=State.LISTED,
        detected_on=verified_on,
        listing_due=due.day,
        listed_on=today,
        serious_due=None if individual else add_years(today, rules.SERIOUS_AFTER_YEARS),
        order=order,
        created_by=_author(actor),
    )
    case.document_number = listing_number(today.year, case.pk)
    details: dict[str, Any] = {
        "reason_code": reason,
        "report_year": None,
        "individual_business": individual,
        "case": case.pk,
    }
    if individual:
        details["mark_code"] = rules.INDIVIDUAL_MARK_CODES.get(reason, "")
    record = credit_record_append(
        enterprise=locked,
        kind=ABNORMAL_LISTING,
        occurred_on=today,
        summary=listing_summary(case),
        actor=actor if actor is not None and actor.is_authenticated else None,
        is_public=True,
        authority=authority_of(department),
        document_number=case.document_number,
        details=details,
        source=case,
    )
    case.listing_record = record
    case.save(update_fields=["document_number", "listing_record", "updated_at"])
    late = today > due.day
    extra: dict[str, Any] = {
        "case": case.pk,
        "reason": reason,
        "listed_on": today,
        "listing_due": due.day,
        "verified_on": verified_on,
        "number": case.document_number,
    }
    if late:
        from credit_portal.workdays import working_days_between

        extra["late_by_working_days"] = working_days_between(due.day, today)
    audit_event_record(
        actor=actor,
        event_type=events.DIRECTORY_MARKED if individual else events.DIRECTORY_LISTED,
        target=case,
        enterprise=locked,
        extra=extra,
    )
    return case


def _years_missing(enterprise: Enterprise, on: dt.date) -> list[int]:
    """The years of the enterprise's running reason-1 listings not filed by `on` (facts)."""
    years = set(
        DirectoryCase.objects.filter(
            enterprise=enterprise, reason=Reason.LATE_REPORT, state=State.LISTED
        ).values_list("report_year", flat=True)
    )
    filed: set[int] = set()
    for details in CreditRecord.objects.filter(
        enterprise=enterprise, kind=ANNUAL_REPORT_FILED, occurred_on__lte=on
    ).values_list("details", flat=True):
        year = (details or {}).get("year")
        if year is not None:
            filed.add(int(year))
    return sorted(y for y in years if y is not None and y not in filed)


def _address_changed_since(enterprise_id: int, day: dt.date | None, on: dt.date) -> bool:
    """Whether a change of registration of the address is recorded from `day` to `on`."""
    for details in CreditRecord.objects.filter(
        enterprise_id=enterprise_id,
        kind=REGISTRATION_CHANGE,
        occurred_on__gte=day or dt.date.min,
        occurred_on__lte=on,
    ).values_list("details", flat=True):
        if "address" in ((details or {}).get("changes") or {}):
            return True
    return False


@transaction.atomic
def directory_remove(
    *,
    actor: User,
    case: DirectoryCase,
    code: str,
    reasons: str,
    expected_version: int,
) -> DirectoryCase:
    """Remove a listing (or lift a mark) after the officer verified the cure.

    Rules (docs/domain.md §3 "Removal"): the actor's department decided the case; the case is
    listed; the version read; a removal code that cures the case's reason (1 for reason 1, 2
    for 2, 3 for 3, 4 or 5 for 4; 7 for any; 6 is the serious list's): code 1 needs every
    year of the enterprise's running reason-1 listings filed (§10; the years missing are
    named), code 4 a change of the address registered since the listing, code 7 the entity
    deregistered or revoked; the officer's reasons (what was verified) are required.
    Side effects: the case (removed today, the code, the record, its version); an
    `abnormal_removal` fact closing the listing (public, dated today, the department's name,
    details {"reason_code": code, "report_year", "individual_business", "case"}); an audit
    event.
    """
    _jurisdiction_problem(actor, case)
    locked = _locked(case, expected_version)
    _state_problem(locked, [State.LISTED])
    today = _today()
    code = str(code or "")
    problems: dict[str, list[str]] = {}
    allowed = REMOVAL_CODES_BY_REASON.get(locked.reason, ())
    if code not in allowed:
        problems["code"] = [
            _("Removal code %(code)s does not cure reason %(reason)s; choose one of %(codes)s.")
            % {"code": code or "—", "reason": locked.reason, "codes": ", ".join(allowed)}
        ]
    elif code == Removal.REPORTS_FILED:
        missing = _years_missing(locked.enterprise, today)
        if missing:
            problems["code"] = [
                _(
                    "Every missing year must be filed before the listing is removed; still "
                    "missing: %(years)s."
                )
                % {"years": ", ".join(str(y) for y in missing)}
            ]
    elif code == Removal.ADDRESS_CHANGED and not _address_changed_since(
        locked.enterprise_id, locked.listed_on, today
    ):
        problems["code"] = [_("No change of the registered address is recorded since the listing.")]
    elif code == Removal.CLOSED_ENTITY and locked.enterprise.status not in CEASED_STATUSES:
        problems["code"] = [_("The entity is neither deregistered nor revoked.")]
    reasons = (reasons or "").strip()
    if not reasons:
        problems["reasons"] = [_("Say what was verified: the enterprise and the public read it.")]
    elif len(reasons) > REASONS_MAX:
        problems["reasons"] = [_("At most %(n)d characters.") % {"n": REASONS_MAX}]
    if locked.listing_record_id is None:
        problems["case"] = [_("This listing has no ledger record to close.")]
    if problems:
        raise ValidationError(problems)
    department = Department.objects.get(pk=locked.department_id)
    record = credit_record_append(
        enterprise=locked.enterprise,
        kind=ABNORMAL_REMOVAL,
        occurred_on=max(today, locked.listed_on or today),
        summary=removal_summary(locked, code),
        actor=actor,
        is_public=True,
        authority=authority_of(department),
        details={
            "reason_code": code,
            "report_year": locked.report_year,
            "individual_business": locked.individual_business,
            "case": locked.pk,
        },
        source=locked,
        closes=CreditRecord.objects.get(pk=int(locked.listing_record_id or 0)),
    )
    locked.state = State.REMOVED
    locked.removed_on = record.occurred_on
    locked.removal_code = code
    locked.removal_record = record
    if code == Removal.REPORTS_FILED and locked.cured_on is None:
        locked.cured_on = today
    locked.version += 1
    locked.save()
    audit_event_record(
        actor=actor,
        event_type=events.DIRECTORY_REMOVED,
        target=locked,
        enterprise=locked.enterprise,
        extra={"case": locked.pk, "code": code, "on": today, "reasons": reasons},
    )
    return locked


def directory_case_removed_by_repair(
    *, case: DirectoryCase, record: CreditRecord, on: dt.date
) -> None:
    """A credit-repair application approved closed this case's listing (its `repair` fact is
    `record`): the case is removed by it (the caller's transaction, `repair_decide`).

    Rules: the case is listed, and `record` closes its listing; the removal code is the cure of
    its reason (1, 2, 3; for reason 4: 4 when a change of the address is recorded since the
    listing, else 5, reachable again). Idempotent: a case removed by this record already is
    left as it is; any other state is refused.
    Side effects: the case (removed on `on`, the code, `removal_record` = the repair fact, its
    version); an audit event (actor: who recorded the repair).
    """
    with transaction.atomic():
        locked = (
            DirectoryCase.objects.select_for_update().select_related("enterprise").get(pk=case.pk)
        )
        if locked.state == State.REMOVED and locked.removal_record_id == record.pk:
            return
        _state_problem(locked, [State.LISTED])
        if record.closes_id is None or record.closes_id != locked.listing_record_id:
            raise ValidationError(
                _("That repair does not close this listing."), code="not_this_listing"
            )
        code = {
            Reason.LATE_REPORT: Removal.REPORTS_FILED,
            Reason.NOT_DISCLOSED: Removal.DISCLOSED,
            Reason.FALSE_INFORMATION: Removal.CORRECTED,
        }.get(Reason(locked.reason))
        if code is None:
            code = (
                Removal.ADDRESS_CHANGED
                if _address_changed_since(locked.enterprise_id, locked.listed_on, on)
                else Removal.REACHABLE
            )
        locked.state = State.REMOVED
        locked.removed_on = on
        locked.removal_code = code
        locked.removal_record = record
        if code == Removal.REPORTS_FILED and locked.cured_on is None:
            locked.cured_on = on
        locked.version += 1
        locked.save()
        actor = (
            User.objects.filter(pk=record.recorded_by_id).first() if record.recorded_by_id else None
        )
        audit_event_record(
            actor=actor,
            event_type=events.DIRECTORY_REMOVED,
            target=locked,
            enterprise=locked.enterprise,
            extra={"case": locked.pk, "code": code, "on": on, "repair_record": record.pk},
        )
