"""One enterprise's classification in the API (issue 16 §3, §4, §9): its assessment history with
every indicator's contribution, its class now (an override shown as such) with the facts that
weigh and what would change it, and a read-only replay of a past date that says whether it
reproduces the assessment stored then."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from credit_portal.models import User
from enterprises.models import CreditRecord
from risk.models import Assessment, ClassificationRun, CurrentClass
from risk.services.overrides import override_set
from risk.services.runs import run_now
from tests.risk.factories import applied_run, general_version
from tests.risk.test_api_access import company, reader, supervisor, url

pytestmark = pytest.mark.django_db

# The definition's indicators sorted by code (tests/risk/factories.py): an assessment's values.
CODES = ["abnormal_in_force", "age", "penalties_3y", "soft_actions_1y"]


def today() -> dt.date:
    return timezone.localdate()


def penalty(
    enterprise, occurred_on: dt.date, number: str, recorded_at: dt.datetime | None = None
) -> CreditRecord:
    return CreditRecord.objects.create(
        enterprise=enterprise,
        recorded_at=recorded_at or timezone.now(),
        kind="penalty",
        occurred_on=occurred_on,
        summary=f"行政处罚 {number}",
        document_number=number,
        authority="成都市双流区市场监督管理局",
        is_public=True,
        publicity_start=occurred_on,
    )


def test_the_history_newest_first_with_each_contribution(api_client_for, django_assert_num_queries):
    version = general_version()
    firm = company()
    nightly = applied_run(reason="nightly", as_of=dt.date(2026, 1, 5))
    manual = applied_run(reason="manual", as_of=dt.date(2026, 2, 1))
    first = Assessment.objects.create(
        enterprise=firm,
        run=nightly,
        version=version,
        as_of=nightly.as_of,
        score=Decimal("20.0"),
        risk_class="B",
        values=[0, 5, 1, 1],
        inputs={"division": "东升街道", "entity_type": "company"},
    )
    second = Assessment.objects.create(
        enterprise=firm,
        run=manual,
        version=version,
        as_of=manual.as_of,
        score=Decimal("70.0"),
        risk_class="C",
        hard_rule="abnormal",
        previous_class="B",
        previous_score=Decimal("20.0"),
        values=[1, 10, 2, 0],
        inputs={"division": "东升街道", "abnormal": True},
    )
    staff = reader()
    client = api_client_for(staff)

    with django_assert_num_queries(5):  # permissions (2), the enterprise, count, page
        response = client.get(
            url("enterprise-assessments", uscc=firm.uscc), HTTP_ACCEPT_LANGUAGE="en"
        )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    newest, oldest = body["results"]
    assert [newest["id"], oldest["id"]] == [second.pk, first.pk]
    assert set(newest) == {
        "id",
        "version",
        "as_of",
        "score",
        "risk_class",
        "previous_class",
        "previous_score",
        "hard_rule",
        "why",
        "run",
        "inputs",
        "contributions",
        "created_at",
    }
    assert newest["version"] == {
        "id": version.pk,
        "model": "general",
        "model_name": "General model",
        "number": 1,
    }
    assert (newest["as_of"], newest["score"], newest["risk_class"]) == ("2026-02-01", "70.0", "C")
    assert (newest["previous_class"], newest["previous_score"]) == ("B", "20.0")
    assert (newest["hard_rule"], newest["why"], newest["run"]) == ("abnormal", "manual", manual.pk)
    assert newest["inputs"] == {"division": "东升街道", "abnormal": True}
    assert oldest["why"] == "nightly" and oldest["previous_class"] == ""
    assert [c["code"] for c in newest["contributions"]] == CODES
    abnormal, age, penalties, soft = newest["contributions"]
    assert abnormal == {
        "code": "abnormal_in_force",
        "name": "Listed in the abnormal directory",
        "family": "supervision",
        "family_label": "Supervision information",
        "nature": "dynamic",
        "source": "ledger",
        "value": 1,
        "points": 30,
        "weight": "1.0",
        "contribution": "30.0",
        "text": abnormal["text"],
    }
    assert re.search(r"\b1\b[^:]*× 30 points", abnormal["text"])
    assert abnormal["text"].endswith("30 points")
    assert (age["source"], age["value"], age["points"], age["contribution"]) == (
        "register",
        10,
        10,
        "10.0",
    )
    assert (penalties["value"], penalties["points"], penalties["contribution"]) == (2, 30, "30.0")
    assert (soft["value"], soft["contribution"]) == (0, "0.0")

    # The query count does not grow with the history.
    for day in range(10):
        Assessment.objects.create(
            enterprise=firm,
            run=manual,
            version=version,
            as_of=manual.as_of + dt.timedelta(days=day),
            score=Decimal("1.0"),
            risk_class="A",
            values=[0, 0, 0, 0],
            inputs={},
        )
    client = api_client_for(User.objects.get(pk=staff.pk))  # permissions not cached
    with django_assert_num_queries(5):
        assert client.get(url("enterprise-assessments", uscc=firm.uscc)).json()["count"] == 12


def test_the_class_now_explained_with_the_facts_that_weigh_and_what_would_change_it(
    api_client_for,
):
    general_version()
    firm = company(registered_on=dt.date(2020, 5, 1))
    older = penalty(firm, today() - dt.timedelta(days=400), "双市监罚〔2025〕1号")
    newer = penalty(firm, today() - dt.timedelta(days=30), "双市监罚〔2026〕7号")
    run_now(reason="manual")  # two penalties: 30 points, B
    client = api_client_for(reader())

    response = client.get(url("enterprise-risk", uscc=firm.uscc), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200, response.content
    body = response.json()
    current = CurrentClass.objects.get(enterprise=firm)
    assert body["enterprise"] == {"uscc": firm.uscc, "name": firm.name}
    assert (body["as_of"], body["replay"], body["knowledge_at"]) == (str(today()), False, None)
    assert (body["classified"], body["risk_class"], body["computed_class"]) == (True, "B", "B")
    assert (body["score"], body["hard_rule"], body["override"]) == ("30.0", "", None)
    assert body["version"]["id"] == current.version_id
    assert body["assessed_at"] is not None
    assert (body["reproduced"], body["stored"]) == (None, None)
    assert [(c["code"], c["contribution"]) for c in body["contributions"]] == [
        ("abnormal_in_force", "0.0"),
        ("age", "0.0"),
        ("penalties_3y", "30.0"),
        ("soft_actions_1y", "0.0"),
    ]
    facts = body["weighing_facts"]
    assert [f["record"]["id"] for f in facts] == [newer.pk, older.pk]
    assert facts[0] == {
        "record": {
            "id": newer.pk,
            "kind": "penalty",
            "kind_display": facts[0]["record"]["kind_display"],
            "occurred_on": str(newer.occurred_on),
            "document_number": "双市监罚〔2026〕7号",
            "authority": "成都市双流区市场监督管理局",
            "summary": "行政处罚 双市监罚〔2026〕7号",
        },
        "indicator_code": "penalties_3y",
        "indicator_name": "Penalties in the last 3 years",
        "points": "15.0",
        "ends_on": str(newer.occurred_on + dt.timedelta(days=1095)),
        "ends_how": "when the window ends",
    }
    # Either penalty's end takes the score to 15 points: class A; the earlier end first.
    changes = body["what_would_change"]
    assert [c["record"]["id"] for c in changes] == [older.pk, newer.pk]
    assert [(c["class_after"], c["score_after"]) for c in changes] == [("A", "15.0")] * 2
    assert changes[0]["ends_on"] == str(older.occurred_on + dt.timedelta(days=1095))


def test_an_override_is_shown_as_such(api_client_for):
    general_version()
    firm = company()
    run_now(reason="manual")
    boss = supervisor()
    expires = today() + dt.timedelta(days=60)
    override = override_set(
        enterprise=firm, risk_class="D", reason="重大隐患，待复查", expires_on=expires, by=boss
    )

    body = api_client_for(reader()).get(url("enterprise-risk", uscc=firm.uscc)).json()

    assert (body["risk_class"], body["computed_class"]) == ("D", "A")
    assert body["override"] == {
        "id": override.pk,
        "risk_class": "D",
        "reason": "重大隐患，待复查",
        "starts_on": str(today()),
        "expires_on": str(expires),
        "set_by": boss.username,
        "created_at": body["override"]["created_at"],
        "ended_on": None,
        "ended_by": None,
        "end_reason": "",
    }


def test_an_enterprise_never_classified_has_no_class(api_client_for):
    shop = company(entity_type="individual_business")
    body = api_client_for(reader()).get(url("enterprise-risk", uscc=shop.uscc)).json()
    assert body["classified"] is False
    assert (body["risk_class"], body["score"], body["version"], body["override"]) == (None,) * 4
    assert body["contributions"] == body["weighing_facts"] == body["what_would_change"] == []


def test_a_replay_of_today_reproduces_the_stored_assessment_until_a_new_fact(api_client_for):
    general_version()
    firm = company(registered_on=dt.date(2020, 5, 1))
    penalty(firm, today() - dt.timedelta(days=30), "双市监罚〔2026〕7号")
    run = run_now(reason="manual")
    stored = Assessment.objects.get(enterprise=firm)
    client = api_client_for(reader())
    address = url("enterprise-risk", uscc=firm.uscc)

    body = client.get(address, {"as_of": str(today())}).json()

    assert (body["replay"], body["classified"], body["reproduced"]) == (True, True, True)
    assert (body["risk_class"], body["score"]) == ("A", "15.0")
    assert body["stored"] == {
        "id": stored.pk,
        "run": run.pk,
        "version": stored.version_id,
        "as_of": str(today()),
        "score": "15.0",
        "risk_class": "A",
    }
    assert body["knowledge_at"] is not None

    # A fact recorded after the run: the replay knows it, the stored assessment did not.
    penalty(firm, today() - dt.timedelta(days=2), "双市监罚〔2026〕9号")
    body = client.get(address, {"as_of": str(today())}).json()
    assert (body["score"], body["risk_class"], body["reproduced"]) == ("30.0", "B", False)
    assert body["stored"]["id"] == stored.pk
    assert not Assessment.objects.exclude(pk=stored.pk).exists()  # read-only
    assert ClassificationRun.objects.count() == 1


def test_a_replay_of_a_past_date_uses_what_was_known_then(api_client_for):
    """A run whose knowledge ends before the day's end is the assessment in force then; a date
    before any version was published evaluates to no class, and nothing was stored then."""
    published = timezone.now() - dt.timedelta(days=10)
    general_version(published_at=published)
    firm = company(registered_on=dt.date(2020, 5, 1))
    day = today() - dt.timedelta(days=3)
    knowledge = timezone.make_aware(dt.datetime.combine(day, dt.time(2, 0)))
    penalty(
        firm,
        today() - dt.timedelta(days=30),
        "双市监罚〔2026〕7号",
        knowledge - dt.timedelta(hours=1),
    )
    # Recorded later that day: the run did not know it, a replay of the day's end does not either
    # (it was recorded today, after the day).
    penalty(firm, today() - dt.timedelta(days=20), "双市监罚〔2026〕8号")
    run_now(reason="manual", as_of=day, knowledge_at=knowledge)
    client = api_client_for(reader())
    address = url("enterprise-risk", uscc=firm.uscc)

    body = client.get(address, {"as_of": str(day)}).json()
    assert (body["as_of"], body["risk_class"], body["score"], body["reproduced"]) == (
        str(day),
        "A",
        "15.0",
        True,
    )
    before = client.get(address, {"as_of": str(today() - dt.timedelta(days=20))}).json()
    assert (before["classified"], before["risk_class"], before["reproduced"]) == (False, None, None)


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("2099-01-01", "The date may not be in the future."),
        ("0001-01-01", "registered before 1949-10-01"),
        ("yesterday", "YYYY-MM-DD"),
    ],
)
def test_a_replay_date_after_today_or_not_a_date_is_a_400(api_client_for, as_of, message):
    firm = company()
    response = api_client_for(reader()).get(
        url("enterprise-risk", uscc=firm.uscc), {"as_of": as_of}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert message in response.json()["errors"]["as_of"][0]
