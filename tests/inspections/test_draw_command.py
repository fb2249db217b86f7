"""`manage.py draw` for operators: commit, outside, derive, files, verify, reveal, show, and
its refusals as command errors."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from inspections.models import Draw, Inspection
from tests.inspections import factories_draw as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in English (the interface is Chinese first)."""
    with translation.override("en"):
        yield


ROOT = Path(__file__).resolve().parents[2]


def _call(*args: str) -> str:
    out = io.StringIO()
    call_command("draw", *args, stdout=out)
    return out.getvalue()


def test_an_operator_runs_a_draw_end_to_end_and_checks_the_files(time_machine, tmp_path):
    time_machine.move_to(
        dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False
    )
    w = f.world(firms=8)
    out = _call(
        "commit",
        "--user",
        "planner",
        "--plans",
        "P01,P02",
        "--title",
        "第一批",
        "--outside-source",
        "dice",
        "--as-of",
        "2026-03-01",
    )
    d = Draw.objects.get()
    assert "commit done" in out and d.commitment_hash in out
    with pytest.raises(CommandError, match="outside value"):
        _call("derive", d.number, "--user", "planner")
    _call("outside", d.number, "--user", "planner", "--value", "3 5 6")
    out = _call("derive", d.number, "--user", "planner")
    d.refresh_from_db()
    assert d.selection_hash in out
    with pytest.raises(CommandError, match="stays private"):
        _call("reveal", d.number, "--user", "planner")
    assert _call("verify", d.number).splitlines()[-1] == "OK"
    _call("files", d.number, "--to", str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-I", str(ROOT / "inspections" / "verify.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0 and f"selection hash {d.selection_hash}" in proc.stdout
    Inspection.objects.filter(draw=d).update(status=Inspection.Status.CANCELLED)
    assert "revealed" in _call("reveal", d.number, "--user", "planner")
    with pytest.raises(CommandError, match="no draw"):
        _call("show", "DRAW-1999-0001")
    with pytest.raises(CommandError, match="no plan NOPE"):
        _call(
            "commit",
            "--user",
            "planner",
            "--plans",
            "NOPE",
            "--title",
            "t",
            "--outside-source",
            "d",
        )
    del w
