"""Builders for the classification tests: indicators, a published general model with a
hand-built frozen definition (the format of docs in risk.models / risk.services.models), the
current class and assessments written directly (for page and API tests that need rows without
running the engine). Owned by the engine's tests; others add functions at the end."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from enterprises.models import Enterprise
from risk.models import (
    Assessment,
    ClassificationRun,
    CurrentClass,
    Indicator,
    ModelVersion,
    ScoringModel,
    VersionBand,
    VersionIndicator,
)

# A small general model: three ledger indicators and one register indicator.
INDICATORS: list[dict[str, Any]] = [
    {
        "code": "abnormal_in_force",
        "name_zh": "列入经营异常名录(未移出)",
        "name_en": "Listed in the abnormal directory",
        "family": "supervision",
        "nature": "dynamic",
        "source": "ledger",
        "kinds": ["abnormal_listing"],
        "window_days": 0,
        "in_force_only": True,
        "points_per_fact": 30,
        "max_points": 30,
    },
    {
        "code": "age",
        "name_zh": "成立年限",
        "name_en": "Years in operation",
        "family": "basic",
        "nature": "static",
        "source": "register",
        "register_field": "age_years",
        "bands": [[0, 1, 10], [1, 3, 5], [3, None, 0]],
    },
    {
        "code": "penalties_3y",
        "name_zh": "近三年行政处罚",
        "name_en": "Penalties in the last 3 years",
        "family": "supervision",
        "nature": "dynamic",
        "source": "ledger",
        "kinds": ["penalty"],
        "window_days": 1095,
        "in_force_only": False,
        "points_per_fact": 15,
        "max_points": 45,
    },
    {
        "code": "soft_actions_1y",
        "name_zh": "近一年柔性执法",
        "name_en": "Soft enforcement in the last year",
        "family": "supervision",
        "nature": "dynamic",
        "source": "ledger",
        "kinds": ["soft_enforcement"],
        "window_days": 365,
        "in_force_only": False,
        "points_per_fact": 5,
        "max_points": 15,
    },
]
BANDS = [("A", 0, 200), ("B", 200, 500), ("C", 500, 800), ("D", 800, None)]


def indicator(**fields: Any) -> Indicator:
    code = fields.pop("code")
    return Indicator.objects.update_or_create(code=code, defaults=fields)[0]


def definition_of(version: ModelVersion, weights: dict[str, int]) -> dict[str, Any]:
    """The frozen definition of `version`, written by hand in the agreed format."""
    items = []
    for entry in sorted(INDICATORS, key=lambda i: i["code"]):
        if entry["code"] not in weights:
            continue
        item = {
            "register_field": "",
            "mapping": {},
            "bands": [],
            "kinds": [],
            "window_days": 0,
            "in_force_only": False,
            "points_per_fact": 0,
            "max_points": 0,
            **entry,
            "weight": weights[entry["code"]],
        }
        items.append(item)
    model = version.model
    return {
        "format": 1,
        "version_id": version.pk,
        "model": model.code,
        "model_name_zh": model.name_zh,
        "model_name_en": model.name_en,
        "number": version.number,
        "is_general": model.is_general,
        "industry_divisions": list(model.industry_divisions),
        "indicators": items,
        "bands": [{"class": c, "from": f, "to": t} for c, f, t in BANDS],
        "rules": {
            "serious_d": version.rule_serious_d,
            "abnormal_min_c": version.rule_abnormal_min_c,
            "new_entity_b": version.rule_new_entity_b,
            "new_entity_days": version.new_entity_days,
        },
    }


def general_version(
    *, weights: dict[str, int] | None = None, published_at: Any = None, number: int = 1
) -> ModelVersion:
    """A published general model version with the indicators above (weights in tenths)."""
    weights = weights or {entry["code"]: 10 for entry in INDICATORS}
    model = ScoringModel.objects.get_or_create(
        code="general",
        defaults={"name_zh": "通用模型", "name_en": "General model", "is_general": True},
    )[0]
    version = ModelVersion.objects.create(
        model=model,
        number=number,
        status=ModelVersion.Status.PUBLISHED,
        published_at=published_at or timezone.now() - dt.timedelta(days=1),
    )
    for entry in INDICATORS:
        if entry["code"] in weights:
            fields = {k: v for k, v in entry.items() if k != "code"}
            VersionIndicator.objects.create(
                version=version,
                indicator=indicator(code=entry["code"], **fields),
                weight=weights[entry["code"]],
            )
    for risk_class, low, high in BANDS:
        VersionBand.objects.create(
            version=version,
            risk_class=risk_class,
            score_from=Decimal(low) / 10,
            score_to=None if high is None else Decimal(high) / 10,
        )
    version.definition = definition_of(version, weights)
    version.save(update_fields=["definition"])
    return version


def applied_run(*, as_of: dt.date | None = None, reason: str = "manual") -> ClassificationRun:
    """A finished applying run row (no steps run), for rows written by hand."""
    now = timezone.now()
    return ClassificationRun.objects.create(
        reason=reason,
        applies=True,
        as_of=as_of or timezone.localdate(),
        knowledge_at=now,
        status=ClassificationRun.Status.DONE,
        finished_at=now,
    )


def classify_by_hand(
    enterprise: Enterprise,
    risk_class: str,
    *,
    score: str = "10.0",
    version: ModelVersion | None = None,
    run: ClassificationRun | None = None,
    previous_class: str = "",
) -> CurrentClass:
    """Write an assessment and the current class directly (no engine)."""
    version = version or general_version()
    run = run or applied_run()
    Assessment.objects.create(
        enterprise=enterprise,
        run=run,
        version=version,
        as_of=run.as_of,
        score=Decimal(score),
        risk_class=risk_class,
        previous_class=previous_class,
        values=[0] * len(version.definition.get("indicators", [])),
        inputs={"division": enterprise.division, "entity_type": enterprise.entity_type},
    )
    current, _ = CurrentClass.objects.update_or_create(
        enterprise=enterprise,
        defaults={
            "risk_class": risk_class,
            "computed_class": risk_class,
            "score": Decimal(score),
            "version": version,
            "as_of": run.as_of,
            "assessed_at": timezone.now(),
        },
    )
    return current


# --- Engine tests: versions of any shape, and ledger records written with their instants ----


def version_with(
    indicators: list[dict[str, Any]],
    *,
    model: str = "general",
    divisions: list[str] | None = None,
    weights: dict[str, int] | None = None,
    bands: list[tuple[str, int, int | None]] | None = None,
    hard_rules: dict[str, Any] | None = None,
    published_at: Any = None,
    number: int | None = None,
) -> ModelVersion:
    """A published version of `model` (general unless `divisions` are given) over these
    indicator dicts (the format of INDICATORS; weights in tenths, 10 by default), with its
    frozen definition written by hand in the agreed format."""
    is_general = divisions is None
    scoring_model = ScoringModel.objects.get_or_create(
        code=model,
        defaults={
            "name_zh": model,
            "name_en": model,
            "is_general": is_general,
            "industry_divisions": divisions or [],
        },
    )[0]
    rules_given = {"serious_d": True, "abnormal_min_c": True, "new_entity_b": True}
    rules_given.update(hard_rules or {})
    if number is None:
        number = (
            scoring_model.versions.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
    version = ModelVersion.objects.create(
        model=scoring_model,
        number=number,
        status=ModelVersion.Status.PUBLISHED,
        published_at=published_at or timezone.now() - dt.timedelta(days=1),
        rule_serious_d=rules_given["serious_d"],
        rule_abnormal_min_c=rules_given["abnormal_min_c"],
        rule_new_entity_b=rules_given["new_entity_b"],
        new_entity_days=rules_given.get("new_entity_days", 365),
    )
    weights = weights or {}
    items = []
    for entry in sorted(indicators, key=lambda i: i["code"]):
        item = {
            "register_field": "",
            "mapping": {},
            "bands": [],
            "kinds": [],
            "window_days": 0,
            "in_force_only": False,
            "points_per_fact": 0,
            "max_points": 0,
            "family": "supervision",
            "nature": "dynamic",
            "name_zh": entry["code"],
            "name_en": entry["code"],
            **entry,
            "weight": weights.get(entry["code"], 10),
        }
        fields = {k: v for k, v in item.items() if k not in ("code", "weight")}
        VersionIndicator.objects.create(
            version=version, indicator=indicator(code=item["code"], **fields), weight=item["weight"]
        )
        items.append(item)
    bands = bands or BANDS
    for risk_class, low, high in bands:
        VersionBand.objects.create(
            version=version,
            risk_class=risk_class,
            score_from=Decimal(low) / 10,
            score_to=None if high is None else Decimal(high) / 10,
        )
    version.definition = {
        "format": 1,
        "version_id": version.pk,
        "model": scoring_model.code,
        "model_name_zh": scoring_model.name_zh,
        "model_name_en": scoring_model.name_en,
        "number": version.number,
        "is_general": scoring_model.is_general,
        "industry_divisions": list(scoring_model.industry_divisions),
        "indicators": items,
        "bands": [{"class": c, "from": f, "to": t} for c, f, t in bands],
        "rules": {
            "serious_d": version.rule_serious_d,
            "abnormal_min_c": version.rule_abnormal_min_c,
            "new_entity_b": version.rule_new_entity_b,
            "new_entity_days": version.new_entity_days,
        },
    }
    version.save(update_fields=["definition"])
    return version


def record(
    enterprise: Enterprise,
    kind: str,
    occurred_on: dt.date,
    *,
    recorded_at: Any = None,
    closes: Any = None,
    details: dict[str, Any] | None = None,
) -> Any:
    """A ledger record written directly, with the instant it was recorded (default: now, as
    the ledger records every fact; a test of what a run knew passes an earlier instant)."""
    from enterprises.models import CreditRecord

    if recorded_at is None:
        recorded_at = timezone.now()
    return CreditRecord.objects.create(
        enterprise=enterprise,
        kind=kind,
        occurred_on=occurred_on,
        summary=kind,
        details=details or {},
        closes=closes,
        recorded_at=recorded_at,
    )
