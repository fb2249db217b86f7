"""Every figure the dashboard links opens exactly its list (issue 18 §1; docs/domain.md
Appendix A, "What each figure opens"): for the bureau (the district), the bureau with a street
chosen, and a partner department, each measure's link is opened through HTTP (the real list
page, scoped to the reader as the figure is) and the list counts what the figure counts: its
rows for 件/份/户次/次/applications/plans, the distinct enterprises of its rows for 户.

The data has, for every figure, rows that count (so no figure is zero for the bureau) and rows
a wider list would show: another year (the year of decision against the year served, listed,
removed, cured, expired, submitted), another street, another department.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from credit_portal.models import User
from credit_portal.roles import STAFF_ROLES
from dashboard.measures import DEPARTMENTS, ENTERPRISES
from dashboard.selectors import Dashboard, dashboard_for
from dashboard.tallies import tallies_refresh
from enterprises.models import Enterprise
from remediation.models import DirectoryCase, PenaltyDecision, RepairApplication
from tests.dashboard.test_pages_measures import _inspection_world
from tests.dashboard.test_tallies import (  # noqa: F401 - fixtures
    OTHER_STREET,
    TODAY,
    YEAR,
    District,
    _clock,
    district,
)

pytestmark = pytest.mark.django_db

State = DirectoryCase.State
Status = RepairApplication.Status
STREET = "东升街道"

# Links that open a summary page (the figure's own breakdown beside others), not a list of
# the counted rows: they are opened, and must carry the year where the page takes one.
SUMMARY_PAGES = {
    "risk.classes": "risk:distribution",
    "risk.moves": "risk:runs",
    "risk.moves_year": "risk:runs",
    "risk.trend": "risk:runs",
    "inspections.publication": "inspections:glance",
}
# Known gaps: the list shown is not yet the figure's (docs/domain.md Appendix A says why).
KNOWN_GAPS = {
    # A union of two lists (cured directory removals and approved repairs): no one list.
    "enterprises_helped",
    # The expired terms of records without a decision file (older, imported penalties) are in
    # no penalty-decision list.
    "expired_terms",
}


def _staff_of_every_role(user: User) -> User:
    """The fixture's staff user given every staff role (every list it may open)."""
    user.groups.add(*Group.objects.filter(name__in=[str(r) for r in STAFF_ROLES]))
    return User.objects.get(pk=user.pk)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=ZoneInfo("Asia/Shanghai"))


def _more_data(d: District) -> None:
    """What the seed-figure fixture lacks for every figure of the bureau to count: repair
    applications submitted in the year (and one the year before, decided in the year),
    decisions with a publication deadline, cured listings to remove, inspections; some in the
    other street, some of the partner department."""
    f = d.firms
    for app, submitted in zip(
        RepairApplication.objects.order_by("pk"),
        [dt.date(YEAR, 6, 2), dt.date(YEAR - 1, 12, 1), dt.date(YEAR, 7, 1), dt.date(YEAR, 3, 3)],
        strict=False,
    ):
        app.submitted_at = _at(submitted)
        app.save(update_fields=["submitted_at"])
    pending = d.repair(f[1], decided=dt.date(YEAR, 9, 1), status=Status.SUBMITTED)
    pending.decided_on = None
    pending.submitted_at = _at(dt.date(YEAR, 9, 1))
    pending.save()
    not_accepted = d.repair(f[2], decided=dt.date(YEAR, 9, 5), status=Status.NOT_ACCEPTED)
    not_accepted.submitted_at = _at(dt.date(YEAR, 9, 1))
    not_accepted.save()
    due = dt.date(YEAR, 6, 30)
    for firm, published, department in (
        (f[0], dt.date(YEAR, 6, 30), d.amr),
        (f[1], dt.date(YEAR, 7, 1), d.amr),
        (f[0], None, d.eco),
        (f[1], None, d.amr),
    ):
        d.decision(
            PenaltyDecision.Leniency.STANDARD,
            firm=firm,
            department=department,
            recorded_on=dt.date(YEAR, 6, 1),
            publication_due=due,
            published_on=published,
        )
    d.decision(  # another year's: not in the year's list
        PenaltyDecision.Leniency.STANDARD,
        decided=dt.date(YEAR - 1, 6, 1),
        recorded_on=dt.date(YEAR - 1, 6, 1),
        publication_due=dt.date(YEAR - 1, 6, 30),
    )
    for firm, cured, removed in (
        (d.firm(), dt.date(YEAR, 9, 2), dt.date(YEAR, 9, 9)),
        (d.firm(), dt.date(YEAR, 9, 2), None),
        (d.firm(), dt.date(YEAR - 1, 9, 2), dt.date(YEAR, 1, 9)),  # cured the year before
    ):
        case = d.mark(firm, on=dt.date(YEAR - 1, 7, 1))
        case.cured_on = cured
        case.save()
        if removed:
            d.lifted(case, on=removed)
    Enterprise.objects.filter(pk__in=DirectoryCase.objects.values("enterprise")[:4]).update(
        division=OTHER_STREET
    )
    _inspection_world()


def _listed(response: Any, unit: str) -> int:
    """What the list shows, in the figure's unit."""
    page = response.context["page_obj"]
    if unit in (ENTERPRISES, DEPARTMENTS):
        assert page.paginator.num_pages == 1  # every row on the page
        rows = list(page.object_list)
        if unit == DEPARTMENTS:  # the departments of the listed (joint) plans
            return len(
                {p.lead_department_id for p in rows}
                | {dep.pk for p in rows for dep in p.departments.all()}
            )
        return len({row.enterprise_id for row in rows})
    return int(page.paginator.count)


# The API that mirrors each list (same filters, same scope): its count must be the page's.
API_OF = {
    "remediation:penalty_list": "/api/v1/penalties/",
    "remediation:soft_action_list": "/api/v1/soft-actions/",
    "remediation:repair_list": "/api/v1/repair-applications/",
    "remediation:directory_list": "/api/v1/abnormal-listings/",
    "inspections:tasks": "/api/v1/inspections/",
    "inspections:plan_list": "/api/v1/inspection-plans/",
}


def _api_count(client: Client, view_name: str, url: str) -> int | None:
    api = API_OF.get(view_name)
    if api is None:
        return None
    response = client.get(f"{api}?{urlsplit(url).query}")
    assert response.status_code == 200, (api, response.content[:300])
    return int(response.json()["count"])


def _check_every_link(client: Client, board: Dashboard) -> dict[str, tuple[int, int]]:
    """Open every measure's link (and the API of its list); {code: (figure, listed)} of the
    lists."""
    seen: dict[str, tuple[int, int]] = {}
    for code, measure in board.measures.items():
        figure = board.figure(code)
        if measure.list_url is None:
            continue
        assert figure.url, code
        response = client.get(figure.url)
        assert response.status_code == 200, (code, figure.url)
        query = parse_qs(urlsplit(figure.url).query)
        if code in SUMMARY_PAGES:
            assert response.resolver_match.view_name == SUMMARY_PAGES[code], code
            continue
        # The list of the figure's year and street.
        assert str(board.year) in {v for vs in query.values() for v in vs}, (code, figure.url)
        if board.street and measure.by_street:
            assert board.street in query.get("division", []), (code, figure.url)
        seen[code] = (figure.value, _listed(response, measure.unit))
        api = _api_count(client, response.resolver_match.view_name, figure.url)
        page_count = response.context["page_obj"].paginator.count
        assert api in (None, page_count), (code, figure.url, api, page_count)
    return seen


@pytest.fixture
def world(district):  # noqa: F811 - the fixture
    _more_data(district)
    tallies_refresh(year=YEAR, on=TODAY)
    tallies_refresh(year=YEAR - 1, on=TODAY)
    return district


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _mismatches(seen: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    return {c: (v, n) for c, (v, n) in seen.items() if v != n and c not in KNOWN_GAPS}


def test_every_figure_of_the_bureau_opens_its_list(world):
    bureau = _staff_of_every_role(world.bureau_user)
    board = dashboard_for(user=bureau, year=YEAR)
    seen = _check_every_link(_client(bureau), board)
    assert _mismatches(seen) == {}, seen
    # Every list-backed figure is counted for the bureau (a zero would prove nothing).
    assert {c for c, (v, _n) in seen.items() if not v} == set(), seen
    assert set(SUMMARY_PAGES) | set(seen) == {
        c for c, m in board.measures.items() if m.list_url is not None
    }
    # The lists are not merely the year's: another year's link lists that year's rows.
    other = dashboard_for(user=bureau, year=YEAR - 1)
    assert _mismatches(_check_every_link(_client(bureau), other)) == {}


def test_every_figure_of_a_street_opens_the_streets_list(world):
    bureau = _staff_of_every_role(world.bureau_user)
    client = _client(bureau)
    whole = dashboard_for(user=bureau, year=YEAR)
    for street in (STREET, OTHER_STREET):
        board = dashboard_for(user=bureau, year=YEAR, street=street)
        seen = _check_every_link(client, board)
        assert _mismatches(seen) == {}, (street, seen)
    # The streets split the figures: a list of the district would differ.
    there = dashboard_for(user=bureau, year=YEAR, street=OTHER_STREET)
    narrower = [c for c in whole.measures if 0 < there.value(c) < whole.value(c)]
    assert len(narrower) >= 5, narrower


def test_every_figure_of_a_partner_department_opens_its_own_list(world):
    partner = _staff_of_every_role(world.partner_user)
    board = dashboard_for(user=partner, year=YEAR)
    assert not board.is_district
    seen = _check_every_link(_client(partner), board)
    assert _mismatches(seen) == {}, seen
    assert sum(1 for v, _n in seen.values() if v) >= 6, seen  # its share is not empty


@pytest.mark.parametrize("code", sorted(KNOWN_GAPS))
def test_the_known_gaps_are_still_gaps(world, code):
    """A gap closed shows here (strict): take it out of KNOWN_GAPS and the docs."""
    bureau = _staff_of_every_role(world.bureau_user)
    board = dashboard_for(user=bureau, year=YEAR)
    figure = board.figure(code)
    response = _client(bureau).get(figure.url)
    assert figure.value != _listed(response, board.measures[code].unit)
