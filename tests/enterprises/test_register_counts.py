"""Counts that agree (issue 13, point 3): the register list says how many entities match,
exactly where that is cheap and plainly as an estimate where it is not; the API says the same;
a page past the end says so; the workbench's figures are the list's counts.

The estimate path is PostgreSQL's planner: these tests make it run on a small table by
lowering the thresholds (`COUNT_EXACT_UP_TO`, as the list and the API page it, and
`COUNT_EXACT_TABLE_ROWS`) and ANALYZE the table, so the planner's figures are the true ones."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.urls import reverse

from credit_portal.models import StaffProfile
from credit_portal.permissions import CorePerm
from enterprises.models import Enterprise
from enterprises.permissions import EnterprisePerm as P
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db

LIST = reverse("enterprises:list")
API = reverse("enterprises-api:enterprise-list")


@pytest.fixture
def client_for(client):
    def do(user, lang: str = "en"):
        client.force_login(user)
        client.cookies["cp_language"] = lang
        return client

    return do


def summary(response) -> str:
    html = response.content.decode()
    found = re.search(r'data-testid="result-summary">(.*?)</p>', html, re.S)
    assert found, html[:2000]
    return " ".join(found.group(1).split())


@pytest.fixture
def small_caps(monkeypatch, require_postgres):
    """Page and count exactly up to 5, and treat the register as a large one: beyond 5, the
    planner's estimate, from statistics that ANALYZE makes exact on a table this small."""
    for target in (
        "enterprises.views.staff.LIST_COUNT_CAP",
        "enterprises.api.staff.LIST_COUNT_CAP",
        "enterprises.selectors.counts.COUNT_EXACT_UP_TO",
    ):
        monkeypatch.setattr(target, 5)
    monkeypatch.setattr("enterprises.selectors.counts.COUNT_EXACT_TABLE_ROWS", 0)

    def analyze() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Enterprise._meta.db_table}")

    return analyze


def _register(amr_rows: int, eco_rows: int) -> None:
    eco = DepartmentFactory(code="eco", name="区生态环境局")
    EnterpriseFactory.create_batch(amr_rows - 3)
    EnterpriseFactory.create_batch(
        3, status=Enterprise.Status.SUSPENDED, suspended_from=dt.date(2026, 1, 5)
    )
    EnterpriseFactory.create_batch(eco_rows, department=eco)


# --- the list page -------------------------------------------------------------------------


def test_a_page_past_the_end_says_so_and_leads_to_the_last(client_for, user_with_perms):
    """Page 12 of a 3-page list showed page 3 as if it were page 12."""
    EnterpriseFactory.create_batch(45)
    client = client_for(user_with_perms(P.VIEW))
    response = client.get(LIST, {"page": 12, "page_size": 20, "status": "operating"})
    assert response.status_code == 404  # as the API: that page is not there
    html = response.content.decode()
    assert "Page 12 does not exist; the list has 3 pages." in html
    last = re.search(r'data-testid="missing-page">.*?</span> <a href="([^"]+)"', html).group(1)
    assert set(last.lstrip("?").replace("&amp;", "&").split("&")) == {
        "page=3",
        "page_size=20",
        "status=operating",
    }
    assert "<tbody>" in html and "uscc" not in html.split("<tbody>", 1)[1].split("</tbody>")[0]
    assert "Showing" not in html and 'rel="next"' not in html
    assert client.get(LIST, {"page": 3, "page_size": 20}).status_code == 200
    for word in ("0", "-1", "x"):
        response = client.get(LIST, {"page": word, "page_size": 20})
        assert response.status_code == 404, word
        assert f"Page {word} does not exist" in response.content.decode()


def test_a_page_past_the_end_of_an_empty_list(client_for, user_with_perms):
    client = client_for(user_with_perms(P.VIEW))
    response = client.get(LIST, {"page": 2})
    assert response.status_code == 404
    assert "Page 2 does not exist; the list has 1 page." in response.content.decode()


def test_the_list_counts_exactly_where_it_is_cheap(client_for, user_with_perms, monkeypatch):
    """Up to the cap by the probe; beyond it, a register this small is counted exactly."""
    EnterpriseFactory.create_batch(8)
    client = client_for(user_with_perms(P.VIEW))
    assert summary(client.get(LIST)) == "8 market entities match"
    monkeypatch.setattr("enterprises.views.staff.LIST_COUNT_CAP", 5)
    response = client.get(LIST)
    assert summary(response) == "8 market entities match"
    assert "the first 5 are listed" in response.content.decode()


def test_a_large_register_says_plainly_that_its_count_is_an_estimate(
    client_for, user_with_perms, small_caps
):
    _register(amr_rows=17, eco_rows=6)
    small_caps()
    client = client_for(user_with_perms(P.VIEW))
    assert summary(client.get(LIST)) == "About 23 market entities in the register"
    assert summary(client.get(LIST, {"status": "operating"})) == "About 20 market entities match"
    # A filter within the cap stays exact.
    assert summary(client.get(LIST, {"status": "suspended"})) == "3 market entities match"
    # A search: no estimate worth giving.
    assert summary(client.get(LIST, {"q": "测试企业"})) == "More than 5 market entities match"
    zh = client_for(user_with_perms(P.VIEW), lang="zh-hans")
    assert re.fullmatch(r"名录中约有 23 户市场主体", summary(zh.get(LIST)))


def test_estimates_are_rounded_to_two_significant_digits():
    from enterprises.selectors.counts import _two_significant_digits

    assert [_two_significant_digits(n) for n in (7, 23, 874_338, 1_000_000, 995_012)] == [
        7,
        23,
        870_000,
        1_000_000,
        1_000_000,
    ]


def test_a_partner_departments_estimate_is_its_own_share(client_for, user_with_perms, small_caps):
    """The planner put the jurisdiction's subquery at 3/4 of the register whatever it held:
    the estimate names the user's departments, whose share the planner knows."""
    _register(amr_rows=17, eco_rows=9)
    small_caps()
    partner = user_with_perms(P.VIEW)
    StaffProfile.objects.filter(user=partner).update(department=DepartmentFactory(code="eco"))
    client = client_for(partner)
    assert summary(client.get(LIST)) == "About 9 market entities in the register"


# --- the API -------------------------------------------------------------------------------


def test_the_api_says_what_the_page_says(client_for, api_client_for, user_with_perms, small_caps):
    _register(amr_rows=17, eco_rows=6)
    small_caps()
    user = user_with_perms(P.VIEW)
    api = api_client_for(user)
    cases = {
        "": ("About 23 market entities in the register", 23, "estimate"),
        "status=operating": ("About 20 market entities match", 20, "estimate"),
        "status=suspended": ("3 market entities match", 3, "exact"),
        "q=测试企业": ("More than 5 market entities match", 5, "at_least"),
    }
    page = client_for(user)
    for query, (words, total, accuracy) in cases.items():
        body = api.get(f"{API}?{query}").json()
        capped = accuracy != "exact"
        assert (body["count"], body["count_capped"]) == (5 if capped else 3, capped), query
        assert (body["total"], body["total_accuracy"]) == (total, accuracy), query
        assert summary(page.get(f"{LIST}?{query}")) == words


def test_the_api_says_which_page_is_missing(api_client_for, user_with_perms):
    EnterpriseFactory.create_batch(45)
    api = api_client_for(user_with_perms(P.VIEW))
    api.cookies["cp_language"] = "en"
    response = api.get(API, {"page": 12, "page_size": 20})
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Page 12 does not exist; the list has 3 pages.",
        "code": "not_found",
    }


# --- the workbench -------------------------------------------------------------------------


def _figures(client) -> list[tuple[str, str]]:
    html = client.get(reverse("home")).content.decode()
    return re.findall(r'<a href="([^"]+)"><span class="figure__n">([^<]+)</span>', html)


def _agree(client) -> None:
    figures = _figures(client)
    assert len(figures) == 6
    for url, figure in figures:
        words = summary(client.get(url.replace("&amp;", "&")))
        assert re.search(r"[\d,]+", figure).group() == re.search(r"[\d,]+", words).group(), url
        assert figure.startswith("about") == words.startswith("About"), (figure, words)
        assert figure.startswith("over") == words.startswith("More than"), (figure, words)


def test_the_workbench_and_the_list_agree(client_for, user_with_perms, small_caps):
    """The workbench counted exactly in one aggregate while the list said "more than 10,000"
    or estimated the whole table, for the same scope."""
    _register(amr_rows=17, eco_rows=6)
    small_caps()
    bureau = client_for(user_with_perms(P.VIEW, CorePerm.ACCESS_STAFF_PORTAL))
    _agree(bureau)
    assert [n for _url, n in _figures(bureau)] == ["about 23", "about 20", "3", "0", "0", "0"]

    partner = user_with_perms(P.VIEW, CorePerm.ACCESS_STAFF_PORTAL)
    StaffProfile.objects.filter(user=partner).update(department=DepartmentFactory(code="eco"))
    client = client_for(partner)
    _agree(client)
    assert _figures(client)[0][1] == "about 6"


def test_the_workbench_and_the_list_agree_on_exact_counts(client_for, user_with_perms):
    _register(amr_rows=7, eco_rows=2)
    _agree(client_for(user_with_perms(P.VIEW, CorePerm.ACCESS_STAFF_PORTAL)))
