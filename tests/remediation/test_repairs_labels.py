"""Credit repair, labels by kind and the outbox file: a listing's date is "Listed on" and its
evidence is of the listing's cause cured (pages and admin); the enterprise is told a repair is
"notified" only to the networks that confirmed it; the outbox file is named in Chinese and its
dates are dates."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import io
from urllib.parse import quote

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from credit_portal.models import User
from enterprises.services.ledger import credit_record_append
from remediation.models import RepairApplication, RepairSync
from remediation.rules import repair_eligibility
from remediation.selectors.repairs import attachment_kind_label, record_date_label
from remediation.services.repairs import (
    declared_conditions,
    repair_accept,
    repair_apply,
    repair_decide,
    repair_sync_confirm,
    repair_sync_export,
)
from remediation.views.repairs import _sheet_name
from tests.enterprises.factories import EnterpriseFactory
from tests.remediation.factories_repairs import (
    BUREAU_NAME,
    VERIFIED,
    apply_data,
    eligible_penalty,
    member,
    officer,
    today,
)

pytestmark = pytest.mark.django_db

PENALTY_EVIDENCE = "Evidence of performance and correction"
LISTING_EVIDENCE = "Evidence that the cause of the listing was cured"


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["cp_language"] = "en"
    with translation.override("en"):
        yield


def _text(response) -> str:
    return htmllib.unescape(response.content.decode())


def _listing_repair(*, approve: bool = False):
    firm = EnterpriseFactory(name="成都列入名录企业有限公司")
    record = credit_record_append(
        enterprise=firm,
        kind="abnormal_listing",
        occurred_on=today() - dt.timedelta(days=30),
        summary="未按规定报送年度报告",
        actor=None,
        is_public=True,
        authority=BUREAU_NAME,
    )
    user = member(firm, "listed-user")
    staff_user = officer()
    app = repair_apply(
        actor=user,
        enterprise=firm,
        **apply_data(record, kind="abnormal_removal", statement="年度报告已补报并公示。"),
    )
    if approve:
        app = repair_accept(actor=staff_user, application=app, expected_version=1)
        now = repair_eligibility(kind=app.kind, record=record, today=today())
        app = repair_decide(
            actor=staff_user,
            application=app,
            approve=True,
            reasons="",
            verified=[c.code for c in declared_conditions(now)],
            expected_version=2,
        )
    return app, user, staff_user


def _approved_penalty():
    record = eligible_penalty(number="双市监处罚〔2025〕88号")
    firm = member(record.enterprise, "firm")
    staff_user = officer()
    app = repair_apply(actor=firm, enterprise=record.enterprise, **apply_data(record))
    app = repair_accept(actor=staff_user, application=app, expected_version=1)
    app = repair_decide(
        actor=staff_user,
        application=app,
        approve=True,
        reasons="",
        verified=VERIFIED,
        expected_version=2,
    )
    return app, firm, staff_user


# --------------------------------------------------------------------------- 1. labels by kind


def test_the_labels_follow_the_kind_of_record_and_of_repair():
    assert record_date_label("abnormal_listing") == "Listed on"
    assert record_date_label("serious_listing") == "Listed on"
    assert record_date_label("penalty") == "Decided on"
    assert attachment_kind_label("evidence", "penalty_publicity") == PENALTY_EVIDENCE
    assert attachment_kind_label("evidence", "abnormal_removal") == LISTING_EVIDENCE
    assert attachment_kind_label("evidence", "serious_removal") == (
        "Evidence that the penalty was performed and the harm removed"
    )
    assert attachment_kind_label("pledge", "abnormal_removal") == "Credit pledge (信用承诺书)"
    with translation.override("zh-hans"):
        assert record_date_label("abnormal_listing") == "列入日期"
        assert record_date_label("penalty") == "处罚决定日期"


def test_a_listing_reads_listed_on_and_its_evidence_as_the_cause_cured(client):
    app, user, staff_user = _listing_repair()
    client.force_login(user)
    listing = _text(client.get(reverse("me-remediation:repairs")))
    assert f'data-testid="date-{app.record_id}">Listed on' in listing
    assert "Decided on" not in listing
    mine = _text(client.get(reverse("me-remediation:repair_detail", args=[app.pk])))
    assert LISTING_EVIDENCE in mine and PENALTY_EVIDENCE not in mine
    assert 'data-testid="record-date">Listed on' in mine

    client.force_login(staff_user)
    page = _text(client.get(reverse("remediation:repair_detail", args=[app.pk])))
    assert '<dt data-testid="record-date">Listed on</dt>' in page
    assert LISTING_EVIDENCE in page and PENALTY_EVIDENCE not in page


def test_a_penalty_keeps_decided_on_and_its_evidence_label(client):
    app, firm, staff_user = _approved_penalty()
    client.force_login(firm)
    mine = _text(client.get(reverse("me-remediation:repair_detail", args=[app.pk])))
    assert PENALTY_EVIDENCE in mine and 'data-testid="record-date">Decided on' in mine
    client.force_login(staff_user)
    page = _text(client.get(reverse("remediation:repair_detail", args=[app.pk])))
    assert '<dt data-testid="record-date">Decided on</dt>' in page and PENALTY_EVIDENCE in page


def test_the_admin_labels_a_listings_evidence_by_its_repair(client):
    app, _user, _staff = _listing_repair()
    client.force_login(User.objects.create_superuser("root", password="Secret-pass-123"))
    change = _text(client.get(reverse("admin:remediation_repairapplication_change", args=[app.pk])))
    assert LISTING_EVIDENCE in change and PENALTY_EVIDENCE not in change
    listed = _text(client.get(reverse("admin:remediation_repairattachment_changelist")))
    # The row's cell (the filter still lists the model's choices, for every kind of repair).
    assert f'<td class="field-kind_label">{LISTING_EVIDENCE}</td>' in listed
    one = app.attachments.get()
    detail = _text(client.get(reverse("admin:remediation_repairattachment_change", args=[one.pk])))
    assert detail.count(LISTING_EVIDENCE) >= 1 and PENALTY_EVIDENCE not in detail


# --------------------------------------------------------------------------- 2. notified


def _summary(client, app) -> str:
    html = _text(client.get(reverse("me-remediation:repair_detail", args=[app.pk])))
    start = html.index('data-testid="sync-summary"')
    return html[start : html.index("</div>", start)]


def test_the_enterprise_is_told_notified_only_for_the_networks_that_confirmed(client):
    app, firm, staff_user = _approved_penalty()
    client.force_login(firm)
    gsxt = str(RepairSync.Network.GSXT.label)
    credit_china = str(RepairSync.Network.CREDIT_CHINA.label)

    pending = _summary(client, app)
    assert "The bureau sends the repair to" in pending
    assert "each platform's state is shown below" in pending
    assert "notified" not in pending and "are told" not in pending

    repair_sync_export(actor=staff_user, network="gsxt")
    batch = RepairSync.objects.get(application=app, network="gsxt").export_batch
    assert "notified" not in _summary(client, app)  # exported is not confirmed
    repair_sync_confirm(actor=staff_user, batch=batch)
    mixed = _summary(client, app)
    sending, notified = mixed.split("The repair has been notified to")
    assert gsxt in notified and credit_china not in notified
    assert credit_china in sending and gsxt not in sending

    for network in ("credit_china", "provincial"):
        repair_sync_export(actor=staff_user, network=network)
    repair_sync_confirm(
        actor=staff_user,
        sync_ids=list(
            RepairSync.objects.filter(application=app, status="exported").values_list(
                "pk", flat=True
            )
        ),
    )
    done = _summary(client, app)
    assert "The bureau sends" not in done
    assert "The repair has been notified to" in done and credit_china in done


# --------------------------------------------------------------------------- 3. the file


def test_the_outbox_file_is_named_in_chinese_and_writes_dates_as_dates(client):
    app, _firm, staff_user = _approved_penalty()
    client.force_login(staff_user)
    answer = client.post(
        reverse("remediation:repair_outbox"),
        {"op": "export", "network": "credit_china", "format": "xlsx"},
    )
    assert answer.status_code == 200
    batch = RepairSync.objects.get(application=app, network="credit_china").export_batch
    disposition = answer["Content-Disposition"]
    fallback, encoded = disposition.split("filename*=UTF-8''")
    assert fallback.startswith("attachment; filename=") and fallback.isascii()
    assert encoded == quote(f"信用修复-信用中国-{batch.removeprefix('credit_china-')}.xlsx")
    assert "credit_china" not in encoded

    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["信用中国"]
    sheet = book["信用中国"]
    row = list(sheet[2])
    date_cells = [c for c in row if isinstance(c.value, dt.date)]
    assert date_cells, "the dates are written as dates"
    for cell in date_cells:
        assert cell.number_format == "yyyy-mm-dd"
        assert cell.value.time() == dt.time(0)  # a date, read back at midnight
    assert app.record.occurred_on in [c.value.date() for c in date_cells]
    assert batch in [c.value for c in row]  # the full batch id is still in every row

    again = client.get(reverse("remediation:repair_outbox_batch", args=[batch, "csv"]))
    assert "filename*=UTF-8''" + quote("信用修复-信用中国-") in again["Content-Disposition"]


def test_a_sheet_name_drops_what_excel_refuses_and_keeps_31_characters():
    assert _sheet_name("国家企业信用信息公示系统") == "国家企业信用信息公示系统"
    assert _sheet_name("a[b]:c*d?e/f\\g") == "a b  c d e f g"
    assert len(_sheet_name("信" * 40)) == 31
    assert _sheet_name("[]") == "Sheet1"


def test_the_gsxt_sheet_is_named_by_its_chinese_label(client):
    _approved_penalty()
    client.force_login(User.objects.get(username="officer"))
    answer = client.post(
        reverse("remediation:repair_outbox"), {"op": "export", "network": "gsxt", "format": "xlsx"}
    )
    with translation.override("zh-hans"):
        label = str(RepairSync.Network.GSXT.label)
    assert "gsxt" not in label
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == [_sheet_name(label)]
    assert quote(f"信用修复-{label}-") in answer["Content-Disposition"]
    assert RepairApplication.objects.count() == 1
