"""Each figure links to the list behind it (issue 18 §1): for a seeded year, opening a figure's
link (the real list page, through HTTP) lists as many rows as the figure counts — the link
carries the year (served, decided, …) the figure counts by."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from credit_portal.models import User
from dashboard.selectors import dashboard_for
from dashboard.tallies import tallies_refresh
from tests.dashboard.test_tallies import TODAY, YEAR, _clock, district  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

# Figures whose list holds one row per counted item (件/份), and one 户 figure (distinct
# enterprises of the listed rows).
CODES = [
    "lighter",
    "mitigated",
    "exempted",
    "suggestions",
    "admonitions",
    "prompts",
    "penalty_repairs",
]


def test_the_linked_lists_count_what_the_figures_count(
    district,  # noqa: F811 - the fixture
):
    tallies_refresh(year=YEAR, on=TODAY)
    admin = User.objects.create_superuser(username="root", password="Secret-pass-123")
    board = dashboard_for(user=admin, year=YEAR)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    seen = {}
    for code in CODES:
        figure = board.figure(code)
        assert figure.url, code
        assert parse_qs(urlsplit(figure.url).query)["year"] == [str(YEAR)], code
        response = client.get(figure.url)
        assert response.status_code == 200, code
        if code == "penalty_repairs":  # 户: distinct enterprises of the listed applications
            apps = [row["app"] for row in response.context["rows"]]
            assert len(apps) == response.context["page_obj"].paginator.count == 3
            seen[code] = (figure.value, len({a.enterprise_id for a in apps}))
        else:
            seen[code] = (figure.value, response.context["page_obj"].paginator.count)
    assert {c: (v, n) for c, (v, n) in seen.items() if v != n} == {}, seen
    assert seen["lighter"][0] == 2 and seen["suggestions"][0] == 2  # the seeded year's figures
    # Another year's link lists that year's rows, not these.
    tallies_refresh(year=YEAR - 1, on=TODAY)
    other = dashboard_for(user=admin, year=YEAR - 1).figure("lighter")
    assert other.url
    response = client.get(other.url)
    assert response.context["page_obj"].paginator.count == other.value == 1
