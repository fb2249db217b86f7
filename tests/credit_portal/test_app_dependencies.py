"""The domain apps depend on one another as docs/architecture.md ("Apps and dependencies")
draws it: every app may use the register (`enterprises`) and the core; `annual_reports` and
`inspections` may call `remediation`'s services, and remediation's directory reads the annual
reports that decide its listings (the one pair that goes both ways); `risk` reads the register
and the ledger, and nobody imports it except its models, to read a class; the register imports
none of them. Checked on the source at any depth, so that an import inside a function is
caught too (tests are not checked: they set up any app's rows)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.credit_portal.test_core_independence import _imported_modules

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_APPS = (
    "enterprises",
    "risk",
    "inspections",
    "remediation",
    "annual_reports",
    "questions",
    "standing",
    "station",
    "dashboard",
)
# What each domain app may import besides itself and the core.
ALLOWED = {
    "enterprises": set(),
    "risk": {"enterprises"},
    "remediation": {"enterprises", "annual_reports"},
    "annual_reports": {"enterprises", "remediation"},
    "inspections": {"enterprises", "remediation"},
    # Issue 18's apps sit on top: they read what the domain apps record, and nothing below
    # imports them. Questions become leads through inspections' services; their pages reuse
    # remediation's page and API helpers, as annual_reports' do.
    "questions": {"enterprises", "inspections", "remediation"},
    "standing": {"enterprises", "remediation", "annual_reports"},
    "station": {"enterprises", "risk", "remediation", "annual_reports", "inspections", "standing"},
    "dashboard": {
        "enterprises",
        "risk",
        "remediation",
        "annual_reports",
        "inspections",
        "questions",
        "standing",
        "station",
    },
}
# Reading a class is allowed to every app (the draw's strata are the classes).
READS_A_CLASS = "risk.models"


def _violations(app: str) -> list[str]:
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in _imported_modules(tree):
            top = module.split(".", 1)[0]
            if module == READS_A_CLASS:
                continue
            if top in DOMAIN_APPS and top != app and top not in ALLOWED[app]:
                found.append(f"{path.relative_to(ROOT)}:{line}: {module}")
    return found


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_a_domain_app_imports_only_what_it_may(app):
    assert _violations(app) == []
