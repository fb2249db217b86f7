"""The station's advice says one thing of one fact (review finding 6 of the issue-18 walk-through):
- a listing for a missing annual report (reason 1) is removed once the report is filed, with no
  application (docs/domain.md §3 "Cure"): "What weighs" and the policy boost say the same; any
  other cause is cured and its removal applied for;
- a letter past its reply date says "Overdue since <day> — reply now", not "Possible from today";
- a fact nothing shortens says so, with the day it stops counting;
- the late-report fact keeps counting for credit although filing makes the letter of good
  standing possible: both the fact and the finance boost say so;
- "Conditions already met" is shown only when a condition is met;
- the next steps are shown open, near the top."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from enterprises.models import Enterprise
from enterprises.services.ledger import credit_record_append
from risk.services.runs import run_now
from station.selectors.policies import file_then_apply_text, file_to_remove_text
from tests.enterprises.factories import EnterpriseFactory, enterprise_user
from tests.remediation.factories_listings import listed_case
from tests.risk import factories as risk_factories
from tests.risk.factories import general_version
from tests.station.factories import EN, letter, logged_in, measure, today

pytestmark = pytest.mark.django_db

URL = "/me/station/"
API = "/api/v1/me/station/"

FILE_TO_REMOVE = (
    "File the missing annual report: the listing is then removed — no application needed."
)


def _item(body: str, pk: int) -> str:
    start = body.index(f'data-record="{pk}"')
    return body[start : body.find("</li>\n", start)]


def _policy(body: str, code: str) -> str:
    start = body.index(f'data-measure="{code}"')
    return body[start : body.find("</li>\n", body.find('class="st-policy__foot', start))]


def _flat(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _condition(data: dict[str, Any], measure_code: str, condition: str) -> dict[str, Any]:
    match = next(p for p in data["policies"] if p["code"] == measure_code)
    return next(c for c in match["conditions"] if c["code"] == condition)


# --------------------------------------------------------------------------- listings


def test_a_missing_report_listing_is_removed_on_filing_in_both_places(db):
    firm = EnterpriseFactory(registered_on=dt.date(2015, 3, 1))
    listing = listed_case(firm, listed_on=today() - dt.timedelta(days=20)).listing_record
    measure("loan", [{"type": "operating"}, {"type": "no_abnormal_listing"}])
    client = logged_in(enterprise_user(firm))

    data = client.get(API, **EN).json()
    fact = next(f for f in data["weighing"] if f["record"]["id"] == listing.pk)
    assert fact["sooner"]["text"] == FILE_TO_REMOVE
    why = _condition(data, "loan", "no_abnormal_listing")["why"]
    assert why == (
        f"Listed since {listing.occurred_on.isoformat()} for a missing annual report. "
        + FILE_TO_REMOVE
    )
    assert "apply for removal" not in why

    body = client.get(URL, **EN).content.decode()
    assert FILE_TO_REMOVE in _flat(_item(body, listing.pk))
    policy = _flat(_policy(body, "loan"))
    assert FILE_TO_REMOVE in policy and "apply for removal" not in policy
    # The credit boost's action for the listing says it too.
    assert f'data-key="record-{listing.pk}"' in body
    assert FILE_TO_REMOVE in _flat(body.split(f'data-key="record-{listing.pk}"')[1][:600])


def test_another_cause_is_cured_and_its_removal_applied_for(db):
    firm = EnterpriseFactory(registered_on=dt.date(2015, 3, 1))
    listing = listed_case(firm, reason="4", listed_on=today() - dt.timedelta(days=20))
    measure("loan", [{"type": "no_abnormal_listing"}])
    data = logged_in(enterprise_user(firm)).get(API, **EN).json()
    why = _condition(data, "loan", "no_abnormal_listing")["why"]
    assert why == (
        f"Listed since {listing.listed_on.isoformat()}: cure the cause and apply for removal."
    )
    fact = next(f for f in data["weighing"] if f["record"]["id"] == listing.listing_record.pk)
    assert "apply for removal" in fact["sooner"]["text"]
    assert "no application needed" not in fact["sooner"]["text"]


def test_a_missing_report_and_another_cause_say_both(db):
    firm = EnterpriseFactory(registered_on=dt.date(2015, 3, 1))
    listed_case(firm, listed_on=today() - dt.timedelta(days=30))
    listed_case(firm, reason="4", listed_on=today() - dt.timedelta(days=20))
    measure("loan", [{"type": "no_abnormal_listing"}])
    why = _condition(
        logged_in(enterprise_user(firm)).get(API, **EN).json(), "loan", "no_abnormal_listing"
    )["why"]
    assert why.startswith("Listed since ") and FILE_TO_REMOVE in why
    assert "For the other listings, cure the cause and apply for removal." in why


def test_without_automatic_removal_filing_is_followed_by_an_application(db, settings):
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "AUTO_REMOVAL": False}
    firm = EnterpriseFactory(registered_on=dt.date(2015, 3, 1))
    listing = listed_case(firm, listed_on=today() - dt.timedelta(days=20)).listing_record
    measure("loan", [{"type": "no_abnormal_listing"}])
    data = logged_in(enterprise_user(firm)).get(API, **EN).json()
    fact = next(f for f in data["weighing"] if f["record"]["id"] == listing.pk)
    assert fact["sooner"]["text"] == file_then_apply_text()
    why = _condition(data, "loan", "no_abnormal_listing")["why"]
    assert why.endswith(file_then_apply_text())
    assert file_to_remove_text() not in why


# --------------------------------------------------------------------------- letters


def test_an_overdue_letter_says_overdue_since_its_deadline_and_not_possible_from(db):
    firm = EnterpriseFactory(registered_on=dt.date(2015, 3, 1))
    deadline = today() - dt.timedelta(days=12)
    late = letter(
        firm, sent=today() - dt.timedelta(days=40), deadline=deadline, number="双市监约〔2026〕1号"
    )
    client = logged_in(enterprise_user(firm))
    body = client.get(URL, **EN).content.decode()
    item = _flat(_item(body, late.pk))
    note = f"Overdue since {deadline.isoformat()} — reply now"
    assert note in item
    assert "Possible from" not in item and "Deadline" not in item
    action = _flat(body.split(f'data-key="record-{late.pk}"')[1].split("</li>")[0])
    assert note in action and "Possible from" not in action

    data = client.get(API, **EN).json()
    fact = next(f for f in data["weighing"] if f["record"]["id"] == late.pk)
    assert fact["sooner"]["overdue_note"] == note
    assert (
        next(a for a in data["credit_actions"] if a["key"] == f"record-{late.pk}")["overdue_note"]
        == note
    )


def test_a_letter_still_due_shows_its_dates(db):
    firm = EnterpriseFactory(registered_on=dt.date(2015, 3, 1))
    deadline = today() + dt.timedelta(days=10)
    due = letter(firm, sent=today(), deadline=deadline, number="双市监约〔2026〕2号")
    item = _flat(_item(logged_in(enterprise_user(firm)).get(URL, **EN).content.decode(), due.pk))
    assert "Overdue since" not in item
    assert f"Possible from {today().isoformat()}" in item
    assert f"Deadline {deadline.isoformat()}" in item


# --------------------------------------------------------------------------- the late report

LATE = {
    "code": "late_reports_3y",
    "name_zh": "近三年未按时报送年报",
    "name_en": "Annual reports filed late in the last 3 years",
    "family": "supervision",
    "nature": "dynamic",
    "source": "ledger",
    "kinds": ["annual_report_late"],
    "window_days": 1095,
    "in_force_only": False,
    "points_per_fact": 10,
    "max_points": 30,
}
MOMENT = dt.datetime(2026, 12, 8, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


def test_the_late_report_fact_nothing_shortens_and_the_finance_boost_agrees(db, monkeypatch):
    monkeypatch.setattr(risk_factories, "INDICATORS", [*risk_factories.INDICATORS, LATE])
    with time_machine.travel(MOMENT, tick=False):
        assert timezone.localdate() == dt.date(2026, 12, 8)
        general_version(published_at=timezone.now() - dt.timedelta(days=30))
        firm = EnterpriseFactory(registered_on=dt.date(2015, 3, 1))
        late = credit_record_append(
            enterprise=firm,
            kind="annual_report_late",
            occurred_on=dt.date(2026, 7, 1),
            summary="未按规定期限报送2025年度年度报告",
            actor=None,
            details={"year": 2025},
        )
        assert run_now(reason="manual", enterprise=firm).status == "done"
        client = logged_in(enterprise_user(firm))
        data = client.get(API, **EN).json()
        body = client.get(URL, **EN).content.decode()

    fact = next(f for f in data["weighing"] if f["record"]["id"] == late.pk)
    assert fact["sooner"] is None and fact["ends_on"]
    ends = fact["ends_on"]
    nothing = f"Nothing shortens this: it stops counting on {ends}."
    assert fact["no_sooner_note"].startswith(nothing)
    assert "the letter of good standing needs only the report filed" in fact["no_sooner_note"]
    item = _flat(_item(body, late.pk))
    assert nothing in item and "End it sooner" not in item

    # The finance boost: the report not filed stops the letter; filing it makes the letter
    # possible, although the late-filing fact keeps counting until its day.
    assert data["finance"]["eligible"] is False
    note = (
        "Filing the annual report for 2025 makes the letter possible (once nothing else above "
        f"stands in the way), although the late-filing fact keeps counting for your credit until "
        f"{ends}."
    )
    assert data["finance"]["notes"] == [note]
    assert 'data-testid="finance-note"' in body and note in _flat(body)


def test_no_finance_note_where_no_late_fact_weighs(db):
    clean = EnterpriseFactory(registered_on=today())
    data = logged_in(enterprise_user(clean)).get(API, **EN).json()
    assert data["finance"]["notes"] == []
    assert all(f["no_sooner_note"] == "" for f in data["weighing"])


# --------------------------------------------------------------------------- the page's layout


def test_conditions_already_met_is_shown_only_when_one_is(db):
    firm = EnterpriseFactory(
        registered_on=dt.date(2015, 3, 1),
        status=Enterprise.Status.SUSPENDED,
        suspended_from=today() - dt.timedelta(days=30),
    )
    measure("only", [{"type": "operating"}])
    measure("two", [{"type": "operating"}, {"type": "registered_years_at_least", "value": 1}])
    body = logged_in(enterprise_user(firm)).get(URL, **EN).content.decode()
    only = _policy(body, "only")
    assert 'data-condition="operating" data-met="0"' in only
    assert 'data-testid="already-met"' not in only and "already met" not in only
    two = _policy(body, "two")
    assert 'data-testid="already-met"' in two and "1 condition already met" in _flat(two)


def test_the_next_steps_are_open_near_the_top(db):
    firm = EnterpriseFactory(registered_on=dt.date(2015, 3, 1))
    listed_case(firm, listed_on=today() - dt.timedelta(days=20))
    body = logged_in(enterprise_user(firm)).get(URL, **EN).content.decode()
    steps = body.index('data-testid="steps"')
    opening = body.rfind("<details", 0, steps)
    assert " open " in body[opening:steps] + " "
    assert "Your next steps, with their dates" in body
    assert steps < body.index('id="weighs"')  # before "What weighs", not at the bottom
    assert 'href="#steps"' in body
