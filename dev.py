#!/usr/bin/env python3
"""Set up and run Credit Portal with nothing but Python 3.11+ (standard library only).

    python3 dev.py serve   install into .venv, migrate, load the demo district, serve on :8000
    python3 dev.py test    install into .venv (with the test extras) and run the whole test suite

Both commands are idempotent: a second run reuses the virtual environment and installs only
what changed. Running the tests while the demo serves leaves the demo alone: `test` installs
nothing when pyproject.toml is unchanged (only the test extras, the first time, without
reinstalling the project), and the demo runs without the autoreloader, so nothing the tests
write or install restarts it. Extra arguments after `test` go to pytest.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
STAMP = VENV / ".installed.json"  # pyproject.toml's digest and the extras installed with it


def run(*args: str | os.PathLike[str], env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    completed = subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=False)
    if completed.returncode:
        sys.exit(completed.returncode)


def _installed() -> tuple[str, set[str]]:
    """What the last install put into the venv: pyproject.toml's digest and the extras."""
    try:
        stamp = json.loads(STAMP.read_text())
        return str(stamp["digest"]), {str(e) for e in stamp["extras"]}
    except (OSError, ValueError, KeyError, TypeError):
        return "", set()


def _extra_requirements(extras: set[str]) -> list[str]:
    import tomllib  # Python 3.11+, checked before this is called

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [req for extra in sorted(extras) for req in project["optional-dependencies"][extra]]


def install(extras: str) -> None:
    """Install the project (editable) and the extras into .venv, only what is missing.

    pyproject.toml unchanged since the last install: nothing to do, or, for extras not yet
    installed, their requirements only, so that the project in the venv is not reinstalled
    under a demo that is using it. pyproject.toml changed: everything again, with the extras
    installed before.
    """
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be started by an old Python
        sys.exit("Credit Portal needs Python 3.11 or newer.")
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    installed_digest, installed_extras = _installed()
    wanted = {extras} - {""}
    if installed_digest == digest:
        if wanted <= installed_extras:
            return
        run(PY, "-m", "pip", "install", "--quiet", *_extra_requirements(wanted - installed_extras))
    else:
        run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        every = sorted(wanted | installed_extras)
        run(PY, "-m", "pip", "install", "--quiet", "-e", f".[{','.join(every)}]" if every else ".")
    STAMP.write_text(json.dumps({"digest": digest, "extras": sorted(wanted | installed_extras)}))


def serve_command() -> list[str]:
    """The demo server: no autoreloader, so that a test run (or anything else writing into the
    checkout or the venv) never restarts it. To work on the code with reloading, run
    `DJANGO_DEBUG=1 .venv/bin/python manage.py runserver`."""
    return [str(PY), "manage.py", "runserver", "--noreload", "127.0.0.1:8000"]


def serve_env() -> dict[str, str]:
    """The demo's settings: credit_portal.settings.local (DEBUG off unless DJANGO_DEBUG=1)."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "credit_portal.settings.local"}


def serve() -> None:
    install("")
    env = serve_env()
    run(PY, "manage.py", "migrate", "--noinput", env=env)
    run(PY, "manage.py", "seed_demo", "--if-empty", env=env)
    run(*serve_command(), env=env)


def test(pytest_args: list[str]) -> None:
    install("dev")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "credit_portal.settings.test"}
    workers = ["-n", os.environ.get("PYTEST_WORKERS", "2")]
    run(PY, "-m", "pytest", *workers, *pytest_args, env=env)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"serve", "test"}:
        sys.exit(__doc__)
    if sys.argv[1] == "serve":
        serve()
    else:
        test(sys.argv[2:])


if __name__ == "__main__":
    main()
