"""The commitment's files are the same bytes whoever makes them (issue 17, "Performance").

The pools, `pool.tsv` and `exclusions.tsv` are made by the database since the commitment was
measured at 56 s for 44 plans over 1,000,000 enterprises (`bench/draw_bench.py`); before, the
register's rows were spread over the plans and the files written in Python. A world with every
stratum, every exclusion rule, scopes by industry, street and entity type, a firm inspected
under one plan, previous inspectors and recusals is committed and drawn with the labels' order
and the server seed fixed; every file's SHA-256, the strata rows and the exclusion rows must
equal what the earlier code made of the same world (the values below were written by it, on
SQLite and on PostgreSQL alike), and the verifier must reproduce the draw.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

import pytest

from credit_portal.roles import Role
from enterprises.models import Enterprise
from inspections import verify
from inspections.models import (
    DrawJob,
    DrawStratum,
    Exclusion,
    Inspection,
    Inspector,
    Recusal,
    Skill,
)
from inspections.services import draws
from tests.enterprises.factories import make_uscc
from tests.inspections import factories_draw as f
from tests.inspections import factories_work as fw

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 3, 1)
SEED = "5a" * 32
# Written by the code before the database made the files (commit 75776e2), on SQLite and on
# PostgreSQL.
GOLDEN = {
    "assignment.tsv": "4eba1a9febbb32bd95b75782dc36af5303f74837c93116a79187c9a23887ac35",
    "exclusions.tsv": "75b2ac258b31532b3841083714b04a668e3fd5b0feb6955adc6892e776506045",
    "manifest.json": "7f7849c8fb04b7d6f49316207540acd7e0483b1239ad6957a278fd7e1b533eba",
    "pool.tsv": "8a001be6484effcdbfe6257f7aa7b382061b5f6757df4145c030476662931f26",
    "reveal.json": "d88c7175dedb4823fb8e498d03ead84cd0f4862fd8109b2103662e48181aebeb",
    "roster.tsv": "5980e4b2f16adc37574d9ca59b13c6310ddd3d0ecec037aa2726e440782332b0",
    "selection.tsv": "5d2f9c718631d030209cce92736cc2e4686bf411dfa79a8d8eee38ac24c98b5e",
    "strata.tsv": "7bd585a076e18be049a860f85ca199d4bca6d7a5adcb05626fcf41d9d4cc4930",
    "strata rows": "e365ae926596f57dd3287747c5f19094ff67479f14e0d90c34c6fefd6b1487cf",
    "exclusion rows": "865d17cd817e2f39c29d2bb011bfb74f6bf5ecc5e45ea50e2898bf6c49c9ba7c",
}


def _firm(n: int, dept, risk_class: str | None = None, **over) -> Enterprise:
    over.setdefault("registered_on", dt.date(2020, 1, 1))
    over = {"uscc": make_uscc(7000 + n), "name": f"企业{n}", **over}
    return f.classed(dept, risk_class, **over) if risk_class else f.firm(dept, **over)


def _world():
    bureau = f.department("amr", "区市场监督管理局", bureau=True)
    health = f.department("health", "区卫生健康局")
    planner = f.staff(Role.SUPERVISOR, "planner", bureau)
    food = Skill.objects.create(code="food", name="食品安全")
    general = f.item("reg-info", bureau)
    food_item = f.item("food-safety", health, safety_sensitive=True, required_skill=food)
    inspectors = []
    for n, (dept, skills) in enumerate(
        [
            (bureau, []),
            (bureau, [food]),
            (bureau, []),
            (bureau, []),
            (health, [food]),
            (health, [food]),
        ],
        start=1,
    ):
        user = f.staff(Role.INSPECTOR, f"golden-insp{n}", dept)
        row = Inspector.objects.create(pk=990000 + n, user=user, department=dept)
        row.skills.set(skills)
        inspectors.append(row)
    p01 = f.plan(
        "P01",
        items=[general],
        departments=[bureau],
        strata={"A": "50", "B": "50", "C": "50", "D": "100", "X": "100", "IB": "100", "NR": "100"},
        planner=planner,
    )
    p02 = f.plan(
        "P02",
        items=[food_item, general],
        departments=[bureau, health],
        strata={"B": "50", "C": "50", "X": "100"},
        planner=planner,
        industries=["52"],
    )
    p03 = f.plan(
        "P03",
        items=[general],
        departments=[bureau],
        strata={"A": "100", "B": "100"},
        planner=planner,
        streets=["东升街道"],
        entity_types=["company"],
    )
    firms: list[Enterprise] = []
    n = 0
    for risk_class, count, over in (
        ("A", 4, {"division": "东升街道"}),
        ("B", 6, {"division": "东升街道"}),
        ("B", 3, {"division": "西航港街道", "industry_division": "13"}),
        ("C", 3, {}),
        ("D", 2, {"entity_type": "partnership", "division": "东升街道"}),
        (None, 3, {}),
        (None, 3, {"entity_type": Enterprise.EntityType.INDIVIDUAL_BUSINESS}),
        ("B", 2, {"registered_on": dt.date(2025, 9, 1)}),  # observation (not in P02)
        ("B", 1, {"registered_on": dt.date(2026, 3, 2)}),  # not registered yet
        ("B", 1, {"status": "deregistered", "status_changed_on": dt.date(2025, 5, 1)}),
        ("A", 1, {"status": "moved_out", "status_changed_on": dt.date(2025, 5, 1)}),
        ("C", 1, {"status": "cancelled", "status_changed_on": dt.date(2025, 8, 1)}),
        ("B", 1, {"status": "revoked", "status_changed_on": dt.date(2026, 4, 1)}),  # later
        (
            "B",
            1,
            {
                "status": "suspended",
                "suspended_from": dt.date(2025, 6, 1),
                "suspended_until": dt.date(2027, 5, 31),
            },
        ),
        (
            "C",
            1,
            {
                "status": "suspended",
                "suspended_from": dt.date(2025, 1, 1),
                "suspended_until": dt.date(2026, 2, 28),
            },
        ),
    ):
        for _ in range(count):
            n += 1
            firms.append(_firm(n, bureau, risk_class, **over))
    for _ in range(2):  # last year's annual report missing
        n += 1
        late = _firm(n, bureau, "A")
        f.late_report(late, 2024)
        firms.append(late)
    earlier = fw.draw([p03], number="D2025-001")
    inspected = firms[4]  # B, 东升街道: inspected under P03, pooled in P01 and P02
    fw.drawn(inspected, earlier, [p03], inspectors[:2])
    cancelled = fw.drawn(firms[5], earlier, [p03], inspectors[2:4])
    Inspection.objects.filter(pk=cancelled.pk).update(status=Inspection.Status.CANCELLED)
    for who, firm, ended in (
        (inspectors[2], firms[6], None),
        (inspectors[3], firms[7], dt.date(2026, 6, 30)),
        (inspectors[0], firms[27], None),  # deregistered: in no pool
    ):
        Recusal.objects.create(
            inspector=who,
            enterprise=firm,
            origin="declared",
            reason="亲属",
            valid_from=dt.date(2026, 1, 1),
            ended_on=ended,
            created_by=planner,
        )
    return planner, [p01, p02, p03]


def _digest(lines) -> str:
    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()


def test_the_files_of_a_draw_are_the_bytes_the_earlier_code_made(time_machine, monkeypatch):
    time_machine.move_to(dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC), tick=False)
    planner, plans = _world()
    # The labels' order is drawn with `secrets`; fixed here so that the files repeat.
    monkeypatch.setattr(draws.secrets, "SystemRandom", lambda: random.Random(17))
    job = draws.draw_request_commit(
        actor=planner,
        plans=plans,
        title="2026年第一批",
        as_of=AS_OF,
        outside_source="福利彩票3D 2026-03-12",
        server_seed=SEED,
    )
    done = draws.draw_job_run(job.pk)
    assert done is not None and done.status == DrawJob.Status.DONE, done and done.message
    assert done.draw is not None
    d = done.draw
    d = draws.draw_record_outside(actor=planner, draw=d, value="4 7 1", expected_version=d.version)
    done = draws.draw_job_run(draws.draw_request_derive(actor=planner, draw=d).pk)
    assert done is not None and done.status == DrawJob.Status.DONE, done and done.message
    d.refresh_from_db()
    files = {x.name: draws.draw_file_text(file=x) for x in d.files.all()}
    found = {name: verify.sha256_hex(data) for name, data in files.items()}
    found["strata rows"] = _digest(
        f"{s.plan.code}|{s.stratum}|{s.pool_size}|{s.excluded}|{s.ratio}|{s.target}|{s.selected}"
        for s in DrawStratum.objects.filter(draw=d).select_related("plan")
    )
    found["exclusion rows"] = _digest(
        f"{e.plan.code}|{e.enterprise.uscc}|{e.rule}|{e.until}|{e.detail}"
        for e in Exclusion.objects.filter(draw=d).select_related("plan", "enterprise")
    )
    assert verify.verify_files(files).ok
    # Every rule and stratum is there (else the comparison would prove little).
    rules = {line.split("\t")[2] for line in files["exclusions.tsv"].decode().splitlines()}
    assert rules == {"closed", "suspended", "observation", "recent"}
    assert "\nP\t" in files["roster.tsv"].decode()
    assert files["roster.tsv"].decode().count("\nR\t") == 2
    assert found == GOLDEN
