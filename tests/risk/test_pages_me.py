"""The enterprise's own credit risk page, /me/credit-risk/ (issue 16 §3; docs/domain.md §1
"Visibility"): its own facts that weigh and when each stops, how to end them sooner; its class,
score and points only where the bureau turns that on (off by default)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from credit_portal.roles import Role
from risk.services.runs import run_now
from tests.enterprises.factories import EnterpriseFactory, enterprise_user
from tests.risk.factories import general_version, record
from tests.risk.test_pages import EN, logged_in, text

pytestmark = pytest.mark.django_db

URL = "/me/credit-risk/"


def _day(days_ago: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days_ago)


@pytest.fixture
def firm(db: Any) -> Any:
    """An enterprise with a penalty, a soft action and an abnormal listing in force, classified."""
    general_version(published_at=timezone.now() - dt.timedelta(days=30))
    firm = EnterpriseFactory(registered_on=_day(3650))
    firm.penalty = record(firm, "penalty", _day(200))
    firm.soft = record(firm, "soft_enforcement", _day(40))
    firm.listing = record(firm, "abnormal_listing", _day(20))
    run = run_now(reason="manual", enterprise=firm)
    assert run.status == "done", run.message
    return firm


def test_the_url_is_the_agreed_one():
    assert reverse("me-risk:credit_risk") == URL


def test_an_enterprise_sees_its_facts_and_when_each_stops_but_no_class_by_default(firm):
    member = enterprise_user(firm)

    response = logged_in(member).get(URL, **EN)

    assert response.status_code == 200
    body, page = response.content.decode(), text(response)
    for fact in (firm.penalty, firm.soft, firm.listing):
        assert f'data-record="{fact.pk}"' in body
    assert (firm.penalty.occurred_on + dt.timedelta(days=1095)).isoformat() in page
    assert (firm.soft.occurred_on + dt.timedelta(days=365)).isoformat() in page
    assert "until removed (a listing has no end date)" in page  # the listing in force
    assert reverse("me-remediation:listings") in body  # how to end the listing sooner
    # Classes are internal: no class, no score, no points anywhere on the page.
    assert 'class="risk risk--' not in body
    assert 'data-testid="own-class"' not in body and 'data-testid="points"' not in body
    assert not re.search(r"\b\d+\.\d\b", page.split("Facts that weigh")[1])


def test_with_the_bureaus_setting_on_it_sees_its_class_and_points(firm, settings):
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "SHOW_RISK_CLASS_TO_ENTERPRISES": True}
    from risk.models import CurrentClass

    current = CurrentClass.objects.get(enterprise=firm)
    response = logged_in(enterprise_user(firm)).get(URL, **EN)
    body = response.content.decode()
    assert 'data-testid="own-class"' in body
    assert f"risk--{current.risk_class}" in body and str(current.score) in text(response)
    assert 'data-testid="points"' in body


def test_an_enterprise_sees_only_its_own(firm):
    other = EnterpriseFactory()
    member = enterprise_user(other, username="other")
    body = logged_in(member).get(URL).content.decode()
    for fact in (firm.penalty, firm.soft, firm.listing):
        assert f'data-record="{fact.pk}"' not in body
    assert 'data-testid="nothing-weighs"' in body


def test_the_page_is_for_enterprise_users_only(firm, user_with_role):
    assert Client().get(URL).status_code == 302
    assert logged_in(user_with_role(Role.CREDIT_OFFICER)).get(URL).status_code == 403


def test_the_self_service_navigation_has_the_entry(firm):
    body = logged_in(enterprise_user(firm)).get(reverse("me:home")).content.decode()
    assert f'href="{URL}"' in body
