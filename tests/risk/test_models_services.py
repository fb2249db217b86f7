"""Indicators and scoring models (issue 16 §1, §2): every refusal before publication with its
message, the frozen definition in the agreed format, drafts copied from the right version, and
the edits of a draft (refused once published), each audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from credit_portal.models import AuditEvent
from credit_portal.roles import Role
from risk import audit_events as events
from risk.models import Indicator, ModelVersion, ScoringModel, VersionBand
from risk.services.models import (
    VersionRefused,
    definition_build,
    indicator_problems,
    indicator_save,
    scoring_model_save,
    version_bands_set,
    version_draft_create,
    version_indicator_add,
    version_indicator_remove,
    version_problems,
    version_publish,
    version_rules_set,
    version_weight_set,
)
from tests.risk.factories import BANDS, INDICATORS, applied_run, definition_of, indicator

pytestmark = pytest.mark.django_db

WEIGHTS = {"abnormal_in_force": 10, "age": 10, "penalties_3y": 15, "soft_actions_1y": 5}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def admin_user(user_with_role):
    return user_with_role(Role.ADMINISTRATOR)


def general_model() -> ScoringModel:
    return ScoringModel.objects.get_or_create(
        code="general",
        defaults={"name_zh": "通用模型", "name_en": "General model", "is_general": True},
    )[0]


def industry_model(code: str = "food", divisions: list[str] | None = None) -> ScoringModel:
    return ScoringModel.objects.create(
        code=code,
        name_zh="食品模型",
        name_en="Food model",
        industry_divisions=["13", "14", "15", "62"] if divisions is None else divisions,
    )


def indicators() -> dict[str, Indicator]:
    made = {}
    for entry in INDICATORS:
        fields = {k: v for k, v in entry.items() if k != "code"}
        made[entry["code"]] = indicator(code=entry["code"], weight_min=5, weight_max=20, **fields)
    return made


def band_specs(bands: Any = BANDS) -> list[tuple[str, Decimal, Decimal | None]]:
    return [
        (c, Decimal(low) / 10, None if high is None else Decimal(high) / 10)
        for c, low, high in bands
    ]


def draft(
    by: Any,
    *,
    model: ScoringModel | None = None,
    weights: dict[str, int] | None = None,
    bands: Any = BANDS,
) -> ModelVersion:
    """A draft built through the services: the factory's indicators, weights and bands."""
    made = indicators()
    version = version_draft_create(model=model or general_model(), by=by)
    for code, weight in (WEIGHTS if weights is None else weights).items():
        version_indicator_add(version=version, indicator=made[code], weight=weight, by=by)
    version_bands_set(version=version, bands=band_specs(bands), by=by)
    return version


def published(by: Any, **kwargs: Any) -> ModelVersion:
    return version_publish(version=draft(by, **kwargs), by=by)


def refused(version: ModelVersion, by: Any) -> list[str]:
    """Publishing is refused: the problems; nothing published, no publication audited."""
    with pytest.raises(VersionRefused) as caught:
        version_publish(version=version, by=by)
    version.refresh_from_db()
    assert version.status == ModelVersion.Status.DRAFT
    assert version.definition == {}
    assert not AuditEvent.objects.filter(
        event_type=events.VERSION_PUBLISHED, target_id=str(version.pk)
    ).exists()
    assert caught.value.problems == version_problems(version)
    return caught.value.problems


# --------------------------------------------------------------------------- publication


def test_publishing_freezes_the_agreed_definition_and_is_audited(admin_user):
    version = draft(admin_user)
    assert version_problems(version) == []
    before = timezone.now()
    version = version_publish(version=version, by=admin_user)
    assert version.status == ModelVersion.Status.PUBLISHED
    assert version.published_by == admin_user
    assert version.published_at >= before
    # Exactly the format the engine's tests write by hand (tests/risk/factories.py).
    assert version.definition == definition_of(version, WEIGHTS)
    assert [i["code"] for i in version.definition["indicators"]] == sorted(WEIGHTS)
    assert version.definition["bands"][1] == {"class": "B", "from": 200, "to": 500}
    assert version.definition["bands"][3] == {"class": "D", "from": 800, "to": None}
    event = AuditEvent.objects.get(event_type=events.VERSION_PUBLISHED)
    assert (event.actor, event.target_id) == (admin_user, str(version.pk))
    assert event.extra["indicators"]["penalties_3y"] == 15


def test_editing_an_indicator_after_publication_changes_nothing_in_the_version(admin_user):
    version = published(admin_user)
    frozen = ModelVersion.objects.get(pk=version.pk).definition
    penalty = Indicator.objects.get(code="penalties_3y")
    penalty.points_per_fact = 40
    penalty.max_points = 0
    penalty.kinds = ["penalty", "no_penalty"]
    penalty.name_en = "Renamed"
    indicator_save(indicator=penalty, by=admin_user)
    assert ModelVersion.objects.get(pk=version.pk).definition == frozen
    item = next(i for i in frozen["indicators"] if i["code"] == "penalties_3y")
    assert (item["points_per_fact"], item["max_points"], item["kinds"]) == (15, 45, ["penalty"])
    # A new draft reads the indicator as it is now.
    later = version_draft_create(model=version.model, by=admin_user)
    item = next(i for i in definition_build(later)["indicators"] if i["code"] == "penalties_3y")
    assert (item["points_per_fact"], item["name_en"]) == (40, "Renamed")


def test_an_older_version_stays_published_beside_the_newer(admin_user):
    first = published(admin_user)
    second = version_publish(
        version=version_draft_create(model=first.model, by=admin_user), by=admin_user
    )
    first.refresh_from_db()
    assert (first.number, second.number) == (1, 2)
    assert first.status == second.status == ModelVersion.Status.PUBLISHED
    assert first.published_at <= second.published_at


def test_a_published_version_is_not_published_again_nor_edited(admin_user):
    version = published(admin_user)
    with pytest.raises(VersionRefused) as caught:
        version_publish(version=version, by=admin_user)
    assert caught.value.problems == [
        "Version general v1 is Published: only a draft is published. Make a new draft from "
        "it to change it."
    ]
    penalty = Indicator.objects.get(code="penalties_3y")
    edits = [
        lambda: version_weight_set(version=version, indicator=penalty, weight=10, by=admin_user),
        lambda: version_indicator_remove(version=version, indicator=penalty, by=admin_user),
        lambda: version_bands_set(version=version, bands=band_specs(), by=admin_user),
        lambda: version_rules_set(version=version, serious_d=False, by=admin_user),
    ]
    for edit in edits:
        with pytest.raises(VersionRefused, match="never changes"):
            edit()
    assert not AuditEvent.objects.filter(
        event_type=events.VERSION_CHANGED, target_id=str(version.pk), extra__change="weight_set"
    ).exists()
    assert ModelVersion.objects.get(pk=version.pk).definition == version.definition


def test_a_refusal_is_a_validation_error_listing_every_problem(admin_user):
    version = draft(admin_user, weights={}, bands=[("A", 5, 200), ("B", 200, 500)])
    problems = refused(version, admin_user)
    assert len(problems) == 4
    assert isinstance(VersionRefused(problems), ValidationError)
    assert VersionRefused(problems).messages == problems


def test_publishing_as_of_a_past_instant_only_after_every_run(admin_user):
    version = draft(admin_user)
    now = timezone.now()
    with pytest.raises(VersionRefused, match="a future instant"):
        version_publish(version=version, by=admin_user, at=now + dt.timedelta(hours=1))
    run = applied_run()
    run.knowledge_at = now - dt.timedelta(hours=2)
    run.save(update_fields=["knowledge_at"])
    with pytest.raises(VersionRefused, match=f"run #{run.pk} has classified"):
        version_publish(version=version, by=admin_user, at=now - dt.timedelta(hours=3))
    at = now - dt.timedelta(hours=1)
    assert version_publish(version=version, by=admin_user, at=at).published_at == at


# --------------------------------------------------------------------------- refusals, one each


def test_refuses_a_version_without_indicators(admin_user):
    assert refused(draft(admin_user, weights={}), admin_user) == [
        "Version general v1 has no indicator: add at least one."
    ]


def test_refuses_bands_that_are_not_a_b_c_d(admin_user):
    version = draft(
        admin_user, bands=[("A", 0, 200), ("C", 200, 500), ("B", 500, 800), ("D", 800, None)]
    )
    assert refused(version, admin_user) == [
        "The bands must be A, B, C and D, one each, from the lowest score up; these are A, C, B, D."
    ]


def test_refuses_a_missing_band(admin_user):
    version = draft(admin_user, bands=[("A", 0, 200), ("B", 200, 500), ("D", 500, None)])
    assert refused(version, admin_user) == [
        "The bands must be A, B, C and D, one each, from the lowest score up; these are A, B, D."
    ]


def test_refuses_a_lowest_band_not_from_zero(admin_user):
    version = draft(admin_user, bands=[("A", 5, 200), *BANDS[1:]])
    assert refused(version, admin_user) == [
        "Band A starts at 0.5: the lowest band must start at 0.0, or scores from 0.0 to 0.5 "
        "would have no class."
    ]


def test_refuses_a_gap_between_bands(admin_user):
    version = draft(
        admin_user, bands=[("A", 0, 200), ("B", 200, 500), ("C", 550, 800), ("D", 800, None)]
    )
    assert refused(version, admin_user) == [
        "Band C starts at 55.0 but band B ends at 50.0: scores from 50.0 to 55.0 would have no "
        "class."
    ]


def test_refuses_overlapping_bands(admin_user):
    version = draft(
        admin_user, bands=[("A", 0, 200), ("B", 200, 500), ("C", 450, 800), ("D", 800, None)]
    )
    assert refused(version, admin_user) == [
        "Band C starts at 45.0 but band B ends at 50.0: scores from 45.0 to 50.0 would fall in "
        "both B and C."
    ]


def test_refuses_an_open_ended_band_below_another(admin_user):
    version = draft(
        admin_user, bands=[("A", 0, 200), ("B", 200, None), ("C", 500, 800), ("D", 800, None)]
    )
    assert refused(version, admin_user) == [
        "Band B has no upper end, but band C starts at 50.0: scores from 50.0 up would fall in "
        "both."
    ]


def test_refuses_a_band_ending_at_or_below_its_start(admin_user):
    version = draft(
        admin_user, bands=[("A", 0, 200), ("B", 200, 200), ("C", 200, 800), ("D", 800, None)]
    )
    problems = refused(version, admin_user)
    assert problems[0] == "Band B ends at 20.0, which is not above where it starts (20.0)."


def test_refuses_a_highest_band_with_an_end(admin_user):
    version = draft(admin_user, bands=[*BANDS[:3], ("D", 800, 1000)])
    assert refused(version, admin_user) == [
        "Band D ends at 100.0: the highest band must have no upper end, or scores from 100.0 up "
        "would have no class."
    ]


def test_refuses_no_bands(admin_user):
    assert refused(draft(admin_user, bands=[]), admin_user) == [
        "There are no class bands: give the score bands of A, B, C and D."
    ]


def test_refuses_a_weight_outside_the_indicators_range(admin_user):
    version = draft(admin_user)
    penalty = Indicator.objects.get(code="penalties_3y")
    penalty.weight_max = 12  # the range narrowed after the weight was set
    indicator_save(indicator=penalty, by=admin_user)
    assert refused(version, admin_user) == [
        "Indicator penalties_3y has weight ×1.5, outside the range its definition allows (×0.5 "
        "to ×1.2)."
    ]
    # Setting such a weight on a draft is refused at once.
    with pytest.raises(VersionRefused, match="outside the range"):
        version_weight_set(version=version, indicator=penalty, weight=25, by=admin_user)


def test_refuses_an_indicator_over_a_kind_nobody_declared(admin_user):
    version = draft(admin_user)
    complaints = indicator_save(
        indicator=Indicator(
            code="complaints_1y",
            name_zh="近一年投诉举报",
            name_en="Complaints in the last year",
            family="social",
            nature="dynamic",
            source="ledger",
            kinds=["hotline_call"],
            window_days=365,
            points_per_fact=5,
            max_points=15,
        ),
        by=admin_user,
    )
    version_indicator_add(version=version, indicator=complaints, weight=10, by=admin_user)
    assert refused(version, admin_user) == [
        'Indicator complaints_1y counts ledger kind "hotline_call", which no part of the portal '
        "declares yet: it cannot be used in a published version until the kind exists."
    ]


def test_refuses_a_register_field_an_indicator_may_not_read(admin_user):
    version = draft(admin_user)
    age = Indicator.objects.get(code="age")
    Indicator.objects.filter(pk=age.pk).update(register_field="legal_rep_name")
    assert refused(version, admin_user) == [
        'Indicator age reads register field "legal_rep_name", which is not one an indicator may '
        "read (entity_type, industry_section, industry_division, status, age_years, "
        "registered_capital)."
    ]


def test_refuses_points_that_do_not_fit_the_fields_type(admin_user):
    version = draft(admin_user)
    Indicator.objects.filter(code="age").update(register_field="entity_type")
    assert refused(version, admin_user) == [
        "Indicator age reads entity_type, a field of choices: give points by value, not bands.",
        "Indicator age gives no points: map at least one value of entity_type to points, as "
        '{"branch": 2}.',
    ]
    Indicator.objects.filter(code="age").update(bands=[], mapping={"branch": 2, "shop": 1.5})
    assert refused(version, admin_user) == [
        'Indicator age maps "shop", which is not a value of entity_type.',
        'Indicator age gives "shop" the points 1.5: not a whole number.',
    ]
    Indicator.objects.filter(code="age").update(
        register_field="age_years", mapping={}, bands=[[0, 3, 10], [2, None, 5]]
    )
    assert refused(version, admin_user) == [
        "Indicator age: the bands from 0 and from 2 overlap: a value of 2 would have two points."
    ]


def test_refuses_an_industry_model_without_divisions(admin_user):
    version = draft(admin_user, model=industry_model(divisions=[]))
    assert refused(version, admin_user) == [
        "Industry model food names no industry division: it would apply to no enterprise. Give "
        "its GB/T 4754 divisions (two digits)."
    ]


def test_refuses_divisions_another_models_published_version_takes(admin_user):
    published(admin_user, model=industry_model("food", ["13", "14", "62"]))
    version = draft(admin_user, model=industry_model("catering", ["61", "62"]))
    assert refused(version, admin_user) == [
        "Industry model catering names division 62, which model food (published version v1) "
        "applies to already: an enterprise of that division would fall under two models."
    ]


def test_refuses_a_second_general_model(admin_user):
    """One model row may be general (a constraint); the general model made an industry model
    still has its published general version in force until it publishes another."""
    old = published(admin_user).model
    old.is_general, old.industry_divisions = False, ["13"]
    scoring_model_save(model=old, by=admin_user)
    new = scoring_model_save(
        model=ScoringModel(code="general2", name_zh="通用二", name_en="General 2", is_general=True),
        by=admin_user,
    )
    assert refused(draft(admin_user, model=new), admin_user) == [
        "Model general2 is a general model, but model general has a published general version "
        "(v1): there is one general model. Publish general as an industry model first, or make "
        "general2 an industry model."
    ]


def test_refuses_an_inactive_indicator(admin_user):
    version = draft(admin_user)
    Indicator.objects.filter(code="age").update(active=False)
    assert refused(version, admin_user) == [
        "Indicator age is no longer active: remove it from the version, or make it active again."
    ]


# --------------------------------------------------------------------------- drafts


def test_a_draft_copies_the_models_latest_version(admin_user):
    first = published(admin_user)
    second = version_draft_create(model=first.model, by=admin_user)
    version_rules_set(version=second, new_entity_b=False, new_entity_days=200, by=admin_user)
    third = version_draft_create(model=first.model, by=admin_user)
    assert (second.number, third.number) == (2, 3)
    assert (third.rule_new_entity_b, third.new_entity_days) == (False, 200)
    assert {e.indicator.code: e.weight for e in third.entries.all()} == WEIGHTS
    assert sorted((b.risk_class, b.score_from, b.score_to) for b in third.bands.all()) == sorted(
        (b.risk_class, b.score_from, b.score_to) for b in first.bands.all()
    )
    event = AuditEvent.objects.filter(event_type=events.VERSION_CREATED).latest("id")
    assert event.extra["copied_from"] == {"id": second.pk, "name": "general v2"}
    assert event.actor == admin_user


def test_an_industry_model_starts_as_the_general_models_latest_published_version(admin_user):
    general = published(admin_user)
    version_draft_create(model=general.model, by=admin_user)  # a newer draft is not copied
    food = version_draft_create(model=industry_model(), by=admin_user)
    assert food.number == 1
    assert {e.indicator.code: e.weight for e in food.entries.all()} == WEIGHTS
    assert food.bands.count() == 4
    assert version_problems(food) == []
    # A chosen version is copied instead.
    version_weight_set(
        version=food, indicator=Indicator.objects.get(code="age"), weight=20, by=admin_user
    )
    other = industry_model("equipment", ["34", "35", "43"])
    chosen = version_draft_create(model=other, by=admin_user, copy_from=food)
    assert {e.indicator.code: e.weight for e in chosen.entries.all()} == {**WEIGHTS, "age": 20}


def test_a_general_model_without_versions_starts_empty(admin_user):
    version = version_draft_create(model=general_model(), by=admin_user)
    assert (version.number, version.entries.count(), version.bands.count()) == (1, 0, 0)


def test_editing_a_draft_is_audited_and_checked(admin_user):
    version = draft(admin_user, weights={"age": 10})
    made = {i.code: i for i in Indicator.objects.all()}
    version_indicator_add(version=version, indicator=made["penalties_3y"], weight=20, by=admin_user)
    with pytest.raises(VersionRefused, match="already"):
        version_indicator_add(
            version=version, indicator=made["penalties_3y"], weight=10, by=admin_user
        )
    with pytest.raises(VersionRefused, match="outside the range"):
        version_indicator_add(
            version=version, indicator=made["soft_actions_1y"], weight=40, by=admin_user
        )
    version_weight_set(version=version, indicator=made["penalties_3y"], weight=12, by=admin_user)
    version_indicator_remove(version=version, indicator=made["age"], by=admin_user)
    version_rules_set(version=version, serious_d=False, notes="trial", by=admin_user)
    with pytest.raises(VersionRefused, match="not a class"):
        version_bands_set(version=version, bands=[("E", Decimal(0), None)], by=admin_user)
    with pytest.raises(VersionRefused, match="at most one decimal"):
        version_bands_set(version=version, bands=[("A", Decimal("0.05"), None)], by=admin_user)
    version_bands_set(version=version, bands=band_specs(BANDS[:2]), by=admin_user)
    changes = list(
        AuditEvent.objects.filter(event_type=events.VERSION_CHANGED, actor=admin_user)
        .order_by("id")
        .values_list("extra__change", flat=True)
    )
    assert changes == [
        "indicator_added",  # age, by the helper
        "bands_set",
        "indicator_added",
        "weight_set",
        "indicator_removed",
        "rules_set",
        "bands_set",
    ]
    version.refresh_from_db()
    assert {e.indicator.code: e.weight for e in version.entries.all()} == {"penalties_3y": 12}
    assert (version.rule_serious_d, version.notes) == (False, "trial")
    assert [b.risk_class for b in VersionBand.objects.filter(version=version)] == ["A", "B"]


# --------------------------------------------------------------------------- indicators, models


def test_indicator_problems_are_refused_on_save_but_an_undeclared_kind_is_kept(admin_user):
    bad = Indicator(
        code="bad",
        name_zh="坏",
        name_en="Bad",
        family="supervision",
        nature="dynamic",
        source="ledger",
        kinds=[],
        points_per_fact=0,
        weight_min=20,
        weight_max=60,
    )
    with pytest.raises(ValidationError) as caught:
        indicator_save(indicator=bad, by=admin_user)
    assert caught.value.messages == [
        "Indicator bad counts ledger facts: name at least one ledger kind.",
        "Indicator bad gives 0 points per fact: its facts would weigh nothing. Give points "
        "(negative ones lighten the score).",
        "Indicator bad: its highest weight ×6.0 is above the limit ×5.0.",
    ]
    assert not Indicator.objects.filter(code="bad").exists()
    bad.kinds, bad.points_per_fact, bad.weight_max = ["hotline_call"], 5, 30
    indicator_save(indicator=bad, by=admin_user)
    assert indicator_problems(bad) == [
        'Indicator bad counts ledger kind "hotline_call", which no part of the portal declares '
        "yet: it cannot be used in a published version until the kind exists."
    ]
    event = AuditEvent.objects.get(event_type=events.INDICATOR_CHANGED)
    assert (event.actor, event.extra["created"]) == (admin_user, True)


def test_scoring_model_save_refuses_wrong_divisions_and_audits(admin_user):
    model = ScoringModel(
        code="food", name_zh="食品", name_en="Food", industry_divisions=["62", "99"]
    )
    with pytest.raises(ValidationError) as caught:
        scoring_model_save(model=model, by=admin_user)
    assert caught.value.messages == [
        'Industry model food names division "99", which GB/T 4754 does not have.'
    ]
    model.industry_divisions = ["62", "13", "13"]
    scoring_model_save(model=model, by=admin_user)
    assert ScoringModel.objects.get(code="food").industry_divisions == ["13", "62"]
    general = ScoringModel(
        code="g", name_zh="通用", name_en="G", is_general=True, industry_divisions=["13"]
    )
    with pytest.raises(ValidationError, match="names none"):
        scoring_model_save(model=general, by=admin_user)
    assert AuditEvent.objects.filter(event_type=events.MODEL_CHANGED).count() == 1
