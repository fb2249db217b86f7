"""XLSX export of the filtered register: content, formula escaping, audit, permission, cap."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from credit_portal.models import AuditEvent
from enterprises.models import Enterprise
from enterprises.permissions import EnterprisePerm as P
from tests.enterprises.factories import EnterpriseFactory, classify

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client):
    def do(user, lang="en"):
        client.force_login(user)
        client.cookies["cp_language"] = lang
        return client

    return do


def _sheet(response):
    body = b"".join(response.streaming_content)
    workbook = load_workbook(io.BytesIO(body))
    sheet = workbook.active
    assert sheet.freeze_panes == "A2"  # the header row stays in view
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_export_contains_the_filtered_rows(login, user_with_perms):
    kept = EnterpriseFactory(name="成都蓉城餐饮有限公司", legal_rep_id_masked="5101**********123X")
    EnterpriseFactory(status=Enterprise.Status.DEREGISTERED)
    response = login(user_with_perms(P.VIEW, P.EXPORT)).get(
        reverse("enterprises:export"), {"status": "operating"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment" in response["Content-Disposition"]
    rows = _sheet(response)
    header, data = rows[0], rows[1:]
    assert header[0] == "Unified social credit code"
    assert len(data) == 1
    row = dict(zip(header, data[0], strict=True))
    assert row["Unified social credit code"] == kept.uscc
    assert row["Name"] == "成都蓉城餐饮有限公司"
    assert row["Identity number (masked)"] == "5101**********123X"
    assert row["Status"] == "Operating"
    assert row["Registration date"].date() == kept.registered_on
    assert row["Registered capital (CNY 10,000)"] == 100
    assert row["Industry section"] == "F Wholesale and retail trade"  # the reader's language
    assert row["Industry division"] == "52 Retail trade"
    assert "Risk class" not in header


@pytest.mark.parametrize("text", ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(A1)"])
def test_formula_like_cells_are_escaped(login, user_with_perms, text):
    EnterpriseFactory(name=text, address=text)
    rows = _sheet(login(user_with_perms(P.VIEW, P.EXPORT)).get(reverse("enterprises:export")))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Name"] == "'" + text
    assert row["Address"] == "'" + text
    workbook = load_workbook(
        io.BytesIO(
            b"".join(
                login(user_with_perms(P.VIEW, P.EXPORT))
                .get(reverse("enterprises:export"))
                .streaming_content
            )
        )
    )
    assert all(cell.data_type != "f" for row in workbook.active.iter_rows() for cell in row)


def test_export_is_audited_with_filters_and_row_count(login, user_with_perms):
    EnterpriseFactory.create_batch(3)
    user = user_with_perms(P.VIEW, P.EXPORT)
    login(user).get(reverse("enterprises:export"), {"status": "operating", "q": "测试"})
    event = AuditEvent.objects.get(event_type="enterprises.register_exported")
    assert event.actor == user
    assert event.extra["row_count"] == 3
    assert event.extra["filters"] == {"status": "operating", "q": "测试"}
    assert event.extra["include_risk"] is False


def test_risk_columns_only_with_view_risk(login, user_with_perms):
    """The current class, score and override mark; empty cells for an entity never
    classified; no risk column at all without view_risk."""
    classify(EnterpriseFactory(name="甲", registered_on=dt.date(2020, 1, 3)), "D", 90)
    overridden = EnterpriseFactory(name="乙", registered_on=dt.date(2020, 1, 2))
    classify(overridden, "B", 250, override_class="C")
    EnterpriseFactory(name="丙", registered_on=dt.date(2020, 1, 1))
    rows = _sheet(
        login(user_with_perms(P.VIEW, P.EXPORT, P.VIEW_RISK)).get(reverse("enterprises:export"))
    )
    header = rows[0]
    found = {r[header.index("Name")]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    risk = ("Risk class", "Risk score", "Class set by override")
    assert [found["甲"][c] for c in risk] == ["D", 90, "No"]
    assert [found["乙"][c] for c in risk] == ["C", 250, "Yes"]
    assert [found["丙"].get(c) for c in risk] == [None, None, None]
    plain = _sheet(login(user_with_perms(P.VIEW, P.EXPORT)).get(reverse("enterprises:export")))
    assert not set(risk) & set(plain[0])


def test_export_needs_the_export_codename(login, user_with_perms):
    EnterpriseFactory()
    response = login(user_with_perms(P.VIEW)).get(reverse("enterprises:export"))
    assert response.status_code == 403
    assert not AuditEvent.objects.exists()
    list_page = login(user_with_perms(P.VIEW)).get(reverse("enterprises:list"))
    assert reverse("enterprises:export") not in list_page.content.decode()


def test_export_over_the_cap_is_refused_with_a_message(login, user_with_perms, monkeypatch):
    monkeypatch.setattr("enterprises.services.export.EXPORT_CAP", 2)
    EnterpriseFactory.create_batch(3)
    client = login(user_with_perms(P.VIEW, P.EXPORT))
    response = client.get(reverse("enterprises:export"), {"status": "operating"}, follow=True)
    assert response.redirect_chain[0][0].startswith(
        reverse("enterprises:list") + "?status=operating"
    )
    assert "more than 2 market entities" in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_export_with_bad_filters_is_refused(login, user_with_perms):
    response = login(user_with_perms(P.VIEW, P.EXPORT)).get(
        reverse("enterprises:export"), {"registered_from": "yesterday"}, follow=True
    )
    assert response.status_code == 400  # back on the list, which shows the filter error
    assert "Correct the filters before exporting." in response.content.decode()
    assert not AuditEvent.objects.exists()
