"""docker-compose.yml cannot be run here (no Docker engine); check what it promises."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_has_the_five_services():
    assert set(_compose()["services"]) == {"postgres", "redis", "web", "worker", "beat"}


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
    for name in ("web", "worker", "beat"):
        svc = services[name]
        assert (
            svc["build"] == {"context": ".", "dockerfile": "Dockerfile"}
            or svc.get("image") == "credit-portal:latest"
        )
        deps = svc["depends_on"]
        assert deps["postgres"]["condition"] == "service_healthy"
        assert deps["redis"]["condition"] == "service_healthy"
        env = svc["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "credit_portal.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://redis:6379")
        assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")  # required, no default


def test_commands():
    services = _compose()["services"]
    web = (
        " ".join(services["web"]["command"])
        if isinstance(services["web"]["command"], list)
        else services["web"]["command"]
    )
    assert "migrate --noinput" in web and "gunicorn" in web and "credit_portal.wsgi" in web
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
