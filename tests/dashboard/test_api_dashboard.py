"""`GET /api/v1/dashboard/` (issue 18 §1): every figure with code, value, unit, label and url,
the same numbers as the page; the permission (403), bad input (400 in the core's format), an
empty year (zeros), a partner's own share, and the schema's component names."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from dashboard.measures import all_measures
from tests.dashboard.test_pages_dashboard import YEAR, _client, _partner, _tallies, _values

pytestmark = pytest.mark.django_db

URL = "/api/v1/dashboard/"


@pytest.fixture
def reader(user_with_perms):
    return user_with_perms("dashboard.view_dashboard", "enterprises.view_risk")


def test_every_measure_is_in_the_answer_with_its_unit_url_and_parts(reader, api_client_for):
    _tallies(YEAR)
    response = api_client_for(reader).get(URL, {"year": YEAR})
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == YEAR and body["district"] is True and body["computed_at"]
    assert body["streets"] == ["街道0", "街道1"]
    assert [s["number"] for s in body["sections"]] == [1, 2, 3]
    by_code = {f["code"]: f for f in body["figures"]}
    assert set(by_code) == set(all_measures())
    for code, m in all_measures().items():
        figure = by_code[code]
        assert figure["unit"] == m.unit and figure["label"] and figure["section"] == m.section
        if m.list_url is not None:
            assert figure["url"].startswith("/")
        if m.kind == "breakdown":
            assert [p["key"] for p in figure["parts"]] == [k for k, _l in m.keys]
    assert by_code["inspections.plans"]["value"] == 10
    assert by_code["risk.classes"]["value"] == 20
    moves = {p["key"]: p["value"] for p in by_code["risk.moves"]["parts"]}
    assert moves["A>B"] == 10


def test_the_api_and_the_page_print_the_same_numbers(reader, api_client_for):
    _tallies(YEAR)
    api = {
        f["code"]: f["value"]
        for f in api_client_for(reader)
        .get(URL, {"year": YEAR, "street": "街道1"})
        .json()["figures"]
    }
    page = _values(
        _client(reader).get("/dashboard/", {"year": YEAR, "street": "街道1"}).content.decode()
    )
    assert page and all(api[code] == value for code, value in page.items())


def test_permission_and_bad_input(user_with_perms, api_client_for, reader):
    assert api_client_for(None).get(URL).status_code in (401, 403)
    other = user_with_perms("enterprises.view_enterprise")
    denied = api_client_for(other).get(URL)
    assert denied.status_code == 403 and denied.json()["code"]
    client = api_client_for(reader)
    for bad in ("abc", "1999", str(timezone.localdate().year + 2)):
        response = client.get(URL, {"year": bad})
        assert response.status_code == 400, bad
        body = response.json()
        assert set(body) >= {"detail", "code", "errors"} and "year" in body["errors"]


def test_an_empty_year_answers_zeros_and_a_partner_its_share(reader, api_client_for):
    body = api_client_for(reader).get(URL, {"year": 2011}).json()
    assert body["computed_at"] is None
    assert {f["value"] for f in body["figures"]} == {0}
    partner, health = _partner()
    _tallies(YEAR, department=health)
    mine = api_client_for(partner).get(URL, {"year": YEAR}).json()
    assert mine["district"] is False
    assert {f["code"]: f["value"] for f in mine["figures"]}["inspections.plans"] == 3


def test_schema_names_its_components(api_client_for, reader):
    response = api_client_for(reader).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    text = response.content.decode()
    for name in ("Dashboard", "DashboardFigure", "DashboardPart", "DashboardSection"):
        assert re.search(rf'"{name}"\s*:', text), name
    assert '"dashboard_read"' in text


def test_an_enforcement_officer_gets_no_class_figure(user_with_role, api_client_for):
    """The risk classes are internal: no `risk.*` figure, no per-class part, no "A>B" key."""
    from credit_portal.roles import Role

    _tallies(YEAR)
    officer = user_with_role(Role.ENFORCEMENT_OFFICER)
    response = api_client_for(officer).get(URL, {"year": YEAR})
    assert response.status_code == 200
    figures = response.json()["figures"]
    codes = {f["code"] for f in figures}
    hidden = {c for c, m in all_measures().items() if m.perm == "enterprises.view_risk"}
    assert {"risk.classes", "risk.moves", "inspections.class_done"} <= hidden
    assert not codes & hidden
    assert codes == set(all_measures()) - hidden
    keys = {p["key"] for f in figures for p in f["parts"]}
    assert not any(">" in k for k in keys)
    assert not keys & {"A", "B", "C", "D"}
