"""What new users of the classification pages found (issue 16 leftovers), through the pages:
the runs pages and the distribution count the same moves and say which class they count; a
listing in force stops weighing only when removed; the models' names, not their codes; one
trend point per day; an individual business told plainly why it has no class."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from credit_portal.models import Department, User
from credit_portal.roles import Role
from risk.models import ClassificationRun, ModelVersion
from risk.services.runs import run_now
from tests.enterprises.factories import EnterpriseFactory, enterprise_user
from tests.risk.factories import applied_run, general_version, record, version_with
from tests.risk.test_pages import EN, logged_in, staff, text

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def officer(department: Department) -> User:
    return staff(Role.CREDIT_OFFICER, department, "officer")


def _day(days_ago: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days_ago)


def _run(as_of: dt.date, reason: str, transitions: dict[str, int]) -> ClassificationRun:
    run = applied_run(as_of=as_of, reason=reason)
    run.summary = {"by_class": {"A": 7, "B": 3}}
    run.transitions = transitions
    run.classified = 10
    # The engine's own count: the moves and the first classifications together.
    run.changed_class = sum(
        n for key, n in transitions.items() if key.split(">")[0] != key.split(">")[1]
    )
    run.save(update_fields=["summary", "transitions", "classified", "changed_class"])
    return run


def _trial(reason: str, version: ModelVersion) -> ClassificationRun:
    """A finished replay or what-if under `version` (no steps run): it writes no class."""
    return ClassificationRun.objects.create(
        reason=reason,
        applies=False,
        as_of=_day(1),
        knowledge_at=timezone.now(),
        status=ClassificationRun.Status.DONE,
        version=version,
    )


def test_the_runs_pages_count_the_moves_as_the_distribution_and_say_which_class(officer):
    """Point 6: the runs list and a run's page showed the engine's `changed_class` (moves and
    first classifications together) where the from × to table and the distribution said
    fewer had changed class; each page now counts the moves alone, shows the first
    classifications apart, and says it counts the class in effect (an override's)."""
    run = _run(timezone.localdate(), "nightly", {"A>A": 5, "A>B": 3, "->A": 2})
    client = logged_in(officer)

    runs = client.get(reverse("risk:runs"), **EN)
    row = runs.content.decode().split(f'data-run="{run.pk}"')[1].split("</tr>")[0]
    cells = re.findall(r'<td class="num"[^>]*>(.*?)</td>', row, flags=re.S)
    assert cells[1].startswith("3 ")  # A>B, not 5
    assert "+2 first classified" in text(runs)
    assert "count the class in effect" in text(runs)

    page = client.get(reverse("risk:run", args=[run.pk]), **EN)
    body = page.content.decode()
    assert 'data-testid="moved">3<' in body and 'data-testid="first">2<' in body
    assert "3 enterprises changed class; 2 were classified for the first time" in text(page)
    assert "The class in effect before and after the run" in text(page)

    distribution = client.get(reverse("risk:distribution"), **EN)
    shown = text(distribution)
    assert "3 enterprises changed class; 2 were classified for the first time" in shown
    assert "The class in effect after the run" in shown


def test_a_replay_says_it_counts_computed_classes(officer):
    version = general_version()
    replay = _trial(ClassificationRun.Reason.REPLAY, version)
    page = logged_in(officer).get(reverse("risk:run", args=[replay.pk]), **EN)
    assert "The computed class (before any override)" in text(page)


def test_a_listing_in_force_stops_weighing_only_when_removed(officer):
    """Point 7: a listing in force counted by an in-force indicator and by a windowed one
    (its class C from the score, so no hard rule holds it) was two lines, one giving the
    window's end as the day it stops weighing; it is one line, until removed."""
    version_with(
        [
            {
                "code": "abnormal_in_force",
                "source": "ledger",
                "kinds": ["abnormal_listing"],
                "in_force_only": True,
                "points_per_fact": 30,
                "max_points": 30,
            },
            {
                "code": "abnormal_3y",
                "source": "ledger",
                "kinds": ["abnormal_listing"],
                "window_days": 1095,
                "points_per_fact": 10,
                "max_points": 30,
            },
            {
                "code": "penalties_3y",
                "source": "ledger",
                "kinds": ["penalty"],
                "window_days": 1095,
                "points_per_fact": 15,
                "max_points": 45,
            },
        ],
        published_at=timezone.now() - dt.timedelta(days=30),
    )
    firm = EnterpriseFactory(registered_on=_day(4000))
    listing = record(firm, "abnormal_listing", _day(50))
    record(firm, "penalty", _day(20))
    assert run_now(reason="manual", enterprise=firm).status == "done"

    page = logged_in(officer).get(reverse("risk:enterprise", args=[firm.uscc]), **EN)

    body = page.content.decode()
    assert 'data-testid="hard-rule"' not in body  # 55 points: C by the score alone
    facts = body.split('data-testid="facts"')[1].split("</table>")[0]
    assert facts.count(f'data-record="{listing.pk}"') == 1
    line = facts.split(f'data-record="{listing.pk}"')[1].split("</tr>")[0]
    assert "until removed (a listing has no end date)" in line
    assert ">40.0<" in line  # 30 + 10: both indicators' points on the one line
    assert (listing.occurred_on + dt.timedelta(days=1095)).isoformat() not in body


def test_pages_name_the_model_in_the_readers_language_with_the_code_secondary(officer):
    """Point 8: "general v1" (the code) on Chinese pages; now 通用模型 v1, the code beside."""
    version = general_version(published_at=timezone.now() - dt.timedelta(days=30))
    firm = EnterpriseFactory(registered_on=_day(4000))
    record(firm, "penalty", _day(20))
    assert run_now(reason="manual", enterprise=firm).status == "done"
    draft = ModelVersion.objects.create(model=version.model, number=2)
    what_if = _trial(ClassificationRun.Reason.WHAT_IF, draft)
    client = logged_in(officer)

    page = client.get(reverse("risk:enterprise", args=[firm.uscc]), **ZH).content.decode()
    history = page.split('data-testid="history"')[1].split("</table>")[0]
    assert "通用模型 v1" in history
    assert "通用模型 v2" in text(client.get(reverse("risk:runs"), **ZH))
    assert "通用模型 v2" in text(client.get(reverse("risk:run", args=[what_if.pk]), **ZH))
    assert "General model v1" in text(
        client.get(reverse("risk:enterprise", args=[firm.uscc]), **EN)
    )


def test_the_trend_shows_the_last_run_of_each_day(officer):
    """Point 9: a manual run beside the nightly one was a second point on the same day."""
    _run(_day(1), "nightly", {"A>A": 10})
    _run(_day(0), "nightly", {"A>A": 10})
    manual = _run(_day(0), "manual", {"A>A": 9, "A>B": 1})

    page = logged_in(officer).get(reverse("risk:distribution"), **EN)

    body = page.content.decode()
    trend = body.split('data-testid="trend"')[1].split("</table>")[0]
    assert trend.count("<tr>") == 1 + 2  # the head and one row per day
    assert f'href="?run={manual.pk}"' in trend  # the day's last run
    assert "the last 2 days, the last run of each" in text(page)


def test_an_individual_business_is_told_plainly_it_is_not_classified(settings, api_client_for):
    """Point 10: a shop's page said the bureau classifies enterprises and that nothing weighs
    today; it now says shops are not classified (unless the bureau turns it on) and what
    the shop can read instead; the API says the same."""
    general_version()
    shop = EnterpriseFactory(individual_business=True)
    member = enterprise_user(shop)

    page = logged_in(member).get(reverse("me-risk:credit_risk"), **EN)

    body, shown = page.content.decode(), text(page)
    assert 'data-testid="not-classified"' in body
    assert "Individual businesses are not classified by credit risk" in shown
    assert "only if it decides to" in shown
    assert 'data-testid="nothing-weighs"' not in body
    instead = body.split('data-testid="see-instead"')[1].split("</ul>")[0]
    assert reverse("me:records") in instead
    assert reverse("me-inspections:inspections") in instead

    api = api_client_for(member).get("/api/v1/me/credit-risk/", HTTP_ACCEPT_LANGUAGE="en")
    assert api.json()["classified"] is False
    assert api.json()["not_classified_reason"].startswith("Individual businesses are not")

    # A company is classified: no such message.
    company = EnterpriseFactory(registered_on=_day(4000))
    assert run_now(reason="manual", enterprise=company).status == "done"
    other = enterprise_user(company, username="company")
    assert 'data-testid="not-classified"' not in (
        logged_in(other).get(reverse("me-risk:credit_risk"), **EN).content.decode()
    )
