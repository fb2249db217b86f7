"""The front door tells the truth (issue 13, point 1): "/" leads a visitor to the public lookup,
the login page promises only what the portal does today, a bad address shows the portal's own
404 page in the demo too, and the login page opens at its top on a phone."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from credit_portal.capabilities import capabilities
from tests.browser import browser_page

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def dev_script() -> ModuleType:
    """dev.py, the README's two commands, as a module."""
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_anonymous_visitor_at_the_front_door_gets_the_public_lookup(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("public:search")
    lookup = client.get(response["Location"]).content.decode()
    assert f'href="{reverse("login")}"' in lookup  # staff log in from there


def test_a_logged_in_user_keeps_their_home(client, user_with_perms):
    client.force_login(user_with_perms("credit_portal.access_staff_portal"))
    response = client.get("/")
    assert response.status_code == 200
    assert 'class="mainnav"' in response.content.decode()  # the workbench, not the lookup


def test_every_capability_the_login_page_promises_has_a_page():
    declared = capabilities()
    assert {c.key for c in declared} >= {
        "register",
        "ledger",
        "public_lookup",
        "import_export",
        "self_service",
        "api",
    }
    for capability in declared:
        assert reverse(capability.url_name).startswith("/"), capability


def test_the_login_page_promises_only_what_the_portal_does(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for capability in capabilities():
        assert escape(str(capability.title)) in page
    # Planned apps (docs/architecture.md): nothing of them is built yet.
    for planned in ["risk classes", "Inspections", "double random", "Annual reports"]:
        assert planned not in page, planned


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - our own server
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_demo_shows_the_portals_own_404_page(tmp_path):
    """Tester: /credit/<bad code>/ in the demo showed Django's technical 404 page (the URL
    patterns and "DEBUG = True"). The demo is served as `dev.py serve` serves it."""
    from tests.celery_helpers import _database_url_of_test_db
    from tests.enterprises.factories import make_uscc

    dev = dev_script()
    port = _free_port()
    command = [*dev.serve_command()[:-1], f"127.0.0.1:{port}"]
    env = dev.serve_env()
    env.pop("DJANGO_DEBUG", None)  # the demo as the README starts it: nothing set
    if connection.vendor == "postgresql":  # this run's database (SQLite's is in memory)
        env["DATABASE_URL"] = _database_url_of_test_db()
    log = (tmp_path / "server.log").open("w+")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _page = _get(f"{base}/healthz")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"the demo server did not start:\n{log.read()}")
                time.sleep(0.2)
        addresses = ["/no-such-page/", "/credit/NOT-A-CODE/", "/enterprises/x/y/z/"]
        if connection.vendor == "postgresql":
            addresses.append(f"/credit/{make_uscc(424_242)}/")  # well formed, nobody has it
        for address in addresses:
            status, page = _get(base + address)
            assert status == 404, address
            assert 'class="card card--notice"' in page, address  # templates/errors/_error.html
            assert "页面不存在" in page or "Page not found" in page, address
            assert "DEBUG" not in page and "URLconf" not in page, address
        status, css = _get(f"{base}/static/css/portal.css")  # still served, by whitenoise
        assert status == 200 and ".login-page" in css
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_login_page_opens_at_its_top_on_a_phone(live_server, chromium_path):
    """Tester: at 390 px the login page opened scrolled, the username's autofocus pulling it
    past the panel. The form now comes first on a phone: the page opens at its top, the
    masthead and the form both in view."""
    with browser_page(chromium_path, width=390, height=844) as page:
        page.goto(f"{live_server.url}/accounts/login/")
        page.wait_for_load_state("load")
        assert page.evaluate("window.scrollY") == 0
        form = page.locator("form button.btn--block").bounding_box()
        assert form is not None and form["y"] + form["height"] <= 844  # the button in view
        panel = page.locator(".login-aside").bounding_box()
        assert panel is not None and panel["y"] > form["y"]  # the panel below the form
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with browser_page(chromium_path, width=1366, height=900) as page:
        page.goto(f"{live_server.url}/accounts/login/")
        form = page.locator(".login-form").bounding_box()
        panel = page.locator(".login-aside").bounding_box()
        assert form is not None and panel is not None
        assert panel["x"] < form["x"] and panel["y"] == form["y"]  # side by side, panel left
