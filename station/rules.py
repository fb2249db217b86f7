"""The credit station's rules (issue 18 §3): the conditions a policy measure may set, each over a
fact the register or the ledger really holds, and how each is checked.

Sources:
- the seed's "rewards with discipline" (奖惩结合): policy, credit and finance boosts for entities
  in good standing (../shared/seed/SEED-en.md; docs/domain.md §1, classification's use);
- the register's fields (docs/domain.md §2: entity type, GB/T 4754-2017 industry, street or town,
  registration date, registered capital in CNY 10,000);
- the ledger's state (docs/domain.md §3 abnormal directory and serious list, §4 annual reports,
  §5 penalties in publicity, §9 letters and their reply deadlines).

A condition is a JSON object `{"type": <code>, "value": ...}`; `type` must be one of
`CONDITION_TYPES`, `value` of the kind its type asks (a list of codes, a whole number of years,
an amount in CNY 10,000, or nothing for a flag). The risk class is deliberately not a condition:
classes are internal (docs/domain.md §1 "Visibility"), so a measure is matched on facts the
enterprise can see and change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from enterprises.industries import DIVISIONS, SECTIONS
from enterprises.models import Enterprise

# What the value of a condition is.
CODES = "codes"  # a non-empty list of codes from a fixed list
NAMES = "names"  # a non-empty list of free names (streets and towns, as the register holds them)
YEARS = "years"  # a whole number of years, 0-100
AMOUNT = "amount"  # an amount in CNY 10,000, >= 0
FLAG = "flag"  # no value (or true)

# The longest street name the register holds (Enterprise.division, max_length 64).
STREET_MAX_LENGTH = 64
YEARS_MAX = 100
# The most conditions one measure may set (a catalogue entry a person can read).
CONDITIONS_MAX = 20


@dataclass(frozen=True)
class ConditionType:
    code: str
    label: str | Promise
    value_kind: str


CONDITION_TYPES: dict[str, ConditionType] = {
    c.code: c
    for c in (
        ConditionType("entity_types", _("Entity type is one of"), CODES),
        ConditionType("industry_sections", _("Industry section is one of"), CODES),
        ConditionType("industry_divisions", _("Industry division is one of"), CODES),
        ConditionType("streets", _("Registered in one of these streets or towns"), NAMES),
        ConditionType("registered_years_at_least", _("Registered at least N years ago"), YEARS),
        ConditionType("registered_years_at_most", _("Registered at most N years ago"), YEARS),
        ConditionType("capital_at_most", _("Registered capital at most (CNY 10,000)"), AMOUNT),
        ConditionType("capital_at_least", _("Registered capital at least (CNY 10,000)"), AMOUNT),
        ConditionType("operating", _("In business (not suspended, deregistered or revoked)"), FLAG),
        ConditionType("no_abnormal_listing", _("No abnormal listing in force"), FLAG),
        ConditionType(
            "not_on_serious_list", _("Not on the serious illegal and dishonest list"), FLAG
        ),
        ConditionType("no_penalty_in_publicity", _("No administrative penalty in publicity"), FLAG),
        ConditionType("annual_report_filed", _("Filed last year's annual report"), FLAG),
        ConditionType(
            "no_overdue_letter", _("No letter from the bureau left unanswered past its date"), FLAG
        ),
    )
}


def allowed_codes(code: str) -> dict[str, str]:
    """The codes a list condition accepts, with their labels."""
    if code == "entity_types":
        return {value: str(label) for value, label in Enterprise.EntityType.choices}
    if code == "industry_sections":
        return {key: names[0] for key, names in SECTIONS.items()}
    if code == "industry_divisions":
        return {key: names[1] for key, names in DIVISIONS.items()}
    return {}


def _value_problem(kind: ConditionType, value: Any) -> str | None:
    """What is wrong with a condition's value, or None."""
    if kind.value_kind == FLAG:
        if value not in (None, True):
            return gettext("this condition takes no value (or true).")
        return None
    if kind.value_kind in (CODES, NAMES):
        if not isinstance(value, list) or not value:
            return gettext("give a non-empty list.")
        if any(not isinstance(v, str) or not v.strip() for v in value):
            return gettext("every entry must be non-empty text.")
        if len(set(value)) != len(value):
            return gettext("an entry is given twice.")
        if kind.value_kind == CODES:
            allowed = allowed_codes(kind.code)
            unknown = [v for v in value if v not in allowed]
            if unknown:
                return gettext("not a known code: %(codes)s.") % {"codes": ", ".join(unknown)}
        elif any(len(v) > STREET_MAX_LENGTH for v in value):
            return gettext("a street or town name has at most %(n)d characters.") % {
                "n": STREET_MAX_LENGTH
            }
        return None
    if kind.value_kind == YEARS:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= YEARS_MAX:
            return gettext("give a whole number of years from 0 to %(n)d.") % {"n": YEARS_MAX}
        return None
    # AMOUNT
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return gettext("give an amount in CNY 10,000, such as 100 or 12.5.")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return gettext("give an amount in CNY 10,000, such as 100 or 12.5.")
    if not amount.is_finite() or amount < 0:
        return gettext("the amount must be zero or more.")
    return None


def condition_value_problem(condition: dict[str, Any]) -> str | None:
    """What is wrong with one well-typed condition's value (a sentence fragment), or None."""
    kind = CONDITION_TYPES[condition["type"]]
    return _value_problem(kind, condition.get("value"))


def conditions_problems(conditions: Any) -> list[str]:
    """Every problem of a measure's conditions, each a sentence naming the condition (1-based)
    and what is wrong; empty: valid."""
    if not isinstance(conditions, list):
        return [gettext("Conditions must be a list of condition objects.")]
    if len(conditions) > CONDITIONS_MAX:
        return [gettext("At most %(n)d conditions.") % {"n": CONDITIONS_MAX}]
    problems: list[str] = []
    seen: set[str] = set()
    for number, condition in enumerate(conditions, start=1):
        if not isinstance(condition, dict):
            problems.append(
                gettext('Condition %(n)d: write an object like {"type": "operating"}.')
                % {"n": number}
            )
            continue
        code = condition.get("type")
        kind = CONDITION_TYPES.get(code) if isinstance(code, str) else None
        if kind is None:
            problems.append(
                gettext("Condition %(n)d: unknown condition “%(type)s”. Known: %(known)s.")
                % {"n": number, "type": code, "known": ", ".join(CONDITION_TYPES)}
            )
            continue
        extra = sorted(set(condition) - {"type", "value"})
        if extra:
            problems.append(
                gettext("Condition %(n)d (%(label)s): unknown key %(keys)s.")
                % {"n": number, "label": kind.label, "keys": ", ".join(extra)}
            )
        problem = _value_problem(kind, condition.get("value"))
        if problem:
            problems.append(
                gettext("Condition %(n)d (%(label)s): %(problem)s")
                % {"n": number, "label": kind.label, "problem": problem}
            )
        if code in seen:
            problems.append(
                gettext("Condition %(n)d (%(label)s): this condition is set twice.")
                % {"n": number, "label": kind.label}
            )
        seen.add(str(code))
    return problems


# A stored condition the portal cannot check any more (a type renamed or removed since the
# measure was saved, or a value of the wrong shape): it counts as NOT met, and it is not
# ACTIONABLE, so such a measure is never offered as qualifying nor as "almost" (nothing the
# enterprise does meets it; the issuing department must correct the measure).
UNKNOWN_CONDITION = "unknown"

# How close a measure must be to be shown as "almost": at most this many conditions not met,
# each one the enterprise can meet by acting or by waiting (a listing removed, a report filed,
# a letter answered, a penalty repaired, the years to come). A measure for another entity type,
# industry, street or size is not "almost": nothing the enterprise does changes those.
ALMOST_MISSING_MAX = 2
ACTIONABLE = frozenset(
    {
        "operating",
        "no_abnormal_listing",
        "not_on_serious_list",
        "no_penalty_in_publicity",
        "annual_report_filed",
        "no_overdue_letter",
        "registered_years_at_least",
    }
)


# --------------------------------------------------------------------------- the staff form

# The conditions as staff compose them on the catalogue's page: a fact, an operator, a value.
# Each (fact, operator) pair names exactly one of `CONDITION_TYPES` (the stored form stays
# `{"type": ..., "value": ...}`); a pair not listed here is not a condition.
ONE_OF, AT_LEAST, AT_MOST, HOLDS = "one_of", "at_least", "at_most", "holds"
OPERATORS: dict[str, str | Promise] = {
    ONE_OF: _("is one of"),
    AT_LEAST: _("is at least"),
    AT_MOST: _("is at most"),
    HOLDS: _("holds (no value)"),
}


@dataclass(frozen=True)
class Fact:
    code: str
    label: str | Promise
    operators: dict[str, str]  # operator -> condition type


FACTS: dict[str, Fact] = {
    f.code: f
    for f in (
        Fact("entity_type", _("Entity type"), {ONE_OF: "entity_types"}),
        Fact("industry_section", _("Industry section"), {ONE_OF: "industry_sections"}),
        Fact("industry_division", _("Industry division"), {ONE_OF: "industry_divisions"}),
        Fact("street", _("Street or town of registration"), {ONE_OF: "streets"}),
        Fact(
            "registered_years",
            _("Years since registration"),
            {AT_LEAST: "registered_years_at_least", AT_MOST: "registered_years_at_most"},
        ),
        Fact(
            "capital",
            _("Registered capital (CNY 10,000)"),
            {AT_LEAST: "capital_at_least", AT_MOST: "capital_at_most"},
        ),
        Fact("operating", CONDITION_TYPES["operating"].label, {HOLDS: "operating"}),
        Fact(
            "no_abnormal_listing",
            CONDITION_TYPES["no_abnormal_listing"].label,
            {HOLDS: "no_abnormal_listing"},
        ),
        Fact(
            "not_on_serious_list",
            CONDITION_TYPES["not_on_serious_list"].label,
            {HOLDS: "not_on_serious_list"},
        ),
        Fact(
            "no_penalty_in_publicity",
            CONDITION_TYPES["no_penalty_in_publicity"].label,
            {HOLDS: "no_penalty_in_publicity"},
        ),
        Fact(
            "annual_report_filed",
            CONDITION_TYPES["annual_report_filed"].label,
            {HOLDS: "annual_report_filed"},
        ),
        Fact(
            "no_overdue_letter",
            CONDITION_TYPES["no_overdue_letter"].label,
            {HOLDS: "no_overdue_letter"},
        ),
    )
}

# What separates the entries of a list value typed in one field.
_LIST_SEPARATORS = re.compile(r"[,，、;；\n\r]+")


def _code_of(type_code: str, typed: str) -> str:
    """A code typed as its code (in any case) or as its label; else as typed (the service then
    names it as unknown)."""
    allowed = allowed_codes(type_code)
    for candidate in (typed, typed.upper(), typed.lower()):
        if candidate in allowed:
            return candidate
    by_label = {str(label): code for code, label in allowed.items()}
    with translation.override("zh-hans"):  # the Chinese names too, whatever the page's language
        by_label.update({str(label): code for code, label in allowed_codes(type_code).items()})
    return by_label.get(typed, typed)


def condition_parts(condition: Any) -> tuple[str, str, str]:
    """A stored condition as the form shows it: (fact, operator, value as typed). A condition
    the form cannot show (an unknown type) gives its type as the fact, for the error to name."""
    code = condition.get("type") if isinstance(condition, dict) else None
    for fact in FACTS.values():
        for operator, type_code in fact.operators.items():
            if type_code == code:
                value = condition.get("value")
                if isinstance(value, list):
                    return fact.code, operator, "、".join(str(v) for v in value)
                return fact.code, operator, "" if value in (None, True) else str(value)
    return str(code), "", ""


def condition_from_parts(fact: str, operator: str, raw: str) -> tuple[dict[str, Any] | None, str]:
    """The stored condition for a row of the form, or None and what is wrong (a sentence)."""
    found = FACTS.get(fact)
    if found is None:
        return None, gettext("choose a fact from the list.")
    type_code = found.operators.get(operator)
    if type_code is None:
        allowed = ", ".join(str(OPERATORS[o]) for o in found.operators)
        return None, gettext("“%(fact)s” takes the operator: %(allowed)s.") % {
            "fact": found.label,
            "allowed": allowed,
        }
    kind = CONDITION_TYPES[type_code]
    raw = (raw or "").strip()
    if kind.value_kind == FLAG:
        if raw:
            return None, gettext("“%(fact)s” takes no value: leave the value empty.") % {
                "fact": found.label
            }
        return {"type": type_code}, ""
    if not raw:
        return None, gettext("give a value.")
    if kind.value_kind in (CODES, NAMES):
        entries = [v.strip() for v in _LIST_SEPARATORS.split(raw) if v.strip()]
        if kind.value_kind == CODES:
            entries = [_code_of(type_code, v) for v in entries]
        return {"type": type_code, "value": entries}, ""
    if kind.value_kind == YEARS:
        if not raw.isdigit():
            return None, gettext("give a whole number of years from 0 to %(n)d.") % {"n": YEARS_MAX}
        return {"type": type_code, "value": int(raw)}, ""
    try:
        amount = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return None, gettext("give an amount in CNY 10,000, such as 100 or 12.5.")
    if not amount.is_finite():
        return None, gettext("give an amount in CNY 10,000, such as 100 or 12.5.")
    value: int | str = (
        int(amount) if amount == amount.to_integral_value() else str(amount.normalize())
    )
    return {"type": type_code, "value": value}, ""
