"""The dashboard page `/dashboard/` (issue 18 §1): it renders in Chinese and English, every
figure links to a list that resolves, its query count is pinned and does not grow with the data,
jurisdiction (bureau: the district; partner: its own share; no permission: 403; anonymous: the
login page), a bad year is a clear form error, a year with no figures shows zeros."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from credit_portal.models import Department, StaffProfile, User
from dashboard.measures import all_measures
from dashboard.models import Tally, TallyYear

pytestmark = pytest.mark.django_db

YEAR = 2025
URL = "/dashboard/"


def _client(user: User, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def _partner(username: str = "partner") -> tuple[User, Department]:
    health = Department.objects.get_or_create(code="health", defaults={"name": "区卫生健康局"})[0]
    user = User.objects.create_user(username=username, password="Secret-pass-123")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="dashboard", codename="view_dashboard"),
        Permission.objects.get(content_type__app_label="enterprises", codename="view_risk"),
    )
    StaffProfile.objects.create(user=user, department=health)
    return User.objects.get(pk=user.pk), health


def _tallies(year: int, *, streets: int = 2, department: Department | None = None) -> None:
    """District rows (and a department's share) for every measure: value 10 per street and
    key; the department's 3."""
    rows = []
    for code, m in all_measures().items():
        keys = [""]
        if m.kind == "breakdown":
            keys += [k for k, _l in m.keys]
        elif m.kind == "matrix":
            axis = [k for k, _l in m.keys]
            keys += [f"{a}>{b}" for a in axis for b in axis]
        places = [f"街道{i}" for i in range(streets)] if m.by_street else [""]
        for street in places:
            for key in keys:
                rows.append(Tally(year=year, measure=code, street=street, key=key, value=10))
                if department is not None:
                    rows.append(
                        Tally(
                            year=year,
                            measure=code,
                            street=street,
                            key=key,
                            value=3,
                            department=department,
                        )
                    )
    Tally.objects.bulk_create(rows)
    TallyYear.objects.update_or_create(
        year=year, defaults={"computed_at": timezone.now(), "on": dt.date(year, 12, 31)}
    )


def _values(html: str) -> dict[str, int]:
    """Each tile's value by its measure code."""
    out = {}
    for code, value in re.findall(
        r'data-code="([^"]+)">.*?data-value="(\d+)"', html, flags=re.DOTALL
    ):
        out[code] = int(value)
    return out


@pytest.fixture
def reader(user_with_perms: Any) -> User:
    user: User = user_with_perms("dashboard.view_dashboard", "enterprises.view_risk")
    return user


def test_anonymous_goes_to_login_and_staff_without_the_permission_get_403(user_with_perms):
    response = Client().get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    other = user_with_perms("enterprises.view_enterprise")
    assert _client(other).get(URL).status_code == 403


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_page_renders_the_three_sections_in_both_languages(reader, language):
    _tallies(YEAR)
    response = _client(reader, language).get(URL, {"year": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    for n in (1, 2, 3):
        assert f'data-section="{n}"' in html
    assert "分类施策、融合应用" in html and "奖惩结合、优化环境" in html
    assert "<svg" in html and "<title" in html and "<desc" in html
    assert "<script>" not in html and ' style="' not in html  # CSP: no inline script or style
    assert "dashboard/dashboard.css" in html
    assert 'data-testid="freshness"' in html
    values = _values(html)
    # Street-less figures read their one row; by-street figures sum two streets.
    assert values["inspections.plans"] == 10
    assert values["risk.classes"] == 20
    if language == "en":
        assert "Figures as of" in html


def test_every_figure_and_chart_link_resolves(reader):
    _tallies(YEAR)
    html = _client(reader).get(URL, {"year": YEAR}).content.decode()
    links = set(re.findall(r'href="(/[^"#]*)"', html))
    linked = set(re.findall(r'data-code="([^"]+)">\s*<a class="dash-tile__link" href=', html))
    tiles = set(re.findall(r'class="dash-tile[^"]*" data-code="([^"]+)"', html))
    with_list = {code for code, m in all_measures().items() if m.list_url is not None}
    assert tiles and linked == tiles & with_list, tiles - linked  # every such tile is a link
    for link in links:
        if link.startswith("/static/"):
            continue
        path = link.split("?")[0].replace("&amp;", "&")
        resolve(path)  # raises Resolver404 on a dead link


def test_query_count_does_not_grow_with_the_data(reader, django_assert_num_queries):
    client = _client(reader)
    client.get(URL, {"year": YEAR})  # warm the session and the permission cache
    _tallies(YEAR, streets=1)
    with django_assert_num_queries(QUERIES) as small:
        assert client.get(URL, {"year": YEAR}).status_code == 200
    Tally.objects.all().delete()
    _tallies(YEAR, streets=40)
    with django_assert_num_queries(QUERIES):
        assert client.get(URL, {"year": YEAR, "street": "街道3"}).status_code == 200
    assert small  # the context manager's queries


QUERIES = 10


def test_a_bad_year_is_a_form_error_and_an_empty_year_shows_zeros(reader):
    client = _client(reader)
    for bad in ("abc", "20x5", "1999", "99999", str(timezone.localdate().year + 2)):
        response = client.get(URL, {"year": bad})
        assert response.status_code == 400, bad
        html = response.content.decode()
        assert 'data-testid="form-errors"' in html
        assert "Year" in html
    response = client.get(URL, {"year": 2010})
    assert response.status_code == 200
    html = response.content.decode()
    values = _values(html)
    assert values and set(values.values()) == {0}
    assert "No figures for 2010 yet" in html


def test_a_partner_department_reads_its_own_share_and_the_bureau_the_district(reader):
    partner, health = _partner()
    _tallies(YEAR, department=health)
    bureau_values = _values(_client(reader).get(URL, {"year": YEAR}).content.decode())
    partner_html = _client(partner).get(URL, {"year": YEAR}).content.decode()
    partner_values = _values(partner_html)
    assert bureau_values["inspections.plans"] == 10
    assert partner_values["inspections.plans"] == 3
    assert partner_values["risk.classes"] == 6
    assert "区卫生健康局" in partner_html


def test_a_chosen_street_narrows_by_street_figures_and_notes_the_others(reader):
    _tallies(YEAR)
    html = _client(reader).get(URL, {"year": YEAR, "street": "街道1"}).content.decode()
    values = _values(html)
    assert values["risk.classes"] == 10
    assert values["inspections.plans"] == 10
    assert 'data-testid="street-note"' in html
    assert "all streets" in html


def test_nav_has_the_dashboard_entry(reader):
    _tallies(YEAR)
    html = _client(reader).get(URL).content.decode()
    assert f'href="{URL}" aria-current="page"' in html


CLASS_CODES = (
    "risk.classes",
    "risk.moves",
    "risk.moves_year",
    "risk.trend",
    "inspections.class_done",
    "inspections.class_problems",
)


def test_an_enforcement_officer_sees_no_class_figure(user_with_role, reader):
    """The risk classes are internal (docs/domain.md §1): a reader without
    `enterprises.view_risk` (an enforcement officer) sees no class tile, chart or table."""
    from credit_portal.roles import Role

    _tallies(YEAR)
    officer = user_with_role(Role.ENFORCEMENT_OFFICER)
    assert officer.has_perm("dashboard.view_dashboard")
    assert not officer.has_perm("enterprises.view_risk")
    response = _client(officer).get(URL, {"year": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    for code in CLASS_CODES:
        assert f'data-code="{code}"' not in html, code
        assert code.replace(".", "-") not in html, code
    assert "Class A (low risk)" not in html and "class before" not in html
    assert 'data-code="lighter"' in html
    # A reader with the permission sees them.
    full = _client(reader).get(URL, {"year": YEAR}).content.decode()
    assert 'data-code="risk.classes"' in full and "tt-risk-moves" in full
