"""Classification runs in the API (issue 16 §4, §5, §8, §9): the list and one run with its
progress and counts; starting a manual run, a replay or a what-if (201 and Location; every bad
input a 400 naming its field; 409 while an applying run is unfinished; 503 when the queue is
down, nothing kept); a partner department's staff read only their departments' counts."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.utils import timezone

from credit_portal.models import AuditEvent, User
from risk import audit_events
from risk.models import Assessment, ClassificationRun, ModelVersion
from risk.services.models import version_draft_create
from risk.services.runs import run_now
from tests.redis_outage import broker_at, redis_outage
from tests.risk.factories import applied_run, general_version
from tests.risk.test_api_access import company, eco, reader, supervisor, url

pytestmark = pytest.mark.django_db

LIST = url("classification-run-list")
RUN_FIELDS = {
    "id",
    "reason",
    "applies",
    "status",
    "as_of",
    "knowledge_at",
    "version",
    "enterprise",
    "force",
    "position",
    "total_steps",
    "percent",
    "classified",
    "changed_class",
    "changed_score",
    "assessments",
    "matched",
    "mismatched",
    "transitions",
    "summary",
    "message",
    "created_by",
    "created_at",
    "started_at",
    "finished_at",
}


def today() -> dt.date:
    return timezone.localdate()


def draft() -> ModelVersion:
    """A draft copied from a published general version: it could be published."""
    general = general_version()
    return version_draft_create(model=general.model, by=None, copy_from=general)


def start(client, english: bool = True, **body):
    extra = {"HTTP_ACCEPT_LANGUAGE": "en"} if english else {}
    return client.post(LIST, body, format="json", **extra)


def test_a_finished_run_with_its_counts_and_progress(api_client_for, django_assert_num_queries):
    general_version()
    firms = [company() for _ in range(3)]
    boss = supervisor()
    run = run_now(reason="manual", by=boss)
    pending = ClassificationRun.objects.create(
        reason="replay",
        applies=False,
        as_of=today() - dt.timedelta(days=5),
        knowledge_at=timezone.now() - dt.timedelta(days=4),
        total_steps=4,
        position=1,
        status="running",
    )
    staff = reader()
    client = api_client_for(staff)

    body = client.get(url("classification-run-detail", run.pk)).json()

    assert set(body) == RUN_FIELDS
    assert (body["reason"], body["applies"], body["status"], body["percent"]) == (
        "manual",
        True,
        "done",
        100,
    )
    assert (body["classified"], body["assessments"], body["changed_class"]) == (3, 3, 3)
    assert body["transitions"] == {"->A": 3}
    assert body["summary"]["by_class"] == {"A": 3}
    assert body["summary"]["by_street"] == {firms[0].division: {"A": 3}}
    assert body["created_by"] == boss.username
    assert (body["version"], body["enterprise"], body["force"]) == (None, None, False)
    assert body["position"] == body["total_steps"] == 1

    fresh = api_client_for(User.objects.get(pk=staff.pk))  # permissions not cached
    with django_assert_num_queries(5):  # permissions (2), the bureau or not, count, page
        listed = fresh.get(LIST).json()
    assert [r["id"] for r in listed["results"]] == [pending.pk, run.pk]
    assert listed["results"][0]["percent"] == 25
    assert listed["results"][0]["status"] == "running"
    assert [r["id"] for r in client.get(LIST, {"reason": "replay"}).json()["results"]] == [
        pending.pk
    ]
    assert [r["id"] for r in client.get(LIST, {"status": "done"}).json()["results"]] == [run.pk]
    bad = client.get(LIST, {"reason": "weekly", "status": "sleeping"})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"reason", "status"}

    # Ten more runs: the same number of queries.
    for _ in range(10):
        applied_run()
    fresh = api_client_for(User.objects.get(pk=staff.pk))
    with django_assert_num_queries(5):
        assert fresh.get(LIST).json()["count"] == 12


def test_starting_a_manual_run(api_client_for):
    boss = supervisor()
    company()

    response = start(api_client_for(boss), reason="manual")

    assert response.status_code == 201, response.content
    run = ClassificationRun.objects.get()
    assert response["Location"] == f"http://testserver{url('classification-run-detail', run.pk)}"
    body = response.json()
    assert set(body) == RUN_FIELDS
    assert (body["id"], body["reason"], body["applies"], body["as_of"]) == (
        run.pk,
        "manual",
        True,
        str(today()),
    )
    # The wake-up waits for the commit (a test's transaction never commits): still pending.
    assert (body["status"], body["percent"], body["total_steps"]) == ("pending", 0, 1)
    assert body["created_by"] == boss.username
    event = AuditEvent.objects.get(event_type=audit_events.RUN_STARTED)
    assert (event.actor_id, event.target_id) == (boss.pk, str(run.pk))


def test_starting_a_replay_and_a_what_if(api_client_for):
    firm = company()
    trial = draft()
    client = api_client_for(supervisor())
    day = today() - dt.timedelta(days=3)

    replay = start(client, reason="replay", as_of=str(day), enterprise=firm.uscc.lower())
    assert replay.status_code == 201, replay.content
    body = replay.json()
    assert (body["reason"], body["applies"], body["as_of"]) == ("replay", False, str(day))
    assert body["enterprise"] == {"uscc": firm.uscc, "name": firm.name}
    published = ModelVersion.objects.get(status="published")
    under = start(client, reason="replay", as_of=str(day), version=published.pk)
    assert under.status_code == 201 and under.json()["version"]["id"] == published.pk

    what_if = start(client, reason="what_if", version=trial.pk)
    assert what_if.status_code == 201, what_if.content
    body = what_if.json()
    assert (body["reason"], body["applies"], body["as_of"]) == ("what_if", False, str(today()))
    assert body["version"] == {
        "id": trial.pk,
        "model": "general",
        "model_name": "General model",
        "number": 2,
    }
    assert not Assessment.objects.exists()


def test_every_bad_input_is_a_400_naming_its_field(api_client_for):
    firm_of_eco = company(department=eco())
    bureaus = company()
    trial = draft()
    published = ModelVersion.objects.get(status="published")
    empty = ModelVersion.objects.create(model=published.model, number=9)
    client = api_client_for(supervisor())
    tomorrow = str(today() + dt.timedelta(days=1))
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"reason": "nightly"}, "reason", "not a valid choice"),
        ({}, "reason", "required"),
        ({"reason": "replay"}, "as_of", "needs the date"),
        ({"reason": "replay", "as_of": tomorrow}, "as_of", "future"),
        ({"reason": "replay", "as_of": "31/12/2025"}, "as_of", "Date has wrong format"),
        ({"reason": "replay", "as_of": "0001-01-01"}, "as_of", "registered before"),
        ({"reason": "manual", "as_of": "2025-01-01"}, "as_of", "as of today"),
        ({"reason": "what_if", "as_of": tomorrow, "version": trial.pk}, "as_of", "future"),
        ({"reason": "what_if"}, "version", "needs the draft"),
        ({"reason": "what_if", "version": published.pk}, "version", "published already"),
        ({"reason": "what_if", "version": 999999}, "version", "No such model version"),
        ({"reason": "replay", "as_of": "2025-01-01", "version": trial.pk}, "version", "draft"),
        ({"reason": "manual", "version": published.pk}, "version", "versions in force"),
        ({"reason": "what_if", "version": empty.pk}, "version", "has no indicator"),
        ({"reason": "manual", "enterprise": "91510116MA6CH3W33X"}, "enterprise", "jurisdiction"),
        ({"reason": "replay", "as_of": "2025-01-01", "force": True}, "force", "manual"),
    ]
    for body, field, words in cases:
        response = start(client, **body)
        assert response.status_code == 400, (body, response.content)
        assert response.json()["code"] == "invalid"
        assert words in " ".join(response.json()["errors"][field]), (body, response.json())
    # A partner department's staff: not the bureau's enterprise; their own, yes.
    partner_client = api_client_for(supervisor("partner", department=eco()))
    theirs = start(partner_client, reason="manual", enterprise=bureaus.uscc)
    assert theirs.status_code == 400
    assert "jurisdiction" in theirs.json()["errors"]["enterprise"][0]
    assert not ClassificationRun.objects.exists()
    own = start(partner_client, reason="manual", enterprise=firm_of_eco.uscc)
    assert own.status_code == 201, own.content


def test_an_applying_run_is_refused_while_another_is_unfinished(api_client_for):
    company()
    busy = ClassificationRun.objects.create(
        reason="nightly", applies=True, as_of=today(), knowledge_at=timezone.now()
    )
    client = api_client_for(supervisor())

    response = start(client, reason="manual")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "not finished" in response.json()["detail"]
    assert list(ClassificationRun.objects.values_list("pk", flat=True)) == [busy.pk]
    # A replay writes nothing: it may run meanwhile.
    assert start(client, reason="replay", as_of=str(today())).status_code == 201


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("outage", ["refused", "hung"])
def test_a_run_the_queue_cannot_take_is_a_503_and_nothing_is_kept(api_client_for, outage):
    company()
    client = api_client_for(supervisor())

    with redis_outage(outage) as broker, broker_at(broker):
        started = time.monotonic()
        response = start(client, reason="manual")
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
    assert response["Retry-After"] == "60"
    assert not ClassificationRun.objects.exists()
    assert elapsed < 10  # two attempts of the broker's socket timeout, at most


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_a_broker_the_run_is_done_when_the_answer_comes(api_client_for):
    """The embedded default (no Redis): the wake-up runs the job in process, after the commit."""
    general_version()
    company()
    company()

    response = start(api_client_for(supervisor()), reason="manual")

    assert response.status_code == 201
    run = ClassificationRun.objects.get()
    assert run.status == "done"
    assert Assessment.objects.filter(run=run).count() == 2


def test_a_partner_department_reads_only_its_departments_counts(api_client_for):
    general_version()
    eco_department = eco()
    ours = company(department=eco_department, division="西航港街道")
    company(division="东升街道")
    run = run_now(reason="manual")
    bureau_view = api_client_for(reader()).get(url("classification-run-detail", run.pk)).json()
    assert bureau_view["transitions"] == {"->A": 2}
    assert set(bureau_view["summary"]["by_street"]) == {"西航港街道", "东升街道"}

    body = (
        api_client_for(reader("eco-reader", department=eco_department))
        .get(url("classification-run-detail", run.pk))
        .json()
    )

    mine = str(eco_department.pk)
    assert body["transitions"] == {"->A": 1}
    # The district's figures are not theirs.
    assert bureau_view["classified"] == 2 and bureau_view["assessments"] == 2
    assert body["classified"] is None and body["assessments"] is None
    assert body["changed_class"] is None and body["mismatched"] is None
    assert body["summary"] == {
        "by_department": {mine: {"A": 1}},
        "by_department_street": {mine: {ours.division: {"A": 1}}},
        "by_department_industry": {mine: {ours.industry_section: {"A": 1}}},
        "transitions_by_department": {mine: {"->A": 1}},
    }
