"""The draws in the admin: read-only (a draw is never edited nor deleted), strata and files
inline, the server seed hidden until the reveal."""

from __future__ import annotations

import pytest

from credit_portal.models import User
from inspections.models import Draw
from tests.inspections import factories_draw as fd
from tests.inspections.factories_drawpages import drawn, logged_in, settle

pytestmark = pytest.mark.django_db


def test_read_only_and_seed_hidden_until_revealed():
    w = fd.world()
    draw = drawn(w)
    admin = User.objects.create_superuser("root", "root@example.com", "Secret-pass-123")
    c = logged_in(admin)
    for name in ("draw", "drawjob", "exclusion", "selection"):
        page = c.get(f"/admin/inspections/{name}/")
        assert page.status_code == 200, name
        assert f"/admin/inspections/{name}/add/" not in page.content.decode()
    change = c.get(f"/admin/inspections/draw/{draw.pk}/change/")
    html = change.content.decode()
    assert change.status_code == 200 and draw.commitment_hash in html
    assert "manifest.json" in html and "pool.tsv" in html  # files inline
    assert draw.server_seed not in html
    assert c.post(f"/admin/inspections/draw/{draw.pk}/delete/", {"post": "yes"}).status_code == 403
    settle(draw)
    from inspections.services.draws import draw_reveal

    draw_reveal(actor=w.planner, draw=draw)
    assert draw.server_seed in c.get(f"/admin/inspections/draw/{draw.pk}/change/").content.decode()
    assert Draw.objects.count() == 1
