"""The public draw pages (issue 17 §3; DRAW 1, 4, 6): no login; every commitment at once; the
commitment's files at once, the others only once revealed, each downloaded uncompressed with
the hash the page shows; how to check it; the selection and its results' links once revealed;
throttled like the public lookup; no inline script or style."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from django.test import override_settings

from inspections import verify
from tests.inspections import factories_draw as fd
from tests.inspections.factories_drawpages import drawn, revealed, text

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def w() -> fd.World:
    return fd.world()


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_drawn_draw_is_public_but_private_until_inspected(w, client):
    draw = drawn(w)
    listing = client.get("/draws/")
    assert listing.status_code == 200 and draw.number in text(listing)
    page = client.get(f"/draws/{draw.number}/", **EN)
    assert page.status_code == 200
    html = page.content.decode()
    assert draw.commitment_hash in html and draw.selection_hash in html
    assert "Secret until the draw is revealed" in text(page)
    assert draw.server_seed not in html
    assert 'data-testid="selection"' not in html
    # Only the commitment's files are offered; the others are named as coming later.
    files = html.split('data-testid="public-files"')[1].split("</ul>")[0]
    assert "manifest.json" in files and "pool.tsv" in files
    assert "selection.tsv" not in files and "reveal.json" not in files
    assert "selection.tsv" in html.split('data-testid="private-files"')[1]
    # The secret files cannot be downloaded, by page or API.
    for name in ("reveal.json", "selection.tsv", "assignment.tsv", "roster.tsv"):
        assert client.get(f"/draws/{draw.number}/files/{name}").status_code == 404
        assert client.get(f"/api/v1/public/draws/{draw.number}/files/{name}").status_code == 404
    manifest = client.get(f"/draws/{draw.number}/files/manifest.json")
    assert manifest.status_code == 200
    assert manifest["Content-Type"].startswith("application/json")
    data = body_of(manifest)
    assert hashlib.sha256(data).hexdigest() == draw.commitment_hash
    assert json.loads(data)["seed_hash"] == draw.seed_hash
    pool = client.get(f"/draws/{draw.number}/files/pool.tsv")
    assert pool["Content-Type"].startswith("text/tab-separated-values")
    assert hashlib.sha256(body_of(pool)).hexdigest() == draw.pool_hash
    # No selection before the reveal, by the API either.
    assert client.get(f"/api/v1/public/draws/{draw.number}/selection/").status_code == 404
    api = client.get(f"/api/v1/public/draws/{draw.number}/").json()
    assert api["server_seed"] == "" and api["selection"] is None
    assert {f["name"] for f in api["files"]} == {"manifest.json", "pool.tsv"}


def test_a_revealed_draw_can_be_checked_by_anyone(w, client):
    draw = revealed(w)
    page = client.get(f"/draws/{draw.number}/", **EN)
    html = page.content.decode()
    assert draw.server_seed in html
    assert "python -m inspections.verify" in html
    selection = html.split('data-testid="selection"')[1]
    for s in draw.selections.select_related("enterprise"):
        assert s.enterprise.uscc in selection and s.enterprise.name in selection
        assert f"/credit/{s.enterprise.uscc}/" in selection
    # Every file is public now and hashes as the page says, except the private strata.tsv
    # (its labels to the classes, which are internal: docs/domain.md §1).
    for f in draw.files.all():
        got = client.get(f"/api/v1/public/draws/{draw.pk}/files/{f.name}")
        if f.name in verify.PRIVATE_FILES:
            assert got.status_code == 404, f.name
            assert client.get(f"/draws/{draw.number}/files/{f.name}").status_code == 404
            continue
        assert got.status_code == 200, f.name
        assert hashlib.sha256(body_of(got)).hexdigest() == f.sha256 == got["X-Content-SHA256"]
    reveal = json.loads(body_of(client.get(f"/draws/{draw.number}/files/reveal.json")))
    assert draw.server_seed in json.dumps(reveal)
    api = client.get(f"/api/v1/public/draws/{draw.number}/selection/").json()
    assert api["count"] == draw.selections.count()
    # The verifier the page offers is the module the draw itself runs.
    verifier = client.get("/draws/verifier/verify.py")
    assert verifier.status_code == 200
    source = b"".join(verifier.streaming_content).decode()
    assert "import django" not in source and "def main" in source


def test_the_files_verify_with_the_standard_library(w, client, tmp_path):
    """What the page tells the public to do, done: download the files, run the verifier."""
    import subprocess
    import sys

    draw = revealed(w)
    folder = tmp_path / "draw"
    folder.mkdir()
    api = client.get(f"/api/v1/public/draws/{draw.number}/").json()
    for f in api["files"]:
        (folder / f["name"]).write_bytes(body_of(client.get(f["url"])))
    package = tmp_path / "inspections"
    package.mkdir()
    (package / "verify.py").write_bytes(
        b"".join(client.get("/draws/verifier/verify.py").streaming_content)
    )
    run = subprocess.run(
        [sys.executable, "-m", "inspections.verify", str(folder)],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert draw.selection_hash in run.stdout and "OK" in run.stdout


def test_chain_and_redraw_are_shown(w, client):
    from inspections.services import draws

    first = drawn(w)
    job = draws.draw_request_commit(
        actor=w.planner,
        plans=[w.p01, w.p02],
        title="重抽",
        as_of=first.as_of,
        outside_source="dice",
        redraw_of=first,
        reason="名录库导入有误",
        server_seed=fd.SEED,
    )
    ran = draws.draw_job_run(job.pk)
    assert ran is not None and ran.draw is not None
    second = ran.draw
    html = client.get(f"/draws/{second.number}/").content.decode()
    assert first.commitment_hash in html and f"/draws/{first.number}/" in html
    assert "名录库导入有误" in html
    old = client.get(f"/draws/{first.number}/").content.decode()
    assert 'data-testid="superseded"' in old and f"/draws/{second.number}/" in old
    assert client.get("/draws/NO-SUCH/").status_code == 404


def test_no_inline_script_or_style(w, client):
    draw = revealed(w)
    for url in ("/draws/", f"/draws/{draw.number}/"):
        html = client.get(url).content.decode()
        assert " style=" not in html, url
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert not re.search(r"\son[a-z]+=", html), url


@override_settings(
    REST_FRAMEWORK={
        **__import__("django.conf").conf.settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **__import__("django.conf").conf.settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "public": "3/min",
        },
    }
)
def test_public_pages_and_api_are_throttled(w, client):
    draw = drawn(w)
    urls = ["/draws/", f"/draws/{draw.number}/", f"/api/v1/public/draws/{draw.number}/"]
    answers = [client.get(u).status_code for u in urls] + [client.get("/draws/").status_code]
    assert answers[:3] == [200, 200, 200]
    assert answers[3] == 429
    api = client.get(f"/api/v1/public/draws/{draw.number}/")
    assert api.status_code == 429 and api["Retry-After"]
    assert api.json()["code"] == "throttled"
