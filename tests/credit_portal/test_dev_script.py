"""dev.py, the README's two commands (issue 13, point 9): the install prints no setuptools
warning, and running the tests while the demo serves neither reinstalls the project under it
nor restarts it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.credit_portal.test_front_door import ROOT, dev_script

APPS = ["credit_portal", "enterprises", "risk", "inspections", "remediation", "annual_reports"]


@pytest.fixture
def dev(tmp_path, monkeypatch):
    """dev.py with its venv in tmp_path and `run` recording the commands instead of running
    them; the project's own pyproject.toml."""
    module = dev_script()
    fake_venv = tmp_path / "venv"
    (fake_venv / "bin").mkdir(parents=True)
    (fake_venv / "bin" / "python").touch()  # "the venv exists"
    monkeypatch.setattr(module, "VENV", fake_venv)
    monkeypatch.setattr(module, "PY", fake_venv / "bin" / "python")
    monkeypatch.setattr(module, "STAMP", fake_venv / ".installed.json")
    module.commands = []
    monkeypatch.setattr(module, "run", lambda *args, env=None: module.commands.append(args))
    return module


def pip_installs(dev) -> list[list[str]]:
    installs = [[str(a) for a in c] for c in dev.commands if "install" in map(str, c)]
    dev.commands.clear()
    return installs


def test_the_tests_do_not_reinstall_the_project_the_demo_is_using(dev):
    dev.install("")  # `serve`, the first time: the project
    first = pip_installs(dev)
    assert first[-1][-2:] == ["-e", "."]
    dev.install("dev")  # `test` while the demo serves: the test extras only, once
    (extras,) = pip_installs(dev)
    assert "-e" not in extras and "." not in extras
    assert any(requirement.startswith("pytest>=") for requirement in extras)
    dev.install("dev")  # every later `test`, and `serve`: nothing
    dev.install("")
    assert pip_installs(dev) == []


def test_a_changed_pyproject_reinstalls_with_the_extras_installed_before(dev):
    dev.install("dev")
    pip_installs(dev)
    dev.STAMP.write_text(dev.STAMP.read_text().replace('"digest": "', '"digest": "old'))
    dev.install("")
    assert pip_installs(dev)[-1][-2:] == ["-e", ".[dev]"]


def test_the_demo_serves_without_the_autoreloader(dev):
    """A test run writes into the checkout; the autoreloader restarted the demo for it."""
    command = dev.serve_command()
    assert command[1:3] == ["manage.py", "runserver"] and "--noreload" in command
    assert dev.serve_env()["DJANGO_SETTINGS_MODULE"] == "credit_portal.settings.local"


def test_the_install_prints_no_setuptools_warning(tmp_path):
    """The editable install `dev.py` makes, of a copy of the project into a new venv, with
    setuptools as pyproject.toml asks for it (pip's isolated build)."""
    source = tmp_path / "src"
    source.mkdir()
    for name in ["pyproject.toml", "README.md"]:
        shutil.copy(ROOT / name, source / name)
    for app in APPS:
        shutil.copytree(ROOT / app, source / app, ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    done = subprocess.run(
        [*pip, "install", "--quiet", "--no-deps", "-e", str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    for warning in ["Deprecat", "BuildBackendWarning", "SetuptoolsWarning", "!!"]:
        assert warning not in output, output
    # A plain .pth entry for the checkout: no import-hook module in the venv for the demo's
    # reloader to watch, nor one to be rewritten by a reinstall.
    site = next(Path(target).glob("lib/python*/site-packages"))
    assert [p.name for p in site.glob("__editable__*")] == ["__editable__.credit_portal-0.1.0.pth"]
    assert (site / "__editable__.credit_portal-0.1.0.pth").read_text().strip() == str(source)
