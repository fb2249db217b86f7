"""docker-compose.yml cannot be run here (no Docker engine); check what it promises."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


# postgres://user:${PASSWORD...}@host:port/database, the password from the environment.
_DATABASE_URL = re.compile(
    r"postgres://(?P<user>\w+):(?P<password>\$\{[^}]+\})@(?P<where>[\w.-]+:\d+/\w+)"
)


def _database_url(value: str) -> dict[str, str]:
    found = _DATABASE_URL.fullmatch(value)
    assert found, value
    return found.groupdict()


def _command(service: dict) -> str:
    command = service["command"]
    return " ".join(command) if isinstance(command, list) else command


def test_has_the_six_services():
    assert set(_compose()["services"]) == {
        "postgres",
        "redis",
        "migrate",
        "web",
        "worker",
        "beat",
    }


def test_data_services_are_pinned_and_persist_and_have_health_checks():
    services, volumes = _compose()["services"], _compose()["volumes"]
    assert services["postgres"]["image"].startswith("postgres:1")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("postgres", "redis"):
        assert "healthcheck" in services[name]
        mount = services[name]["volumes"][0].split(":")[0]
        assert mount in volumes


def test_app_services_build_the_dockerfile_and_wait_for_healthy_data_services():
    services = _compose()["services"]
    assert (ROOT / "Dockerfile").exists()
    for name in ("migrate", *APP_SERVICES):
        svc = services[name]
        assert (
            svc["build"] == {"context": ".", "dockerfile": "Dockerfile"}
            or svc.get("image") == "credit-portal:latest"
        )
        deps = svc["depends_on"]
        assert deps["postgres"]["condition"] == "service_healthy"
        if name != "migrate":  # which needs no Redis
            assert deps["redis"]["condition"] == "service_healthy"
        env = svc["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "credit_portal.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://redis:6379")
        assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")  # required, no default
        # Printed on letters of good standing: required, never the request's Host.
        assert env["CP_PUBLIC_BASE_URL"].startswith("${CP_PUBLIC_BASE_URL:?")


def test_migrations_run_once_as_the_owner_before_the_app_starts_as_its_own_role():
    services = _compose()["services"]
    owner = services["postgres"]["environment"]["POSTGRES_USER"]
    migrate = services["migrate"]
    assert migrate["restart"] == "no"  # one-shot
    assert "healthcheck" not in migrate and "ports" not in migrate
    command = _command(migrate)
    assert "python manage.py migrate --noinput && python manage.py db_roles" in command
    owner_url = _database_url(migrate["environment"]["DATABASE_URL"])
    assert owner_url["user"] == owner
    assert owner_url["password"] == "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
    app_role = migrate["environment"]["APP_DB_USER"]
    assert app_role != owner
    assert migrate["environment"]["APP_DB_PASSWORD"] == "${APP_DB_PASSWORD:?set APP_DB_PASSWORD}"
    for name in APP_SERVICES:
        svc = services[name]
        assert svc["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        url = _database_url(svc["environment"]["DATABASE_URL"])
        assert url == {
            "user": app_role,
            "password": "${APP_DB_PASSWORD:?set APP_DB_PASSWORD}",
            "where": owner_url["where"],  # the same database
        }
        assert "migrate" not in _command(svc)
    # The owner's password: required, in the database's own service and in migrate only.
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == owner_url["password"]
    for name, svc in services.items():
        holds = "POSTGRES_PASSWORD" in str(svc.get("environment", {}))
        assert holds == (name in {"postgres", "migrate"}), name


def test_commands():
    services = _compose()["services"]
    web = _command(services["web"])
    assert "gunicorn" in web and "credit_portal.wsgi" in web
    # gunicorn reads its worker count from WEB_CONCURRENCY; the web service keeps the shared
    # environment and adds it.
    web_env = services["web"]["environment"]
    assert web_env["WEB_CONCURRENCY"] == "${WEB_CONCURRENCY:-5}"
    assert "--workers" not in web and "-w " not in web  # would override WEB_CONCURRENCY
    assert web_env["DATABASE_URL"] == services["worker"]["environment"]["DATABASE_URL"]
    assert "healthz" in " ".join(services["web"]["healthcheck"]["test"])
    worker = " ".join(services["worker"]["command"])
    assert "celery -A credit_portal worker" in worker and "-Q default,bulk" in worker
    beat = " ".join(services["beat"]["command"])
    assert "celery -A credit_portal beat" in beat
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat


def test_dockerfile_installs_the_project_and_collects_static():
    text = (ROOT / "Dockerfile").read_text()
    assert "\nFROM python:3.11" in text
    assert "pip install" in text and "collectstatic" in text
    assert "USER " in text  # not root
