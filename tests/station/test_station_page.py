"""The credit station, /me/station/ and /api/v1/me/station/ (issue 18 §3): the enterprise's own
state, every fact that weighs with the day its effect ends and what would end it sooner from
its earliest day, the boosts; the class only where the bureau turns it on; own data only."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from credit_portal.dates import add_months
from credit_portal.roles import Role
from enterprises.kinds import kind_repair_advice
from risk.services.runs import run_now
from tests.enterprises.factories import EnterpriseFactory, enterprise_user
from tests.remediation.factories_repairs import penalty_record
from tests.risk.factories import general_version
from tests.station.factories import EN, letter, logged_in, measure, today, troubled_firm

pytestmark = pytest.mark.django_db

URL = "/me/station/"
API = "/api/v1/me/station/"


def text(response: Any) -> str:
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", body)


def _item(body: str, pk: int) -> str:
    """The page's block of one fact."""
    start = body.index(f'data-record="{pk}"')
    end = body.find("</li>\n", start)
    return body[start:end]


@pytest.fixture
def firm(db: Any) -> Any:
    general_version(published_at=timezone.now() - dt.timedelta(days=30))
    firm = troubled_firm(registered_on=dt.date(2015, 3, 1))
    run = run_now(reason="manual", enterprise=firm)
    assert run.status == "done", run.message
    measure("loan", [{"type": "operating"}, {"type": "no_abnormal_listing"}])
    measure("any", [{"type": "operating"}])
    return firm


def test_the_urls_are_the_agreed_ones():
    assert reverse("station:me") == URL
    assert reverse("station-api:me") == API


def test_each_fact_has_its_end_and_the_sooner_action_with_its_earliest_day(firm):
    response = logged_in(enterprise_user(firm)).get(URL, **EN)
    assert response.status_code == 200
    body = response.content.decode()

    penalty = _item(body, firm.penalty.pk)
    earliest = kind_repair_advice(firm.penalty, today()).earliest_on
    assert earliest is not None and earliest > today()
    assert earliest.isoformat() in penalty  # apply for repair from ...
    assert reverse("me-remediation:repairs") in penalty
    assert firm.penalty.publicity_end.isoformat() in penalty  # public until

    listing = _item(body, firm.listing.pk)
    assert "when it is removed" in listing  # a listing ends only when removed
    assert "File the missing annual report" in listing  # reason 1: file the report
    assert today().isoformat() in listing  # ... from today
    assert reverse("me-annual-reports:list") in listing

    letter = _item(body, firm.letter.pk)
    assert "Reply to the letter by" in letter
    assert (today() + dt.timedelta(days=10)).isoformat() in letter
    assert reverse("me-remediation:letters") in letter


def test_the_credit_boost_lists_what_to_do_from_the_facts(firm):
    page = text(logged_in(enterprise_user(firm)).get(URL, **EN))
    assert "Reply to letter 双市监改〔2026〕3号" in page
    assert "Apply for credit repair of 双市监处罚〔2026〕7号" in page
    assert f"File the annual report for {today().year - 1}" in page
    assert "Stay reachable at your registered address" in page


def test_policies_and_the_finance_boost(firm):
    body = logged_in(enterprise_user(firm)).get(URL, **EN).content.decode()
    met = body.split('data-testid="policies-met"')[1].split("</ul>\n")[0]
    assert 'data-measure="any"' in met and 'data-measure="loan"' not in met
    almost = body.split('data-testid="policies-almost"')[1]
    assert 'data-measure="loan"' in almost
    assert 'data-condition="no_abnormal_listing" data-met="0"' in almost
    # Not eligible for a letter of good standing: the reasons, no button.
    assert 'data-testid="standing-problems"' in body
    assert 'data-testid="standing-issue"' not in body


def test_a_clean_firm_can_issue_a_letter_of_good_standing(db):
    clean = EnterpriseFactory(registered_on=today())
    body = logged_in(enterprise_user(clean)).get(URL, **EN).content.decode()
    assert 'data-testid="nothing-weighs"' in body
    assert 'data-testid="standing-eligible"' in body
    assert f'action="{reverse("standing:me_issue")}"' in body


def test_classes_are_hidden_by_default_and_shown_when_the_bureau_turns_them_on(firm, settings):
    member = enterprise_user(firm)
    body = logged_in(member).get(URL, **EN).content.decode()
    assert 'data-testid="station-class"' not in body and "risk--" not in body
    assert 'data-testid="points"' not in body
    assert 'data-key="class-' not in body and "your class" not in body  # facts, never the class
    api = logged_in(member).get(API, **EN).json()
    assert api["risk_class"] is None and api["what_would_change"] == []
    assert all("points" not in f for f in api["weighing"])

    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "SHOW_RISK_CLASS_TO_ENTERPRISES": True}
    from risk.models import CurrentClass

    current = CurrentClass.objects.get(enterprise=firm)
    body = logged_in(member).get(URL, **EN).content.decode()
    assert 'data-testid="station-class"' in body and f"risk--{current.risk_class}" in body
    api = logged_in(member).get(API, **EN).json()
    assert api["risk_class"] == current.risk_class
    assert "what_would_change" in api
    # The listing sets the class's floor: its removal would change the class.
    assert firm.listing.pk in {c["record"]["id"] for c in api["what_would_change"]}
    assert f'data-key="class-{firm.listing.pk}"' in body


def test_the_api_gives_the_same_station(firm):
    data = logged_in(enterprise_user(firm)).get(API, **EN).json()
    assert data["uscc"] == firm.uscc
    assert data["state"]["in_abnormal_directory"] is True
    assert data["state"]["penalties_in_publicity"] == 1
    assert data["state"]["letters_awaiting_reply"] == 1
    facts = {f["record"]["id"]: f for f in data["weighing"]}
    assert set(facts) >= {firm.penalty.pk, firm.listing.pk, firm.letter.pk}
    penalty = facts[firm.penalty.pk]
    assert (
        penalty["sooner"]["earliest_on"]
        == kind_repair_advice(firm.penalty, today()).earliest_on.isoformat()
    )
    assert facts[firm.listing.pk]["ends_on"] is None
    assert (
        facts[firm.letter.pk]["sooner"]["due_on"] == (today() + dt.timedelta(days=10)).isoformat()
    )
    assert [p["code"] for p in data["policies"]] == ["any", "loan"]
    assert data["policies"][1]["conditions"][1] == {
        "code": "no_abnormal_listing",
        "label": "No abnormal listing in force",
        "met": False,
        # A listing for a missing report (reason 1): the same words as "What weighs".
        "why": f"Listed since {firm.listing.occurred_on.isoformat()} for a missing annual report. "
        "File the missing annual report: the listing is then removed — no application needed.",
    }
    assert data["finance"]["eligible"] is False and data["finance"]["problems"]
    assert any(a["key"] == "annual-report" for a in data["credit_actions"])


def test_an_enterprise_never_sees_another_ones_data(firm):
    other = EnterpriseFactory(registered_on=dt.date(2018, 1, 1))
    member = enterprise_user(other, username="other")
    body = logged_in(member).get(URL, **EN).content.decode()
    assert other.name in body and firm.name not in body
    for fact in (firm.penalty, firm.listing, firm.letter):
        assert f'data-record="{fact.pk}"' not in body
    data = logged_in(member).get(API, **EN).json()
    assert data["uscc"] == other.uscc and data["weighing"] == []


def test_staff_and_anonymous_are_refused(firm, user_with_role, api_client_for):
    assert Client().get(URL).status_code == 302  # to the login
    officer = user_with_role(Role.CREDIT_OFFICER)
    assert logged_in(officer).get(URL).status_code == 403
    assert api_client_for(officer).get(API).status_code == 403
    assert api_client_for(None).get(API).status_code in (401, 403)


def test_the_navigation_has_the_entry_for_enterprise_users_only(firm, user_with_role):
    body = logged_in(enterprise_user(firm)).get(reverse("me:home")).content.decode()
    assert f'href="{URL}"' in body
    staff = logged_in(user_with_role(Role.ADMINISTRATOR)).get("/").content.decode()
    assert f'href="{URL}"' not in staff


def test_the_page_costs_a_constant_number_of_queries(firm):
    """Pinned: the page reads the same whatever the catalogue, the letters and the penalties
    in publicity hold (1 penalty, then 3): the repair rule's reads are done once for all the
    page's penalties (the overview's `repair_advice`, remediation's `RepairContext`), and the
    station reuses them instead of asking again per penalty (review finding 14)."""
    client = logged_in(enterprise_user(firm))
    client.get(URL)  # warm the per-process caches (calendar, content types, session)
    with CaptureQueriesContext(connection) as first:
        assert client.get(URL).status_code == 200
    for n in range(3):
        measure(f"extra{n}", [{"type": "operating"}, {"type": "no_overdue_letter"}])
        letter(
            firm,
            sent=today() - dt.timedelta(days=40 + n),
            deadline=today() - dt.timedelta(days=n + 1),
            number=f"双市监改〔2026〕{10 + n}号",
        )
    for n in range(2):  # 1 penalty in publicity, then 3
        penalty_record(
            firm, published_on=add_months(today(), -2 - n), number=f"双市监处罚〔2026〕{20 + n}号"
        )
    client.get(URL)
    with CaptureQueriesContext(connection) as second:
        response = client.get(URL)
        assert response.status_code == 200
    assert response.content.decode().count("Administrative penalty in publicity") >= 3
    assert len(first) == len(second), [q["sql"][:200] for q in second.captured_queries]
    assert len(first) == QUERIES, [q["sql"][:200] for q in first.captured_queries]


# The session and user, the enterprise, its ledger (the overview; then risk's facts), the
# models in force, the annual-report records, the catalogue, the standing checks and letters,
# the penalties' repair rule once for all of them (the decisions, the enterprise, the bureau's
# names, the closing records, the later penalties), the navigation.
QUERIES = 18
