"""The enforcement app's rules: periods, limits, thresholds and transitions, each with its source.

Services, selectors and pages read these names; no number below is written anywhere else.
Sources are stated in `docs/domain.md` (the section is given on each line), which also marks
how well each is verified. Values the bureau must confirm ([U], or local [S]) are settings
(`CREDIT_PORTAL[...]`), read through the functions below, with these constants as defaults.

Working-day periods are counted on the portal's calendar (`credit_portal.workdays`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

from django.conf import settings

from credit_portal.dates import add_months, add_years

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from credit_portal.workdays import Deadline
    from enterprises.models import CreditRecord, Enterprise
    from remediation.models import PenaltyDecision

# --- Penalty decisions and leniency (docs/domain.md §6, §10) ------------------------------
#
# Who owns what: `remediation.services.penalties` applies these; the pages show the same
# numbers (the range, the 从轻 band, the look-back) from here.

# 首违不罚: no violation of the same type by the same party in the 2 years before this
# violation's date, penalised or not (SAMR 国市监法〔2025〕10号; APL art. 33; §6, §10) [S].
FIRST_VIOLATION_LOOKBACK_YEARS = 2
# 从轻: the fine lies in the lowest 30 % of the statutory range, taken of the amount a multiple
# of a base yields (SAMR 国市监法规〔2022〕2号; §6, §10) [S].
LIGHTER_BAND_SHARE = Decimal("0.30")
# Limitation (APL art. 36; §6, §10) [V]: 2 years from the violation (from its last day if it
# continued) to its discovery; 5 where life, health or financial safety was touched and harm
# resulted; a special law may set another period (the violation type names it and its article).
LIMITATION_YEARS = 2
LIMITATION_YEARS_SAFETY = 5
LIMITATION_ARTICLE = "《中华人民共和国行政处罚法》第三十六条"

# The values of `PenaltyDecision.Leniency` and `.LeniencyGround` these rules speak of.
STANDARD, LIGHTER, MITIGATED, EXEMPT, FIRST_VIOLATION = (
    "standard",
    "lighter",
    "mitigated",
    "exempt",
    "first_violation",
)
NO_PENALTY_LENIENCIES = frozenset({EXEMPT, FIRST_VIOLATION})
# The grounds (APL arts. 32, 33; §6) each leniency may rest on.
_ART32 = frozenset(
    {"art32_harm_removed", "art32_coerced", "art32_confessed", "art32_meritorious", "art32_other"}
)
LENIENCY_GROUNDS: dict[str, frozenset[str]] = {
    LIGHTER: _ART32,
    MITIGATED: _ART32,
    EXEMPT: frozenset({"art33_minor", "art33_no_fault"}),
    FIRST_VIOLATION: frozenset({"art33_first"}),
}
# The article each leniency applies, as the decision document cites it (§6).
LENIENCY_ARTICLES = {
    LIGHTER: "《中华人民共和国行政处罚法》第三十二条",
    MITIGATED: "《中华人民共和国行政处罚法》第三十二条",
    EXEMPT: "《中华人民共和国行政处罚法》第三十三条第一款",
    FIRST_VIOLATION: "《中华人民共和国行政处罚法》第三十三条第一款",
}
NO_FAULT_ARTICLE = "《中华人民共和国行政处罚法》第三十三条第二款"
# Education whenever no penalty is imposed (APL art. 33 para 3; §6, §9).
EDUCATION_ARTICLE = "《中华人民共和国行政处罚法》第三十三条第三款"
# Remedies stated in every decision (行政复议法 art. 20: 60 days; 行政诉讼法 art. 46: 6 months).
RECONSIDERATION_DAYS = 60
LAWSUIT_MONTHS = 6
# A fine is paid within 15 days of receiving the decision (APL art. 67 para 3).
FINE_PAYMENT_DAYS = 15
# A fine not paid when due: a surcharge of 3 % of the fine per day, at most the fine itself
# (APL 2021 art. 72 para 1 item 1, "每日按罚款数额的百分之三加处罚款" [V]); the decision says so.
LATE_FINE_SURCHARGE_PERCENT = 3
LATE_FINE_ARTICLE = "《中华人民共和国行政处罚法》第七十二条"

# The values of `PenaltyMeasure.Kind` these rules speak of.
WARNING = "warning"
PUBLIC_CRITICISM = "public_criticism"
FINE = "fine"
BAN = "ban"
RESTRICT_BUSINESS = "restrict_business"
MEASURES_WITH_AMOUNT = frozenset({FINE})
# The penalties that last for a time (APL art. 9: 暂扣许可证件, 限制开展生产经营活动,
# 责令停产停业, 限制从业, and others a law creates): only these take a duration in months; a
# fine, a warning, a confiscation, a revocation or an order to close do not.
MEASURES_WITH_MONTHS = frozenset(
    {BAN, RESTRICT_BUSINESS, "licence_suspension", "stop_business", "other"}
)
# Of those, the ones whose duration the decision must state (a ban or restriction longer than
# 3 years is public for its length, Order 45 art. 13).
MEASURES_NEED_MONTHS = frozenset({BAN, RESTRICT_BUSINESS})

# The simple procedure (当场处罚, APL art. 51; docs/domain.md §6 "Related articles") [V]: a
# decision on the spot only for a warning, or for a fine of at most CNY 200 on a natural
# person (公民) or CNY 3,000 on an organisation (法人或者其他组织). Either one, not both
# together, and nothing else; an individual business is measured as a natural person, as for
# the lower-amount threshold (`party_nature`).
SIMPLE_PROCEDURE = "simple"
SIMPLE_PROCEDURE_MEASURES = frozenset({WARNING, FINE})
SIMPLE_PROCEDURE_MAX_FINE_NATURAL_PERSON = Decimal(200)
SIMPLE_PROCEDURE_MAX_FINE_ORGANISATION = Decimal(3_000)
SIMPLE_PROCEDURE_ARTICLE = "《中华人民共和国行政处罚法》第五十一条"


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"))


def fine_range(
    *,
    range_kind: str,
    range_min: Decimal | None,
    range_max: Decimal | None,
    base_amount: Decimal | None = None,
) -> tuple[Decimal, Decimal] | None:
    """The statutory fine range in CNY, or None when there is none to apply.

    Rules (§6, §10): `amount` gives the range as entered (a missing minimum is 0); `multiple`
    gives the multiples times the base (货值金额 or 违法所得), so the 从轻 band is taken of the
    amounts the multiples yield. None without a maximum, or for a multiple without a base.
    """
    if range_kind not in ("amount", "multiple") or range_max is None:
        return None
    low = range_min if range_min is not None else Decimal(0)
    if range_kind == "multiple":
        if base_amount is None:
            return None
        return _cents(low * base_amount), _cents(range_max * base_amount)
    return _cents(low), _cents(range_max)


def lighter_band(minimum: Decimal, maximum: Decimal) -> tuple[Decimal, Decimal]:
    """The 从轻 band: the lowest 30 % of the range (§6), both ends included."""
    return minimum, _cents(minimum + LIGHTER_BAND_SHARE * (maximum - minimum))


@dataclass(frozen=True)
class LimitationCheck:
    """The limitation period applied to one violation (APL art. 36, or a special law)."""

    runs_from: dt.date  # the violation, or its last day if it continued
    years: int
    article: str  # the article that sets the period
    last_day: dt.date  # the last day a discovery is in time
    passed: bool  # discovered after `last_day`


def limitation_check(
    *,
    violation_on: dt.date,
    violation_ended_on: dt.date | None,
    discovered_on: dt.date,
    safety_harm: bool,
    special_years: int | None = None,
    special_article: str = "",
) -> LimitationCheck:
    """Whether the violation was discovered within its limitation period.

    Rules (§6, §10): the period runs from the violation, or from its last day if it continued,
    to its discovery; 2 years, or 5 with harm to life, health or financial safety (APL art.
    36); a violation type's own period with its cited article (a special law) overrides both.
    A period of N years ends on the same day N years later (Counting periods), which is still
    in time.
    """
    runs_from = violation_ended_on or violation_on
    if special_years:
        years, article = special_years, special_article
    else:
        years = LIMITATION_YEARS_SAFETY if safety_harm else LIMITATION_YEARS
        article = LIMITATION_ARTICLE
    last_day = add_years(runs_from, years)
    return LimitationCheck(runs_from, years, article, last_day, discovered_on > last_day)


def first_violation_window(violation_on: dt.date) -> tuple[dt.date, dt.date]:
    """The days an earlier violation of the same type falls in to bar 首违不罚 (§6, §10): the
    2 years before this violation's date, both ends included (2 years and a day before is
    outside)."""
    return add_years(violation_on, -FIRST_VIOLATION_LOOKBACK_YEARS), violation_on


# --- Publicity of penalties (SAMR Order 45; docs/domain.md §5, §10) -----------------------

# Order 45 art. 9: published on 公示系统 within 20 WD of the decision (same province) [V].
PUBLICATION_WORKING_DAYS = 20
# Art. 10: another province's party: pushed within 10 WD, published there within 10 WD of
# receipt [V].
OTHER_PROVINCE_PUSH_WORKING_DAYS = 10
OTHER_PROVINCE_PUBLISH_WORKING_DAYS = 10
# Art. 11: a decision changed, revoked or found void is withdrawn within 3 WD [V].
WITHDRAWAL_WORKING_DAYS = 3
# Art. 13: only public criticism and/or a lower-amount fine: 3 months; anything else 3 years;
# a ban or restriction longer than 3 years: its length [V].
PUBLICITY_SHORT_MONTHS = 3
PUBLICITY_LONG_YEARS = 3
# The lower amount is set by the province (art. 13 para 2); Hubei's, as published by Chibi
# city, is the default (§5) [S, local; open point 4]: settings LOWER_FINE_NATURAL_PERSON and
# LOWER_FINE_ORGANISATION.
LOWER_FINE_NATURAL_PERSON = Decimal(10_000)
LOWER_FINE_ORGANISATION = Decimal(100_000)
# The bureau's province: the first two digits of the division code in a credit code
# (GB 32100, §8); a firm whose code names another province takes the art. 10 route. Setting
# HOME_PROVINCE_CODE.
HOME_PROVINCE_CODE = "51"

NATURAL_PERSON = "natural_person"
ORGANISATION = "organisation"
ORDINARY_PROCEDURE = "ordinary"


def lower_fine_threshold(nature: str) -> Decimal:
    """The lower-amount threshold for a party of this legal nature (a fine below it is
    "lower"): `natural_person` or `organisation` (settings LOWER_FINE_*)."""
    if nature == NATURAL_PERSON:
        value = settings.CREDIT_PORTAL.get("LOWER_FINE_NATURAL_PERSON", LOWER_FINE_NATURAL_PERSON)
    else:
        value = settings.CREDIT_PORTAL.get("LOWER_FINE_ORGANISATION", LOWER_FINE_ORGANISATION)
    return Decimal(str(value))


def simple_procedure_max_fine(nature: str) -> Decimal:
    """The highest fine a decision on the spot may impose on a party of this legal nature
    (`party_nature`; APL art. 51)."""
    if nature == NATURAL_PERSON:
        return SIMPLE_PROCEDURE_MAX_FINE_NATURAL_PERSON
    return SIMPLE_PROCEDURE_MAX_FINE_ORGANISATION


def home_province_code() -> str:
    return str(settings.CREDIT_PORTAL.get("HOME_PROVINCE_CODE", HOME_PROVINCE_CODE))


def party_nature(*, party_kind: str, entity_type: str = "") -> str:
    """The party's legal nature for the lower-amount threshold.

    Rules: the threshold goes by the party's legal nature, not by how it is registered. A
    natural person is one; so is an individual business (个体工商户), which is a natural
    person's (or a family's) business with no legal personality of its own (Civil Code arts.
    54, 56: its debts are the operator's), so its fines are measured against the
    natural-person threshold. Every other party (companies, branches, partnerships, sole
    proprietorships, co-operatives, organisations registered elsewhere) is an organisation.
    """
    if party_kind == NATURAL_PERSON or entity_type == "individual_business":
        return NATURAL_PERSON
    return ORGANISATION


@dataclass(frozen=True)
class PublicityTerm:
    """How long a decision's penalty information is public (Order 45 arts. 2, 13).

    `months` is 0 when nothing is published; `reason` says which rule applied: simple
    procedure, no penalty, warning only (not published); short (only public criticism and/or
    a lower-amount fine); long (anything else); ban (a ban or restriction longer than 3 years,
    for its length)."""

    published: bool
    months: int
    reason: str

    @property
    def code(self) -> str:
        """What `PenaltyDecision.publicity_term` stores: "" when not published, else the
        length in months ("3m", "36m", "60m")."""
        return f"{self.months}m" if self.published else ""

    @classmethod
    def from_code(cls, code: str) -> PublicityTerm | None:
        """The stored term back (without its reason), or None for "" or garbage."""
        if not code or not code.endswith("m") or not code[:-1].isdigit():
            return None
        months = int(code[:-1])
        reason = "short" if months == PUBLICITY_SHORT_MONTHS else "long"
        return cls(True, months, reason if months <= 12 * PUBLICITY_LONG_YEARS else "ban")


def _measure_value(measure: object, name: str) -> object:
    if isinstance(measure, dict):
        return measure.get(name)
    return getattr(measure, name, None)


def fines_total(measures: object) -> Decimal:
    """The sum of the fines among `measures` (confiscations are not fines)."""
    total = Decimal(0)
    for m in measures:  # type: ignore[attr-defined]
        if _measure_value(m, "kind") == FINE:
            total += Decimal(str(_measure_value(m, "amount") or 0))
    return total


def publicity_term(measures: object, party_nature: str, procedure: str) -> PublicityTerm:
    """The publicity term of a decision's penalty information, by Order 45.

    Rules (arts. 2, 13; §5, §10): nothing is published for a simple-procedure (on-the-spot)
    decision, a decision that imposes no penalty, or one that imposes warnings alone. Only
    public criticism and/or fines whose total is below the lower amount for the party's legal
    nature (`party_nature`, `lower_fine_threshold`): 3 months. Any other penalty alongside,
    confiscation included, gives 3 years; so does a warning alongside a published penalty
    (art. 13 says "only" public criticism or a lower fine: the literal reading, to confirm with
    the bureau). A ban or restriction of business longer than 3 years: its length.
    `measures` are objects or dicts with `kind`, `amount` and `months`.
    """
    items = list(measures)  # type: ignore[call-overload]
    kinds = {_measure_value(m, "kind") for m in items}
    if procedure != ORDINARY_PROCEDURE:
        return PublicityTerm(False, 0, "simple_procedure")
    if not items:
        return PublicityTerm(False, 0, "no_penalty")
    if kinds == {WARNING}:
        return PublicityTerm(False, 0, "warning_only")
    long_months = 12 * PUBLICITY_LONG_YEARS
    ban_months = max(
        (
            int(_measure_value(m, "months") or 0)  # type: ignore[call-overload]
            for m in items
            if _measure_value(m, "kind") in (BAN, RESTRICT_BUSINESS)
        ),
        default=0,
    )
    if ban_months > long_months:
        return PublicityTerm(True, ban_months, "ban")
    fines = fines_total(items)
    lower = FINE not in kinds or fines < lower_fine_threshold(party_nature)
    if kinds <= {PUBLIC_CRITICISM, FINE} and lower:
        return PublicityTerm(True, PUBLICITY_SHORT_MONTHS, "short")
    return PublicityTerm(True, long_months, "long")


def publicity_end(published_on: dt.date, term: PublicityTerm) -> dt.date | None:
    """The last day a term that starts on `published_on` is public, inclusive: the day before
    the same day N months later (Counting periods). None when nothing is published."""
    if not term.published:
        return None
    return add_months(published_on, term.months) - dt.timedelta(days=1)


def publication_deadline(decided_on: dt.date, *, other_province: bool) -> Deadline:
    """The day a decision's information is due: published (same province, 20 WD) or pushed to
    the party's home province (10 WD), counted from the decision (Order 45 arts. 9, 10)."""
    from credit_portal.workdays import deadline_after

    days = OTHER_PROVINCE_PUSH_WORKING_DAYS if other_province else PUBLICATION_WORKING_DAYS
    return deadline_after(decided_on, days)


def withdrawal_deadline(changed_on: dt.date) -> Deadline:
    """The day a changed, revoked or void decision must be withdrawn by (art. 11, 3 WD)."""
    from credit_portal.workdays import deadline_after

    return deadline_after(changed_on, WITHDRAWAL_WORKING_DAYS)


# --- Soft enforcement (docs/domain.md §9) --------------------------------------------------
#
# Who owns what: `remediation.services.soft_actions` applies these; the pages and the PDFs
# show the same numbers from here.

# The instruments (`SoftAction.Instrument`) and the states (`SoftAction.Status`) these rules
# speak of.
PROMPT, SUGGESTION, ADMONITION, INTERVIEW = "prompt", "suggestion", "admonition", "interview"
SA_DRAFT, SA_APPROVED, SA_SERVED = "draft", "approved", "served"
SA_RECTIFIED, SA_OVERDUE, SA_ESCALATED, SA_CANCELLED = (
    "rectified",
    "overdue",
    "escalated",
    "cancelled",
)

# States (§9 "Suggested model" [U]): DRAFT → APPROVED → SERVED (rectification due) →
# RECTIFIED | OVERDUE → escalation (a case). Guidance is approved internally before it goes
# out (§9, SAIC rules on administrative guidance [S]); a document not yet served may be
# cancelled; an overdue one may still be rectified (late), or escalated to a case.
SOFT_ACTION_TRANSITIONS: dict[str, frozenset[str]] = {
    SA_DRAFT: frozenset({SA_APPROVED, SA_CANCELLED}),
    SA_APPROVED: frozenset({SA_SERVED, SA_CANCELLED}),
    SA_SERVED: frozenset({SA_RECTIFIED, SA_OVERDUE}),
    SA_OVERDUE: frozenset({SA_RECTIFIED, SA_ESCALATED}),
    SA_RECTIFIED: frozenset(),
    SA_ESCALATED: frozenset(),
    SA_CANCELLED: frozenset(),
}
# What an enterprise sees of its documents in the self-service area and the API: from
# approval on (a draft is the bureau's own; a cancelled document never went out).
SOFT_ACTION_VISIBLE_TO_ENTERPRISE = frozenset(
    {SA_APPROVED, SA_SERVED, SA_RECTIFIED, SA_OVERDUE, SA_ESCALATED}
)
# Four eyes: the officer who drafted a document does not approve it (§9: guidance is approved
# internally before it goes out; bureau practice [U]).
SOFT_ACTION_APPROVER_DIFFERS = True

# An interview notice (约谈通知书) summons the legal representative or manager to attend within
# this many working days of its service: its period (`deadline_working_days`) is the "attend by"
# day the notice states (the model keeps no appointment; the hour is agreed with the contact
# person). A notice whose interview is not recorded by then is a no-show: overdue, like a letter
# not rectified, and it may be escalated (bureau practice [U], §9).
INTERVIEW_ATTEND_WORKING_DAYS = 10
# Default periods in working days, counted from the day of service
# (`credit_portal.workdays.deadline_after`; bureau practice [U], §9): rectification for the
# letters, attendance for an interview notice. Once the interview is recorded, the deadline is
# the one its commitments set; without one, this many working days from the day it was held.
SOFT_ACTION_DEFAULT_WORKING_DAYS: dict[str, int] = {
    PROMPT: 10,
    SUGGESTION: 15,
    ADMONITION: 10,
    INTERVIEW: INTERVIEW_ATTEND_WORKING_DAYS,
}
INTERVIEW_COMMITMENT_WORKING_DAYS = 10
# The longest period a document may give (a plausibility bound, not a legal rule).
SOFT_ACTION_MAX_WORKING_DAYS = 120
# No law sets a deadline to approve a draft or to serve an approved document (§9: guidance is
# approved internally, then served). The staff inbox (`remediation.inbox`) still shows when
# each step falls due, so that drafts and unserved documents do not wait without end: a draft
# is due to be approved this many CALENDAR days after it was written, an approved document to
# be served this many calendar days after approval (calendar days: the inbox's due date is
# computed in SQL, where the working-day calendar is not available). Bureau practice to
# confirm [local].
SOFT_ACTION_APPROVE_DAYS = 3
SOFT_ACTION_SERVE_DAYS = 5

# Document numbers (文号), e.g. 双市监建〔2026〕12号: the bureau's prefix (setting
# DOCUMENT_NUMBER_PREFIX), the instrument's character, the year of issue in 〔〕 and the
# sequence within (instrument, year) from 1, without gaps. Allocated at approval, when the
# document is issued, so a draft never takes a number (§9: numbered documents [V]). The
# sequence continues after the highest number of the same prefix, instrument and year that a
# document or the ledger's `soft_enforcement` history (letters from before the portal) holds,
# and a number either holds is never given again (`soft_action_number_seq`).
DOCUMENT_NUMBER_PREFIX = "双市监"
SOFT_ACTION_NUMBER_MARKS: dict[str, str] = {
    SUGGESTION: "建",
    ADMONITION: "警",
    PROMPT: "提",
    INTERVIEW: "约",
}
SOFT_ACTION_NUMBER_FORMAT = "{prefix}{mark}〔{year}〕{seq}号"
# Attempts at a number before giving up (two approvals racing for one number: the unique
# index refuses the later one, which takes the next number; `soft_action_approve`).
SOFT_ACTION_NUMBER_ATTEMPTS = 5

# The official titles of the documents (the PDF's heading, the ledger fact's label).
SOFT_ACTION_TITLES: dict[str, str] = {
    PROMPT: "行政提示书",
    SUGGESTION: "行政建议书",
    ADMONITION: "警示告诫书",
    INTERVIEW: "约谈通知书",
}
PROOF_OF_SERVICE_TITLE = "送达回证"
# The ways of service as the proof of service names them (`SoftAction.ServiceMethod`).
SERVICE_METHOD_TITLES: dict[str, str] = {
    "direct": "直接送达",
    "post": "邮寄送达",
    "electronic": "电子送达",
    "left": "留置送达",
    "announcement": "公告送达",
}
# Electronic service is valid only with the party's consent (APL art. 61; §10) [V].
ELECTRONIC_SERVICE_ARTICLE = "《中华人民共和国行政处罚法》第六十一条"


def document_number_prefix() -> str:
    """The bureau's prefix of document numbers (setting DOCUMENT_NUMBER_PREFIX)."""
    return str(settings.CREDIT_PORTAL.get("DOCUMENT_NUMBER_PREFIX", DOCUMENT_NUMBER_PREFIX))


def soft_action_number(instrument: str, year: int, seq: int) -> str:
    """A document number: 双市监建〔2026〕12号 (the rule above)."""
    return SOFT_ACTION_NUMBER_FORMAT.format(
        prefix=document_number_prefix(),
        mark=SOFT_ACTION_NUMBER_MARKS[instrument],
        year=year,
        seq=seq,
    )


def soft_action_number_stem(instrument: str, year: int) -> str:
    """What every number of an instrument and year starts with: 双市监建〔2026〕."""
    return soft_action_number(instrument, year, 0).removesuffix("0号")


def soft_action_number_seq(number: str, instrument: str, year: int) -> int | None:
    """The sequence of a document number of this prefix, instrument and year (12 for
    双市监建〔2026〕12号), None for any other number. Numbers are compared in this form whether
    a SoftAction or the ledger's `soft_enforcement` history holds them, so that a new document
    continues after both (`remediation.services.soft_actions`)."""
    stem = soft_action_number_stem(instrument, year)
    rest = (number or "").strip()
    if not rest.startswith(stem) or not rest.endswith("号"):
        return None
    digits = rest[len(stem) : -1]
    return int(digits) if digits.isascii() and digits.isdigit() else None


def soft_action_default_working_days(instrument: str) -> int | None:
    """The default period of an instrument: rectification for a letter, attendance for an
    interview notice (`INTERVIEW_ATTEND_WORKING_DAYS`); None for an unknown instrument."""
    return SOFT_ACTION_DEFAULT_WORKING_DAYS.get(instrument)


def soft_action_deadline(served_on: dt.date, working_days: int) -> Deadline:
    """The day a served document asks rectification by: `working_days` WD after service
    (the day of service not counted), provisional where the calendar is not known."""
    from credit_portal.workdays import deadline_after

    return deadline_after(served_on, working_days)


def soft_action_overdue_on(deadline: dt.date) -> dt.date:
    """The first day a document is overdue: the day after its deadline (the deadline day itself
    is in time, as `enterprises.selectors.letters` counts it)."""
    return deadline + dt.timedelta(days=1)


# --- Credit repair (docs/domain.md §5) -----------------------------------------------------
#
# Who repairs: the authority that decided (谁认定、谁修复). The limits of the 2021 办法 are
# unverified [U] (open point 2): settings, read through the functions below, with these
# defaults. The earliest dates are [S] and stay constants; the 6 months and the serious list's
# 1 year are the register's (`enterprises.rules`), stated there for the self-service guidance.

# Acceptance decided within 2 WD of receipt [U].
REPAIR_ACCEPTANCE_WORKING_DAYS = 2
# Penalty-information and serious-list repairs decided within 15 WD of acceptance [U].
REPAIR_DECISION_WORKING_DAYS = 15
# Removal from the abnormal directory decided within 5 WD [S] (Order 68; §3).
REPAIR_DIRECTORY_DECISION_WORKING_DAYS = 5
# Granted: publication stopped, the party removed and measures lifted within 3 WD [U].
REPAIR_EFFECT_WORKING_DAYS = 3
# Another department's penalty is repaired through 信用中国, which reviews within 10 WD (§5
# "The two networks") [S]: the answer to its application and the 告知书 state it.
CREDIT_CHINA_REVIEW_WORKING_DAYS = 10
# Food, drugs and special equipment: 1 year of publicity before a penalty's early repair [S]
# (the general 6 months: enterprises.rules.PENALTY_REPAIR_AFTER_MONTHS).
PENALTY_REPAIR_AFTER_MONTHS_SPECIAL_SECTORS = 12
PENALTY_REPAIR_SPECIAL_SECTORS = frozenset({"food", "drugs", "special_equipment"})
# A ledger penalty without a PenaltyDecision (recorded before the decisions were kept here, or
# imported) names its sector in details["sector"]; without one, the enterprise's industry
# division decides, the longer wait applying to the food and drug trades (GB/T 4754-2017:
# 13-15 food and drink manufacturing, 27 medicines, 62 catering). Special equipment has no
# division of its own: only details["sector"] names it. A judgement of this portal [U].
PENALTY_REPAIR_SPECIAL_DIVISIONS = {
    "13": "food",
    "14": "food",
    "15": "food",
    "62": "food",
    "27": "drugs",
}
# Never repairable early (SAMR Order 45 art. 14(3) [V]): order to stop production or business,
# restriction of business activities, ban, downgrade of a qualification, revocation of a
# licence or of the business licence (PenaltyMeasure.Kind values). An order to close (责令关闭)
# ends the business outright and is treated as the harsher form of an order to stop it [U].
PENALTY_NEVER_REPAIRABLE_MEASURES = frozenset(
    {
        "stop_business",
        "close",
        "restrict_business",
        "ban",
        "qualification_downgrade",
        "licence_revocation",
        "business_licence_revocation",
    }
)
# A warning alone is never published (Order 45 art. 2): nothing to repair.
PENALTY_UNPUBLISHED_MEASURES = frozenset({"warning"})
# Uploads of an application: PDF or image, checked by content (remediation.uploads).
REPAIR_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
REPAIR_UPLOAD_MAX_FILES = 10


def _repair_setting(key: str, default: int) -> int:
    return int(settings.CREDIT_PORTAL.get(key, default))


def repair_acceptance_working_days() -> int:
    """CREDIT_PORTAL["REPAIR_ACCEPTANCE_WORKING_DAYS"], default 2 WD [U] (§5)."""
    return _repair_setting("REPAIR_ACCEPTANCE_WORKING_DAYS", REPAIR_ACCEPTANCE_WORKING_DAYS)


def repair_decision_working_days(kind: str) -> int:
    """The decision limit after acceptance: 5 WD for a directory removal [S], else 15 WD [U]
    (CREDIT_PORTAL["REPAIR_DIRECTORY_DECISION_WORKING_DAYS"] / ["REPAIR_DECISION_WORKING_DAYS"];
    §3, §5)."""
    if kind == "abnormal_removal":
        return _repair_setting(
            "REPAIR_DIRECTORY_DECISION_WORKING_DAYS", REPAIR_DIRECTORY_DECISION_WORKING_DAYS
        )
    return _repair_setting("REPAIR_DECISION_WORKING_DAYS", REPAIR_DECISION_WORKING_DAYS)


def repair_effect_working_days() -> int:
    """CREDIT_PORTAL["REPAIR_EFFECT_WORKING_DAYS"], default 3 WD [U] (§5)."""
    return _repair_setting("REPAIR_EFFECT_WORKING_DAYS", REPAIR_EFFECT_WORKING_DAYS)


def repair_upload_max_bytes() -> int:
    """CREDIT_PORTAL["REPAIR_UPLOAD_MAX_BYTES"], default 10 MB a file."""
    return _repair_setting("REPAIR_UPLOAD_MAX_BYTES", REPAIR_UPLOAD_MAX_BYTES)


def repair_upload_max_files() -> int:
    """CREDIT_PORTAL["REPAIR_UPLOAD_MAX_FILES"], default 10 files an application."""
    return _repair_setting("REPAIR_UPLOAD_MAX_FILES", REPAIR_UPLOAD_MAX_FILES)


def _chinese_number(n: int) -> str:
    """一 to 九十九 as Chinese running text writes them (十二, 二十, 三十六)."""
    digits = "〇一二三四五六七八九"
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    return (
        ("" if tens <= 1 else digits[tens])
        + ("十" if tens else "")
        + (digits[ones] if ones else "")
    )


def chinese_months(months: int) -> str:
    """A period of months as a Chinese document states it: 六个月, 一年, 两年, 十八个月 (the
    告知书's waiting time before an early repair, from the constants above)."""
    years, rest = divmod(months, 12)
    count = years if not rest else months
    number = "两" if count == 2 else _chinese_number(count)
    return f"{number}年" if not rest else f"{number}个月"


@dataclass(frozen=True)
class RepairCondition:
    """One condition of a repair: `met` True or False as the portal checked it, None where the
    applicant declares it with evidence and the officer verifies it at review."""

    code: str
    label: str
    met: bool | None
    detail: str = ""


@dataclass(frozen=True)
class Eligibility:
    """Whether a record may be repaired on `today`, and why (shown to the enterprise before it
    applies, re-checked when it applies and when the officer approves).

    `earliest_on`: the first day an application is possible (None: never, or any time);
    `reasons`: why not now, one sentence each (empty when eligible); `elsewhere`: repaired by
    another department through 信用中国, not here; `outside_repair`: nothing to repair (not
    published, a term that ends by itself first, a measure never repairable early), and
    `outside_code` which of these (the first found; `OUTSIDE_*`), `closed_on` the day a record
    closed by a later one stopped being public (the 告知书 states both in its own words)."""

    kind: str
    eligible: bool
    earliest_on: dt.date | None
    conditions: tuple[RepairCondition, ...]
    reasons: tuple[str, ...]
    elsewhere: bool = False
    outside_repair: bool = False
    sector: str = ""
    outside_code: str = ""
    closed_on: dt.date | None = None


# Why a record is outside repair (`Eligibility.outside_code`).
OUTSIDE_NOT_REPAIRABLE_KIND = "kind"  # not a record of the kind the repair concerns
OUTSIDE_NOT_PUBLISHED = "not_published"  # never published (Order 45 art. 2)
OUTSIDE_WARNING_ONLY = "warning_only"  # a warning alone is not published
OUTSIDE_CLOSED = "closed"  # closed by a later record (repaired, withdrawn, expired, removed)
OUTSIDE_ENDED = "ended"  # its publicity term has run out
OUTSIDE_NEVER = "never_repairable"  # a measure of PENALTY_NEVER_REPAIRABLE_MEASURES
OUTSIDE_ENDS_FIRST = "ends_first"  # the term ends by itself before an early repair could


def _day(day: dt.date | None) -> str:
    from django.utils.formats import date_format

    return date_format(day, "DATE_FORMAT") if day else ""


def repair_bureau_names() -> set[str]:
    """The names this bureau decides under: the configured name (both languages) and the
    bureau's department row (one query). A list computes them once (`RepairContext`)."""
    from credit_portal.models import Department

    names = {
        settings.CREDIT_PORTAL.get("BUREAU_NAME", ""),
        settings.CREDIT_PORTAL.get("BUREAU_NAME_EN", ""),
    }
    for name, name_en in Department.objects.filter(is_bureau=True).values_list("name", "name_en"):
        names.update({name, name_en})
    return {n for n in names if n}


def repair_authority_is_bureau(authority: str, names: Iterable[str] | None = None) -> bool:
    """Whether a ledger record's deciding authority is this bureau: empty (recorded by the
    bureau without a name), one of its names, or a longer form ending in one (成都市 +
    双流区市场监督管理局). `names`: the bureau's names read once by the caller
    (`repair_bureau_names`); without them, they are read now."""
    authority = (authority or "").strip()
    if not authority:
        return True
    known = repair_bureau_names() if names is None else names
    return any(authority == n or authority.endswith(n) for n in known)


def repair_elsewhere_message(authority: str) -> str:
    """The answer for a penalty another department decided (§5, "The two networks")."""
    from django.utils.translation import gettext

    return gettext(
        "This penalty was decided by %(authority)s, not by this bureau. The department that "
        "decided repairs it (谁认定、谁修复): apply on Credit China (信用中国, "
        "www.creditchina.gov.cn), which reviews within %(days)d working days."
    ) % {
        "authority": authority or gettext("another department"),
        "days": CREDIT_CHINA_REVIEW_WORKING_DAYS,
    }


def ledger_penalty_measures(details: object) -> frozenset[str]:
    """The measures (PenaltyMeasure.Kind values) a ledger penalty without a PenaltyDecision
    names in details["measures"]: a list of kinds, or of {"kind": ...}; none when absent."""
    found: set[str] = set()
    items = details.get("measures") if isinstance(details, dict) else None
    for m in items if isinstance(items, list) else []:
        kind = m.get("kind") if isinstance(m, dict) else m
        if isinstance(kind, str):
            found.add(kind)
    return frozenset(found)


class RepairContext:
    """What the eligibility of a list of records reads, loaded once for the whole list: the
    bureau's names, each record's enterprise, PenaltyDecision (with its measures) and closing
    record, and the later penalties of the records' enterprises. Each part is loaded the first
    time a record needs it, for every record of the list in one query, so that a page of N
    records costs a constant number of queries, not N times a few (the enterprise's
    /me/repairs/ page; `remediation.selectors.repairs.repairable_records`).

    It lives for one list build (never cached longer: a department renamed or a penalty
    recorded is seen by the next page). A record not in the list gets a context of its own
    (`repair_eligibility` without one, or with one that does not cover the record)."""

    def __init__(self, records: Iterable[CreditRecord]) -> None:
        self._records = {r.pk: r for r in records}
        self._enterprise_ids = {r.enterprise_id for r in self._records.values()}

    def covers(self, record: CreditRecord) -> bool:
        return record.pk in self._records

    @cached_property
    def bureau_names(self) -> frozenset[str]:
        return frozenset(repair_bureau_names())

    @cached_property
    def _enterprises(self) -> dict[int, Enterprise]:
        from enterprises.models import CreditRecord, Enterprise

        known = {
            r.enterprise_id: r.enterprise
            for r in self._records.values()
            if CreditRecord.enterprise.is_cached(r)
        }
        missing = self._enterprise_ids - set(known)
        return {**known, **Enterprise.objects.in_bulk(list(missing))} if missing else known

    def enterprise(self, record: CreditRecord) -> Enterprise:
        return self._enterprises[record.enterprise_id]

    @cached_property
    def _decisions(self) -> dict[int, PenaltyDecision]:
        from remediation.models import PenaltyDecision

        found = (
            PenaltyDecision.objects.select_related("department", "violation_type")
            .prefetch_related("measures")
            .filter(credit_record_id__in=list(self._records))
        )
        return {d.credit_record_id: d for d in found if d.credit_record_id is not None}

    def decision(self, record: CreditRecord) -> PenaltyDecision | None:
        return self._decisions.get(record.pk)

    @cached_property
    def _closers(self) -> dict[int, CreditRecord]:
        from enterprises.models import CreditRecord

        return {
            c.closes_id: c for c in CreditRecord.objects.filter(closes_id__in=list(self._records))
        }

    def closer(self, record: CreditRecord) -> CreditRecord | None:
        return self._closers.get(record.pk)

    @cached_property
    def _later_decisions(self) -> dict[int, list[PenaltyDecision]]:
        """The enterprises' recorded penalties of this bureau (not a decision not to
        penalise), by decision date."""
        from remediation.models import PenaltyDecision

        found: dict[int, list[PenaltyDecision]] = {e: [] for e in self._enterprise_ids}
        for d in (
            PenaltyDecision.objects.filter(
                enterprise_id__in=list(self._enterprise_ids),
                status=PenaltyDecision.Status.RECORDED,
                department__is_bureau=True,
            )
            .exclude(
                leniency__in=[
                    PenaltyDecision.Leniency.EXEMPT,
                    PenaltyDecision.Leniency.FIRST_VIOLATION,
                ]
            )
            .select_related("violation_type")
            .order_by("decided_on", "id")
        ):
            found[d.enterprise_id].append(d)  # type: ignore[index]
        return found

    def later_decisions(self, record: CreditRecord) -> list[PenaltyDecision]:
        return self._later_decisions.get(record.enterprise_id, [])

    @cached_property
    def _open_penalties(self) -> dict[int, list[tuple[CreditRecord, bool]]]:
        """The enterprises' ledger penalties not closed, by date, each with whether a
        PenaltyDecision stands behind it."""
        from django.db.models import Exists, OuterRef

        from enterprises.models import CreditRecord
        from remediation.models import PenaltyDecision

        found: dict[int, list[tuple[CreditRecord, bool]]] = {e: [] for e in self._enterprise_ids}
        rows = (
            CreditRecord.objects.filter(
                enterprise_id__in=list(self._enterprise_ids),
                kind="penalty",
                closed_by__isnull=True,
            )
            .annotate(
                decided=Exists(PenaltyDecision.objects.filter(credit_record_id=OuterRef("pk")))
            )
            .order_by("occurred_on", "id")
        )
        for r in rows:
            found[r.enterprise_id].append((r, bool(r.decided)))
        return found

    def open_penalties(self, record: CreditRecord) -> list[tuple[CreditRecord, bool]]:
        return self._open_penalties.get(record.enterprise_id, [])


def repair_context(records: Iterable[CreditRecord]) -> RepairContext:
    """The context of one list of records (`RepairContext`); nothing is read yet."""
    return RepairContext(records)


def _context_for(record: CreditRecord, context: RepairContext | None) -> RepairContext:
    return context if context is not None and context.covers(record) else RepairContext([record])


@dataclass(frozen=True)
class _PenaltyFacts:
    decision: PenaltyDecision | None
    elsewhere: bool
    authority: str
    measures: frozenset[str]
    sector: str
    violation_type: str


def _penalty_facts(record: CreditRecord, context: RepairContext) -> _PenaltyFacts:
    """What the eligibility of a penalty needs, from its PenaltyDecision when there is one,
    else from the ledger record's details (module comment above)."""
    decision = context.decision(record)
    details = record.details if isinstance(record.details, dict) else {}
    if decision is not None:
        return _PenaltyFacts(
            decision=decision,
            elsewhere=not decision.department.is_bureau,
            authority=decision.department.name,
            measures=frozenset(m.kind for m in decision.measures.all()),
            sector=decision.violation_type.sector,
            violation_type=decision.violation_type.code,
        )
    sector = details.get("sector") if isinstance(details.get("sector"), str) else ""
    if not sector:
        division = context.enterprise(record).industry_division
        sector = PENALTY_REPAIR_SPECIAL_DIVISIONS.get(division, "general")
    vtype = details.get("violation_type")
    return _PenaltyFacts(
        decision=None,
        elsewhere=not repair_authority_is_bureau(record.authority, context.bureau_names),
        authority=record.authority,
        measures=ledger_penalty_measures(details),
        sector=str(sector),
        violation_type=vtype if isinstance(vtype, str) else "",
    )


def _later_penalties_condition(
    record: CreditRecord, facts: _PenaltyFacts, context: RepairContext
) -> RepairCondition:
    """Condition 3: no new market-supervision penalty for the same type of violation since the
    decision: recorded PenaltyDecisions of this bureau (not withdrawn, not a decision not to
    penalise), and ledger `penalty` records without a decision (not withdrawn or corrected)."""
    from django.utils.translation import gettext

    label = gettext(
        "No new market-supervision penalty for the same type of violation since the decision"
    )
    since = record.occurred_on
    vtype = facts.violation_type
    decision_pk = facts.decision.pk if facts.decision is not None else None
    same = (
        next(
            (
                d
                for d in context.later_decisions(record)
                if d.decided_on > since and d.pk != decision_pk and d.violation_type.code == vtype
            ),
            None,
        )
        if vtype
        else None
    )
    if same is not None:
        return RepairCondition(
            "no_new_penalty",
            label,
            False,
            gettext("Penalty %(number)s of %(date)s, same type of violation.")
            % {"number": same.number, "date": _day(same.decided_on)},
        )
    unknown = []
    for other, decided in context.open_penalties(record):
        if decided or other.pk == record.pk or other.occurred_on <= since:
            continue
        if not repair_authority_is_bureau(
            other.authority, context.bureau_names
        ) and "市场监督管理" not in (other.authority or ""):
            continue  # another department's penalty is not a market-supervision one
        other_type = (other.details or {}).get("violation_type") or ""
        if vtype and other_type == vtype:
            return RepairCondition(
                "no_new_penalty",
                label,
                False,
                gettext("Penalty %(number)s of %(date)s, same type of violation.")
                % {"number": other.document_number or "—", "date": _day(other.occurred_on)},
            )
        if not vtype or not other_type:
            unknown.append(other)
    if unknown:
        first = unknown[0]
        return RepairCondition(
            "no_new_penalty",
            label,
            None,
            gettext(
                "A later penalty (%(number)s of %(date)s) does not name its type of violation: "
                "the officer checks it."
            )
            % {"number": first.document_number or "—", "date": _day(first.occurred_on)},
        )
    return RepairCondition(
        "no_new_penalty", label, True, gettext("None recorded in the portal since the decision.")
    )


def _listing_condition(enterprise: Enterprise) -> RepairCondition:
    """Condition 4: not in the abnormal directory and not on the serious list (§5)."""
    from django.utils.translation import gettext

    label = gettext("Not in the abnormal directory and not on the serious illegal list")
    listed = []
    if getattr(enterprise, "is_abnormal", False):
        listed.append(gettext("in the abnormal operations directory"))
    if getattr(enterprise, "on_serious_list", False):
        listed.append(gettext("on the serious illegal and dishonest list"))
    if listed:
        return RepairCondition(
            "not_listed",
            label,
            False,
            gettext("The enterprise is %(where)s.") % {"where": gettext(" and ").join(listed)},
        )
    return RepairCondition("not_listed", label, True, "")


def _declared_conditions() -> list[RepairCondition]:
    """Conditions 1 and 2, declared by the applicant with evidence (§5)."""
    from django.utils.translation import gettext

    return [
        RepairCondition(
            "carried_out",
            gettext("The penalty has been carried out"),
            None,
            gettext(
                "Declared by the applicant with evidence (the fine paid, goods confiscated, "
                "the order complied with); verified by the officer."
            ),
        ),
        RepairCondition(
            "harm_removed",
            gettext("The harm and bad effects have been removed"),
            None,
            gettext(
                "Declared by the applicant with evidence of the correction; verified by the "
                "officer."
            ),
        ),
    ]


def penalty_repair_eligibility(
    *, record: CreditRecord, today: dt.date, context: RepairContext | None = None
) -> Eligibility:
    """Whether the publicity of a penalty (a ledger `penalty` record) may end early on `today`
    (信用修复, §5; SAMR Order 45 art. 14).

    Rules: decided by this bureau (another department's penalty is repaired through 信用中国);
    published, public today and not closed; no measure of PENALTY_NEVER_REPAIRABLE_MEASURES and
    not a warning alone; 6 months after publication (PENALTY_REPAIR_AFTER_MONTHS_SPECIAL_SECTORS
    for food, drugs and special equipment); a term that ends by itself before that (3 months)
    is outside repair; then the four conditions (two declared, two checked here).
    `context`: what a list of records reads once (`RepairContext`); without it, this record's
    own (a few queries).
    Side effects: none (reads the decision, the later penalties and the enterprise).
    """
    from django.utils.translation import gettext

    from enterprises.rules import PENALTY_REPAIR_AFTER_MONTHS

    kind = "penalty_publicity"
    if getattr(record, "kind", "") != "penalty":
        return Eligibility(
            kind,
            False,
            None,
            (),
            (gettext("This record is not a penalty."),),
            outside_repair=True,
            outside_code=OUTSIDE_NOT_REPAIRABLE_KIND,
        )
    context = _context_for(record, context)
    facts = _penalty_facts(record, context)
    sector = facts.sector
    if facts.elsewhere:
        return Eligibility(
            kind,
            False,
            None,
            (),
            (repair_elsewhere_message(facts.authority),),
            elsewhere=True,
            sector=sector,
        )
    start = record.publicity_from
    end = record.publicity_end
    special = sector in PENALTY_REPAIR_SPECIAL_SECTORS
    months = PENALTY_REPAIR_AFTER_MONTHS_SPECIAL_SECTORS if special else PENALTY_REPAIR_AFTER_MONTHS
    earliest = add_months(start, months) if start else None
    reasons: list[str] = []
    codes: list[str] = []  # why outside repair, in the order found
    measures = set(facts.measures)
    never = sorted(measures & PENALTY_NEVER_REPAIRABLE_MEASURES)
    closer = context.closer(record)
    if not record.public_by_law or start is None:
        reasons.append(gettext("This penalty was not published: there is nothing to repair."))
        codes.append(OUTSIDE_NOT_PUBLISHED)
    elif measures and measures <= PENALTY_UNPUBLISHED_MEASURES:
        reasons.append(gettext("A warning alone is not published: there is nothing to repair."))
        codes.append(OUTSIDE_WARNING_ONLY)
    elif closer is not None:
        reasons.append(
            gettext("This penalty is no longer public (closed on %(date)s).")
            % {"date": _day(closer.occurred_on)}
        )
        codes.append(OUTSIDE_CLOSED)
    elif end is not None and end < today:
        reasons.append(
            gettext("Its publicity ended on %(date)s: there is nothing to repair.")
            % {"date": _day(end)}
        )
        codes.append(OUTSIDE_ENDED)
    elif start > today:
        reasons.append(
            gettext("It is not published yet (publication on %(date)s); a repair comes after it.")
            % {"date": _day(start)}
        )
    if never:
        from remediation.models import PenaltyMeasure

        labels = dict(PenaltyMeasure.Kind.choices)
        reasons.append(
            gettext(
                "A penalty that includes %(measures)s is never repairable early (SAMR Order 45 "
                "art. 14): it stays public for its whole term."
            )
            % {"measures": gettext("、").join(str(labels.get(m, m)) for m in never)}
        )
        codes.append(OUTSIDE_NEVER)
        earliest = None
    if not codes and end is not None and earliest is not None and end < earliest:
        reasons.append(
            gettext(
                "Its publicity ends by itself on %(end)s, before an early repair would be "
                "possible (%(earliest)s): there is nothing to repair."
            )
            % {"end": _day(end), "earliest": _day(earliest)}
        )
        codes.append(OUTSIDE_ENDS_FIRST)
    if not codes and earliest is not None and today < earliest:
        reasons.append(
            gettext(
                "An early repair is possible from %(date)s, after %(months)d months of publicity."
            )
            % {"date": _day(earliest), "months": months}
        )
    conditions: tuple[RepairCondition, ...] = ()
    if not codes:
        conditions = (
            *_declared_conditions(),
            _later_penalties_condition(record, facts, context),
            _listing_condition(context.enterprise(record)),
        )
        reasons.extend(
            gettext("Condition not met: %(label)s (%(detail)s)")
            % {"label": c.label, "detail": c.detail}
            for c in conditions
            if c.met is False
        )
    return Eligibility(
        kind,
        not reasons,
        earliest,
        conditions,
        tuple(reasons),
        outside_repair=bool(codes),
        sector=sector,
        outside_code=codes[0] if codes else "",
        closed_on=closer.occurred_on if closer is not None else None,
    )


# --- Whether the cause of a directory listing is cured (docs/domain.md §3 "Removal", §5) ---
#
# Who owns what: the repair of a listing (`abnormal_removal_eligibility`) and the early repair of
# a serious listing that came from the 3-year rule (`serious_removal_eligibility`: the original
# obligations) read `listing_cause`. Each reason has its cure, checked on the ledger and the
# filings, all after the listing day (the listing day itself included):
# 1 every missing annual report filed: the years of the enterprise's `annual_report_late` facts
#   and of its running reason-1 listings, less the years filed (`annual_report_filed` facts, and
#   the submitted reports of `annual_reports.selectors.reports.filed_years`) — removal code 1;
# 2 the ordered information disclosed: for each item of the order (any item without an order)
#   an `immediate_disclosure` fact, or a submitted ImmediateDisclosure — code 2;
# 3 a correction submitted: an annual report's correction (`annual_report_corrected`, or a
#   submitted revision), a disclosure's (`immediate_disclosure` of a revision after the first,
#   or a submitted revision), or a `self_correction` fact — code 3;
# 4 a change of the registered address (a `registration_change` fact changing `address`) —
#   code 4; else the firm declares it is reachable there again, which the officer verifies
#   against the evidence (a declared condition) — code 5.
# A listing the portal knows no reason of (recorded before the directory's cases, without
# details["reason_code"]) keeps the declared condition "the cause has been cured".

# Removal code of each cure (DirectoryCase.Removal).
CURE_REMOVAL_CODES = {"1": "1", "2": "2", "3": "3", "4": "4", "4-declared": "5"}
# Penalty measures whose period, while it runs, is a statutory restriction that refuses the
# early repair of a serious listing (§5 "Repairing the serious list": "not while a statutory
# restriction period is still running"; PenaltyMeasure.Kind values with a duration).
SERIOUS_REPAIR_RESTRICTIONS = frozenset(
    {"restrict_business", "stop_business", "ban", "licence_suspension"}
)


@dataclass(frozen=True)
class ListingCause:
    """A directory listing's reason and whether it is cured: `cured` True (checked), False
    (not: `message` says what is missing) or None (declared by the firm, verified by the
    officer); `removal_code` the code the cure gives ("" when not cured or unknown);
    `condition` the repair condition to show; `reason` "" when the portal does not know it."""

    reason: str
    cured: bool | None
    removal_code: str
    condition: RepairCondition
    message: str = ""


def _fact_year(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _filed_years(enterprise_id: int) -> set[int]:
    """The years the enterprise has filed a report for: the ledger's `annual_report_filed`
    facts and, once the annual-report area provides it, its submitted reports."""
    from enterprises.models import CreditRecord

    years = {
        y
        for y in (
            _fact_year(v)
            for v in CreditRecord.objects.filter(
                enterprise_id=enterprise_id, kind="annual_report_filed"
            ).values_list("details__year", flat=True)
        )
        if y is not None
    }
    try:
        from annual_reports.selectors.reports import filed_years
    except ImportError:  # pragma: no cover - the annual-report area not there yet
        return years
    return years | set(filed_years(enterprise_ids=[enterprise_id]).get(enterprise_id, set()))


def missing_report_years(
    *, enterprise_id: int, individual_business: bool | None = None
) -> list[int]:
    """The years the enterprise had to report and has not (§3, §10: a reason-1 listing needs
    every one filed): its `annual_report_late` facts' years and its running reason-1 listings'
    years, less the years filed; in order."""
    from enterprises.models import CreditRecord
    from remediation.models import DirectoryCase

    due = {
        y
        for y in (
            _fact_year(v)
            for v in CreditRecord.objects.filter(
                enterprise_id=enterprise_id, kind="annual_report_late"
            ).values_list("details__year", flat=True)
        )
        if y is not None
    }
    listed = DirectoryCase.objects.filter(
        enterprise_id=enterprise_id,
        reason=DirectoryCase.Reason.LATE_REPORT,
        state=DirectoryCase.State.LISTED,
        report_year__isnull=False,
    )
    if individual_business is not None:
        listed = listed.filter(individual_business=individual_business)
    due |= {y for y in listed.values_list("report_year", flat=True) if y is not None}
    return sorted(due - _filed_years(enterprise_id))


def _years_text(years: Iterable[int]) -> str:
    from django.utils.translation import gettext

    items = [str(y) for y in years]
    if len(items) <= 1:
        return "".join(items)
    return gettext("%(first)s and %(last)s") % {
        "first": (", " if not _zh() else "、").join(items[:-1]),
        "last": items[-1],
    }


def items_joined_text(items: Iterable[str]) -> str:
    """Names in running text (、 in Chinese, a comma in English): `enterprises.kinds`'."""
    from enterprises.kinds import items_joined

    return items_joined(items)


def _zh() -> bool:
    from django.utils import translation

    return (translation.get_language() or "").startswith("zh")


def _order_items(order: object) -> list[str]:
    """The items an order to disclose names (DisclosureOrder.items: codes, or objects with an
    "item")."""
    items = getattr(order, "items", None) if order is not None else None
    found: list[str] = []
    for item in items if isinstance(items, list) else []:
        code = item.get("item") if isinstance(item, dict) else item
        if isinstance(code, str) and code and code not in found:
            found.append(code)
    return found


def _disclosed_items(enterprise_id: int, since: dt.date) -> set[str]:
    """The items the enterprise has disclosed on or after `since` (ledger facts and submitted
    disclosures)."""
    from annual_reports.models import ImmediateDisclosure
    from enterprises.models import CreditRecord

    items = {
        str(v)
        for v in CreditRecord.objects.filter(
            enterprise_id=enterprise_id, kind="immediate_disclosure", occurred_on__gte=since
        ).values_list("details__item", flat=True)
        if v
    }
    items |= set(
        ImmediateDisclosure.objects.filter(
            enterprise_id=enterprise_id,
            status=ImmediateDisclosure.Status.SUBMITTED,
            filed_on__gte=since,
        ).values_list("item", flat=True)
    )
    return items


def _corrected_since(enterprise_id: int, since: dt.date) -> dt.date | None:
    """The first day on or after `since` the enterprise submitted a correction of its annual
    report or of its disclosed information (None: none)."""
    from django.db.models import Min, Q

    from annual_reports.models import AnnualReport, ImmediateDisclosure
    from enterprises.models import CreditRecord

    days = [
        CreditRecord.objects.filter(
            Q(kind__in=["annual_report_corrected", "self_correction"])
            | Q(kind="immediate_disclosure", details__revision__gt=1),
            enterprise_id=enterprise_id,
            occurred_on__gte=since,
        ).aggregate(day=Min("occurred_on"))["day"],
        AnnualReport.objects.filter(
            enterprise_id=enterprise_id,
            status=AnnualReport.Status.SUBMITTED,
            revision__gt=1,
            submitted_at__date__gte=since,
        ).aggregate(day=Min("submitted_at__date"))["day"],
        ImmediateDisclosure.objects.filter(
            enterprise_id=enterprise_id,
            status=ImmediateDisclosure.Status.SUBMITTED,
            revision__gt=1,
            filed_on__gte=since,
        ).aggregate(day=Min("filed_on"))["day"],
    ]
    found = [d for d in days if d is not None]
    return min(found) if found else None


def _address_changed_since(enterprise_id: int, since: dt.date) -> dt.date | None:
    """The first day on or after `since` a change of the registered address was registered."""
    from enterprises.kinds import REGISTRATION_CHANGE
    from enterprises.models import CreditRecord

    for day, details in (
        CreditRecord.objects.filter(
            enterprise_id=enterprise_id, kind=REGISTRATION_CHANGE, occurred_on__gte=since
        )
        .order_by("occurred_on", "id")
        .values_list("occurred_on", "details")
    ):
        changes = details.get("changes") if isinstance(details, dict) else None
        if isinstance(changes, dict) and "address" in changes:
            return day
    return None


def listing_cause(*, record: CreditRecord, today: dt.date, case: object = None) -> ListingCause:
    """Whether the cause of the directory listing `record` is cured on `today` (the rules in
    the comment above). `case`: its DirectoryCase, when the caller has it (else read by the
    record). Side effects: none."""
    from django.utils.formats import date_format
    from django.utils.translation import gettext, ngettext

    from annual_reports.models import ImmediateDisclosure
    from remediation.models import DirectoryCase

    if case is None:
        case = DirectoryCase.objects.select_related("order").filter(listing_record=record).first()
    details = record.details if isinstance(record.details, dict) else {}
    reason = str(getattr(case, "reason", "") or details.get("reason_code") or "")
    since = getattr(case, "listed_on", None) or record.occurred_on
    label = gettext("The cause of the listing has been cured")
    enterprise_id = record.enterprise_id
    if reason == "1":
        individual = getattr(case, "individual_business", None)
        missing = missing_report_years(enterprise_id=enterprise_id, individual_business=individual)
        year = getattr(case, "report_year", None) or _fact_year(details.get("report_year"))
        if year is not None and year not in missing and year not in _filed_years(enterprise_id):
            missing = sorted({*missing, year})
        label = gettext("Every missing annual report has been filed")
        if missing:
            text = ngettext(
                "Not cured: the report for %(years)s is still missing.",
                "Not cured: the reports for %(years)s are still missing.",
                len(missing),
            ) % {"years": _years_text(missing)}
            return ListingCause(
                reason,
                False,
                "",
                RepairCondition("reports_filed", label, False, text),
                text
                + " "
                + gettext("File them (online, or on paper at the bureau), then apply again."),
            )
        return ListingCause(
            reason,
            True,
            CURE_REMOVAL_CODES["1"],
            RepairCondition("reports_filed", label, True, gettext("No year is missing.")),
        )
    if reason == "2":
        ordered = _order_items(getattr(case, "order", None))
        disclosed = _disclosed_items(enterprise_id, since)
        labels = dict(ImmediateDisclosure.Item.choices)
        label = gettext("The ordered information has been disclosed")
        still = [i for i in ordered if i not in disclosed] if ordered else []
        if (ordered and still) or (not ordered and not disclosed):
            items_text = items_joined_text(str(labels.get(i, i)) for i in still)
            text = (
                gettext("Not cured: not disclosed since the listing: %(items)s.")
                % {"items": items_text}
                if items_text
                else gettext("Not cured: no information has been disclosed since the listing.")
            )
            return ListingCause(
                reason,
                False,
                "",
                RepairCondition("disclosed", label, False, text),
                text + " " + gettext("Disclose it in self-service, then apply again."),
            )
        return ListingCause(
            reason,
            True,
            CURE_REMOVAL_CODES["2"],
            RepairCondition("disclosed", label, True, ""),
        )
    if reason == "3":
        label = gettext("The false information has been corrected")
        corrected = _corrected_since(enterprise_id, since)
        if corrected is None:
            text = gettext(
                "Not cured: no correction of the annual report or of the disclosed information "
                "has been submitted since the listing (%(date)s)."
            ) % {"date": date_format(since, "DATE_FORMAT")}
            return ListingCause(
                reason,
                False,
                "",
                RepairCondition("corrected", label, False, text),
                text + " " + gettext("Submit the correction, then apply again."),
            )
        return ListingCause(
            reason,
            True,
            CURE_REMOVAL_CODES["3"],
            RepairCondition(
                "corrected",
                label,
                True,
                gettext("Correction submitted on %(date)s.")
                % {"date": date_format(corrected, "DATE_FORMAT")},
            ),
        )
    if reason == "4":
        changed = _address_changed_since(enterprise_id, since)
        if changed is not None:
            return ListingCause(
                reason,
                True,
                CURE_REMOVAL_CODES["4"],
                RepairCondition(
                    "address_changed",
                    gettext("A change of the registered address has been registered"),
                    True,
                    gettext("Registered on %(date)s.")
                    % {"date": date_format(changed, "DATE_FORMAT")},
                ),
            )
        return ListingCause(
            reason,
            None,
            CURE_REMOVAL_CODES["4-declared"],
            RepairCondition(
                "reachable",
                gettext("Reachable at the registered address again"),
                None,
                gettext(
                    "Declared by the applicant with evidence; the officer verifies that the "
                    "business can be reached at its registered address."
                ),
            ),
        )
    return ListingCause(
        "",
        None,
        "",
        RepairCondition(
            "cause_cured",
            label,
            None,
            gettext(
                "Declared with evidence: the missing annual reports filed, the information "
                "disclosed or corrected, or reachable at the registered address again."
            ),
        ),
    )


def restriction_running(*, enterprise_id: int, today: dt.date) -> tuple[str, dt.date] | None:
    """A statutory restriction still running on `today` (a penalty decision of a measure of
    `SERIOUS_REPAIR_RESTRICTIONS` whose duration has not ended): (the measure's label, the day
    it ends); None when none. §5 "Repairing the serious list"."""
    from remediation.models import PenaltyDecision, PenaltyMeasure

    labels = dict(PenaltyMeasure.Kind.choices)
    found: tuple[str, dt.date] | None = None
    for kind, months, decided_on in PenaltyMeasure.objects.filter(
        decision__enterprise_id=enterprise_id,
        decision__status=PenaltyDecision.Status.RECORDED,
        kind__in=SERIOUS_REPAIR_RESTRICTIONS,
        months__isnull=False,
    ).values_list("kind", "months", "decision__decided_on"):
        ends = add_months(decided_on, int(months or 0))
        if ends > today and (found is None or ends > found[1]):
            found = (str(labels.get(kind, kind)), ends)
    return found


def abnormal_removal_eligibility(
    *, record: CreditRecord, today: dt.date, context: RepairContext | None = None
) -> Eligibility:
    """Removal from the abnormal directory on application (§3, §5): any time once the cause is
    cured; decided within 5 WD. The cure of each reason is checked (`listing_cause`: every
    missing report filed, the ordered information disclosed, a correction submitted, the
    address changed); a listing whose cause is not cured is refused with what is missing. An
    unreachable firm that did not move declares it is reachable again, and the officer
    verifies it (removal code 5); so does the applicant of a listing whose reason the portal
    does not know (the cause cured).
    Side effects: none."""
    from django.utils.translation import gettext

    kind = "abnormal_removal"
    reasons: list[str] = []
    if getattr(record, "kind", "") != "abnormal_listing":
        reasons.append(gettext("This record is not a listing in the abnormal directory."))
        return Eligibility(
            kind,
            False,
            None,
            (),
            tuple(reasons),
            outside_repair=True,
            outside_code=OUTSIDE_NOT_REPAIRABLE_KIND,
        )
    context = _context_for(record, context)
    if not repair_authority_is_bureau(record.authority, context.bureau_names):
        return Eligibility(
            kind,
            False,
            None,
            (),
            (repair_elsewhere_message(record.authority),),
            elsewhere=True,
        )
    closer = context.closer(record)
    if closer is not None:
        reasons.append(
            gettext("This listing has already ended (%(date)s).")
            % {"date": _day(closer.occurred_on)}
        )
        return Eligibility(
            kind,
            False,
            None,
            (),
            tuple(reasons),
            outside_repair=True,
            outside_code=OUTSIDE_CLOSED,
            closed_on=closer.occurred_on,
        )
    cause = listing_cause(record=record, today=today)
    if cause.cured is False:
        return Eligibility(kind, False, None, (cause.condition,), (cause.message,))
    return Eligibility(kind, True, None, (cause.condition,), ())


def serious_removal_eligibility(
    *, record: CreditRecord, today: dt.date, context: RepairContext | None = None
) -> Eligibility:
    """Early removal from the serious list (§5): after SERIOUS_REPAIR_AFTER_YEARS on the list,
    no further market-supervision penalty since the listing (checked) and no statutory
    restriction still running (`restriction_running`, checked); for a listing from the 3-year
    directory rule, the original obligations fulfilled (the cause of the directory listing
    cured: `listing_cause`, e.g. every missing annual report filed), else the penalty carried
    out and the harm removed (declared, verified by the officer).
    Side effects: none."""
    from django.utils.translation import gettext

    from enterprises.rules import SERIOUS_REPAIR_AFTER_YEARS

    kind = "serious_removal"
    if getattr(record, "kind", "") != "serious_listing":
        return Eligibility(
            kind,
            False,
            None,
            (),
            (gettext("This record is not a listing on the serious illegal list."),),
            outside_repair=True,
            outside_code=OUTSIDE_NOT_REPAIRABLE_KIND,
        )
    context = _context_for(record, context)
    if not repair_authority_is_bureau(record.authority, context.bureau_names):
        return Eligibility(
            kind,
            False,
            None,
            (),
            (repair_elsewhere_message(record.authority),),
            elsewhere=True,
        )
    closer = context.closer(record)
    if closer is not None:
        return Eligibility(
            kind,
            False,
            None,
            (),
            (
                gettext("This listing has already ended (%(date)s).")
                % {"date": _day(closer.occurred_on)},
            ),
            outside_repair=True,
            outside_code=OUTSIDE_CLOSED,
            closed_on=closer.occurred_on,
        )
    listed_on = record.occurred_on
    earliest = add_years(listed_on, SERIOUS_REPAIR_AFTER_YEARS)
    reasons: list[str] = []
    if today < earliest:
        reasons.append(
            gettext("An early removal is possible from %(date)s, after one year on the list.")
            % {"date": _day(earliest)}
        )
    later = next(
        (r for r, _decided in context.open_penalties(record) if r.occurred_on > listed_on), None
    )
    no_new = RepairCondition(
        "no_new_penalty",
        gettext("No further market-supervision penalty since the listing"),
        later is None,
        (
            gettext("Penalty %(number)s of %(date)s.")
            % {"number": later.document_number or "—", "date": _day(later.occurred_on)}
            if later is not None
            else ""
        ),
    )
    if later is not None:
        reasons.append(
            gettext("Condition not met: %(label)s (%(detail)s)")
            % {"label": no_new.label, "detail": no_new.detail}
        )
    running = restriction_running(enterprise_id=record.enterprise_id, today=today)
    restriction = RepairCondition(
        "no_restriction",
        gettext("No statutory restriction period still running"),
        running is None,
        (
            gettext("%(measure)s until %(date)s.")
            % {"measure": running[0], "date": _day(running[1])}
            if running is not None
            else ""
        ),
    )
    if running is not None:
        reasons.append(
            gettext("A statutory restriction is still running: %(measure)s until %(date)s.")
            % {"measure": running[0], "date": _day(running[1])}
        )
    first = _declared_conditions()
    origin = _three_year_case(record)
    if origin is not None:
        cause = listing_cause(record=origin.listing_record, today=today, case=origin)
        obligations = RepairCondition(
            "obligations_met",
            gettext("The obligations behind the directory listing have been fulfilled"),
            cause.cured,
            cause.condition.detail if cause.cured is not True else cause.condition.label,
        )
        first = [obligations]
        if cause.cured is False:
            reasons.append(cause.message)
    conditions = (*first, no_new, restriction)
    return Eligibility(kind, not reasons, earliest, conditions, tuple(reasons))


def _three_year_case(record: CreditRecord) -> Any:
    """The directory case behind a serious listing that came from the 3-year rule (its
    SeriousListing's case, with the listing record), or None."""
    from remediation.models import SeriousListing

    serious = (
        SeriousListing.objects.select_related("case__listing_record", "case__order")
        .filter(
            listing_record=record,
            reason=SeriousListing.Reason.ABNORMAL_THREE_YEARS,
            case__isnull=False,
            case__listing_record__isnull=False,
        )
        .first()
    )
    return serious.case if serious is not None else None


@dataclass(frozen=True)
class RepairRule:
    """How one kind of repair application is decided: the ledger kind of the record repaired,
    its eligibility function, and the facts the approval writes (the `repair` fact that closes
    the record, with details["repair"] naming the outcome; §5 "What counts as repair")."""

    record_kind: str
    eligibility: Callable[..., Eligibility]
    outcome: str


# The rule table, by RepairApplication.Kind: the annual-report issue refines the last two.
REPAIR_RULES: dict[str, RepairRule] = {
    "penalty_publicity": RepairRule(
        "penalty", penalty_repair_eligibility, "penalty_publicity_ended_early"
    ),
    "abnormal_removal": RepairRule(
        "abnormal_listing", abnormal_removal_eligibility, "abnormal_directory_removed"
    ),
    "serious_removal": RepairRule(
        "serious_listing", serious_removal_eligibility, "serious_list_removed_early"
    ),
}


def repair_eligibility(
    *, kind: str, record: CreditRecord, today: dt.date, context: RepairContext | None = None
) -> Eligibility:
    """The eligibility of `record` for a repair of `kind` (REPAIR_RULES). `context`: what a
    list of records reads once (`RepairContext`), so that a page of records costs a constant
    number of queries."""
    return REPAIR_RULES[kind].eligibility(record=record, today=today, context=context)


# --- Daily jobs: the end of publicity terms, seed figures (docs/domain.md §5, §10) ---------
#
# Who owns what: `remediation.services.publicity` (the expiry), `remediation.jobs` (the daily
# runner's jobs), `remediation.selectors.figures` (the seed's figures).

# A term's `publicity_end` is its last public day, inclusive (docs/domain.md "Counting
# periods"); the `publicity_expired` fact (届满停止公示, Order 45 art. 13 [V]; §5 "Automatic
# expiry", §10) is dated this many days later: the first day the record is no longer shown.
PUBLICITY_EXPIRED_AFTER_DAYS = 1
# Penalty records the expiry closes per transaction: set-based over chunks of about 10,000
# rows with short transactions (docs/architecture.md "Jobs"); a killed run resumes by running
# again. Measured: bench/publicity_expiry_bench.py.
PUBLICITY_EXPIRY_CHUNK = 10_000


# --- The abnormal directory, the buffer, objections, the serious list (docs/domain.md §3, §5)
#
# Who owns what: `remediation.services.directory` (the deadline run's consequences, the buffer,
# listings and removals), `remediation.services.objections`, `remediation.services.serious`
# (the 3-year move, the term's end, the legal representative's bar), `remediation.jobs` (their
# daily jobs). The annual-report window and who had to report: `annual_reports.rules`.

# Listing for a missed annual report within 10 WD after the period ends (30 June) [S]; the
# deadline run dates a listing no later than this day (2025: 2025-07-14).
LISTING_WORKING_DAYS = 10
# Reasons 2-4: listed within 10 WD of the order expiring or of the verification [S].
LISTING_AFTER_VERIFICATION_WORKING_DAYS = 10
# An order to disclose gives 10 days (calendar) [S].
DISCLOSURE_ORDER_DAYS = 10
# Removal decided within 5 WD of the application or of the verification [S]; a reason-1
# listing whose missing years are all filed is removed without an application within the same
# 5 WD (the seed's "repaired automatically, without applying"; a setting, on by default).
REMOVAL_WORKING_DAYS = 5
AUTO_REMOVAL = True
# The punishment buffer (惩戒缓冲, local practice [S]): who is eligible (a setting:
# "not_listed_3_years" — not listed in the directory in the 3 years before; "all"; "none")
# and the deadline (a setting: 20 WD from 1 July, counting 1 July; 2025: 2025-07-28).
BUFFER_RULE = "not_listed_3_years"
BUFFER_LOOKBACK_YEARS = 3
BUFFER_WORKING_DAYS = 20
# Reminders to an entity pending listing: this many WD before the buffer deadline [local].
BUFFER_REMINDER_WORKING_DAYS = (10, 3)
# Objections: within 30 calendar days of publication; accepted or not within 5 WD of receipt;
# verified within 20 WD of acceptance [S] (Order 68; IB: Order 69 art. 19).
OBJECTION_DAYS = 30
OBJECTION_ACCEPTANCE_WORKING_DAYS = 5
OBJECTION_VERIFICATION_WORKING_DAYS = 20
# The 3-year rule (条例 art. 17 [V]): 3 years on the directory uncured → the serious list within
# 10 WD after the 3 years end; a public reminder in the 60 days before (SAIC Order 83 [S]).
SERIOUS_AFTER_YEARS = 3
SERIOUS_LISTING_WORKING_DAYS = 10
SERIOUS_REMINDER_DAYS = 60
# Term on the serious list: Order 44 (2021) 3 years [U]; 条例 (2014 text) 5 years [V] — a
# setting, marked unverified (open point 3). Early removal by repair after 1 year [S]
# (enterprises.rules.SERIOUS_REPAIR_AFTER_YEARS).
SERIOUS_TERM_YEARS = 3
# The legal representative barred for 3 years from the serious-list date [V].
REPRESENTATIVE_BAR_YEARS = 3
# Individual businesses' marking codes differ from the directory's (Order 69 [V: codes]):
# our reason → the IB code shown.
INDIVIDUAL_MARK_CODES = {"1": "3", "3": "1", "4": "2"}


def directory_setting(key: str, default: object) -> object:
    """CREDIT_PORTAL[key], else the default above (the settings keys: BUFFER_RULE,
    BUFFER_WORKING_DAYS, AUTO_REMOVAL, SERIOUS_TERM_YEARS)."""
    return settings.CREDIT_PORTAL.get(key, default)
