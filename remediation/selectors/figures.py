"""The seed's figures from data: what the bureau reports for a year, in the seed's units
(docs/domain.md Appendix A, §10 "Units of the seed's figures"), for a year and the reader's
jurisdiction.

What is counted, and from what
- decisions by leniency, in cases (件): recorded penalty decisions (`PenaltyDecision`, status
  recorded) decided in the year, by leniency: 从轻 lighter, 减轻 mitigated, 免予处罚 exempted,
  首违不罚 first violation (the seed's four), and standard beside them. A withdrawn decision is
  not counted (changed, revoked or void: it no longer stands; a changed decision is counted by
  the decision that replaces it); a draft is not a decision (§6).
- letters by instrument, in letters (份): served soft-enforcement documents
  (`SoftAction.served_on` in the year): 行政建议书 suggestions, 警示告诫书 admonitions, and the
  early-warning prompts 行政提示书 (no seed figure) (§9).
- interviews, in enterprises (户): the distinct market entities interviewed (约谈提醒) in the
  year (`Interview.held_on`) (§9).
- penalty repairs, in enterprises (户): the distinct market entities whose penalty information
  was taken off publicity early, i.e. approved repair applications of kind
  `penalty_publicity` decided in the year (§5 "What counts as repair").
- expired terms, in cases (件), counted apart: the `publicity_expired` facts of the year, the
  terms that ran out by themselves. They are not repairs and never counted as such (§5, §10).
- listings deferred, in enterprises (户): the distinct market entities whose late-report case
  (`DirectoryCase`, reason 1) entered the punishment buffer in the year (a deferral recorded,
  found in the year), whatever became of it (§3 "Deferred listing").
- filed within the buffer, in enterprises (户): of those, the cases closed without listing
  because the report was filed by the buffer deadline (state closed without listing, with the
  day cured); not a case still pending, nor one closed because the entity ceased (§3, §4).
- individual businesses restored, in enterprises (户): the distinct individual businesses
  whose reason-1 mark was lifted in the year by an `abnormal_removal` with code 1 (the
  missing report filed: restored by themselves, §3, §4); not a mark lifted by a repair
  application, nor by a change of premises (reason 4), nor a mark lifted in another year.
- self-corrections, in entity-times (户次): the `self_correction` facts of the year, one per
  correction (an annual report corrected after a spot check's invitation, an immediate
  disclosure corrected) (§3, §10).

Jurisdiction (`departments_of_jurisdiction`): bureau staff (and superusers) count the whole
district, every department's cases; a partner department's staff count their own department's
cases: the decisions it took, the documents it issued. Repairs are decided by the authority
that decided the record (谁认定、谁修复, §5): a repair counts for the department of the decision
it repairs, one without a decision file for the bureau; so does an expired term. A directory
case counts for the department that decided it (the deadline run's: the bureau); a
self-correction for the department that invited it (`CorrectionInvitation.department`, its
fact's details["invitation"]) while it supervises the entity, one without an invitation (or
of an entity given to another department since) for the bureau. Anyone else counts nothing.
The page that shows the figures checks its permission.

Cost: six aggregate queries, whatever the data size (each an index range on its date; the
expired terms and the self-corrections share one over the ledger).

Each figure's filter is a public Q builder here (`decisions_q`, `letters_q`, `interviews_q`,
`penalty_repairs_q`, `expired_terms_q`, `self_corrections_q`, `listings_deferred_q`,
`filed_within_buffer_q`, `ib_restored_q`, `buffer_outcome_q`): `seed_figures` counts them for
one reader, `dashboard.measures.remediation` counts the same ones grouped by street and
department, and the lists a dashboard figure opens filter with them, so a rule changes in one
place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from credit_portal.models import Department, User
from credit_portal.selectors import bureau_profiles, departments_of_jurisdiction
from enterprises.models import CreditRecord
from remediation.kinds import ABNORMAL_REMOVAL, PUBLICITY_EXPIRED, SELF_CORRECTION
from remediation.models import (
    DirectoryCase,
    Interview,
    PenaltyDecision,
    RepairApplication,
    SoftAction,
)

Leniency = PenaltyDecision.Leniency
Instrument = SoftAction.Instrument

# The seed's units (docs/domain.md Appendix A, §10).
CASES, LETTERS, ENTERPRISES = "件", "份", "户"
ENTITY_TIMES = "户次"  # self-corrections: each correction counts (docs/domain.md §10)
UNIT_LABELS: dict[str, Promise] = {
    CASES: _("cases"),
    LETTERS: _("letters"),
    ENTERPRISES: _("enterprises"),
    ENTITY_TIMES: _("entity-times"),
}


@dataclass(frozen=True)
class Figure:
    """One figure as a report prints it: what it counts, how many, in which unit."""

    code: str
    label: Promise
    value: int
    unit: str  # the seed's unit: 件, 份 or 户
    section: str  # of docs/domain.md

    @property
    def unit_label(self) -> Promise:
        return UNIT_LABELS[self.unit]


@dataclass(frozen=True)
class SeedFigures:
    """The year's figures for one reader's jurisdiction (the module docstring says what each
    counts). `rows()` lists them in the seed's order with their units."""

    year: int
    lighter: int
    mitigated: int
    exempted: int
    first_violation: int
    standard: int
    suggestions: int
    admonitions: int
    prompts: int
    interviews: int
    penalty_repairs: int
    expired_terms: int
    listings_deferred: int
    filed_within_buffer: int
    self_corrections: int
    ib_restored: int

    def rows(self) -> list[Figure]:
        return [
            Figure(code, label, getattr(self, code), unit, section)
            for code, label, unit, section in _ROWS
        ]


# The figures in the seed's order: (SeedFigures field, label, unit, docs/domain.md §).
_ROWS: list[tuple[str, Promise, str, str]] = [
    ("suggestions", _("Administrative suggestions (行政建议书)"), LETTERS, "§9"),
    ("admonitions", _("Admonition letters (警示告诫书)"), LETTERS, "§9"),
    ("prompts", _("Early-warning prompts (行政提示书)"), LETTERS, "§9"),
    ("interviews", _("Enterprises interviewed (约谈提醒)"), ENTERPRISES, "§9"),
    ("lighter", _("Lighter penalties (从轻)"), CASES, "§6"),
    ("mitigated", _("Mitigated penalties (减轻)"), CASES, "§6"),
    ("exempted", _("Exempted from penalty (免予处罚)"), CASES, "§6"),
    ("first_violation", _("First violations not penalised (首违不罚)"), CASES, "§6"),
    ("standard", _("Other penalty decisions"), CASES, "§6"),
    ("penalty_repairs", _("Penalty information repaired early (提前停止公示)"), ENTERPRISES, "§5"),
    ("listings_deferred", _("Listings deferred: punishment buffer (暂缓列入)"), ENTERPRISES, "§3"),
    ("filed_within_buffer", _("Of those, filed within the buffer"), ENTERPRISES, "§3"),
    ("self_corrections", _("Self-corrections (信息自我纠错)"), ENTITY_TIMES, "§10"),
    (
        "ib_restored",
        _("Individual businesses restored after filing (恢复正常记载状态)"),
        ENTERPRISES,
        "§3",
    ),
    (
        "expired_terms",
        _("Publicity terms ended by themselves (届满停止公示; not repairs)"),
        CASES,
        "§10",
    ),
]


def _year(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _scope(user: User) -> tuple[bool, QuerySet[Department]]:
    """(whole district, the departments whose cases count)."""
    if not user.is_authenticated:
        return False, Department.objects.none()
    whole = user.is_superuser or bureau_profiles(user=user).exists()
    return whole, departments_of_jurisdiction(user=user)


def _attributed(departments: QuerySet[Department], decision_of: str) -> Q:
    """A repair or an expired term counts for the department of the decision it concerns
    (`decision_of`: the lookup of that decision's department), or for the bureau when the
    record has no decision file."""
    bureau = Exists(departments.filter(is_bureau=True))
    return Q(**{f"{decision_of}__in": departments.values("pk")}) | (
        Q(**{f"{decision_of}__isnull": True}) & Q(bureau)
    )


# -- The figures' filters, one per figure (shared with `dashboard.measures.remediation`, which
# counts the same filters grouped by street and department, and with the lists a dashboard
# figure opens): a rule changes here, in one place. Each takes the year's first and last day.


def decisions_q(first: dt.date, last: dt.date, leniency: str = "") -> Q:
    """`PenaltyDecision`: recorded decisions decided in the year (of one leniency if given);
    a withdrawn decision or a draft is not counted (§6)."""
    q = Q(status=PenaltyDecision.Status.RECORDED, decided_on__range=(first, last))
    return q & Q(leniency=leniency) if leniency else q


def letters_q(first: dt.date, last: dt.date, instrument: str = "") -> Q:
    """`SoftAction`: documents served in the year (of one instrument if given) (§9)."""
    q = Q(served_on__range=(first, last))
    return q & Q(instrument=instrument) if instrument else q


def interviews_q(first: dt.date, last: dt.date) -> Q:
    """`Interview`: interviews held in the year with a market entity (counted as distinct
    `action__enterprise`) (§9)."""
    return Q(held_on__range=(first, last), action__enterprise__isnull=False)


def penalty_repairs_q(first: dt.date, last: dt.date) -> Q:
    """`RepairApplication`: approved early stops of a penalty's publicity decided in the year
    (counted as distinct `enterprise`) (§5)."""
    return Q(
        kind=RepairApplication.Kind.PENALTY_PUBLICITY,
        status=RepairApplication.Status.APPROVED,
        decided_on__range=(first, last),
    )


def expired_terms_q(first: dt.date, last: dt.date) -> Q:
    """`CreditRecord`: the `publicity_expired` facts of the year (not repairs) (§5, §10)."""
    return Q(kind=PUBLICITY_EXPIRED, occurred_on__range=(first, last))


def self_corrections_q(first: dt.date, last: dt.date) -> Q:
    """`CreditRecord`: the `self_correction` facts of the year, one per correction (§3, §10)."""
    return Q(kind=SELF_CORRECTION, occurred_on__range=(first, last))


def buffer_entered_q() -> Q:
    """`DirectoryCase`: late-report cases (reason 1) that entered the punishment buffer (a
    deferral recorded), in any year, whatever became of them (§3)."""
    return Q(reason=DirectoryCase.Reason.LATE_REPORT, deferral_record__isnull=False)


def listings_deferred_q(first: dt.date, last: dt.date) -> Q:
    """`DirectoryCase`: late-report cases (reason 1) that entered the punishment buffer in the
    year (a deferral recorded, found in the year), whatever became of them (counted as
    distinct `enterprise`) (§3)."""
    return buffer_entered_q() & Q(detected_on__range=(first, last))


# What became of a case that entered the buffer (the dashboard's buffer funnel; the directory
# list's "buffer" filter): a condition on `DirectoryCase` added to `listings_deferred_q` (or,
# without a year, to `buffer_entered_q`).
BUFFER_OUTCOMES: dict[str, Q] = {
    "filed_in_time": Q(state=DirectoryCase.State.CLOSED_NO_LISTING, cured_on__isnull=False),
    "listed": Q(listed_on__isnull=False),
    "pending": Q(state=DirectoryCase.State.PENDING),
    "closed_other": Q(state=DirectoryCase.State.CLOSED_NO_LISTING, cured_on__isnull=True),
}


def buffer_outcome_q(outcome: str) -> Q:
    """`DirectoryCase`: of the cases in the buffer, those with `outcome` (`BUFFER_OUTCOMES`)."""
    return BUFFER_OUTCOMES[outcome]


def filed_within_buffer_q(first: dt.date, last: dt.date) -> Q:
    """`DirectoryCase`: of the deferred, those closed without listing because the report was
    filed by the buffer deadline (not pending, not closed because the entity ceased) (§3, §4)."""
    return listings_deferred_q(first, last) & buffer_outcome_q("filed_in_time")


def ib_restored_q(first: dt.date, last: dt.date) -> Q:
    """`DirectoryCase`: individual businesses' reason-1 marks lifted in the year by an
    `abnormal_removal` with code 1 (the report filed), not by a repair application nor a
    change of premises (counted as distinct `enterprise`) (§3, §4)."""
    return Q(
        reason=DirectoryCase.Reason.LATE_REPORT,
        individual_business=True,
        state=DirectoryCase.State.REMOVED,
        removal_code=DirectoryCase.Removal.REPORTS_FILED,
        removed_on__range=(first, last),
        removal_record__kind=ABNORMAL_REMOVAL,
    )


LENIENCY_FIGURES: dict[str, str] = {
    "lighter": Leniency.LIGHTER,
    "mitigated": Leniency.MITIGATED,
    "exempted": Leniency.EXEMPT,
    "first_violation": Leniency.FIRST_VIOLATION,
    "standard": Leniency.STANDARD,
}
LETTER_FIGURES: dict[str, str] = {
    "suggestions": Instrument.SUGGESTION,
    "admonitions": Instrument.ADMONITION,
    "prompts": Instrument.PROMPT,
}


def seed_figures(*, year: int, user: User) -> SeedFigures:
    """The seed's figures of `year` for what `user` may count (the module docstring)."""
    first, last = _year(year)
    whole, departments = _scope(user)
    mine = Q() if whole else Q(department__in=departments.values("pk"))

    decisions = PenaltyDecision.objects.filter(mine, decisions_q(first, last)).aggregate(
        **{code: Count("pk", filter=Q(leniency=value)) for code, value in LENIENCY_FIGURES.items()}
    )
    letters = SoftAction.objects.filter(mine, letters_q(first, last)).aggregate(
        **{code: Count("pk", filter=Q(instrument=value)) for code, value in LETTER_FIGURES.items()}
    )
    interviews = Interview.objects.filter(
        Q() if whole else Q(action__department__in=departments.values("pk")),
        interviews_q(first, last),
    ).aggregate(n=Count("action__enterprise", distinct=True))["n"]
    repairs = RepairApplication.objects.filter(
        Q() if whole else _attributed(departments, "penalty__department"),
        penalty_repairs_q(first, last),
    ).aggregate(n=Count("enterprise", distinct=True))["n"]
    expired = expired_terms_q(first, last)
    corrections = self_corrections_q(first, last)
    if not whole:
        decided = PenaltyDecision.objects.filter(credit_record_id=OuterRef("closes_id"))
        expired &= Exists(decided.filter(department__in=departments.values("pk"))) | (
            ~Exists(decided) & Exists(departments.filter(is_bureau=True))
        )
        corrections &= self_corrections_counted_for_q(departments)
    ledger = CreditRecord.objects.filter(
        kind__in=[PUBLICITY_EXPIRED, SELF_CORRECTION], occurred_on__range=(first, last)
    ).aggregate(
        expired=Count("pk", filter=expired), self_corrections=Count("pk", filter=corrections)
    )
    directory = _directory_figures(first, last, mine)
    return SeedFigures(
        year=year,
        **{code: int(decisions[code] or 0) for code in LENIENCY_FIGURES},
        **{code: int(letters[code] or 0) for code in LETTER_FIGURES},
        interviews=interviews or 0,
        penalty_repairs=repairs or 0,
        expired_terms=ledger["expired"],
        self_corrections=ledger["self_corrections"],
        **directory,
    )


def self_corrections_counted_for_q(departments: QuerySet[Department]) -> Q:
    """`CreditRecord`: the self-corrections counted for `departments`: a self-correction counts
    for the department that invited it (its fact's details["invitation"]), one without an
    invitation (a disclosure corrected) for the bureau; jurisdiction first: only for an entity
    one of `departments` supervises now (an entity given to another department since the
    invitation counts for the district only, as its list shows it to the bureau only). The
    self-corrections page's "counted for my department" filter uses it too."""
    from annual_reports.models import CorrectionInvitation

    invitation = CorrectionInvitation.objects.filter(
        pk=Cast(KeyTextTransform("invitation", OuterRef("details")), IntegerField())
    )
    supervised = Q(enterprise__department__in=departments.values("pk"))
    return supervised & (
        Exists(invitation.filter(department__in=departments.values("pk")))
        | (~Exists(invitation) & Exists(departments.filter(is_bureau=True)))
    )


def _directory_figures(first: dt.date, last: dt.date, mine: Q) -> dict[str, int]:
    """The punishment buffer's and the individual businesses' restorations of the year, in
    enterprises (the module docstring), over the cases of the reader's departments: one
    aggregate query."""
    counts = DirectoryCase.objects.filter(mine, reason=DirectoryCase.Reason.LATE_REPORT).aggregate(
        listings_deferred=Count(
            "enterprise", distinct=True, filter=listings_deferred_q(first, last)
        ),
        filed_within_buffer=Count(
            "enterprise", distinct=True, filter=filed_within_buffer_q(first, last)
        ),
        ib_restored=Count("enterprise", distinct=True, filter=ib_restored_q(first, last)),
    )
    return {key: int(value or 0) for key, value in counts.items()}
