#!/usr/bin/env python3
"""Set up and run Credit Portal with nothing but Python 3.11+ (standard library only).

    python3 dev.py serve   install into .venv, migrate, load the demo district, serve on :8000
    python3 dev.py test    install into .venv (with the test extras) and run the whole test suite

Both commands are idempotent: a second run reuses the virtual environment and only
installs what changed. Extra arguments after `test` go to pytest.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*args: str | os.PathLike[str], env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    completed = subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=False)
    if completed.returncode:
        sys.exit(completed.returncode)


def install(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be started by an old Python
        sys.exit("Credit Portal needs Python 3.11 or newer.")
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    # Reinstall only when pyproject.toml or the extras changed.
    stamp = VENV / f".installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    run(PY, "-m", "pip", "install", "--quiet", "-e", target)
    stamp.write_text(digest)


def serve() -> None:
    install("")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "credit_portal.settings.local"}
    run(PY, "manage.py", "migrate", "--noinput", env=env)
    run(PY, "manage.py", "seed_demo", "--if-empty", env=env)
    run(PY, "manage.py", "runserver", "127.0.0.1:8000", env=env)


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
