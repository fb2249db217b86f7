"""Timers are rows, never messages; no chords (`credit_portal.jobs`, docs/architecture.md "Jobs").

No task is sent with `eta` or `countdown` (a reminder or deadline is a row with a due date that
a periodic job finds), and nothing uses a chord (a lost member never fires its callback).
Checked on the source of every app, so that a call inside a function is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["credit_portal", "enterprises", "risk", "inspections", "remediation", "annual_reports"]
TIMER_KEYWORDS = {"eta", "countdown"}


def _violations(source: str, filename: str = "<source>") -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Call):
            found += [
                f"{filename}:{node.lineno}: a task timer ({keyword.arg}=)"
                for keyword in node.keywords
                if keyword.arg in TIMER_KEYWORDS
            ]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("celery"):
            found += [
                f"{filename}:{node.lineno}: chord" for alias in node.names if alias.name == "chord"
            ]
        elif isinstance(node, ast.Attribute) and node.attr == "chord":
            found.append(f"{filename}:{node.lineno}: chord")
    return found


def test_the_check_finds_timers_and_chords():
    source = """
from celery import chord, shared_task
import celery
def f():
    remind_task.apply_async(args=(1,), countdown=3600)
    other_task.apply_async(eta=when)
    self.retry(countdown=60)
    celery.chord([a.s()])(b.s())
"""
    assert len(_violations(source)) == 5


def test_no_task_timer_and_no_chord_in_the_code():
    violations = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            violations += _violations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert violations == []
