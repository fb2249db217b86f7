"""The core (`credit_portal`) knows no domain app: the register, risk, inspections, remediation
and annual reports build on it, never the other way round. Checked on the source, so that an
import inside a function (which runs only when called) is caught too."""

from __future__ import annotations

import ast
from pathlib import Path

import credit_portal

DOMAIN_APPS = {"enterprises", "risk", "inspections", "remediation", "annual_reports"}
CORE = Path(credit_portal.__file__).parent


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an `import X` or `from X import ...` names, at any depth (functions,
    classes, conditionals, try blocks)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def _domain_imports(source: str, filename: str = "<source>") -> list[str]:
    return [
        f"{filename}:{line}: {module}"
        for line, module in _imported_modules(ast.parse(source, filename=filename))
        if module.split(".", 1)[0] in DOMAIN_APPS
    ]


def test_the_check_sees_imports_at_any_depth():
    source = """
import os
import enterprises
from risk.models import Thing
def f():
    from inspections import plans
    if True:
        import remediation.services as r
class C:
    def g(self):
        try:
            from annual_reports.x import y
        except ImportError:
            pass
from credit_portal import enterprises_like
import enterprises_like
"""
    assert [hit.split(": ", 1)[1] for hit in _domain_imports(source)] == [
        "enterprises",
        "risk.models",
        "inspections",
        "remediation.services",
        "annual_reports.x",
    ]


def test_the_core_imports_no_domain_app():
    modules = [p for p in sorted(CORE.rglob("*.py")) if "migrations" not in p.parts]
    assert len(modules) > 20  # the walk found the package
    hits: list[str] = []
    for path in modules:
        hits += _domain_imports(path.read_text(encoding="utf-8"), str(path.relative_to(CORE)))
    assert hits == [], "credit_portal imports a domain app:\n" + "\n".join(hits)
