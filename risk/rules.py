"""Risk classification: the rules, defaults and limits, each with its source in
docs/domain.md §1 (and the issue that asks for it). Services, the engine, jobs and pages read
these names; no number below is written anywhere else. Settings (`CREDIT_PORTAL[...]`) override
the local-practice values.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

# The four classes, low to high (§1 "Four classes"); a band list must name each once, in order.
CLASSES = ("A", "B", "C", "D")

# Who is classified (issue 16 §2; §1): every enterprise; individual businesses only where the
# bureau turns that on (setting RISK_CLASSIFY_INDIVIDUAL_BUSINESSES, off by default: they form
# their own stratum in the draw). Entities no longer supervised here are not classified.
ENTERPRISE_TYPES = ("company", "branch", "partnership", "sole_proprietorship", "farmers_coop")
INDIVIDUAL_BUSINESS = "individual_business"
CLASSIFIED_STATUSES = ("operating", "suspended")

# Register fields an indicator may read (they are not in the ledger, so an assessment keeps
# the value it used in `inputs`). "age_years": whole years since registration on the
# assessment date; "registered_capital": CNY 10,000. Choice fields take a mapping
# value -> points, number fields bands [[from, to, points], ...] (from inclusive, to
# exclusive, to null: open-ended).
REGISTER_FIELDS: dict[str, str] = {
    "entity_type": "choice",
    "industry_section": "choice",
    "industry_division": "choice",
    "status": "choice",
    "age_years": "number",
    "registered_capital": "number",
}

# Weights are tenths (10 = ×1.0); an indicator sets the range a model may use, within this.
WEIGHT_LIMIT = 50
# Hard rules (§1 "General + professional": on the serious list → D (Anhui: the highest grade
# at once); issue 16 §2: listed abnormal → at least C; a new entity with no history → B).
NEW_ENTITY_DAYS = 365

# Sensing (issue 16 §8): a move up to C or D, or down from D, gives the responsible department
# a task, due within this many working days [local practice].
TASK_WORKING_DAYS = 10
TASK_CLASSES_UP = ("C", "D")

# An override (issue 16 §7) lasts at most this many calendar days [local practice].
OVERRIDE_MAX_DAYS = 366

# The nightly run's id windows (issue 16 §5; PERFORMANCE: chunks of about 10k–50k rows).
CHUNK_SIZE = 50_000
# PostgreSQL work_mem of a run's step (SET LOCAL): the step's hash aggregate of ~150k ledger
# rows must not spill to disk (PERFORMANCE; bench/classification_bench.py). Setting
# RISK_WORK_MEM overrides it.
RUN_WORK_MEM = "32MB"


def setting(name: str, default: Any) -> Any:
    return getattr(settings, "CREDIT_PORTAL", {}).get(name, default)


def classify_individual_businesses() -> bool:
    """Individual businesses are classified only where the bureau turns it on (§1, issue 16 §2)."""
    return bool(setting("RISK_CLASSIFY_INDIVIDUAL_BUSINESSES", False))


def classified_types() -> tuple[str, ...]:
    if classify_individual_businesses():
        return (*ENTERPRISE_TYPES, INDIVIDUAL_BUSINESS)
    return ENTERPRISE_TYPES


def show_class_to_enterprises() -> bool:
    """Whether an enterprise sees its own class (§1 "Visibility": off by default)."""
    from enterprises.selectors.accounts import show_risk_class_to_enterprises

    return show_risk_class_to_enterprises()
