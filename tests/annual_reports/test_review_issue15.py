"""Review of issue 15: regressions for defects found in the annual-report area."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from annual_reports.services.reports import (
    report_correction_start,
    report_draft_save,
    report_submit,
)
from tests.annual_reports.factories import YEAR, at, company, file_report, member

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_item_7_of_an_earlier_version_is_hidden_once_the_consent_is_withdrawn(client):
    """Item 7 is public only with the enterprise's consent (条例 art. 9 (7)): a correction that
    withdraws the choice to publish hides the figures of every version, the earlier one too."""
    firm = company()
    file_report(firm, publish_financials=True)
    user = member(firm)
    with at(dt.date(2026, 6, 2)):
        draft = report_correction_start(actor=user, enterprise=firm, year=YEAR)
        draft = report_draft_save(
            actor=user,
            enterprise=firm,
            year=YEAR,
            data={"publish_financials": False},
            expected_version=draft.version,
        )
        report_submit(actor=user, report=draft, expected_version=draft.version)
    url = reverse("public-annual-reports:report", args=[firm.uscc, YEAR])
    html = client.get(url, **EN).content.decode()
    assert "corrected on 2026-06-02" in html  # both versions still shown
    assert "350.50" not in html and "-15.20" not in html
    assert "Total assets" not in html
