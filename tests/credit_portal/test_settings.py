"""Production settings pass `check --deploy`; they refuse to boot without their secrets."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "credit_portal.settings.production",
    "DJANGO_SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-Zq8",
    "DJANGO_ALLOWED_HOSTS": "credit.example.gov.cn",
    "DATABASE_URL": "postgres://app@db:5432/credit",
    "REDIS_URL": "redis://redis:6379/0",
    "CP_PUBLIC_BASE_URL": "https://credit.example.gov.cn",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy_with_no_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_requires_the_public_address_letters_print():
    """Letters of good standing print and encode it (standing.E001, E002)."""
    result = _manage("check", "--deploy", env={**PROD_ENV, "CP_PUBLIC_BASE_URL": ""})
    assert result.returncode != 0
    assert "standing.E001" in result.stdout + result.stderr
    plain = {**PROD_ENV, "CP_PUBLIC_BASE_URL": "http://credit.example.gov.cn/portal"}
    result = _manage("check", "--deploy", env=plain)
    assert result.returncode != 0
    assert "standing.E002" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PROD_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_sqlite():
    result = _manage("check", env={**PROD_ENV, "DATABASE_URL": "sqlite:///x.db"})
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr
