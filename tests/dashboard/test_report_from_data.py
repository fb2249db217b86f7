"""The yearly work report from the register's own records (issue 18 §2): the district of the
tallies' tests (decisions by leniency, letters, interviews, repairs, expired terms, the
punishment buffer, restorations, self-corrections; tests/dashboard/test_tallies.py), counted by
the daily job's `tallies_refresh`; every seed figure in the PDF's and the .docx's text equals
`remediation.selectors.figures.seed_figures` (counted apart, from the records) for the bureau
and for the partner department."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from dashboard.measures import all_measures
from dashboard.report.content import LABELS
from dashboard.tallies import tallies_refresh
from remediation.selectors.figures import seed_figures
from tests.dashboard.test_report import docx_parts, pdf_text
from tests.dashboard.test_tallies import SEED_CODES, TODAY, YEAR, district  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    moment = dt.datetime.combine(TODAY, dt.time(12), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


@pytest.mark.parametrize("reader", ["bureau_user", "partner_user"])
def test_the_reports_figures_are_the_records(district, reader):  # noqa: F811
    from django.contrib.auth.models import Permission

    user = getattr(district, reader)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="dashboard", codename="view_dashboard")
    )
    tallies_refresh(year=YEAR, on=TODAY)
    expected = seed_figures(year=YEAR, user=user)
    client = Client()
    client.force_login(user)
    text = pdf_text(client.get(reverse("dashboard:report_pdf", args=[YEAR])).content)
    rows = docx_parts(client.get(reverse("dashboard:report_docx", args=[YEAR])).content)[2]
    table = {label: amount for _n, label, amount in rows[1:]}
    measures = all_measures()
    checked = 0
    for code in SEED_CODES:
        if code not in measures:
            continue
        line = f"{getattr(expected, code)}{measures[code].unit}"
        assert f"{LABELS[code]}：{line}" in text, code
        assert table[LABELS[code]] == line, code
        checked += 1
    assert checked >= 14
    # Not everything is zero: the test would notice a report that read nothing.
    assert sum(1 for code in SEED_CODES if getattr(expected, code)) >= 8
