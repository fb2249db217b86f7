"""The policy boost (issue 18 §3): which measures of the catalogue an enterprise qualifies for,
each condition matched against its own facts (`station.rules`), qualifying ones first, then the
ones it almost meets with what is missing.

The facts are read once per enterprise (`EnterpriseFacts`: the register row, the state of its
ledger as `enterprises.selectors.accounts.enterprise_overview` folds it, its annual-report
records); matching is pure Python over them, so the page costs the same whatever the catalogue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from annual_reports import rules as report_rules
from enterprises.industries import DIVISIONS, SECTIONS
from enterprises.kinds import Section, kind_codes
from enterprises.models import CreditRecord, Enterprise
from enterprises.selectors.accounts import Overview, enterprise_overview
from enterprises.selectors.letters import LetterStatus
from remediation import rules as remediation_rules
from risk.explain import age_years
from station.models import PolicyMeasure
from station.rules import (
    ACTIONABLE,
    ALMOST_MISSING_MAX,
    CONDITION_TYPES,
    UNKNOWN_CONDITION,
    allowed_codes,
    conditions_problems,
)

Status = Enterprise.Status


@dataclass(frozen=True)
class EnterpriseFacts:
    """What the conditions read of one enterprise on a day."""

    entity_type: str
    industry_section: str
    industry_division: str
    street: str
    registered_on: dt.date
    age_years: int
    capital: Decimal | None
    status: str
    abnormal_since: dt.date | None
    serious_since: dt.date | None
    penalty_public_until: list[dt.date | None]  # one per penalty in publicity (None: no end)
    report_year: int  # the year whose report is asked ("last year")
    report_due: bool  # whether the entity must file that report at all
    report_filed_on: dt.date | None
    report_deadline: dt.date
    overdue_letters: list[Any]  # LetterView
    on: dt.date | None = None  # the day the facts are read for
    # Why that report is not due (`annual_reports.rules.report_due`); "" when it is due.
    report_not_due_why: str = ""
    # How each abnormal listing in force is ended (`listing_cure`): FILE_TO_REMOVE, FILE_THEN_APPLY
    # or APPLY_FOR_REMOVAL, one per listing.
    abnormal_cures: tuple[str, ...] = ()


# How an abnormal listing in force ends (docs/domain.md §3 "Cure").
FILE_TO_REMOVE = "file"  # reason 1, removed once the missing report is filed: no application
FILE_THEN_APPLY = "file_then_apply"  # reason 1, AUTO_REMOVAL off: file, then apply for removal
APPLY_FOR_REMOVAL = "apply"  # other causes: cure the cause and apply for removal


def abnormal_reason(record: CreditRecord) -> str:
    """The cause of an abnormal listing: "annual_report_overdue" (reason 1), "unreachable"
    (reason 4), or what the record says."""
    details = record.details or {}
    return {"1": "annual_report_overdue", "4": "unreachable"}.get(
        str(details.get("reason_code", "")), str(details.get("reason", ""))
    )


def listing_cure(record: CreditRecord, *, individual_business: bool) -> str:
    """How this abnormal listing ends (docs/domain.md §3 "Cure"; remediation's
    `directory_filings_apply`): a listing for a missing annual report (reason 1) of an individual
    business is lifted the day it files, an enterprise's is removed without an application once
    the missing report is filed while the bureau keeps AUTO_REMOVAL on (the default), else it
    is applied for; any other cause is cured and its removal applied for."""
    if abnormal_reason(record) != "annual_report_overdue":
        return APPLY_FOR_REMOVAL
    ib = individual_business or bool((record.details or {}).get("individual_business"))
    auto = remediation_rules.directory_setting("AUTO_REMOVAL", remediation_rules.AUTO_REMOVAL)
    return FILE_TO_REMOVE if ib or bool(auto) else FILE_THEN_APPLY


def file_to_remove_text() -> str:
    """The one sentence the station says of a listing that filing removes ("What weighs" and
    the policy boost's condition alike)."""
    return _("File the missing annual report: the listing is then removed — no application needed.")


def file_then_apply_text() -> str:
    """The one sentence of a listing for a missing report that is removed on application."""
    return _("File the missing annual report, then apply for removal of the listing.")


def report_year_asked(on: dt.date) -> int:
    """ "Last year's annual report": the year whose report is filed on `on`
    (`annual_reports.rules.reporting_year`; docs/domain.md §4)."""
    return report_rules.reporting_year(on)


def enterprise_facts(
    *, enterprise: Enterprise, on: dt.date, overview: Overview | None = None
) -> EnterpriseFacts:
    """The facts of `enterprise` on `on` (its overview, if the caller has it, saves a query)."""
    overview = overview or enterprise_overview(enterprise=enterprise, today=on)
    year = report_year_asked(on)
    filed = (
        CreditRecord.objects.filter(
            enterprise=enterprise,
            kind__in=kind_codes(section=Section.ANNUAL_REPORTS),
            occurred_on__lte=on,
        )
        .filter(Q(details__year=year) | Q(details__report_year=year))
        .order_by("occurred_on")
        .values_list("occurred_on", flat=True)
        .first()
    )
    # Who must report and by when: the annual-report rules themselves (docs/domain.md §4), so
    # that the station and the letter of good standing say the same of the same firm.
    due, not_due_why = report_rules.report_due(enterprise, year)
    return EnterpriseFacts(
        entity_type=enterprise.entity_type,
        industry_section=enterprise.industry_section,
        industry_division=enterprise.industry_division,
        street=enterprise.division,
        registered_on=enterprise.registered_on,
        age_years=age_years(enterprise.registered_on, on),
        capital=enterprise.registered_capital,
        status=enterprise.status,
        abnormal_since=min((r.occurred_on for r in overview.abnormal), default=None),
        serious_since=min((r.occurred_on for r in overview.serious), default=None),
        penalty_public_until=[v.record.publicity_end for v in overview.penalties],
        report_year=year,
        report_due=due,
        report_filed_on=filed,
        report_deadline=report_rules.report_deadline(year),
        overdue_letters=[v for v in overview.letters if v.status == LetterStatus.OVERDUE],
        on=on,
        report_not_due_why=not_due_why,
        abnormal_cures=tuple(
            listing_cure(
                r,
                individual_business=(
                    enterprise.entity_type == Enterprise.EntityType.INDIVIDUAL_BUSINESS
                ),
            )
            for r in overview.abnormal
        ),
    )


@dataclass(frozen=True)
class ConditionResult:
    code: str
    label: str
    met: bool
    why: str


@dataclass
class Match:
    measure: PolicyMeasure
    met: bool
    conditions: list[ConditionResult] = field(default_factory=list)

    @property
    def missing(self) -> list[ConditionResult]:
        return [c for c in self.conditions if not c.met]

    @property
    def met_conditions(self) -> list[ConditionResult]:
        return [c for c in self.conditions if c.met]

    @property
    def almost(self) -> bool:
        missing = self.missing
        return (
            not self.met
            and len(missing) <= ALMOST_MISSING_MAX
            and all(c.code in ACTIONABLE for c in missing)
        )


def _names(code: str, values: list[str]) -> str:
    allowed = allowed_codes(code)
    if code == "industry_sections":
        return "、".join(f"{v} {_section(v)}" for v in values)
    if code == "industry_divisions":
        return "、".join(f"{v} {_division(v)}" for v in values)
    return "、".join(allowed.get(v, v) for v in values)


def _section(code: str) -> str:
    from django.utils.translation import get_language

    names = SECTIONS.get(code)
    if not names:
        return code
    return names[0] if (get_language() or "zh").startswith("zh") else names[1]


def _division(code: str) -> str:
    from django.utils.translation import get_language

    names = DIVISIONS.get(code)
    if not names:
        return code
    return names[1] if (get_language() or "zh").startswith("zh") else names[2]


def _d(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _listing_why(facts: EnterpriseFacts) -> str:
    """What ends the listings in force, in the words of "What weighs" (`file_to_remove_text`):
    filing the missing report where that removes the listing, an application otherwise."""
    day = {"day": _d(facts.abnormal_since)}
    cures = set(facts.abnormal_cures)
    if cures == {FILE_TO_REMOVE}:
        return (
            _("Listed since %(day)s for a missing annual report.") % day
            + " "
            + file_to_remove_text()
        )
    if cures == {FILE_THEN_APPLY}:
        return (
            _("Listed since %(day)s for a missing annual report.") % day
            + " "
            + file_then_apply_text()
        )
    if FILE_TO_REMOVE in cures or FILE_THEN_APPLY in cures:
        return (
            _("Listed since %(day)s.") % day
            + " "
            + (file_to_remove_text() if FILE_TO_REMOVE in cures else file_then_apply_text())
            + " "
            + _("For the other listings, cure the cause and apply for removal.")
        )
    return _("Listed since %(day)s: cure the cause and apply for removal.") % day


def condition_check(condition: dict[str, Any], facts: EnterpriseFacts) -> ConditionResult:
    """One condition against the facts: (label, met, why in a sentence)."""
    code = str(condition["type"])
    value: Any = condition.get("value")
    kind = CONDITION_TYPES[code]
    label = str(kind.label)
    met: bool
    if code in ("entity_types", "industry_sections", "industry_divisions"):
        own = {
            "entity_types": facts.entity_type,
            "industry_sections": facts.industry_section,
            "industry_divisions": facts.industry_division,
        }[code]
        met = own in value
        label = f"{label}: {_names(code, value)}"
        why = _("Yours: %(own)s.") % {"own": _names(code, [own])}
    elif code == "streets":
        met = facts.street in value
        label = f"{label}: {'、'.join(value)}"
        why = _("Registered in %(street)s.") % {"street": facts.street or "—"}
    elif code in ("registered_years_at_least", "registered_years_at_most"):
        n = int(value)
        met = facts.age_years >= n if code.endswith("least") else facts.age_years <= n
        label = (
            _("Registered at least %(n)d years ago") % {"n": n}
            if code.endswith("least")
            else _("Registered at most %(n)d years ago") % {"n": n}
        )
        why = _("Registered on %(day)s: %(years)d full years.") % {
            "day": _d(facts.registered_on),
            "years": facts.age_years,
        }
        if not met and code.endswith("least"):
            from credit_portal.dates import add_years

            why += " " + _("Met from %(day)s.") % {"day": _d(add_years(facts.registered_on, n))}
    elif code in ("capital_at_most", "capital_at_least"):
        limit = Decimal(str(value))
        label = (
            _("Registered capital at most %(n)s (CNY 10,000)")
            if code.endswith("most")
            else _("Registered capital at least %(n)s (CNY 10,000)")
        ) % {"n": format(limit.normalize(), "f")}
        if facts.capital is None:
            met = False
            why = _("No registered capital in the register.")
        else:
            met = facts.capital <= limit if code.endswith("most") else facts.capital >= limit
            why = _("Yours: %(n)s (CNY 10,000).") % {"n": format(facts.capital.normalize(), "f")}
    elif code == "operating":
        met = facts.status == Status.OPERATING
        why = _("Status: %(status)s.") % {"status": Status(facts.status).label}
    elif code == "no_abnormal_listing":
        met = facts.abnormal_since is None
        why = _("No listing in force.") if met else _listing_why(facts)
    elif code == "not_on_serious_list":
        met = facts.serious_since is None
        why = (
            _("Not listed.")
            if met
            else _("Listed since %(day)s.") % {"day": _d(facts.serious_since)}
        )
    elif code == "no_penalty_in_publicity":
        met = not facts.penalty_public_until
        if met:
            why = _("No penalty in publicity.")
        else:
            ends = [d for d in facts.penalty_public_until if d is not None]
            why = _("%(n)d penalty in publicity.") % {"n": len(facts.penalty_public_until)}
            if ends and len(ends) == len(facts.penalty_public_until):
                why += " " + _("Publicity ends on %(day)s, or sooner by credit repair.") % {
                    "day": _d(max(ends))
                }
    elif code == "annual_report_filed":
        label = _("Filed the annual report for %(year)d") % {"year": facts.report_year}
        if not facts.report_due:
            met = True
            why = (
                _("Closed (deregistered, revoked or moved out) before the deadline: no report due.")
                if facts.report_not_due_why == report_rules.CLOSED_BEFORE_DEADLINE
                else _("Registered after that year: no report due.")
            )
        elif facts.report_filed_on is not None:
            met, why = True, _("Filed on %(day)s.") % {"day": _d(facts.report_filed_on)}
        else:
            met = False
            late = facts.on is not None and facts.on > facts.report_deadline
            why = (
                _("Not filed: it was due by %(day)s; file it now.")
                if late
                else _("Not filed yet: file it by %(day)s.")
            ) % {"day": _d(facts.report_deadline)}
    elif code == "no_overdue_letter":
        met = not facts.overdue_letters
        why = (
            _("Every letter answered in time or not yet due.")
            if met
            else _("%(n)d letter(s) past the reply date: answer them.")
            % {"n": len(facts.overdue_letters)}
        )
    else:  # pragma: no cover - `condition_result` sends only the whitelist's types here
        return unknown_condition()
    return ConditionResult(code=code, label=label, met=met, why=why)


def unknown_condition() -> ConditionResult:
    """A condition the portal no longer knows (`station.rules.UNKNOWN_CONDITION`): not met."""
    return ConditionResult(
        code=UNKNOWN_CONDITION,
        label=_("A condition the portal no longer knows"),
        met=False,
        why=_("This measure sets a condition the portal cannot check; ask the issuing department."),
    )


def condition_result(condition: Any, facts: EnterpriseFacts) -> ConditionResult:
    """One stored condition against the facts: checked when it is a condition of the whitelist
    with a value of the right shape (`station.rules.conditions_problems`), else not met
    (`unknown_condition`), whatever the catalogue holds since it was saved."""
    if not isinstance(condition, dict) or conditions_problems([condition]):
        return unknown_condition()
    try:
        return condition_check(condition, facts)
    except (KeyError, TypeError, ValueError, ArithmeticError):  # a shape the checks missed
        return unknown_condition()


def measures_in_force(*, on: dt.date) -> QuerySet[PolicyMeasure]:
    """The active measures whose validity holds `on`, by code."""
    return (
        PolicyMeasure.objects.filter(is_active=True, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .select_related("department")
        .order_by("code")
    )


def policy_matches(
    *, enterprise: Enterprise, on: dt.date, facts: EnterpriseFacts | None = None
) -> list[Match]:
    """Every measure in force on `on`, matched against the enterprise's facts: the ones it
    qualifies for first, then by how few conditions are missing (a condition that is not known
    to the whitelist any more, or whose value has the wrong shape, counts as missing and is
    not actionable: `condition_result`)."""
    facts = facts or enterprise_facts(enterprise=enterprise, on=on)
    matches = []
    for measure in measures_in_force(on=on):
        stored = measure.conditions if isinstance(measure.conditions, list) else [None]
        results = [condition_result(c, facts) for c in stored]
        matches.append(Match(measure=measure, met=all(r.met for r in results), conditions=results))
    matches.sort(key=lambda m: (not m.met, len(m.missing), m.measure.code))
    return matches
