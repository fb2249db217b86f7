"""Indicators and scoring models: checking, editing and publishing them (docs/domain.md §1;
issue 16 §1, §2).

An indicator is data (`risk.models.Indicator`): a register field mapped to points, or a count of
ledger facts of given kinds in a window, times points per fact, capped. A scoring model (the
general one, or an industry model for the GB/T 4754 divisions it names) has versions; a draft
is edited here (its indicators and weights, its class bands, its hard rules) and published by
`version_publish`, which checks it (`version_problems`) and freezes it into
`ModelVersion.definition` (`definition_build`). The engine (`risk.engine`) and the explanations
(`risk.explain`) read only that frozen definition, so editing an indicator, a model or a later
draft never changes a published version or a past assessment.

The frozen definition (all numbers integers; score units are tenths of a point):

    {"format": 1, "version_id", "model", "model_name_zh", "model_name_en", "number",
     "is_general", "industry_divisions": [...],
     "indicators": [  # sorted by code; an assessment's `values` follow this order
        {"code", "name_zh", "name_en", "family", "nature", "source",
         "register_field", "mapping", "bands",            # a register indicator's
         "kinds", "window_days", "in_force_only",          # a ledger indicator's
         "points_per_fact", "max_points", "weight"}, ...],
     "bands": [{"class": "A", "from": 0, "to": 200}, ..., {"class": "D", "from": 800, "to": null}],
     "rules": {"serious_d", "abnormal_min_c", "new_entity_b", "new_entity_days"}}

Every indicator entry carries every key: those of the other source hold their neutral values
("" / {} / [] / 0 / false), so a reader never needs to ask which keys exist.

Problems are sentences for an administrator, one per problem, each naming the indicator, band
or model it is about (`indicator_problems`, `version_problems`, `scoring_model_problems`).
Saving an indicator or a model refuses the problems of its own shape; a ledger kind that no app
declares yet (a complaint, before the inspections issue declares it) may be saved, and is
refused only when a version that uses it is published.

Every write is in one transaction with its audit event (`risk.audit_events`), attributed to the
person (or, for the demo, the system account) who made it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from credit_portal.audit import audit_event_record, model_diff, model_snapshot
from credit_portal.models import User
from enterprises.industries import DIVISIONS, SECTIONS
from enterprises.kinds import kind_get
from enterprises.models import Enterprise
from risk import audit_events as events
from risk import rules
from risk.models import (
    ClassificationRun,
    Indicator,
    ModelVersion,
    ScoringModel,
    VersionBand,
    VersionIndicator,
)

DEFINITION_FORMAT = 1
Status = ModelVersion.Status
Source = Indicator.Source
# The hard-rule switches of a version and their keys in the frozen definition.
RULE_FIELDS = {
    "rule_serious_d": "serious_d",
    "rule_abnormal_min_c": "abnormal_min_c",
    "rule_new_entity_b": "new_entity_b",
    "new_entity_days": "new_entity_days",
}
TENTHS = Decimal(10)


class VersionRefused(ValidationError):  # noqa: N818 - the agreed name (COMMON.md)
    """A version was not published (or not edited): `problems` lists every reason, one
    sentence each. A `ValidationError`, so that the API answers it with 400 and a form shows
    it."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(self.problems, code="version_refused")


# --------------------------------------------------------------------------- formatting


def weight_text(weight: int) -> str:
    """A weight in tenths as a factor: 15 -> "×1.5"."""
    return f"×{Decimal(weight) / TENTHS:.1f}"


def _points(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.1f}"


# --------------------------------------------------------------------------- register fields


def register_values(field: str) -> set[str] | None:
    """The values a choice field of the register takes (None: not a choice field)."""
    if field == "entity_type":
        return set(Enterprise.EntityType.values)
    if field == "industry_section":
        return set(SECTIONS)
    if field == "industry_division":
        return set(DIVISIONS)
    if field == "status":
        return set(Enterprise.Status.values)
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --------------------------------------------------------------------------- indicators


def indicator_shape_problems(indicator: Indicator) -> list[str]:
    """What makes the indicator's definition unusable whatever the ledger declares: a register
    field an indicator may not read, points that do not fit the field's type, a ledger
    indicator without kinds or points, a weight range that is empty or over the limit.

    Rules: risk.rules.REGISTER_FIELDS (choice fields: a mapping value -> points; number
    fields: bands [[from, to, points], ...], from inclusive, to exclusive, to null open-ended,
    integers, no overlap); risk.rules.WEIGHT_LIMIT."""
    code = indicator.code
    problems: list[str] = []
    if indicator.source == Source.REGISTER:
        problems += _register_problems(indicator)
    elif indicator.source == Source.LEDGER:
        problems += _ledger_shape_problems(indicator)
    else:
        problems.append(
            _("Indicator %(code)s: say whether it reads a register field or ledger facts.")
            % {"code": code}
        )
    if indicator.weight_min > indicator.weight_max:
        problems.append(
            _(
                "Indicator %(code)s: its lowest weight %(low)s is above its highest weight "
                "%(high)s, so no weight would fit."
            )
            % {
                "code": code,
                "low": weight_text(indicator.weight_min),
                "high": weight_text(indicator.weight_max),
            }
        )
    if indicator.weight_max > rules.WEIGHT_LIMIT:
        problems.append(
            _("Indicator %(code)s: its highest weight %(high)s is above the limit %(limit)s.")
            % {
                "code": code,
                "high": weight_text(indicator.weight_max),
                "limit": weight_text(rules.WEIGHT_LIMIT),
            }
        )
    return problems


def indicator_kind_problems(indicator: Indicator) -> list[str]:
    """The ledger kinds the indicator counts that no app declares (`enterprises.kinds`): such an
    indicator may be kept, but no version using it can be published until the kind exists."""
    if indicator.source != Source.LEDGER or not isinstance(indicator.kinds, list):
        return []
    return [
        _(
            'Indicator %(code)s counts ledger kind "%(kind)s", which no part of the portal '
            "declares yet: it cannot be used in a published version until the kind exists."
        )
        % {"code": indicator.code, "kind": kind}
        for kind in indicator.kinds
        if isinstance(kind, str) and kind_get(kind) is None
    ]


def indicator_problems(indicator: Indicator) -> list[str]:
    """Every reason the indicator cannot be used in a published version: its shape
    (`indicator_shape_problems`) and its ledger kinds (`indicator_kind_problems`)."""
    return indicator_shape_problems(indicator) + indicator_kind_problems(indicator)


def _register_problems(indicator: Indicator) -> list[str]:
    code, field = indicator.code, indicator.register_field
    kind = rules.REGISTER_FIELDS.get(field)
    if kind is None:
        return [
            _(
                'Indicator %(code)s reads register field "%(field)s", which is not one an '
                "indicator may read (%(fields)s)."
            )
            % {"code": code, "field": field, "fields": ", ".join(rules.REGISTER_FIELDS)}
        ]
    problems: list[str] = []
    if indicator.kinds:
        problems.append(
            _("Indicator %(code)s reads a register field: it counts no ledger kinds.")
            % {"code": code}
        )
    if kind == "choice":
        if indicator.bands:
            problems.append(
                _(
                    "Indicator %(code)s reads %(field)s, a field of choices: give points by "
                    "value, not bands."
                )
                % {"code": code, "field": field}
            )
        problems += _mapping_problems(indicator)
    else:
        if indicator.mapping:
            problems.append(
                _(
                    "Indicator %(code)s reads %(field)s, a number: give points by bands, not "
                    "by value."
                )
                % {"code": code, "field": field}
            )
        problems += _value_bands_problems(indicator)
    return problems


def _mapping_problems(indicator: Indicator) -> list[str]:
    code, field, mapping = indicator.code, indicator.register_field, indicator.mapping
    if not isinstance(mapping, dict) or not mapping:
        return [
            _(
                "Indicator %(code)s gives no points: map at least one value of %(field)s to "
                'points, as {"branch": 2}.'
            )
            % {"code": code, "field": field}
        ]
    known = register_values(field) or set()
    problems: list[str] = []
    for value, points in mapping.items():
        if value not in known:
            problems.append(
                _('Indicator %(code)s maps "%(value)s", which is not a value of %(field)s.')
                % {"code": code, "value": value, "field": field}
            )
        if not _is_int(points):
            problems.append(
                _('Indicator %(code)s gives "%(value)s" the points %(points)s: not a whole number.')
                % {"code": code, "value": value, "points": points}
            )
    return problems


def _value_bands_problems(indicator: Indicator) -> list[str]:
    code, field, bands = indicator.code, indicator.register_field, indicator.bands
    if not isinstance(bands, list) or not bands:
        return [
            _(
                "Indicator %(code)s gives no points: give bands of %(field)s as "
                "[[from, to, points], ...] (to empty: no upper end)."
            )
            % {"code": code, "field": field}
        ]
    problems: list[str] = []
    parsed: list[tuple[int, int | None]] = []
    for number, band in enumerate(bands, start=1):
        ok = (
            isinstance(band, list)
            and len(band) == 3
            and _is_int(band[0])
            and (band[1] is None or _is_int(band[1]))
            and _is_int(band[2])
        )
        if not ok:
            problems.append(
                _(
                    "Indicator %(code)s: band %(n)s is not [from, to, points] in whole numbers "
                    "(to may be empty)."
                )
                % {"code": code, "n": number}
            )
            continue
        low, high = band[0], band[1]
        if high is not None and high <= low:
            problems.append(
                _("Indicator %(code)s: band %(n)s ends at %(to)s, not above its start %(from)s.")
                % {"code": code, "n": number, "to": high, "from": low}
            )
            continue
        parsed.append((low, high))
    parsed.sort(key=lambda b: b[0])
    for (low1, high1), (low2, _high2) in itertools.pairwise(parsed):
        if high1 is None or low2 < high1:
            problems.append(
                _(
                    "Indicator %(code)s: the bands from %(a)s and from %(b)s overlap: a value "
                    "of %(b)s would have two points."
                )
                % {"code": code, "a": low1, "b": low2}
            )
    return problems


def _ledger_shape_problems(indicator: Indicator) -> list[str]:
    code, kinds = indicator.code, indicator.kinds
    problems: list[str] = []
    if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
        problems.append(
            _("Indicator %(code)s counts ledger facts: name at least one ledger kind.")
            % {"code": code}
        )
    elif len(set(kinds)) != len(kinds):
        problems.append(_("Indicator %(code)s names a ledger kind twice.") % {"code": code})
    if indicator.points_per_fact == 0:
        problems.append(
            _(
                "Indicator %(code)s gives 0 points per fact: its facts would weigh nothing. "
                "Give points (negative ones lighten the score)."
            )
            % {"code": code}
        )
    if indicator.register_field or indicator.mapping or indicator.bands:
        problems.append(
            _(
                "Indicator %(code)s counts ledger facts: it reads no register field and gives "
                "no points by value or band."
            )
            % {"code": code}
        )
    return problems


@transaction.atomic
def indicator_save(*, indicator: Indicator, by: User | None) -> Indicator:
    """Create or change an indicator.

    Rules: its shape is checked (`indicator_shape_problems`; docs/domain.md §1 "Indicator
    families"); a ledger kind nobody declares yet is allowed here and refused at publication.
    Published versions keep the definition they froze: nothing here changes them.
    Side effects: audit `risk.indicator_changed` with the fields before and after.
    """
    problems = indicator_shape_problems(indicator)
    if problems:
        raise ValidationError(problems)
    indicator.full_clean()
    before: dict[str, Any] = {}
    created = indicator.pk is None
    if not created:
        before = model_snapshot(Indicator.objects.select_for_update().get(pk=indicator.pk))
    indicator.save()
    audit_event_record(
        actor=by,
        event_type=events.INDICATOR_CHANGED,
        target=indicator,
        extra={"created": created, **model_diff(before, model_snapshot(indicator))},
    )
    return indicator


def indicator_versions(indicator: Indicator) -> list[ModelVersion]:
    """The versions that use the indicator (drafts and published), newest first."""
    return list(
        ModelVersion.objects.filter(entries__indicator=indicator)
        .select_related("model")
        .order_by("model__code", "-number")
    )


# --------------------------------------------------------------------------- scoring models


def scoring_model_problems(model: ScoringModel) -> list[str]:
    """What stops a version of the model from being published, as far as the model decides:
    its shape (`scoring_model_shape_problems`) and its scope (`scoring_model_scope_problems`).

    Rules: docs/domain.md §1 "General + professional"; an enterprise falls under exactly one
    model (the industry model of its division, else the general one)."""
    shape = scoring_model_shape_problems(model)
    return shape if shape else scoring_model_scope_problems(model)


def scoring_model_shape_problems(model: ScoringModel) -> list[str]:
    """The problems saving a model refuses: divisions not given as a list of codes, a division
    GB/T 4754 does not have, a second general model (one model row may be general: a
    constraint, said here in words), a general model naming divisions."""
    divisions = model.industry_divisions
    name = model.code
    if not isinstance(divisions, list) or not all(isinstance(d, str) for d in divisions):
        return [
            _('Model %(model)s: give its industry divisions as a list, as ["13", "14"].')
            % {"model": name}
        ]
    if model.is_general:
        other = ScoringModel.objects.filter(is_general=True).exclude(pk=model.pk).first()
        if other is not None:
            return [
                _(
                    "Model %(other)s is the general model already: there is one. Make "
                    "%(model)s an industry model with its divisions."
                )
                % {"model": name, "other": other.code}
            ]
        if divisions:
            return [
                _(
                    "The general model %(model)s names industry divisions (%(divisions)s): it "
                    "applies to every enterprise no industry model takes, so it names none."
                )
                % {"model": name, "divisions": ", ".join(divisions)}
            ]
        return []
    return [
        _('Industry model %(model)s names division "%(division)s", which GB/T 4754 does not have.')
        % {"model": name, "division": division}
        for division in divisions
        if division not in DIVISIONS
    ]


def scoring_model_scope_problems(model: ScoringModel) -> list[str]:
    """The problems shown on a model and refused only at publication (a model may be saved
    while an administrator rearranges the divisions of several): an industry model without
    divisions, a division that another model's published version applies to already, a general
    model while another model's published version in force is general.

    (Only one model row may be general, a constraint; but a model made general after the
    general model was turned into an industry model meets that model's published general
    version, which applies until the model publishes an industry version.)"""
    name = model.code
    problems: list[str] = []
    elsewhere = _published_elsewhere(model)
    if model.is_general:
        problems += [
            _(
                "Model %(model)s is a general model, but model %(other)s has a published "
                "general version (v%(version)s): there is one general model. Publish %(other)s "
                "as an industry model first, or make %(model)s an industry model."
            )
            % {"model": name, "other": other.code, "version": version.number}
            for other, version in elsewhere
            if version.definition.get("is_general")
        ]
        return problems
    divisions = set(model.industry_divisions or [])
    if not divisions:
        problems.append(
            _(
                "Industry model %(model)s names no industry division: it would apply to no "
                "enterprise. Give its GB/T 4754 divisions (two digits)."
            )
            % {"model": name}
        )
    for other, version in elsewhere:
        if version.definition.get("is_general"):
            continue
        taken = sorted(divisions & set(version.definition.get("industry_divisions") or []))
        if taken:
            problems.append(
                _(
                    "Industry model %(model)s names division %(divisions)s, which model "
                    "%(other)s (published version v%(version)s) applies to already: an "
                    "enterprise of that division would fall under two models."
                )
                % {
                    "model": name,
                    "divisions": ", ".join(taken),
                    "other": other.code,
                    "version": version.number,
                }
            )
    return problems


def _published_elsewhere(model: ScoringModel) -> list[tuple[ScoringModel, ModelVersion]]:
    """Each other model with its latest published version (the one that applies from now)."""
    latest: dict[int, ModelVersion] = {}
    versions = (
        ModelVersion.objects.filter(status=Status.PUBLISHED)
        .exclude(model_id=model.pk)
        .select_related("model")
        .order_by("model_id", "-published_at", "-number")
    )
    for version in versions:
        latest.setdefault(version.model_id, version)
    return [(v.model, v) for v in latest.values()]


@transaction.atomic
def scoring_model_save(*, model: ScoringModel, by: User | None) -> ScoringModel:
    """Create or change a scoring model (its names, whether it is general, its divisions).

    Rules: `scoring_model_shape_problems` refuses; its published versions keep what they froze
    (the divisions an industry version applies to are in its definition).
    Side effects: audit `risk.model_changed` with the fields before and after.
    """
    if isinstance(model.industry_divisions, list):
        model.industry_divisions = sorted({str(d).strip() for d in model.industry_divisions})
    problems = scoring_model_shape_problems(model)
    if problems:
        raise ValidationError(problems)
    model.full_clean()
    before: dict[str, Any] = {}
    created = model.pk is None
    if not created:
        before = model_snapshot(ScoringModel.objects.select_for_update().get(pk=model.pk))
    model.save()
    audit_event_record(
        actor=by,
        event_type=events.MODEL_CHANGED,
        target=model,
        extra={"created": created, **model_diff(before, model_snapshot(model))},
    )
    return model


# --------------------------------------------------------------------------- versions: checks


def version_problems(version: ModelVersion) -> list[str]:
    """Every reason the draft cannot be published, one sentence each: no indicator; an
    indicator that is inactive, unusable (`indicator_problems`: a register field it may not
    read, points that do not fit, a ledger kind nobody declares) or weighed outside its range;
    class bands that are not exactly A, B, C, D from 0 up without a gap or an overlap, the
    last open-ended; the model's own problems (`scoring_model_problems`).

    Rules: docs/domain.md §1 ("Four classes", "Indicator families", "General +
    professional"); issue 16 §2 (refused before publication, with a clear message);
    risk.rules.CLASSES, WEIGHT_LIMIT, REGISTER_FIELDS."""
    problems: list[str] = []
    entries = list(version.entries.select_related("indicator").order_by("indicator__code"))
    if not entries:
        problems.append(
            _("Version %(version)s has no indicator: add at least one.") % {"version": version}
        )
    for entry in entries:
        problems += _entry_problems(entry)
    problems += bands_problems(list(version.bands.all()))
    if version.rule_new_entity_b and version.new_entity_days <= 0:
        problems.append(
            _(
                "The new-entity rule of version %(version)s needs a number of days since "
                "registration above 0."
            )
            % {"version": version}
        )
    problems += scoring_model_problems(version.model)
    return problems


def _entry_problems(entry: VersionIndicator) -> list[str]:
    indicator = entry.indicator
    problems: list[str] = []
    if not indicator.active:
        problems.append(
            _(
                "Indicator %(code)s is no longer active: remove it from the version, or make it "
                "active again."
            )
            % {"code": indicator.code}
        )
    problems += indicator_problems(indicator)
    problems += weight_problems(indicator, entry.weight)
    return problems


def weight_problems(indicator: Indicator, weight: int | None) -> list[str]:
    """A weight outside the indicator's range (`weight_min`..`weight_max`, tenths) or above
    risk.rules.WEIGHT_LIMIT."""
    if weight is None:
        return [_("Indicator %(code)s has no weight.") % {"code": indicator.code}]
    low, high = indicator.weight_min, min(indicator.weight_max, rules.WEIGHT_LIMIT)
    if low <= weight <= high:
        return []
    return [
        _(
            "Indicator %(code)s has weight %(weight)s, outside the range its definition allows "
            "(%(low)s to %(high)s)."
        )
        % {
            "code": indicator.code,
            "weight": weight_text(weight),
            "low": weight_text(low),
            "high": weight_text(high),
        }
    ]


def bands_problems(bands: Iterable[VersionBand]) -> list[str]:
    """The class bands' problems: not A, B, C and D once each from the lowest score up, the
    lowest not starting at 0.0, a band ending at or below its start, a gap or an overlap
    between neighbours, the highest not open-ended (docs/domain.md §1 "Four classes": every
    score has exactly one class)."""
    ordered = sorted(bands, key=lambda b: (b.score_from, b.risk_class))
    if not ordered:
        return [_("There are no class bands: give the score bands of A, B, C and D.")]
    problems: list[str] = []
    classes = [b.risk_class for b in ordered]
    if classes != list(rules.CLASSES):
        problems.append(
            _(
                "The bands must be A, B, C and D, one each, from the lowest score up; these "
                "are %(classes)s."
            )
            % {"classes": ", ".join(classes)}
        )
    first = ordered[0]
    if first.score_from != 0:
        problems.append(
            _(
                "Band %(cls)s starts at %(from)s: the lowest band must start at 0.0, or "
                "scores from 0.0 to %(from)s would have no class."
            )
            % {"cls": first.risk_class, "from": _points(first.score_from)}
        )
    problems.extend(
        _("Band %(cls)s ends at %(to)s, which is not above where it starts (%(from)s).")
        % {"cls": band.risk_class, "to": _points(band.score_to), "from": _points(band.score_from)}
        for band in ordered
        if band.score_to is not None and band.score_to <= band.score_from
    )
    for low, high in itertools.pairwise(ordered):
        values = {
            "low": low.risk_class,
            "high": high.risk_class,
            "end": _points(low.score_to),
            "start": _points(high.score_from),
        }
        if low.score_to is None:
            problems.append(
                _(
                    "Band %(low)s has no upper end, but band %(high)s starts at %(start)s: "
                    "scores from %(start)s up would fall in both."
                )
                % values
            )
        elif high.score_from > low.score_to:
            problems.append(
                _(
                    "Band %(high)s starts at %(start)s but band %(low)s ends at %(end)s: "
                    "scores from %(end)s to %(start)s would have no class."
                )
                % values
            )
        elif high.score_from < low.score_to:
            problems.append(
                _(
                    "Band %(high)s starts at %(start)s but band %(low)s ends at %(end)s: "
                    "scores from %(start)s to %(end)s would fall in both %(low)s and %(high)s."
                )
                % values
            )
    last = ordered[-1]
    if last.score_to is not None:
        problems.append(
            _(
                "Band %(cls)s ends at %(to)s: the highest band must have no upper end, or "
                "scores from %(to)s up would have no class."
            )
            % {"cls": last.risk_class, "to": _points(last.score_to)}
        )
    return problems


# --------------------------------------------------------------------------- versions: freeze


def _tenths(value: Decimal) -> int:
    return int((value * TENTHS).to_integral_value())


def indicator_definition(indicator: Indicator, *, weight: int) -> dict[str, Any]:
    """One indicator's entry of a frozen definition (module docstring); the keys of the other
    source hold their neutral values."""
    ledger = indicator.source == Source.LEDGER
    return {
        "code": indicator.code,
        "name_zh": indicator.name_zh,
        "name_en": indicator.name_en,
        "family": indicator.family,
        "nature": indicator.nature,
        "source": indicator.source,
        "register_field": "" if ledger else indicator.register_field,
        "mapping": {} if ledger else {str(k): int(v) for k, v in dict(indicator.mapping).items()},
        "bands": [] if ledger else [list(b) for b in indicator.bands],
        "kinds": list(indicator.kinds) if ledger else [],
        "window_days": indicator.window_days if ledger else 0,
        "in_force_only": bool(indicator.in_force_only) if ledger else False,
        "points_per_fact": indicator.points_per_fact if ledger else 0,
        "max_points": indicator.max_points,
        "weight": weight,
    }


def definition_build(version: ModelVersion) -> dict[str, Any]:
    """The frozen definition of `version` in the agreed format (module docstring): indicators
    sorted by code, bands in tenths of a point from the lowest up, the hard rules."""
    model = version.model
    entries = version.entries.select_related("indicator").order_by("indicator__code")
    bands = sorted(version.bands.all(), key=lambda b: b.score_from)
    return {
        "format": DEFINITION_FORMAT,
        "version_id": version.pk,
        "model": model.code,
        "model_name_zh": model.name_zh,
        "model_name_en": model.name_en,
        "number": version.number,
        "is_general": model.is_general,
        "industry_divisions": sorted(set(model.industry_divisions or [])),
        "indicators": [indicator_definition(e.indicator, weight=e.weight) for e in entries],
        "bands": [
            {
                "class": b.risk_class,
                "from": _tenths(b.score_from),
                "to": None if b.score_to is None else _tenths(b.score_to),
            }
            for b in bands
        ],
        "rules": {key: getattr(version, field) for field, key in RULE_FIELDS.items()},
    }


@transaction.atomic
def version_publish(
    *, version: ModelVersion, by: User | None, at: dt.datetime | None = None
) -> ModelVersion:
    """Publish a draft: check it and freeze its definition.

    Rules: only a draft (a published version never changes); none of `version_problems`
    (issue 16 §2: refused before publication, every problem listed); publications are
    serialised (the models' rows are locked) so that two industry models cannot take the same
    division at once. An older published version of the model stays published: the engine
    takes, for each instant, the latest version published by then. `at` backdates the
    publication (the demo district's history only): never later than now, and never before a
    run that already knew the facts of that instant, so that no past assessment changes.
    Raises `VersionRefused(problems)`.
    Side effects: `definition`, `status`, `published_at`, `published_by`; audit
    `risk.version_published`.
    """
    list(ScoringModel.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
    version = ModelVersion.objects.select_for_update().select_related("model").get(pk=version.pk)
    now = timezone.now()
    if version.status != Status.DRAFT:
        raise VersionRefused(
            [
                _(
                    "Version %(version)s is %(status)s: only a draft is published. Make a new "
                    "draft from it to change it."
                )
                % {"version": version, "status": version.get_status_display()}
            ]
        )
    if at is not None:
        _backdating_refused(at, now)
    problems = version_problems(version)
    if problems:
        raise VersionRefused(problems)
    version.definition = definition_build(version)
    version.status = Status.PUBLISHED
    version.published_at = at or now
    version.published_by = by
    version.save(update_fields=["definition", "status", "published_at", "published_by"])
    audit_event_record(
        actor=by,
        event_type=events.VERSION_PUBLISHED,
        target=version,
        extra={
            "model": version.model.code,
            "number": version.number,
            "published_at": version.published_at,
            "indicators": {i["code"]: i["weight"] for i in version.definition["indicators"]},
            "bands": version.definition["bands"],
            "rules": version.definition["rules"],
        },
    )
    return version


def _backdating_refused(at: dt.datetime, now: dt.datetime) -> None:
    """A publication dated `at` may not be in the future, nor at or before the knowledge
    instant of a run (that run would have had to use the version: its assessments would no
    longer be reproducible)."""
    if at > now:
        raise VersionRefused(
            [_("A version cannot be published as of %(at)s, a future instant.") % {"at": at}]
        )
    run = ClassificationRun.objects.filter(knowledge_at__gte=at).order_by("knowledge_at").first()
    if run is not None:
        raise VersionRefused(
            [
                _(
                    "A version cannot be published as of %(at)s: run #%(run)s has classified "
                    "with what was known at %(known)s, and its results would no longer be "
                    "reproducible."
                )
                % {"at": at, "run": run.pk, "known": run.knowledge_at}
            ]
        )


# --------------------------------------------------------------------------- versions: drafts


@transaction.atomic
def version_draft_create(
    *, model: ScoringModel, by: User | None, copy_from: ModelVersion | None = None
) -> ModelVersion:
    """A new draft version of `model`, numbered after its latest.

    Rules: it starts as a copy of `copy_from` (its indicators and weights, bands and hard
    rules), else of the model's latest version, else, for an industry model, of the general
    model's latest published version (an industry model starts as the general one and then
    adds or reweighs: docs/domain.md §1 "General + professional"), else empty.
    Side effects: the draft, its entries and bands; audit `risk.version_created`.
    """
    model = ScoringModel.objects.select_for_update().get(pk=model.pk)
    source = copy_from or model.versions.order_by("-number").first()
    if source is None and not model.is_general:
        source = (
            ModelVersion.objects.filter(model__is_general=True, status=Status.PUBLISHED)
            .order_by("-published_at", "-number")
            .first()
        )
    number = (model.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ModelVersion(model=model, number=number, created_by=by, status=Status.DRAFT)
    if source is not None:
        for field in RULE_FIELDS:
            setattr(version, field, getattr(source, field))
    version.save()
    if source is not None:
        VersionIndicator.objects.bulk_create(
            VersionIndicator(version=version, indicator_id=e.indicator_id, weight=e.weight)
            for e in source.entries.all()
        )
        VersionBand.objects.bulk_create(
            VersionBand(
                version=version,
                risk_class=b.risk_class,
                score_from=b.score_from,
                score_to=b.score_to,
            )
            for b in source.bands.all()
        )
    audit_event_record(
        actor=by,
        event_type=events.VERSION_CREATED,
        target=version,
        extra={
            "model": model.code,
            "number": number,
            "copied_from": None if source is None else {"id": source.pk, "name": str(source)},
        },
    )
    return version


def _draft_locked(version: ModelVersion) -> ModelVersion:
    """The version row, locked; refused unless it is a draft."""
    locked = ModelVersion.objects.select_for_update().select_related("model").get(pk=version.pk)
    if locked.status != Status.DRAFT:
        raise VersionRefused(
            [
                _(
                    "Version %(version)s is %(status)s and never changes: make a new draft "
                    "from it to change it."
                )
                % {"version": locked, "status": locked.get_status_display()}
            ]
        )
    return locked


def _changed(version: ModelVersion, by: User | None, change: str, **extra: Any) -> None:
    audit_event_record(
        actor=by,
        event_type=events.VERSION_CHANGED,
        target=version,
        extra={"change": change, **extra},
    )


@transaction.atomic
def version_indicator_add(
    *, version: ModelVersion, indicator: Indicator, weight: int, by: User | None
) -> VersionIndicator:
    """Add an indicator to a draft with its weight.

    Rules: a draft only; an active indicator, not in the version yet; the weight within the
    indicator's range (tenths; risk.rules.WEIGHT_LIMIT). The indicator's other problems (a
    kind not declared yet) are refused at publication (`version_problems`).
    Side effects: the entry; audit `risk.version_changed` (indicator_added).
    """
    version = _draft_locked(version)
    problems = weight_problems(indicator, weight)
    if not indicator.active:
        problems.insert(0, _("Indicator %(code)s is not active.") % {"code": indicator.code})
    if version.entries.filter(indicator=indicator).exists():
        problems.insert(
            0,
            _("Indicator %(code)s is in version %(version)s already.")
            % {"code": indicator.code, "version": version},
        )
    if problems:
        raise VersionRefused(problems)
    entry = VersionIndicator.objects.create(version=version, indicator=indicator, weight=weight)
    _changed(version, by, "indicator_added", indicator=indicator.code, weight=weight)
    return entry


@transaction.atomic
def version_indicator_remove(
    *, version: ModelVersion, indicator: Indicator, by: User | None
) -> None:
    """Take an indicator out of a draft.

    Rules: a draft only. Side effects: audit `risk.version_changed` (indicator_removed).
    """
    version = _draft_locked(version)
    entry = version.entries.filter(indicator=indicator).first()
    if entry is None:
        return
    entry.delete()
    _changed(version, by, "indicator_removed", indicator=indicator.code, weight=entry.weight)


@transaction.atomic
def version_weight_set(
    *, version: ModelVersion, indicator: Indicator, weight: int, by: User | None
) -> VersionIndicator:
    """Reweigh an indicator of a draft.

    Rules: a draft only; the weight within the indicator's range (tenths).
    Side effects: audit `risk.version_changed` (weight_set, old and new).
    """
    version = _draft_locked(version)
    entry = version.entries.select_for_update().get(indicator=indicator)
    problems = weight_problems(indicator, weight)
    if problems:
        raise VersionRefused(problems)
    if entry.weight != weight:
        old, entry.weight = entry.weight, weight
        entry.save(update_fields=["weight"])
        _changed(version, by, "weight_set", indicator=indicator.code, old=old, new=weight)
    return entry


BandSpec = tuple[str, Decimal, Decimal | None]


@transaction.atomic
def version_bands_set(
    *, version: ModelVersion, bands: Sequence[BandSpec], by: User | None
) -> list[VersionBand]:
    """Replace a draft's class bands by `bands`: (class, from, to or None), in points.

    Rules: a draft only; each class one of A–D, each bound a score of at most one decimal, not
    negative. Whether they cover every score once is checked at publication
    (`bands_problems`), so that a draft can be saved half done.
    Side effects: the bands; audit `risk.version_changed` (bands_set, old and new).
    """
    version = _draft_locked(version)
    problems: list[str] = []
    rows: list[VersionBand] = []
    for risk_class, low, high in bands:
        if risk_class not in rules.CLASSES:
            problems.append(_('"%(cls)s" is not a class (A, B, C or D).') % {"cls": risk_class})
            continue
        bounds = [Decimal(low)] + ([] if high is None else [Decimal(high)])
        if any(b < 0 or b != b.quantize(Decimal("0.1")) for b in bounds):
            problems.append(
                _("Band %(cls)s: scores are not negative and have at most one decimal.")
                % {"cls": risk_class}
            )
            continue
        rows.append(
            VersionBand(
                version=version,
                risk_class=risk_class,
                score_from=Decimal(low),
                score_to=None if high is None else Decimal(high),
            )
        )
    if problems:
        raise VersionRefused(problems)
    old = _bands_json(version.bands.all())
    version.bands.all().delete()
    created = VersionBand.objects.bulk_create(rows)
    new = _bands_json(created)
    if old != new:
        _changed(version, by, "bands_set", old=old, new=new)
    return created


def _bands_json(bands: Iterable[VersionBand]) -> list[list[Any]]:
    return sorted(
        [
            [
                b.risk_class,
                str(Decimal(b.score_from)),
                None if b.score_to is None else str(b.score_to),
            ]
            for b in bands
        ],
        key=lambda row: (Decimal(row[1]), row[0]),
    )


@transaction.atomic
def version_rules_set(
    *,
    version: ModelVersion,
    by: User | None,
    serious_d: bool | None = None,
    abnormal_min_c: bool | None = None,
    new_entity_b: bool | None = None,
    new_entity_days: int | None = None,
    notes: str | None = None,
) -> ModelVersion:
    """Set a draft's hard rules (docs/domain.md §1: the serious list → D; issue 16 §2: the
    abnormal directory → at least C, a new entity with no history → B, "new" meaning fewer
    days since registration than `new_entity_days`, default risk.rules.NEW_ENTITY_DAYS) and its
    notes on what changed. Arguments left None are kept.

    Rules: a draft only. Side effects: audit `risk.version_changed` (rules_set, old and new).
    """
    version = _draft_locked(version)
    wanted = {
        "rule_serious_d": serious_d,
        "rule_abnormal_min_c": abnormal_min_c,
        "rule_new_entity_b": new_entity_b,
        "new_entity_days": new_entity_days,
        "notes": notes,
    }
    before = model_snapshot(version)
    for field, value in wanted.items():
        if value is not None:
            setattr(version, field, value)
    version.full_clean(exclude=["model", "created_by", "published_by"])
    diff = model_diff(before, model_snapshot(version))
    if diff["new"]:
        version.save(update_fields=list(diff["new"]))
        _changed(version, by, "rules_set", **diff)
    return version
