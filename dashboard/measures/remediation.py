"""The dashboard's measures of enforcement, the directory and annual reports (remediation,
annual_reports): every figure the seed reports that they record, in the seed's units, plus the
buffer's funnel, repair applications by outcome and time to decide, and deadlines met and
missed (docs/domain.md Appendix A, §3–§6, §9, §10).

The seed's figures count the filters of `remediation.selectors.figures` (one public Q builder
per seed figure, the ones `seed_figures` counts for one reader), grouped here by street and
department; tests/dashboard/test_tallies.py holds the two equal for the same year and reader:

- ``lighter``, ``mitigated``, ``exempted``, ``first_violation``, ``standard`` (件): recorded
  penalty decisions decided in the year, by leniency; by the deciding department.
- ``suggestions``, ``admonitions``, ``prompts`` (份): soft-enforcement documents served in the
  year, by instrument; by the issuing department.
- ``interviews`` (户): distinct enterprises interviewed in the year; by the issuing department
  of the interview's document.
- ``penalty_repairs`` (户): distinct enterprises with an approved early stop of a penalty's
  publicity decided in the year; by the department of the decision repaired (the bureau when
  the record has no decision file).
- ``expired_terms`` (件, counted apart; not repairs): `publicity_expired` facts of the year;
  by the department of the decision whose record the fact closes, else the bureau.
- ``listings_deferred`` (户), ``filed_within_buffer`` (户), ``ib_restored`` (户): reason-1
  directory cases, by the case's deciding department (`seed_figures`' `_directory_figures`).
- ``self_corrections`` (户次): `self_correction` facts of the year; by the department of the
  correction invitation named in the fact's details while it supervises the entity, else the
  bureau.

Beyond the seed:

- ``enterprises_helped`` (户, the seed's "nearly 2,000 helped to correct dishonest
  behaviour"): the DISTINCT market entities that in the year (a) had a directory case removed
  because its cause was cured (state removed, `removed_on` in the year, removal codes 1–5, or
  a removal decided on a repair application), or (b) had a credit-repair application of any kind
  approved (`decided_on` in the year: a penalty's publicity stopped early, a directory removal,
  an early removal from the serious list). Not counted: a case moved to the serious list
  (code 6) or closed because the entity ceased (code 7), a revoked (wrongful) listing, a term
  that expired by itself. Department: the case's deciding department; for a repair, the
  department of the decision or listing it repairs, else the bureau.
- ``buffer_funnel`` (户): of the reason-1 cases that entered the buffer in the year, distinct
  enterprises by what became of the case as of the refresh: ``filed_in_time`` (closed without
  listing, report filed), ``listed`` (the deadline passed: listed, whatever happened since),
  ``pending`` (still in the buffer), ``closed_other`` (closed without listing, no report: the
  entity ceased). The total is ``listings_deferred``.
- ``repair_outcomes`` (applications): applications submitted in the year (local date of
  `submitted_at`), by their status as of the refresh: approved, refused, not accepted,
  withdrawn, pending (submitted or accepted).
- ``repair_decision_time`` (applications): applications approved or refused with `decided_on` in
  the year, by working days from submission to decision: ≤ 5, 6–10, 11–15, > 15.
- ``publication_deadline`` (件): penalty decisions decided in the year (recorded, or recorded
  and since withdrawn) with a publication due date (20 WD, or the other-province push,
  `remediation.rules`): ``met`` published by the due day, ``missed`` published after it,
  ``overdue`` (recorded, not published, due day passed as of the refresh), ``open`` (not yet
  due).
- ``removal_deadline`` (件): listed directory cases whose cause was cured in the year
  (`cured_on`), to be removed within 5 WD (`REMOVAL_WORKING_DAYS`, docs/domain.md §0, §3):
  ``met``, ``missed`` (removed later), ``overdue`` (still listed, due passed), ``open``.

Street: the enterprise's (`Enterprise.division`); a decision about a party outside the register
has street "". Every measure writes district rows (department None; 户 counted distinct across
departments) and per-department rows. Cost: a few GROUP BY queries per measure, whatever the
data size; the working-day measures group by date pairs and map the groups (never the rows)
in Python.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from credit_portal.models import Department
from credit_portal.workdays import add_working_days, working_days_between
from dashboard import rules as dashboard_rules
from dashboard.measures import (
    APPLICATIONS,
    CASES,
    ENTERPRISES,
    ENTITY_TIMES,
    LETTERS,
    SECTION_LENIENCY,
    SECTION_REWARDS,
    Measure,
    TallyRow,
)
from enterprises.models import CreditRecord, Enterprise
from remediation import rules as remediation_rules
from remediation.kinds import REPAIR
from remediation.models import (
    DirectoryCase,
    Interview,
    PenaltyDecision,
    RepairApplication,
    SeriousListing,
    SoftAction,
)
from remediation.selectors import figures
from remediation.selectors.directory import cured_listings_q

Leniency = PenaltyDecision.Leniency
Instrument = SoftAction.Instrument
State = DirectoryCase.State
RepairStatus = RepairApplication.Status

LENIENCY_CODES: dict[str, str] = figures.LENIENCY_FIGURES
LETTER_CODES: dict[str, str] = figures.LETTER_FIGURES
# The decision-time buckets and the cured-removal codes: `dashboard.rules` (their sources).


# -- Links to the lists behind the figures --------------------------------------------------
# Each figure opens the list whose count is the figure (for the bureau, a street, a partner
# department: the list is scoped to the reader as the figure is): the list's filter of the
# year the figure counts by, and the street. docs/domain.md Appendix A says which list.

YEAR, STREET = "<year>", "<street>"  # placeholders: the dashboard's year and street


def _link(name: str, **params: Any) -> Callable[..., str | None]:
    """The list `name` with `params`; a value YEAR is the dashboard's year, STREET its street
    (left out for all streets). A breakdown's key, when given, goes into the parameter
    named by `key_param` (the key's own list)."""
    key_param = params.pop("key_param", "")

    def url(year: int, street: str, key: str = "") -> str | None:
        try:
            base = reverse(name)
        except NoReverseMatch:
            return None
        query: dict[str, Any] = {}
        for k, v in params.items():
            if v == YEAR:
                query[k] = year
            elif v == STREET:
                if street:
                    query[k] = street
            elif v not in ("", None):
                query[k] = v
        if key_param and key:
            query[key_param] = key
        return f"{base}?{urlencode(query)}" if query else base

    return url


def _penalties(**params: Any) -> Callable[..., str | None]:
    """Penalty decisions of the year decided, in the street."""
    return _link("remediation:penalty_list", year=YEAR, division=STREET, **params)


def _letters(instrument: str) -> Callable[..., str | None]:
    """The soft-action list of the instrument, of the year served (an interview's: held)."""
    return _link("remediation:soft_action_list", instrument=instrument, year=YEAR, division=STREET)


def _repairs(**params: Any) -> Callable[..., str | None]:
    return _link("remediation:repair_list", division=STREET, **params)


def _directory(**params: Any) -> Callable[..., str | None]:
    return _link("remediation:directory_list", division=STREET, **params)


_BUFFER = _directory(deferred_year=YEAR, reason="1")


MEASURES: list[Measure] = [
    # Section 2: leniency with firmness (the seed's order).
    Measure(
        "listings_deferred",
        _("Listings deferred: punishment buffer (暂缓列入)"),
        ENTERPRISES,
        SECTION_LENIENCY,
        seed=True,
        order=210,
        list_url=_BUFFER,
        help=_("Enterprises whose late-report case entered the punishment buffer in the year."),
    ),
    Measure(
        "filed_within_buffer",
        _("Of those, filed within the buffer"),
        ENTERPRISES,
        SECTION_LENIENCY,
        seed=True,
        order=211,
        list_url=_directory(deferred_year=YEAR, reason="1", buffer="filed_in_time"),
        help=_("Of the deferred, those closed without listing: the report filed in time."),
    ),
    Measure(
        "buffer_funnel",
        _("The punishment buffer, stage by stage"),
        ENTERPRISES,
        SECTION_LENIENCY,
        kind="breakdown",
        order=212,
        keys=(
            ("filed_in_time", _("Filed in time, never listed")),
            ("listed", _("Listed when the deadline passed")),
            ("pending", _("Still in the buffer")),
            ("closed_other", _("Closed: the entity ceased")),
        ),
        list_url=_BUFFER,
        help=_("Of the enterprises that entered the buffer in the year, what became of them."),
        extra={"key_url": _directory(deferred_year=YEAR, reason="1", key_param="buffer")},
    ),
    Measure(
        "suggestions",
        _("Administrative suggestions (行政建议书)"),
        LETTERS,
        SECTION_LENIENCY,
        seed=True,
        order=220,
        list_url=_letters(Instrument.SUGGESTION),
    ),
    Measure(
        "admonitions",
        _("Admonition letters (警示告诫书)"),
        LETTERS,
        SECTION_LENIENCY,
        seed=True,
        order=221,
        list_url=_letters(Instrument.ADMONITION),
    ),
    Measure(
        "prompts",
        _("Early-warning prompts (行政提示书)"),
        LETTERS,
        SECTION_LENIENCY,
        order=222,
        list_url=_letters(Instrument.PROMPT),
    ),
    Measure(
        "interviews",
        _("Enterprises interviewed (约谈提醒)"),
        ENTERPRISES,
        SECTION_LENIENCY,
        seed=True,
        order=223,
        list_url=_letters(Instrument.INTERVIEW),
    ),
    Measure(
        "lighter",
        _("Lighter penalties (从轻)"),
        CASES,
        SECTION_LENIENCY,
        seed=True,
        order=230,
        list_url=_penalties(status="recorded", leniency=Leniency.LIGHTER),
    ),
    Measure(
        "mitigated",
        _("Mitigated penalties (减轻)"),
        CASES,
        SECTION_LENIENCY,
        seed=True,
        order=231,
        list_url=_penalties(status="recorded", leniency=Leniency.MITIGATED),
    ),
    Measure(
        "exempted",
        _("Exempted from penalty (免予处罚)"),
        CASES,
        SECTION_LENIENCY,
        seed=True,
        order=232,
        list_url=_penalties(status="recorded", leniency=Leniency.EXEMPT),
    ),
    Measure(
        "first_violation",
        _("First violations not penalised (首违不罚)"),
        CASES,
        SECTION_LENIENCY,
        seed=True,
        order=233,
        list_url=_penalties(status="recorded", leniency=Leniency.FIRST_VIOLATION),
    ),
    Measure(
        "standard",
        _("Other penalty decisions"),
        CASES,
        SECTION_LENIENCY,
        order=234,
        list_url=_penalties(status="recorded", leniency=Leniency.STANDARD),
    ),
    Measure(
        "publication_deadline",
        dashboard_rules.within_working_days(
            _("Penalty decisions published within {days} working days"),
            dashboard_rules.PENALTY_PUBLICATION_WORKING_DAYS,
        ),
        CASES,
        SECTION_LENIENCY,
        kind="breakdown",
        order=235,
        keys=(
            ("met", _("Published in time")),
            ("missed", _("Published late")),
            ("overdue", _("Not yet published, overdue")),
            ("open", _("Not yet due")),
        ),
        list_url=_penalties(publication="deadline"),
        help=_("Decisions of the year with a publication due date, by whether it was met."),
    ),
    Measure(
        "self_corrections",
        _("Self-corrections (信息自我纠错)"),
        ENTITY_TIMES,
        SECTION_LENIENCY,
        seed=True,
        order=240,
        list_url=_link("annual_reports:self_corrections", year=YEAR, division=STREET, counted="on"),
    ),
    # Section 3: rewards with discipline.
    Measure(
        "penalty_repairs",
        _("Penalty information repaired early (提前停止公示)"),
        ENTERPRISES,
        SECTION_REWARDS,
        seed=True,
        order=310,
        list_url=_repairs(
            kind=RepairApplication.Kind.PENALTY_PUBLICITY, status="approved", year=YEAR
        ),
    ),
    Measure(
        "enterprises_helped",
        _("Enterprises helped to correct dishonest behaviour"),
        ENTERPRISES,
        SECTION_REWARDS,
        seed=True,
        order=311,
        list_url=_repairs(status="approved", year=YEAR),
        help=_(
            "Distinct enterprises with a directory listing removed (cause cured) or a credit "
            "repair approved in the year."
        ),
    ),
    Measure(
        "repair_outcomes",
        _("Credit repair applications by outcome"),
        APPLICATIONS,
        SECTION_REWARDS,
        kind="breakdown",
        order=312,
        keys=(
            ("approved", _("Approved")),
            ("refused", _("Refused")),
            ("not_accepted", _("Not accepted")),
            ("withdrawn", _("Withdrawn")),
            ("pending", _("Pending")),
        ),
        list_url=_repairs(submitted_year=YEAR),
        help=_("Applications submitted in the year, by their outcome so far."),
        extra={"key_url": _repairs(submitted_year=YEAR, key_param="status")},
    ),
    Measure(
        "repair_decision_time",
        _("Time to decide a repair application"),
        APPLICATIONS,
        SECTION_REWARDS,
        kind="breakdown",
        order=313,
        keys=dashboard_rules.decision_bucket_labels(),
        list_url=_repairs(status="decided", year=YEAR),
        help=_("Applications approved or refused in the year, by working days to decide."),
    ),
    Measure(
        "removal_deadline",
        dashboard_rules.within_working_days(
            _("Cured listings removed within {days} working days"),
            dashboard_rules.REMOVAL_WORKING_DAYS,
        ),
        CASES,
        SECTION_REWARDS,
        kind="breakdown",
        order=314,
        keys=(
            ("met", _("Removed in time")),
            ("missed", _("Removed late")),
            ("overdue", _("Not yet removed, overdue")),
            ("open", _("Not yet due")),
        ),
        list_url=_directory(cured_year=YEAR),
        help=_("Listings whose cause was cured in the year, by whether removal was timely."),
    ),
    Measure(
        "ib_restored",
        _("Individual businesses restored after filing (恢复正常记载状态)"),
        ENTERPRISES,
        SECTION_REWARDS,
        seed=True,
        order=320,
        list_url=_directory(
            removed_year=YEAR,
            reason="1",
            kind="individual",
            state=State.REMOVED,
            removal=DirectoryCase.Removal.REPORTS_FILED,
        ),
    ),
    Measure(
        "expired_terms",
        _("Publicity terms ended by themselves (届满停止公示; not repairs)"),
        CASES,
        SECTION_REWARDS,
        order=330,
        list_url=_link("remediation:penalty_list", expired_year=YEAR, division=STREET),
    ),
]


# -- Counting ------------------------------------------------------------------------------


def _bureau_id() -> int | None:
    """The bureau's department: where a record without a decision file counts."""
    return (
        Department.objects.filter(is_bureau=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def _grouped(
    qs: QuerySet[Any],
    *,
    street: str,
    department: Any,
    counts: dict[tuple[str, str], Any],
) -> Iterator[TallyRow]:
    """Rows for each (measure, key) aggregate of `counts` over `qs`: one GROUP BY street and
    department (the departments' shares), one GROUP BY street (the district)."""
    qs = qs.order_by().annotate(_street=Coalesce(F(street), Value("")), _dept=department)
    names = {f"c{i}": mk for i, mk in enumerate(counts)}
    aggregates = {name: counts[mk] for name, mk in names.items()}
    for fields in (("_street", "_dept"), ("_street",)):
        for row in qs.values(*fields).annotate(**aggregates):
            dept = row.get("_dept")
            if len(fields) == 2 and dept is None:
                continue  # no department to credit (no bureau row): the district row has it
            for name, (measure, key) in names.items():
                value = int(row[name] or 0)
                if value:
                    yield (measure, row["_street"], dept, key, value)


def _decisions(first: dt.date, last: dt.date) -> Iterator[TallyRow]:
    qs = PenaltyDecision.objects.filter(figures.decisions_q(first, last))
    counts = {
        (code, ""): Count("pk", filter=Q(leniency=value)) for code, value in LENIENCY_CODES.items()
    }
    yield from _grouped(
        qs, street="enterprise__division", department=F("department_id"), counts=counts
    )


def _letters_rows(first: dt.date, last: dt.date) -> Iterator[TallyRow]:
    qs = SoftAction.objects.filter(figures.letters_q(first, last))
    counts = {
        (code, ""): Count("pk", filter=Q(instrument=value)) for code, value in LETTER_CODES.items()
    }
    yield from _grouped(
        qs, street="enterprise__division", department=F("department_id"), counts=counts
    )


def _interviews(first: dt.date, last: dt.date) -> Iterator[TallyRow]:
    qs = Interview.objects.filter(figures.interviews_q(first, last))
    yield from _grouped(
        qs,
        street="action__enterprise__division",
        department=F("action__department_id"),
        counts={("interviews", ""): Count("action__enterprise", distinct=True)},
    )


def _repair_department(bureau: int | None) -> Any:
    """The department a repair application counts for: of the decision it repairs, of the
    directory case or serious listing whose record it repairs, else the bureau."""
    case = DirectoryCase.objects.filter(listing_record=OuterRef("record_id")).values(
        "department_id"
    )[:1]
    serious = SeriousListing.objects.filter(listing_record=OuterRef("record_id")).values(
        "department_id"
    )[:1]
    return Coalesce(
        F("penalty__department_id"),
        Subquery(case, output_field=IntegerField()),
        Subquery(serious, output_field=IntegerField()),
        Value(bureau, output_field=IntegerField()),
        output_field=IntegerField(),
    )


def _penalty_repairs(first: dt.date, last: dt.date, bureau: int | None) -> Iterator[TallyRow]:
    qs = RepairApplication.objects.filter(figures.penalty_repairs_q(first, last))
    yield from _grouped(
        qs,
        street="enterprise__division",
        department=Coalesce(
            F("penalty__department_id"),
            Value(bureau, output_field=IntegerField()),
            output_field=IntegerField(),
        ),
        counts={("penalty_repairs", ""): Count("enterprise", distinct=True)},
    )


def _ledger(first: dt.date, last: dt.date, bureau: int | None) -> Iterator[TallyRow]:
    """Expired terms and self-corrections: facts of the ledger, each credited as
    `seed_figures` does."""
    from annual_reports.models import CorrectionInvitation

    decided = PenaltyDecision.objects.filter(credit_record_id=OuterRef("closes_id")).values(
        "department_id"
    )[:1]
    # The inviting department while it supervises the entity (jurisdiction first,
    # `figures.self_corrections_counted_for_q`); else the bureau.
    invited = CorrectionInvitation.objects.filter(
        pk=Cast(KeyTextTransform("invitation", OuterRef("details")), IntegerField()),
        department_id=OuterRef("enterprise__department_id"),
    ).values("department_id")[:1]
    bureau_value = Value(bureau, output_field=IntegerField())
    expired = CreditRecord.objects.filter(figures.expired_terms_q(first, last))
    yield from _grouped(
        expired,
        street="enterprise__division",
        department=Coalesce(
            Subquery(decided, output_field=IntegerField()),
            bureau_value,
            output_field=IntegerField(),
        ),
        counts={("expired_terms", ""): Count("pk")},
    )
    corrections = CreditRecord.objects.filter(figures.self_corrections_q(first, last))
    yield from _grouped(
        corrections,
        street="enterprise__division",
        department=Coalesce(
            Subquery(invited, output_field=IntegerField()),
            bureau_value,
            output_field=IntegerField(),
        ),
        counts={("self_corrections", ""): Count("pk")},
    )


def _directory_rows(first: dt.date, last: dt.date) -> Iterator[TallyRow]:
    """The buffer (figures and funnel) and the individual businesses restored: one query pair
    over the reason-1 cases, `seed_figures`' filters (`remediation.selectors.figures`)."""
    deferred = figures.listings_deferred_q(first, last)

    def distinct(condition: Q) -> Count:
        return Count("enterprise", distinct=True, filter=condition)

    counts = {
        ("listings_deferred", ""): distinct(deferred),
        ("filed_within_buffer", ""): distinct(figures.filed_within_buffer_q(first, last)),
        ("buffer_funnel", ""): distinct(deferred),
        **{
            ("buffer_funnel", key): distinct(deferred & figures.buffer_outcome_q(key))
            for key in figures.BUFFER_OUTCOMES
        },
        ("ib_restored", ""): distinct(figures.ib_restored_q(first, last)),
    }
    qs = DirectoryCase.objects.filter(reason=DirectoryCase.Reason.LATE_REPORT)
    yield from _grouped(
        qs, street="enterprise__division", department=F("department_id"), counts=counts
    )


def _helped(first: dt.date, last: dt.date, bureau: int | None) -> Iterator[TallyRow]:
    """`enterprises_helped`: distinct enterprises over the union of cured removals and
    approved repairs of the year (module docstring); one UNION query grouped twice."""
    removals = DirectoryCase.objects.filter(
        state=State.REMOVED, removed_on__range=(first, last)
    ).filter(Q(removal_code__in=dashboard_rules.CURED_REMOVALS) | Q(removal_record__kind=REPAIR))
    repairs = RepairApplication.objects.filter(
        status=RepairStatus.APPROVED, decided_on__range=(first, last)
    )
    removal_sql, removal_params = (
        removals.order_by().values("enterprise_id", "department_id").query.sql_with_params()
    )
    repair_sql, repair_params = (
        repairs.order_by()
        .annotate(_dept=_repair_department(bureau))
        .values("enterprise_id", "_dept")
        .query.sql_with_params()
    )
    enterprise = Enterprise._meta.db_table
    qn = connection.ops.quote_name
    sql_union = (
        f"SELECT x.e AS ent, x.d AS dept FROM ("  # noqa: S608 - quoted names and Django's SQL
        f"SELECT {qn('enterprise_id')} AS e, {qn('department_id')} AS d FROM ({removal_sql}) a "
        f"UNION SELECT {qn('enterprise_id')} AS e, {qn('_dept')} AS d FROM ({repair_sql}) b"
        f") x"
    )
    params = [*removal_params, *repair_params]
    join = f"FROM ({sql_union}) h JOIN {qn(enterprise)} e ON e.{qn('id')} = h.ent"
    division = f"COALESCE(e.{qn('division')}, '')"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {division}, h.dept, COUNT(DISTINCT h.ent) {join} "
            f"WHERE h.dept IS NOT NULL GROUP BY {division}, h.dept",
            params,
        )
        for street, dept, n in cursor.fetchall():
            yield ("enterprises_helped", street, dept, "", int(n))
        cursor.execute(
            f"SELECT {division}, COUNT(DISTINCT h.ent) {join} GROUP BY {division}",
            params,
        )
        for street, n in cursor.fetchall():
            yield ("enterprises_helped", street, None, "", int(n))


def _with_district(
    rows: dict[tuple[str, str, int | None, str], int],
) -> Iterator[TallyRow]:
    """Department rows of a measure in cases (件), and the district rows as their sum (cases
    are counted once, by one department: the sum is the district figure). Rows without a
    department count for the district only."""
    district: dict[tuple[str, str, str], int] = defaultdict(int)
    for (measure, street, dept, key), value in rows.items():
        district[(measure, street, key)] += value
        if dept is not None and value:
            yield (measure, street, dept, key, value)
    for (measure, street, key), value in district.items():
        if value:
            yield (measure, street, None, key, value)


def _repairs_rows(first: dt.date, last: dt.date, bureau: int | None) -> Iterator[TallyRow]:
    """`repair_outcomes` (applications submitted in the year, by status) and
    `repair_decision_time` (decided in the year, by working days from submission)."""
    department = _repair_department(bureau)
    submitted = RepairApplication.objects.annotate(_day=TruncDate("submitted_at")).filter(
        _day__range=(first, last)
    )
    outcome = {
        "approved": Q(status=RepairStatus.APPROVED),
        "refused": Q(status=RepairStatus.REFUSED),
        "not_accepted": Q(status=RepairStatus.NOT_ACCEPTED),
        "withdrawn": Q(status=RepairStatus.WITHDRAWN),
        "pending": Q(status__in=[RepairStatus.SUBMITTED, RepairStatus.ACCEPTED]),
    }
    counts: dict[tuple[str, str], Any] = {("repair_outcomes", ""): Count("pk")}
    counts.update({("repair_outcomes", k): Count("pk", filter=q) for k, q in outcome.items()})
    yield from _grouped(
        submitted, street="enterprise__division", department=department, counts=counts
    )

    decided = (
        RepairApplication.objects.filter(
            status__in=[RepairStatus.APPROVED, RepairStatus.REFUSED],
            decided_on__range=(first, last),
        )
        .order_by()
        .annotate(
            _street=Coalesce(F("enterprise__division"), Value("")),
            _dept=department,
            _day=TruncDate("submitted_at"),
        )
        .values("_street", "_dept", "_day", "decided_on")
        .annotate(n=Count("pk"))
    )
    cells: dict[tuple[str, str, int | None, str], int] = defaultdict(int)
    for group in decided:  # one per (street, department, day submitted, day decided)
        days = max(0, working_days_between(group["_day"], group["decided_on"]))
        key = next(
            k for k, limit in dashboard_rules.DECISION_BUCKETS if limit is None or days <= limit
        )
        for k in ("", key):
            cells[("repair_decision_time", group["_street"], group["_dept"], k)] += group["n"]
    yield from _with_district(cells)


def _publication(first: dt.date, last: dt.date, on: dt.date) -> Iterator[TallyRow]:
    from remediation.selectors.penalties import publication_deadline_q

    # The decisions the list `?publication=deadline&year=` shows (one rule, one place).
    qs = PenaltyDecision.objects.filter(publication_deadline_q(), decided_on__range=(first, last))
    unpublished = Q(published_on__isnull=True, status=PenaltyDecision.Status.RECORDED)
    keys = {
        "met": Q(published_on__lte=F("publication_due")),
        "missed": Q(published_on__gt=F("publication_due")),
        "overdue": unpublished & Q(publication_due__lt=on),
        "open": unpublished & Q(publication_due__gte=on),
    }
    counts: dict[tuple[str, str], Any] = {
        ("publication_deadline", k): Count("pk", filter=q) for k, q in keys.items()
    }
    counts[("publication_deadline", "")] = Count("pk")
    yield from _grouped(
        qs, street="enterprise__division", department=F("department_id"), counts=counts
    )


def _removals(first: dt.date, last: dt.date, on: dt.date) -> Iterator[TallyRow]:
    n = int(
        str(
            remediation_rules.directory_setting(
                "REMOVAL_WORKING_DAYS", remediation_rules.REMOVAL_WORKING_DAYS
            )
        )
    )
    groups = (
        DirectoryCase.objects.filter(cured_listings_q(first, last))
        .order_by()
        .annotate(_street=Coalesce(F("enterprise__division"), Value("")))
        .values("_street", "department_id", "state", "cured_on", "removed_on")
        .annotate(n=Count("pk"))
    )
    due_of: dict[dt.date, dt.date] = {}
    cells: dict[tuple[str, str, int | None, str], int] = defaultdict(int)
    for group in groups:  # one per (street, department, state, day cured, day removed)
        cured = group["cured_on"]
        due = due_of.get(cured) or due_of.setdefault(cured, add_working_days(cured, n))
        removed = group["removed_on"]
        if group["state"] == State.REMOVED and removed is not None:
            key = "met" if removed <= due else "missed"
        elif group["state"] == State.REMOVED:
            continue
        else:
            key = "overdue" if due < on else "open"
        for k in ("", key):
            cells[("removal_deadline", group["_street"], group["department_id"], k)] += group["n"]
    yield from _with_district(cells)


def rows(
    *, year: int, first: dt.date, last: dt.date, on: dt.date | None = None, **_: Any
) -> Iterable[TallyRow]:
    """Every measure of this module for `year` (`first`..`last`), as of `on` (default the last
    day of the year) for what is overdue."""
    on = on or last
    bureau = _bureau_id()
    yield from _decisions(first, last)
    yield from _letters_rows(first, last)
    yield from _interviews(first, last)
    yield from _penalty_repairs(first, last, bureau)
    yield from _ledger(first, last, bureau)
    yield from _directory_rows(first, last)
    yield from _helped(first, last, bureau)
    yield from _repairs_rows(first, last, bureau)
    yield from _publication(first, last, on)
    yield from _removals(first, last, on)
