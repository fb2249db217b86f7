"""The arithmetic of a class, in Python, over a published version's frozen definition
(`ModelVersion.definition`; docs/domain.md §1; issue 16 §3-§4).

One rule, written twice: `risk.engine` computes it set-based in SQL for the runs, this module
computes it for one enterprise in words (the staff's breakdown, the enterprise's own facts and
when each stops weighing, "what would change this class"). Tests make the two agree
(tests/risk/test_explain_agrees.py: random enterprises and facts, SQL == Python).

The rule (COMMON design, "The arithmetic"):
- an indicator's value `v` is a count of ledger facts (source "ledger") or the points its
  mapping or band gives a register field (source "register"); `raw = v × points_per_fact`
  (ledger) or `raw = v` (register); capped to ±max_points when max_points > 0;
  `contribution = capped × weight` (tenths of a point, weight in tenths);
- `score = max(0, Σ contribution)` (tenths; shown as points with one decimal); the class is the
  band with from ≤ score < to;
- hard rules, in order: on the serious list → D ("serious"); else in the abnormal directory →
  at least C ("abnormal", only when it raised the class); else a new entity (as_of −
  registered_on < new_entity_days) whose ledger values are all 0 → B ("new_entity", only when
  it changed the class);
- a fact counts on day D for the knowledge instant T when recorded_at ≤ T, occurred_on ≤ D,
  occurred_on > D − window_days (window_days > 0) and, in force only, no record closing it has
  recorded_at ≤ T and occurred_on ≤ D. It stops weighing on occurred_on + window_days, or when
  a record closes it.

Only `weighing_facts` and `what_would_change` read the database (the enterprise's records, its
current class); the rest is pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from django.utils import timezone
from django.utils.translation import get_language, gettext

from enterprises.kinds import Effect, kind_codes
from risk import rules

if TYPE_CHECKING:
    from enterprises.models import CreditRecord, Enterprise

Definition = Mapping[str, Any]
TENTH = Decimal("0.1")


class Fact(Protocol):
    """What the rule reads of a ledger record (a CreditRecord, or a row a test builds)."""

    @property
    def pk(self) -> Any: ...
    @property
    def kind(self) -> str: ...
    @property
    def occurred_on(self) -> dt.date: ...
    @property
    def recorded_at(self) -> dt.datetime: ...
    @property
    def details(self) -> Any: ...
    @property
    def closes_id(self) -> Any: ...


# --------------------------------------------------------------------------- the arithmetic


def _capped(item: Mapping[str, Any], raw: int) -> int:
    cap = int(item.get("max_points") or 0)
    if cap > 0:
        return max(-cap, min(cap, raw))
    return raw


def indicator_points(item: Mapping[str, Any], value: int) -> int:
    """The points of one indicator for its value, capped (before the weight)."""
    if item["source"] == "ledger":
        return _capped(item, int(value) * int(item["points_per_fact"]))
    return _capped(item, int(value))


def contribution_tenths(item: Mapping[str, Any], value: int) -> int:
    """points × weight: tenths of a point (weight 10 = ×1.0)."""
    return indicator_points(item, value) * int(item["weight"])


def score_tenths(definition: Definition, values: Sequence[int]) -> int:
    total = sum(
        contribution_tenths(item, value)
        for item, value in zip(definition["indicators"], values, strict=True)
    )
    return max(0, total)


def band_class(definition: Definition, score: int) -> str:
    """The class of the band with from ≤ score < to (tenths)."""
    for band in definition["bands"]:
        if score >= int(band["from"]) and (band["to"] is None or score < int(band["to"])):
            return str(band["class"])
    return str(definition["bands"][-1]["class"])  # unreachable for a checked version


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def ledger_values_zero(definition: Definition, values: Sequence[int]) -> bool:
    return all(
        value == 0
        for item, value in zip(definition["indicators"], values, strict=True)
        if item["source"] == "ledger"
    )


def score_of(
    definition: Definition, values: Sequence[int], inputs: Mapping[str, Any], *, as_of: dt.date
) -> tuple[Decimal, str, str]:
    """(score in points with one decimal, class, hard rule) of an assessment, from its values
    and inputs: the same rule as `risk.engine` (module docstring)."""
    score = score_tenths(definition, values)
    computed = band_class(definition, score)
    hard_rules = definition["rules"]
    order = rules.CLASSES
    risk_class, hard_rule = computed, ""
    if hard_rules["serious_d"] and inputs.get("serious"):
        risk_class, hard_rule = order[-1], "serious"
    elif hard_rules["abnormal_min_c"] and inputs.get("abnormal"):
        floor = rules.TASK_CLASSES_UP[0]
        if order.index(computed) < order.index(floor):
            risk_class, hard_rule = floor, "abnormal"
    elif (
        hard_rules["new_entity_b"]
        and (as_of - _date(inputs["registered_on"])).days < int(hard_rules["new_entity_days"])
        and ledger_values_zero(definition, values)
    ):
        new_class = order[1]
        if computed != new_class:
            risk_class, hard_rule = new_class, "new_entity"
    return (Decimal(score) / 10).quantize(TENTH), risk_class, hard_rule


# --------------------------------------------------------------------------- in words


def _language_zh() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


def item_name(item: Mapping[str, Any]) -> str:
    """An indicator's name in the reader's language."""
    return str(item["name_zh"] if _language_zh() else item["name_en"])


def family_label(family: str) -> str:
    from risk.models import Indicator

    try:
        return str(Indicator.Family(family).label)
    except ValueError:
        return family


def _item_text(item: Mapping[str, Any], value: int, points: int) -> str:
    """The indicator in a sentence, in the reader's language: "Penalties in the last 3 years:
    3 × 15 points, at most 45: 45 points" (ledger), "Years in operation: 5 points" (register),
    and the weight when it is not ×1: "… × 1.5 = 67.5 points"."""
    name = item_name(item)
    if item["source"] == "ledger":
        cap = int(item.get("max_points") or 0)
        numbers = {"name": name, "count": value, "per": item["points_per_fact"], "total": points}
        if cap:
            text = gettext(
                "%(name)s: %(count)d × %(per)d points, at most %(cap)d: %(total)d points"
            )
            text %= {**numbers, "cap": cap}
        else:
            text = gettext("%(name)s: %(count)d × %(per)d points: %(total)d points") % numbers
    else:
        text = gettext("%(name)s: %(total)d points") % {"name": name, "total": points}
    weight = int(item["weight"])
    if weight != 10:
        text += gettext(" × %(weight)s = %(contribution)s points") % {
            "weight": Decimal(weight) / 10,
            "contribution": Decimal(points * weight) / 10,
        }
    return text


@dataclass(frozen=True)
class Contribution:
    """One indicator's part in a score (points with one decimal; weight as a factor)."""

    code: str
    name: str
    family: str
    family_label: str
    nature: str
    source: str
    value: int
    points: int
    weight: Decimal
    contribution: Decimal
    text: str


def breakdown(
    definition: Definition, values: Sequence[int], inputs: Mapping[str, Any]
) -> list[Contribution]:
    """Each indicator's contribution to an assessment, in the definition's order, with a
    sentence in the reader's language. `inputs` is accepted for the interface (the register
    inputs are already points in `values`)."""
    rows = []
    for item, value in zip(definition["indicators"], values, strict=True):
        points = indicator_points(item, int(value))
        weight = Decimal(int(item["weight"])) / 10
        rows.append(
            Contribution(
                code=str(item["code"]),
                name=item_name(item),
                family=str(item["family"]),
                family_label=family_label(str(item["family"])),
                nature=str(item["nature"]),
                source=str(item["source"]),
                value=int(value),
                points=points,
                weight=weight,
                contribution=Decimal(points * int(item["weight"])) / 10,
                text=_item_text(item, int(value), points),
            )
        )
    return rows


# --------------------------------------------------------------------------- the values


def age_years(registered_on: dt.date, as_of: dt.date) -> int:
    """Whole years from registration to the day (a birthday on 29 February counts on the
    1 March of other years)."""
    before = (as_of.month, as_of.day) < (registered_on.month, registered_on.day)
    return as_of.year - registered_on.year - int(before)


def capital_text(value: Any) -> str | None:
    """Registered capital as the assessment's inputs keep it: "100", "12.5", or None."""
    if value is None:
        return None
    text = format(Decimal(value).normalize(), "f")
    return text


def register_points(item: Mapping[str, Any], register: Mapping[str, Any]) -> int:
    """The points a register indicator gives the enterprise's field (a mapping for a field of
    choices, bands [[from, to, points], ...] for a number; nothing found: 0)."""
    field = item["register_field"]
    value = register.get(field)
    if rules.REGISTER_FIELDS.get(field) == "choice":
        return int((item.get("mapping") or {}).get(str(value), 0))
    if value is None:
        return 0
    number = Decimal(value)
    for low, high, points in item.get("bands") or []:
        if (low is None or number >= Decimal(low)) and (high is None or number < Decimal(high)):
            return int(points)
    return 0


@dataclass
class Known:
    """An enterprise's ledger as known at T, up to day D: the facts that count and who closes
    them (the records themselves, for the explanations)."""

    facts: list[Any]
    closed: set[Any]  # pks of facts closed by a record known at T dated no later than D
    status: str
    serious: list[Any]
    abnormal: list[Any]


def known(records: Iterable[Fact], *, as_of: dt.date, knowledge_at: dt.datetime) -> Known:
    """The facts known at `knowledge_at` dated on or before `as_of`, the closed ones, the
    status (latest STATUS-effect fact, a suspension whose filed period ended counting as
    operating) and the listings in force."""
    facts = sorted(
        (r for r in records if r.recorded_at <= knowledge_at and r.occurred_on <= as_of),
        key=lambda r: (r.occurred_on, r.pk),
    )
    closed = {r.closes_id for r in facts if r.closes_id is not None}
    status_kinds = set(kind_codes(effect=Effect.STATUS))
    status = "operating"
    # The latest STATUS-effect record that names a status (a registration may not).
    latest = None
    for record in facts:
        details = record.details if isinstance(record.details, Mapping) else {}
        if record.kind in status_kinds and details.get("status") is not None:
            latest = details
    if latest is not None:
        status = str(latest["status"])
        until = latest.get("until") if status == "suspended" else None
        if until and _date(until) < as_of:
            status = "operating"
    abnormal_kinds = set(kind_codes(effect=Effect.ABNORMAL))
    serious_kinds = set(kind_codes(effect=Effect.SERIOUS))
    return Known(
        facts=facts,
        closed=closed,
        status=status,
        serious=[r for r in facts if r.kind in serious_kinds and r.pk not in closed],
        abnormal=[r for r in facts if r.kind in abnormal_kinds and r.pk not in closed],
    )


def counts(item: Mapping[str, Any], ledger: Known, *, as_of: dt.date) -> list[Any]:
    """The facts a ledger indicator counts on the day."""
    kinds = set(item["kinds"])
    window = int(item.get("window_days") or 0)
    since = as_of - dt.timedelta(days=window) if window else None
    return [
        r
        for r in ledger.facts
        if r.kind in kinds
        and (since is None or r.occurred_on > since)
        and not (item.get("in_force_only") and r.pk in ledger.closed)
    ]


def register_of(enterprise: Any, *, as_of: dt.date, status: str) -> dict[str, Any]:
    """The register fields an indicator may read (risk.rules.REGISTER_FIELDS), on the day."""
    return {
        "entity_type": enterprise.entity_type,
        "industry_section": enterprise.industry_section,
        "industry_division": enterprise.industry_division,
        "status": status,
        "age_years": age_years(enterprise.registered_on, as_of),
        "registered_capital": enterprise.registered_capital,
    }


def is_classified(enterprise: Any, *, as_of: dt.date, status: str) -> bool:
    """Who is classified on the day (docs/domain.md §1; issue 16 §2)."""
    return (
        enterprise.entity_type in rules.classified_types()
        and enterprise.registered_on <= as_of
        and status in rules.CLASSIFIED_STATUSES
    )


def values_of(
    definition: Definition, enterprise: Any, ledger: Known, *, as_of: dt.date
) -> list[int]:
    """Each indicator's value, in the definition's order."""
    register = register_of(enterprise, as_of=as_of, status=ledger.status)
    return [
        len(counts(item, ledger, as_of=as_of))
        if item["source"] == "ledger"
        else register_points(item, register)
        for item in definition["indicators"]
    ]


def inputs_of(enterprise: Any, ledger: Known, *, as_of: dt.date) -> dict[str, Any]:
    """The register attributes an assessment keeps (Assessment.inputs)."""
    return {
        "entity_type": enterprise.entity_type,
        "industry_section": enterprise.industry_section,
        "industry_division": enterprise.industry_division,
        "division": enterprise.division,
        "department_id": enterprise.department_id,
        "registered_on": enterprise.registered_on.isoformat(),
        "age_years": age_years(enterprise.registered_on, as_of),
        "registered_capital": capital_text(enterprise.registered_capital),
        "status": ledger.status,
        "serious": bool(ledger.serious),
        "abnormal": bool(ledger.abnormal),
    }


def definition_for(definitions: Iterable[Definition], industry_division: str) -> Definition | None:
    """The model an enterprise falls under: the industry model whose divisions hold its
    division, else the general model (the engine's order: industry models by code)."""
    general = None
    for definition in sorted(definitions, key=lambda d: (d["is_general"], d["model"])):
        if definition["is_general"]:
            general = general or definition
        elif industry_division in definition["industry_divisions"]:
            return definition
    return general


@dataclass(frozen=True)
class Assessed:
    """A Python assessment of one enterprise (the reference the SQL is tested against)."""

    definition: Definition
    values: list[int]
    inputs: dict[str, Any]
    score: Decimal
    risk_class: str
    hard_rule: str


def assess(
    enterprise: Any,
    records: Iterable[Fact],
    definitions: Iterable[Definition],
    *,
    as_of: dt.date,
    knowledge_at: dt.datetime,
) -> Assessed | None:
    """Assess one enterprise in Python from its records (None: not classified on the day, or
    no model applies)."""
    ledger = known(records, as_of=as_of, knowledge_at=knowledge_at)
    if not is_classified(enterprise, as_of=as_of, status=ledger.status):
        return None
    definition = definition_for(definitions, enterprise.industry_division)
    if definition is None:
        return None
    values = values_of(definition, enterprise, ledger, as_of=as_of)
    inputs = inputs_of(enterprise, ledger, as_of=as_of)
    score, risk_class, hard_rule = score_of(definition, values, inputs, as_of=as_of)
    return Assessed(definition, values, inputs, score, risk_class, hard_rule)


# --------------------------------------------------------------------------- for people


@dataclass(frozen=True)
class WeighingFact:
    """One of the enterprise's own facts that weighs on its class, and when it stops."""

    record: CreditRecord
    indicator_code: str
    indicator_name: str
    points: Decimal
    ends_on: dt.date | None
    ends_how: str


@dataclass(frozen=True)
class Change:
    """A fact whose end or repair would move the class: the score and class without it."""

    record: CreditRecord
    indicator_name: str
    score_after: Decimal
    class_after: str
    ends_on: dt.date | None
    how: str


def until_removed() -> str:
    """When a listing in force stops weighing: it has no end date (docs/domain.md §1, §3)."""
    return gettext("until removed (a listing has no end date)")


def _ends(item: Mapping[str, Any], record: Any) -> tuple[dt.date | None, str]:
    window = int(item.get("window_days") or 0)
    if window:
        return record.occurred_on + dt.timedelta(days=window), gettext("when the window ends")
    if item.get("in_force_only"):
        return None, gettext("when it is closed: removal or repair")
    return None, gettext("does not end by itself")


def _hard_rule_name(code: str) -> str:
    from risk.models import Assessment

    return str(Assessment.HardRule(code).label)


def _current_assessment(
    enterprise: Enterprise, *, on: dt.date
) -> tuple[Definition, list[Any], Assessed] | None:
    """The enterprise's records and its assessment on `on` with what is known now, under the
    versions in force now."""
    from enterprises.models import CreditRecord
    from risk.engine import versions_in_force

    now = timezone.now()
    records = list(CreditRecord.objects.filter(enterprise=enterprise).order_by("occurred_on", "id"))
    definitions = [v.definition for v in versions_in_force(now)]
    assessed = assess(enterprise, records, definitions, as_of=on, knowledge_at=now)
    if assessed is None:
        return None
    return assessed.definition, records, assessed


def weighing_facts(enterprise: Enterprise, *, on: dt.date) -> list[WeighingFact]:
    """The enterprise's own facts that weigh on its class on `on` (what is known now, the
    versions in force now), each with its share of the points and when it stops weighing;
    the listings that set a hard rule too. Latest first."""
    found = _current_assessment(enterprise, on=on)
    if found is None:
        return []
    definition, records, assessed = found
    ledger = known(records, as_of=on, knowledge_at=timezone.now())
    facts: list[WeighingFact] = []
    for item, value in zip(definition["indicators"], assessed.values, strict=True):
        if item["source"] != "ledger" or not value:
            continue
        share = (Decimal(contribution_tenths(item, value)) / 10 / value).quantize(TENTH)
        for record in counts(item, ledger, as_of=on):
            ends_on, how = _ends(item, record)
            facts.append(
                WeighingFact(record, str(item["code"]), item_name(item), share, ends_on, how)
            )
    # A listing in force weighs until it is removed, whatever an indicator's window says (an
    # in-force indicator or the hard rule still holds it): one line per listing, its points
    # summed, no date (issue 16 leftovers: a windowed count gave it the window's end).
    hard = {"serious": ledger.serious, "abnormal": ledger.abnormal}
    setting = {r.pk for r in hard.get(assessed.hard_rule, [])}
    rule_name = _hard_rule_name(assessed.hard_rule) if setting else ""
    listed = {record.pk: record for record in [*ledger.serious, *ledger.abnormal]}
    merged: dict[Any, WeighingFact] = {}
    others: list[WeighingFact] = []
    for f in facts:
        if f.record.pk not in listed:
            others.append(f)
            continue
        seen = merged.get(f.record.pk)
        merged[f.record.pk] = WeighingFact(
            f.record,
            seen.indicator_code if seen else f.indicator_code,
            f"{seen.indicator_name}; {f.indicator_name}" if seen else f.indicator_name,
            (seen.points if seen else Decimal(0)) + f.points,
            None,
            until_removed(),
        )
    for pk in setting:
        seen = merged.get(pk)
        name = f"{seen.indicator_name}; {rule_name}" if seen else rule_name
        merged[pk] = WeighingFact(
            listed[pk],
            seen.indicator_code if seen else "",
            name,
            seen.points if seen else Decimal(0),
            None,
            until_removed(),
        )
    facts = [*others, *merged.values()]
    facts.sort(key=lambda f: (f.record.occurred_on, f.record.pk), reverse=True)
    return facts


def what_would_change(enterprise: Enterprise, *, on: dt.date) -> list[Change]:
    """The facts whose end or repair alone would move the enterprise's class on `on`: for each
    fact that weighs (an indicator's count or a listing that sets a hard rule), the score and
    class without it; the earliest end first (facts that end only when closed last)."""
    found = _current_assessment(enterprise, on=on)
    if found is None:
        return []
    definition, records, assessed = found
    now = timezone.now()
    ledger = known(records, as_of=on, knowledge_at=now)
    names: dict[Any, tuple[str, dt.date | None, str]] = {}
    # Listings in force first: one that sets a hard rule ends only when it is closed, even
    # where a windowed indicator counts it too (its window's end would not move the class).
    for code, listed in (("serious", ledger.serious), ("abnormal", ledger.abnormal)):
        for record in listed:
            names.setdefault(record.pk, (_hard_rule_name(code), None, until_removed()))
    for item in definition["indicators"]:
        if item["source"] != "ledger":
            continue
        for record in counts(item, ledger, as_of=on):
            ends_on, how = _ends(item, record)
            if int(item["points_per_fact"]) > 0:
                names.setdefault(record.pk, (item_name(item), ends_on, how))
    by_pk = {r.pk: r for r in records}
    changes = []
    for pk, (name, ends_on, how) in names.items():
        without = [r for r in records if r.pk != pk]
        after = assess(enterprise, without, [definition], as_of=on, knowledge_at=now)
        if after is None or after.risk_class == assessed.risk_class:
            continue
        changes.append(Change(by_pk[pk], name, after.score, after.risk_class, ends_on, how))
    changes.sort(key=lambda c: (c.ends_on is None, c.ends_on or on, c.record.pk))
    return changes
