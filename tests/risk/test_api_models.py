"""Scoring models and their versions in the API, read-only (issue 16 §2, §9): the models with the
version in force, a model's versions, a published version with its frozen definition and a
draft with its entries, bands and the problems that would refuse its publication."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from credit_portal.models import User
from risk.models import ModelVersion, ScoringModel
from risk.services.models import version_draft_create, version_problems
from tests.risk.factories import general_version
from tests.risk.test_api_access import reader, url

pytestmark = pytest.mark.django_db


def versions() -> tuple[ModelVersion, ModelVersion, ModelVersion]:
    """v1 published 20 days ago, v2 (in force) published yesterday, v3 a draft copied from v2."""
    old = general_version(number=1, published_at=timezone.now() - dt.timedelta(days=20))
    new = general_version(number=2, weights={"penalties_3y": 20, "age": 10})
    trial = version_draft_create(model=new.model, by=None, copy_from=new)
    return old, new, trial


def test_the_models_with_the_version_in_force(api_client_for, django_assert_num_queries):
    old, new, trial = versions()
    ScoringModel.objects.create(
        code="food",
        name_zh="食品生产经营模型",
        name_en="Food model",
        industry_divisions=["13", "14"],
    )
    staff = reader()
    client = api_client_for(User.objects.get(pk=staff.pk))

    # Permissions (2), count, models, their versions, entries and bands, the versions in force.
    with django_assert_num_queries(8):
        response = client.get(url("risk-model-list"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200, response.content
    general, food = response.json()["results"]
    assert general == {
        "code": "general",
        "name": "General model",
        "name_zh": "通用模型",
        "name_en": "General model",
        "is_general": True,
        "industry_divisions": [],
        "description": "",
        "in_force": {
            "id": new.pk,
            "number": 2,
            "status": "published",
            "published_at": general["in_force"]["published_at"],
        },
        "versions": [
            {"id": trial.pk, "number": 3, "status": "draft", "published_at": None},
            {
                "id": new.pk,
                "number": 2,
                "status": "published",
                "published_at": general["versions"][1]["published_at"],
            },
            {
                "id": old.pk,
                "number": 1,
                "status": "published",
                "published_at": general["versions"][2]["published_at"],
            },
        ],
    }
    assert (food["code"], food["name"], food["in_force"], food["versions"]) == (
        "food",
        "Food model",
        None,
        [],
    )
    assert food["industry_divisions"] == ["13", "14"]

    # More models and versions: the same queries.
    for n in range(3):
        model = ScoringModel.objects.create(code=f"m{n}", name_zh=f"模型{n}", name_en=f"Model {n}")
        version_draft_create(model=model, by=None, copy_from=new)
    client = api_client_for(User.objects.get(pk=staff.pk))
    with django_assert_num_queries(8):
        assert client.get(url("risk-model-list")).json()["count"] == 5


def test_a_models_versions_newest_first(api_client_for):
    old, new, trial = versions()

    body = api_client_for(reader()).get(url("risk-model-versions", code="general")).json()

    assert [v["id"] for v in body["results"]] == [trial.pk, new.pk, old.pk]
    assert [v["in_force"] for v in body["results"]] == [False, True, False]
    latest = body["results"][1]
    assert set(latest) == {
        "id",
        "model",
        "number",
        "status",
        "in_force",
        "notes",
        "rules",
        "created_at",
        "created_by",
        "published_at",
        "published_by",
    }
    assert latest["rules"] == {
        "serious_d": True,
        "abnormal_min_c": True,
        "new_entity_b": True,
        "new_entity_days": 365,
    }
    assert (latest["model"], latest["created_by"], latest["published_by"]) == (
        "general",
        None,
        None,
    )


def test_a_published_version_with_its_frozen_definition(api_client_for):
    _old, new, _trial = versions()

    body = api_client_for(reader()).get(url("risk-model-version-detail", new.pk)).json()

    assert body["definition"] == new.definition
    assert [i["code"] for i in body["definition"]["indicators"]] == ["age", "penalties_3y"]
    assert body["problems"] == []
    assert [(e["code"], e["weight"]) for e in body["entries"]] == [
        ("age", 10),
        ("penalties_3y", 20),
    ]
    assert body["entries"][1] == {
        "code": "penalties_3y",
        "name": "近三年行政处罚",
        "family": "supervision",
        "nature": "dynamic",
        "source": "ledger",
        "weight": 20,
        "weight_min": 0,
        "weight_max": 30,
    }
    assert body["bands"] == [
        {"risk_class": "A", "score_from": "0.0", "score_to": "20.0"},
        {"risk_class": "B", "score_from": "20.0", "score_to": "50.0"},
        {"risk_class": "C", "score_from": "50.0", "score_to": "80.0"},
        {"risk_class": "D", "score_from": "80.0", "score_to": None},
    ]


def test_a_draft_with_what_would_refuse_its_publication(api_client_for):
    _old, _new, trial = versions()
    trial.bands.filter(risk_class="D").delete()
    client = api_client_for(reader())

    body = client.get(url("risk-model-version-detail", trial.pk), HTTP_ACCEPT_LANGUAGE="en").json()

    assert (body["status"], body["definition"], body["in_force"]) == ("draft", None, False)
    assert [b["risk_class"] for b in body["bands"]] == ["A", "B", "C"]
    assert body["problems"] == version_problems(trial)
    assert body["problems"]  # a missing D band refuses it
    empty = ModelVersion.objects.create(model=trial.model, number=4)
    body = client.get(url("risk-model-version-detail", empty.pk), HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["entries"] == [] and body["bands"] == []
    assert any("has no indicator" in problem for problem in body["problems"])
