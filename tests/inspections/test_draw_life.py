"""The whole life of a draw through its services (issue 17 §3): request → commitment job →
outside value → derivation job → reveal, with the published files verified by the
standard-library verifier; joint visits; refusals with their messages; the redraw."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from credit_portal.errors import ConflictError
from inspections import verify
from inspections.models import (
    Draw,
    DrawFile,
    DrawStratum,
    Exclusion,
    Inspection,
    InspectionAssignment,
    InspectionCheck,
    SamplingPlan,
    Selection,
)
from inspections.services import draws
from tests.inspections import factories_draw as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in English (the interface is Chinese first)."""
    with translation.override("en"):
        yield


@pytest.fixture
def today(time_machine):
    time_machine.move_to(
        dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False
    )
    return dt.date(2026, 3, 10)


def _files(d: Draw) -> dict[str, bytes]:
    return {x.name: draws.draw_file_text(file=x) for x in d.files.all()}


def test_a_draw_from_request_to_reveal_is_reproduced_by_the_verifier(today):
    w = f.world(firms=12)
    d = f.commit(w)
    assert d.status == Draw.Status.COMMITTED and d.number == "DRAW-2026-0001"
    assert d.previous_hash == ""
    files = _files(d)
    assert set(files) == {"manifest.json", "pool.tsv", "roster.tsv", "exclusions.tsv", "strata.tsv"}
    assert verify.sha256_hex(files["manifest.json"]) == d.commitment_hash
    manifest = json.loads(files["manifest.json"])
    assert manifest["seed_hash"] == verify.seed_hash(f.SEED) and "server_seed" not in manifest
    assert set(
        DrawStratum.objects.filter(draw=d, stratum="B").values_list("target", flat=True)
    ) == {6}
    # No class in the public files: opaque labels; the private strata.tsv maps them.
    assert all(
        set(x) == {"label", "pool", "target"} for p in manifest["plans"] for x in p["strata"]
    )
    assert {line.split("\t")[1] for line in files["pool.tsv"].decode().splitlines()} <= {
        "S1",
        "S2",
        "S3",
        "S4",
    }
    mapping = verify.strata_parse(files["strata.tsv"].decode().splitlines())
    assert {stratum for stratum, _r in mapping.values()} == {"A", "B", "IB", "X"}
    # Only the commitment's files are public before the reveal.
    assert {x.name for x in draws.draw_files_public(draw=d)} == {"manifest.json", "pool.tsv"}
    # Stored gzip-compressed; hash and size of the text.
    stored = DrawFile.objects.get(draw=d, name="pool.tsv")
    assert stored.file.name.endswith(".gz") and stored.size == len(files["pool.tsv"])
    assert gzip.decompress(stored.file.open("rb").read()) == files["pool.tsv"]
    assert DrawStratum.objects.filter(draw=d, stratum="B").count() == 2

    with pytest.raises(ValidationError, match="outside value"):
        draws.draw_request_derive(actor=w.planner, draw=d)
    d = f.derive(w, d)
    assert d.status == Draw.Status.DERIVED and len(d.selection_hash) == 64
    assert Selection.objects.filter(draw=d).count() == 12
    # One visit per firm: a firm drawn by both plans is one joint inspection with the items of
    # both (the general item once) and an inspector of each department.
    inspections = list(Inspection.objects.filter(draw=d))
    drawn_by: dict[int, set[str]] = {}
    for s in Selection.objects.filter(draw=d).select_related("plan"):
        drawn_by.setdefault(s.enterprise_id, set()).add(s.plan.code)
    assert len(inspections) == len(drawn_by)
    joint = [i for i in inspections if drawn_by[i.enterprise_id] == {"P01", "P02"}]
    assert joint, "the seed gives joint visits"
    for inspection in joint:
        items = set(
            InspectionCheck.objects.filter(inspection=inspection).values_list(
                "item__code", flat=True
            )
        )
        assert items == {"reg-info", "food-safety"}
        staff = InspectionAssignment.objects.filter(inspection=inspection).select_related(
            "inspector"
        )
        assert {a.inspector.department.code for a in staff} == {"amr", "health"}
        assert any(a.inspector.skills.filter(code="food").exists() for a in staff)
    for inspection in inspections:
        assert inspection.origin == Inspection.Origin.RANDOM and inspection.stratum == "B"
        assert inspection.department == w.bureau and inspection.due_by == dt.date(2026, 11, 30)
        assert InspectionAssignment.objects.filter(inspection=inspection).count() >= 2

    # Private until inspected: the reveal is refused while inspections are pending.
    with pytest.raises(ValidationError, match="stays private"):
        draws.draw_reveal(actor=w.planner, draw=d)
    assert draws.draws_reveal_due(on=today) == 0
    Inspection.objects.filter(draw=d).update(status=Inspection.Status.PUBLISHED)
    assert draws.draws_reveal_due(on=today) == 1
    d.refresh_from_db()
    assert d.status == Draw.Status.REVEALED and d.revealed_at is not None
    public = {x.name for x in draws.draw_files_public(draw=d)}
    assert public == set(verify.FILE_NAMES) - {"strata.tsv"}
    report = verify.verify_files(_files(d))
    assert report.ok, report.lines
    assert report.selection_hash == d.selection_hash
    assert report.commitment_hash == d.commitment_hash
    assert draws.draw_verify(draw=d).ok


def test_draws_are_hash_chained_and_numbered(today):
    w = f.world(firms=4)
    first = f.commit(w, [w.p01])
    second = f.commit(w, [w.p02])
    assert second.previous_hash == first.commitment_hash
    assert second.number == "DRAW-2026-0002"
    assert json.loads(_files(second)["manifest.json"])["previous_hash"] == first.commitment_hash


def test_a_second_outside_value_and_a_stale_version_are_refused(today):
    w = f.world(firms=4)
    d = f.commit(w, [w.p01])
    with pytest.raises(ConflictError):
        draws.draw_record_outside(
            actor=w.planner, draw=d, value="1 2 3", expected_version=d.version + 1
        )
    with pytest.raises(ValidationError, match="tabs"):
        draws.draw_record_outside(actor=w.planner, draw=d, value="1|2", expected_version=d.version)
    d = draws.draw_record_outside(
        actor=w.planner, draw=d, value="1 2 3", expected_version=d.version
    )
    with pytest.raises(ValidationError, match="already"):
        draws.draw_record_outside(
            actor=w.planner, draw=d, value="9 9 9", expected_version=d.version
        )
    d.refresh_from_db()
    assert d.outside_value == "1 2 3"


def test_bad_requests_are_refused_with_their_numbers(today):
    w = f.world(firms=4, health_inspectors=0)
    SamplingPlan.objects.filter(pk=w.p01.pk).update(status=SamplingPlan.Status.DRAFT)
    w.p01.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        draws.draw_request_commit(
            actor=w.planner, plans=[w.p01, w.p02], title="", as_of=today, outside_source=""
        )
    messages = caught.value.message_dict
    assert any("P01 is not approved" in m for m in messages["plans"])
    assert any("department" in m and "P02" in m for m in messages["plans"])
    assert any("skilled" in m for m in messages["plans"])
    assert "title" in messages and "outside_source" in messages
    with pytest.raises(ValidationError, match="future"):
        draws.draw_request_commit(
            actor=w.planner,
            plans=[w.p02],
            title="t",
            as_of=today + dt.timedelta(days=1),
            outside_source="dice",
        )
    with pytest.raises(ValidationError, match="control draw"):
        draws.draw_request_commit(
            actor=w.planner,
            plans=[w.p02],
            title="t",
            as_of=today,
            outside_source="dice",
            is_control=True,
        )
    assert not Draw.objects.exists()


def test_not_enough_inspectors_gives_the_numbers(today):
    w = f.world(firms=4, amr_inspectors=1, health_inspectors=1)
    with pytest.raises(ValidationError) as caught:
        draws.draw_request_commit(
            actor=w.planner, plans=[w.p01], title="t", as_of=today, outside_source="dice"
        )
    assert "Plan P01 needs 2 inspectors per firm, has 1 active." in caught.value.messages


def test_class_a_keeps_its_floor_and_ratios_stay_within_0_100(today):
    w = f.world(firms=2)
    w.p01.strata.filter(stratum="A").update(ratio="0.10")
    with pytest.raises(ValidationError, match=r"class A has a floor of 0\.50"):
        draws.draw_request_commit(
            actor=w.planner, plans=[w.p01], title="t", as_of=today, outside_source="dice"
        )


def test_a_redraw_supersedes_the_old_draw_and_cancels_its_unstarted_inspections(today):
    w = f.world(firms=8)
    old = f.derive(w, f.commit(w))
    started = Inspection.objects.filter(draw=old).first()
    assert started is not None
    Inspection.objects.filter(pk=started.pk).update(status=Inspection.Status.RECORDED)
    with pytest.raises(ValidationError, match="reason"):
        draws.draw_request_commit(
            actor=w.planner,
            plans=[w.p01, w.p02],
            title="again",
            as_of=today,
            outside_source="dice",
            redraw_of=old,
        )
    new = f.commit(w, redraw_of=old, reason="an inspector of the roster was recused late")
    old.refresh_from_db()
    assert old.status == Draw.Status.SUPERSEDED
    assert new.redraw_of == old and "recused late" in new.redraw_reason
    assert json.loads(_files(new)["manifest.json"])["redraw_of"] == old.number
    statuses = set(
        Inspection.objects.filter(draw=old).exclude(pk=started.pk).values_list("status", flat=True)
    )
    assert statuses == {Inspection.Status.CANCELLED}
    assert Inspection.objects.get(pk=started.pk).status == Inspection.Status.RECORDED
    # The started one counts as inspected under its plans: it is left out of the redraw.
    assert Exclusion.objects.filter(
        draw=new, enterprise_id=started.enterprise_id, rule="recent"
    ).exists()
    with pytest.raises(ValidationError, match="redrawn already"):
        draws.draw_request_commit(
            actor=w.planner,
            plans=[w.p01],
            title="t",
            as_of=today,
            outside_source="dice",
            redraw_of=old,
            reason="again",
        )


def test_a_reveal_that_does_not_match_its_commitment_is_refused_loudly(today, caplog):
    w = f.world(firms=6)
    d = f.derive(w, f.commit(w))
    Inspection.objects.filter(draw=d).update(status=Inspection.Status.PUBLISHED)
    # Someone swaps the stored assignment for another (same name, new text).
    stored = DrawFile.objects.get(draw=d, name="assignment.tsv")
    lines = draws.draw_file_text(file=stored).decode().splitlines()
    first = lines[0].split("\t")
    lines[0] = first[0] + "\t" + ",".join(reversed(first[1].split(",")))
    stored.file.storage.delete(stored.file.name)
    stored.file.storage.save(
        stored.file.name,
        __import__("io").BytesIO(gzip.compress(("\n".join(lines) + "\n").encode())),
    )
    with pytest.raises(ValidationError, match="NOT revealed"):
        draws.draw_reveal(actor=w.planner, draw=d)
    d.refresh_from_db()
    assert d.revealed_at is None and d.status == Draw.Status.DERIVED
    assert "inspections.draw.reveal_mismatch" in caplog.text
    assert draws.draws_reveal_due(on=today) == 0
    assert not draws.draw_verify(draw=d).ok


def test_a_second_run_of_a_finished_job_does_nothing(today):
    w = f.world(firms=4)
    d = f.commit(w, [w.p01])
    job = d.jobs.get()
    again = draws.draw_job_run(job.pk)
    assert again is not None and again.status == "done" and Draw.objects.count() == 1


def test_a_control_draw_takes_control_plans(today):
    w = f.world(firms=2)
    a_firms = [f.classed(w.bureau, "A") for _ in range(4)]
    control = f.plan(
        "C01",
        items=[w.general],
        departments=[w.bureau],
        strata={"A": "50"},
        planner=w.planner,
        kind=SamplingPlan.Kind.CONTROL,
    )
    d = f.derive(w, f.commit(w, [control], is_control=True))
    assert d.is_control
    inspections = Inspection.objects.filter(draw=d)
    assert inspections.count() == 2
    assert {i.origin for i in inspections} == {Inspection.Origin.CONTROL}
    assert {i.enterprise_id for i in inspections} <= {e.pk for e in a_firms}


def test_rotation_the_last_inspectors_of_a_firm_are_on_the_roster_and_not_sent_again(today):
    w = f.world(firms=6, amr_inspectors=5)
    first = f.derive(w, f.commit(w, [w.p01]))
    last_team = {
        i.enterprise.uscc: {draws.staff_id(a.inspector_id) for a in i.assignments.all()}
        for i in Inspection.objects.filter(draw=first).select_related("enterprise")
    }
    assert last_team
    p03 = f.plan(
        "P03", items=[w.general], departments=[w.bureau], strata={"B": "100"}, planner=w.planner
    )
    second = f.derive(w, f.commit(w, [p03]), value="6 6 6")
    files = _files(second)
    previous = {
        tuple(line.split("\t")[1:])
        for line in files["roster.tsv"].decode().splitlines()
        if line.startswith("P\t")
    }
    assert previous == {(uscc, staff) for uscc, team in last_team.items() for staff in team}
    for line in files["assignment.tsv"].decode().splitlines():
        uscc, team = line.split("\t")
        assert not set(team.split(",")) & last_team.get(uscc, set())
