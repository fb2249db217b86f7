"""`manage.py reclassify`: a manual run (with progress lines, --force, --chunk-size, --user,
--async), a replay of a past date (--as-of, --model, --enterprise: reproduced or not), a
what-if of a draft (--what-if), and every refusal."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from credit_portal.jobs import JobQueueUnavailable
from credit_portal.models import AuditEvent
from enterprises.models import CreditRecord
from risk import audit_events
from risk.models import Assessment, ClassificationRun, CurrentClass, ModelVersion, VersionIndicator
from risk.services.models import version_draft_create
from risk.services.runs import run_create
from tests.enterprises.factories import Kind
from tests.risk.factories import general_version
from tests.risk.test_jobs import TODAY, at, firms, penalties

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Any:
    with at(TODAY):
        yield


def reclassify(*args: str) -> str:
    out = io.StringIO()
    call_command("reclassify", *args, stdout=out)
    return out.getvalue()


def refused(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        reclassify(*args)
    return str(caught.value)


@pytest.fixture
def world() -> list[Any]:
    """Five companies (A with 5.0 points), the first two with two penalties (B, 35.0)."""
    general_version()
    enterprises = firms(5)
    penalties(enterprises[:2], 2, on=TODAY - dt.timedelta(days=30))
    return enterprises


# --------------------------------------------------------------------------- a manual run


def test_without_options_a_manual_run_classifies_everyone_step_by_step(world):
    out = reclassify("--chunk-size", "2")

    run = ClassificationRun.objects.get()
    assert (run.reason, run.applies, run.status, run.as_of) == ("manual", True, "done", TODAY)
    assert f"Run #{run.pk} (manual, as of 2026-03-10, facts known at 2026-03-10 12:00:00)" in out
    assert "3 step(s) of up to 2 enterprises" in out
    assert "step 1/3: classified 2" in out and "step 3/3: classified 5" in out
    assert "Classified: 5" in out and "Classes changed: 5" in out
    assert "Assessments written: 5" in out
    table = out[out.index("From × to:") :].splitlines()
    assert table[1].split() == ["from", "\\", "to", "A", "B", "C", "D", "-", "total"]
    assert table[2].split() == ["-", "3", "2", "0", "0", "0", "5"]  # new: 3 A, 2 B
    assert CurrentClass.objects.count() == 5
    assert AuditEvent.objects.filter(event_type=audit_events.RUN_STARTED).get().actor is None

    again = reclassify()
    assert "Assessments written: 0" in again and "Classes changed: 0" in again
    rows = again[again.index("From × to:") :].splitlines()[2:]
    assert [row.split() for row in rows] == [
        ["A", "3", "0", "0", "0", "0", "3"],
        ["B", "0", "2", "0", "0", "0", "2"],
    ]
    assert Assessment.objects.count() == 5


def test_force_writes_every_assessment_again_and_user_names_who_ran_it(world, user_with_perms):
    reclassify()
    user_with_perms("risk.run_classification", username="analyst")
    out = reclassify("--force", "--user", "analyst")
    assert "Assessments written: 5" in out and "Classes changed: 0" in out
    assert Assessment.objects.count() == 10
    latest = ClassificationRun.objects.select_related("created_by").latest("pk")
    assert latest.force and latest.created_by is not None
    assert latest.created_by.username == "analyst"


def test_one_enterprise_is_classified_alone_and_explained_in_words(world):
    firm = world[0]
    out = reclassify("--enterprise", firm.uscc.lower())

    run = ClassificationRun.objects.get()
    assert (run.enterprise_id, run.classified, run.total_steps) == (firm.pk, 1, 1)
    assert list(CurrentClass.objects.values_list("enterprise_id", flat=True)) == [firm.pk]
    assert f"{firm.name} ({firm.uscc}):" in out
    assert "class B, score 35.0, model general v1" in out
    # The sentences are risk.explain's (its wording is its tests'): the numbers, each
    # indicator named once.
    assert re.search(
        r"- Penalties in the last 3 years: [^\n]*\b2\b[^\n:]*× 15 points, at most 45: "
        r"30 points; ×1\.0 = 30\.0",
        out,
    )
    assert "- Years in operation: 5 points; ×1.0 = 5.0" in out
    assert re.search(r"- Listed in the abnormal directory: [^\n]*\b0\b[^\n:]*× 30 points", out)
    assert "Penalties in the last 3 years: Penalties" not in out


# --------------------------------------------------------------------------- replays


def test_a_replay_of_a_past_day_reproduces_the_stored_assessments_and_writes_nothing(world):
    reclassify()  # the run of 10 March
    later = TODAY + dt.timedelta(days=5)
    with at(later):
        penalties(world[2:3], 2, on=later, tag="later")  # known only from 15 March
        stored = Assessment.objects.count()

        out = reclassify("--as-of", TODAY.isoformat())

        replay = ClassificationRun.objects.get(reason="replay")
        assert (replay.applies, replay.as_of, replay.status) == (False, TODAY, "done")
        assert (
            timezone.localtime(replay.knowledge_at)
            .isoformat()
            .startswith("2026-03-10T23:59:59.999999")
        )
        assert "Classified: 5" in out and "Reproduced: 5" in out and "Not reproduced: 0" in out
        assert "Assessments written" not in out
        assert Assessment.objects.count() == stored

        # Today, the late penalties are known: the stored assessment of the third is not
        # reproduced (nothing has reclassified it yet).
        today = reclassify("--as-of", later.isoformat())
        assert "Reproduced: 4" in today and "Not reproduced: 1" in today
        assert Assessment.objects.count() == stored
        assert CurrentClass.objects.get(enterprise=world[2]).risk_class == "A"


def test_a_replay_of_one_enterprise_says_whether_its_assessment_is_reproduced(world):
    reclassify()
    firm = world[2]
    out = reclassify("--as-of", TODAY.isoformat(), "--enterprise", firm.uscc)
    assert "class A, score 5.0" in out
    assert "The stored assessment is reproduced exactly." in out

    # A fact recorded back then, found only now (written around the services): the replay
    # counts it, the stored assessment did not.
    CreditRecord.objects.create(
        enterprise=firm,
        kind=Kind.PENALTY,
        occurred_on=TODAY - dt.timedelta(days=40),
        summary="found later",
        recorded_at=timezone.now() - dt.timedelta(hours=1),
    )
    out = reclassify("--as-of", TODAY.isoformat(), "--enterprise", firm.uscc)
    assert "class B, score 20.0" in out
    stored = Assessment.objects.get(enterprise=firm)
    assert (
        "The stored assessment is NOT reproduced: it says class A, score 5.0, version general v1 "
        f"(assessment #{stored.pk})." in out
    )
    assert "Not reproduced: 1" in out


def test_a_replay_of_a_day_before_any_run_has_nothing_to_reproduce(world):
    out = reclassify(
        "--as-of", (TODAY - dt.timedelta(days=1)).isoformat(), "--enterprise", world[0].uscc
    )
    assert "No stored assessment was in force then: nothing to reproduce." in out
    assert not CurrentClass.objects.exists()


def test_a_replay_under_a_chosen_version_by_code_and_number_or_id(world):
    reclassify()
    heavier = general_version(
        weights={"penalties_3y": 20, "age": 10, "abnormal_in_force": 10, "soft_actions_1y": 10},
        number=2,
    )
    out = reclassify(
        "--as-of", TODAY.isoformat(), "--model", "general:2", "--enterprise", world[0].uscc
    )
    by_id = reclassify("--as-of", TODAY.isoformat(), "--model", str(heavier.pk))
    runs = list(ClassificationRun.objects.filter(reason="replay").order_by("pk"))
    assert [r.version_id for r in runs] == [heavier.pk, heavier.pk]
    # 2 penalties × 15 × 2.0 + 5 = 65.0: C under version 2 (stored: B, 35.0, version 1).
    assert "class C, score 65.0, model general v2" in out
    assert "The stored assessment is NOT reproduced: it says class B, score 35.0" in out
    # Another version reproduces no stored assessment (they name version 1).
    assert "Classified: 5" in by_id and "Reproduced: 0" in by_id and "Not reproduced: 5" in by_id


def test_model_without_as_of_replays_today():
    general_version()
    firms(2)
    out = reclassify("--model", "general:1")
    run = ClassificationRun.objects.get()
    assert (run.reason, run.as_of, run.applies) == ("replay", TODAY, False)
    assert "Classified: 2" in out


# --------------------------------------------------------------------------- what-if


def test_a_draft_is_tried_on_the_whole_register(world, user_with_perms):
    reclassify()
    published = ModelVersion.objects.get()
    draft = version_draft_create(model=published.model, by=None, copy_from=published)
    VersionIndicator.objects.filter(version=draft, indicator__code="penalties_3y").update(weight=20)

    out = reclassify("--what-if", f"general:{draft.number}")

    run = ClassificationRun.objects.get(reason="what_if")
    assert (run.applies, run.version_id, run.classified) == (False, draft.pk, 5)
    # 2 penalties × 15 × 2.0 + 5 = 65.0: the two B become C; the three A stay A.
    assert run.transitions == {"A>A": 3, "B>C": 2}
    table = out[out.index("From × to:") :].splitlines()
    assert table[2].split() == ["A", "3", "0", "0", "0", "0", "3"]
    assert table[3].split() == ["B", "0", "0", "2", "0", "0", "2"]
    assert Assessment.objects.count() == 5  # nothing written
    assert set(CurrentClass.objects.values_list("risk_class", flat=True)) == {"A", "B"}


def test_a_draft_that_could_not_be_published_is_not_tried(world):
    published = ModelVersion.objects.get()
    draft = version_draft_create(model=published.model, by=None, copy_from=published)
    draft.bands.filter(risk_class="C").delete()
    message = refused("--what-if", f"general:{draft.number}")
    assert f"general:{draft.number} cannot be tried: it could not be published" in message
    assert "  - " in message
    assert not ClassificationRun.objects.exists()


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--as-of", "2026-02-30"), "Not a date: '2026-02-30' (write YYYY-MM-DD)."),
        (("--as-of", "yesterday"), "Not a date: 'yesterday'"),
        (("--as-of", "2026-03-11"), "2026-03-11 is after today (2026-03-10)"),
        (("--as-of", "0001-01-01"), "0001-01-01 is before 1949-10-01"),
        (("--as-of", "2026-01-01", "--model", "general:²"), "No model version"),
        (("--enterprise", "91510116MA00000000"), "No enterprise has the credit code"),
        (
            ("--model", "general:9"),
            "No model version 'general:9': write CODE:NUMBER or a version id",
        ),
        (("--model", "nonsense"), "No model version 'nonsense'"),
        (("--what-if", "9999"), "No model version '9999'"),
        (
            ("--model", "general:1", "--what-if", "general:1"),
            "Give --model (a replay) or --what-if",
        ),
        (("--as-of", "2026-03-01", "--force"), "--force applies to a run that writes"),
        (
            (
                "--chunk-size",
                "0",
            ),
            "--chunk-size must be a positive number, not 0.",
        ),
        (("--user", "nobody"), "No such user: 'nobody'."),
    ],
)
def test_bad_input_is_refused_clearly_and_runs_nothing(world, args, expected):
    assert expected in refused(*args)
    assert not ClassificationRun.objects.exists()


def test_an_unknown_version_lists_the_versions_there_are(world):
    assert "The versions: general:1 (id " in refused("--model", "general:9")


def test_a_draft_is_not_replayed(world):
    published = ModelVersion.objects.get()
    draft = version_draft_create(model=published.model, by=None, copy_from=published)
    message = refused("--as-of", TODAY.isoformat(), "--model", f"general:{draft.number}")
    assert "is a draft: a replay uses published versions; try a draft with --what-if" in message


def test_a_run_is_refused_while_another_applying_run_is_unfinished(world):
    busy = run_create(reason="nightly")
    message = refused()
    assert f"Run #{busy.pk} (nightly, as of 2026-03-10) is pending at step 0 of 1" in message
    assert "two runs that write cannot run at once" in message
    assert "two runs that write" in refused("--async")
    assert ClassificationRun.objects.count() == 1
    reclassify("--as-of", TODAY.isoformat())  # a replay writes nothing: it may run meanwhile


def test_a_failed_run_is_an_error(world, monkeypatch):
    from risk import engine

    def broken(run: ClassificationRun, *, step: int) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(engine, "run_step", broken)
    message = refused()
    run = ClassificationRun.objects.get()
    assert message.startswith(f"Run #{run.pk} failed: The run stopped because of an internal")


# --------------------------------------------------------------------------- --async


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_async_starts_the_run_for_a_worker_and_a_queue_down_keeps_nothing(monkeypatch):
    """Tests run tasks eagerly: the wake-up after the commit runs the run here."""
    general_version()
    firms(3)
    out = reclassify("--async")
    run = ClassificationRun.objects.get()
    assert f"Run #{run.pk} (manual, as of 2026-03-10) started: 1 step(s)" in out
    assert f"/api/v1/classification-runs/{run.pk}/" in out
    assert (run.status, run.classified) == ("done", 3)

    def down(**kwargs: Any) -> None:
        raise JobQueueUnavailable

    monkeypatch.setattr("credit_portal.jobs.job_wake", down)
    message = refused("--async", "--force")
    assert "The background queue is unavailable, so nothing was kept" in message
    assert ClassificationRun.objects.count() == 1  # the refused run was discarded
