"""Credit repair, the tester's findings (issue 14): labels instead of codes (the outbox file, the
outbox rows, the staff detail, the admin), the application's wording per kind of repair, the
officer's verification of the declared conditions before an approval, batches downloadable
again, uploads checked for their structure, the apply page of a record that cannot be repaired,
the provisional mark explained, and the admin scoped as the pages are."""

from __future__ import annotations

import csv
import datetime as dt
import html as htmllib
import io

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from credit_portal.dates import add_months
from credit_portal.models import Department
from enterprises.kinds import kind_label
from enterprises.services.ledger import credit_record_append
from remediation.models import (
    PenaltyDecision,
    RepairApplication,
    RepairAttachment,
    RepairSync,
    ViolationType,
)
from remediation.services.repairs import (
    repair_accept,
    repair_apply,
    repair_decide,
)
from remediation.uploads import upload_checked
from tests.enterprises.factories import EnterpriseFactory
from tests.remediation.factories_repairs import (
    BUREAU_NAME,
    JPEG_BYTES,
    OFFICER_PERMS,
    PDF_BYTES,
    PNG_BYTES,
    apply_data,
    eligible_penalty,
    member,
    officer,
    penalty_decision,
    penalty_record,
    staff,
    stream,
    today,
)
from tests.remediation.factories_soft_actions import on_day

pytestmark = pytest.mark.django_db

DECLARED = ("carried_out", "harm_removed")
PROVISIONAL_NOTE = (
    "暂定: the date is counted without next year's official holiday schedule, which is not yet "
    "published; it may move when the schedule is entered."
)


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["cp_language"] = "en"
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world():
    record = eligible_penalty(number="双市监处罚〔2025〕77号")
    clerk = officer()
    clerk.display_name = "王敏"
    clerk.save()
    return {"record": record, "firm": member(record.enterprise, "firm"), "officer": clerk}


def _submitted(world) -> RepairApplication:
    record = world["record"]
    return repair_apply(actor=world["firm"], enterprise=record.enterprise, **apply_data(record))


def _accepted(world) -> RepairApplication:
    return repair_accept(actor=world["officer"], application=_submitted(world), expected_version=1)


def _approved(world) -> RepairApplication:
    return repair_decide(
        actor=world["officer"],
        application=_accepted(world),
        approve=True,
        reasons="",
        verified=DECLARED,
        expected_version=2,
    )


def _text(response) -> str:
    return htmllib.unescape(response.content.decode())


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


# --------------------------------------------------------------------------- 3. labels


def test_the_outbox_file_holds_labels_in_chinese_not_codes(client, world):
    _approved(world)
    client.force_login(world["officer"])
    answer = client.post(
        reverse("remediation:repair_outbox"), {"op": "export", "network": "gsxt", "format": "csv"}
    )
    content = answer.content.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(content)))
    assert "记录类别" in header and "结果" in header  # the file is Chinese, whatever the page
    with translation.override("zh-hans"):
        penalty_label = kind_label("penalty")
    assert row[header.index("记录类别")] == penalty_label != "penalty"
    assert row[header.index("结果")] == "行政处罚信息提前停止公示"
    assert "penalty_publicity_ended_early" not in content


def test_an_outbox_row_reads_with_labels(world):
    app = _approved(world)
    sync = RepairSync.objects.get(application=app, network="gsxt")
    text = str(sync)
    assert "gsxt" not in text and "pending" not in text
    assert "公示系统" in text and "To send" in text and str(app.pk) in text


def test_the_staff_detail_names_the_violation_type_not_its_code(client, world):
    vtype = ViolationType.objects.create(
        code="special_equipment_unregistered", name="特种设备使用未经注册登记", sector="general"
    )
    penalty_decision(world["record"], vtype=vtype)
    app = _submitted(world)
    client.force_login(world["officer"])
    html = _text(client.get(reverse("remediation:repair_detail", args=[app.pk])))
    assert "特种设备使用未经注册登记" in html
    assert "special_equipment_unregistered" not in html


def test_the_provisional_flags_have_verbose_names():
    assert str(RepairApplication._meta.get_field("due_provisional").verbose_name) == (
        "due date provisional"
    )
    assert str(PenaltyDecision._meta.get_field("publication_due_provisional").verbose_name) == (
        "publication due date provisional"
    )


# --------------------------------------------------------------------------- 4. wording per kind


def _listing(kind: str, *, days_ago: int):
    firm = EnterpriseFactory(name="成都列入名录企业有限公司")
    record = credit_record_append(
        enterprise=firm,
        kind=kind,
        occurred_on=today() - dt.timedelta(days=days_ago),
        summary="未按规定报送年度报告" if kind == "abnormal_listing" else "严重违法失信",
        actor=None,
        is_public=True,
        authority=BUREAU_NAME,
    )
    return record, member(firm, f"{kind}-user")


def test_the_directory_removal_asks_how_the_cause_was_cured(client):
    record, user = _listing("abnormal_listing", days_ago=30)
    client.force_login(user)
    page = client.get(reverse("me-remediation:repair_apply", args=[record.pk]))
    html = _text(page)
    assert page.status_code == 200
    assert "How the cause of the listing was cured" in html
    assert "report filed" in html and "address" in html
    assert "carried out" not in html and "fine" not in html.lower()
    # The service's message says the same when the statement is missing.
    with pytest.raises(ValidationError) as refused:
        repair_apply(
            actor=user,
            enterprise=record.enterprise,
            **apply_data(record, kind="abnormal_removal", statement=""),
        )
    assert "cause of the listing" in " ".join(refused.value.message_dict["statement"])


def test_the_serious_list_removal_asks_for_the_penalty_performed_and_the_harm_removed(client):
    record, user = _listing("serious_listing", days_ago=400)
    client.force_login(user)
    html = _text(client.get(reverse("me-remediation:repair_apply", args=[record.pk])))
    assert "How the penalty was performed and the harm removed" in html
    assert "cause of the listing" not in html


def test_the_penalty_repair_keeps_its_wording(client, world):
    client.force_login(world["firm"])
    html = _text(client.get(reverse("me-remediation:repair_apply", args=[world["record"].pk])))
    assert "How the penalty was carried out and the violation corrected" in html


# --------------------------------------------------------------------------- 5. verification


def test_approval_needs_each_declared_condition_verified(world):
    application = _accepted(world)
    with pytest.raises(ValidationError) as refused:
        repair_decide(
            actor=world["officer"],
            application=application,
            approve=True,
            reasons="",
            verified=["carried_out"],
            expected_version=2,
        )
    message = " ".join(refused.value.message_dict["verified"])
    assert "The harm and bad effects have been removed" in message
    assert "The penalty has been carried out" not in message
    application.refresh_from_db()
    assert application.status == RepairApplication.Status.ACCEPTED
    done = repair_decide(
        actor=world["officer"],
        application=application,
        approve=True,
        reasons="",
        verified=DECLARED,
        expected_version=2,
    )
    decided = {c["code"]: c for c in done.conditions["decided"]["conditions"]}
    for code in DECLARED:
        assert decided[code]["met"] is True
        assert decided[code]["verified_by"] == "王敏"
        assert decided[code]["verified_by_id"] == world["officer"].pk
        assert decided[code]["verified_on"] == today().isoformat()
    # A refusal needs no verification.


def test_a_refusal_needs_no_verification(world):
    done = repair_decide(
        actor=world["officer"],
        application=_accepted(world),
        approve=False,
        reasons="证据不足",
        expected_version=2,
    )
    assert done.status == RepairApplication.Status.REFUSED


def test_the_decision_form_has_a_checkbox_per_declared_condition(client, world):
    app = _accepted(world)
    client.force_login(world["officer"])
    url = reverse("remediation:repair_detail", args=[app.pk])
    html = _text(client.get(url))
    for code in DECLARED:
        assert f'name="verified" value="{code}"' in html
    act = reverse("remediation:repair_act", args=[app.pk])
    refused = client.post(act, {"version": 2, "action": "approve"})
    assert refused.status_code == 400
    assert "The penalty has been carried out" in _text(refused)
    app.refresh_from_db()
    assert app.status == RepairApplication.Status.ACCEPTED
    done = client.post(act, {"version": 2, "action": "approve", "verified": list(DECLARED)})
    assert done.status_code == 302
    detail = _text(client.get(url))
    assert f"verified by 王敏 on {today().isoformat()}" in detail


def test_the_api_takes_verified_booleans(api_client_for, world):
    app = _accepted(world)
    api = api_client_for(world["officer"])
    url = reverse("remediation-api:repair-application-decide", args=[app.pk])
    refused = api.post(
        url,
        {"version": 2, "approve": True, "verified": {"carried_out": True, "harm_removed": False}},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 400
    assert "The harm and bad effects have been removed" in refused.content.decode()
    done = api.post(
        url,
        {"version": 2, "approve": True, "verified": {"carried_out": True, "harm_removed": True}},
        format="json",
    )
    assert done.status_code == 200, done.content
    decided = {c["code"]: c for c in done.json()["conditions"]["decided"]["conditions"]}
    assert decided["harm_removed"]["verified_by"] == "王敏"


# --------------------------------------------------------------------------- 6. outbox


def test_an_exported_batch_downloads_again_as_csv_and_xlsx(client, world):
    _approved(world)
    client.force_login(world["officer"])
    first = client.post(
        reverse("remediation:repair_outbox"), {"op": "export", "network": "gsxt", "format": "csv"}
    )
    batch = RepairSync.objects.get(network="gsxt").export_batch
    page = _text(client.get(reverse("remediation:repair_outbox")))
    csv_url = reverse("remediation:repair_outbox_batch", args=[batch, "csv"])
    xlsx_url = reverse("remediation:repair_outbox_batch", args=[batch, "xlsx"])
    assert csv_url in page and xlsx_url in page
    again = client.get(csv_url)
    assert again.status_code == 200 and again["Content-Type"].startswith("text/csv")
    assert again.content == first.content
    xlsx = client.get(xlsx_url)
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert RepairSync.objects.get(network="gsxt").status == "exported"  # nothing changed
    assert (
        client.get(reverse("remediation:repair_outbox_batch", args=["nope", "csv"])).status_code
        == 404
    )
    partner = officer("partner", department=Department.objects.create(code="eco", name="生态"))
    client.force_login(partner)
    assert client.get(csv_url).status_code == 404


def test_disabled_export_buttons_say_so(client, world):
    client.force_login(world["officer"])
    html = client.get(reverse("remediation:repair_outbox")).content.decode()
    assert html.count('aria-disabled="true"') == 6  # two formats for each of three networks
    from django.contrib.staticfiles import finders

    with open(finders.find("css/repairs.css"), encoding="utf-8") as css:
        rules = css.read()
    assert ".btn:disabled" in rules and '[aria-disabled="true"]' in rules


# --------------------------------------------------------------------------- 7. uploads


def _upload(name: str, body: bytes):
    return upload_checked(kind="evidence", file=SimpleUploadedFile(name, body))


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("script.pdf", b"%PDF-1.4\n<script>"),
        ("no-eof.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\n" + b" " * 80),
        ("no-obj.pdf", b"%PDF-1.4\n" + b"%" * 80 + b"\n%%EOF\n"),
        ("eof-early.pdf", PDF_BYTES + b"x" * 2000),
        ("no-iend.png", PNG_BYTES[:-12] + b"\x00" * 12),
        ("no-ihdr.png", PNG_BYTES[:12] + b"XXXX" + PNG_BYTES[16:]),
        ("cut.jpg", JPEG_BYTES[:-2] + b"\x00\x00"),
        ("tiny.jpg", b"\xff\xd8\xff\xe0\xff\xd9"),
    ],
)
def test_a_damaged_file_is_refused(name, body):
    with pytest.raises(ValidationError) as refused:
        _upload(name, body)
    assert name in str(refused.value)
    assert "damaged" in str(refused.value) or "too small" in str(refused.value)


def test_honest_files_pass_and_a_jpeg_may_end_with_zero_bytes():
    assert _upload("a.pdf", PDF_BYTES).extension == "pdf"
    assert _upload("a.png", PNG_BYTES).extension == "png"
    assert _upload("a.jpg", JPEG_BYTES + b"\x00" * 7).extension == "jpg"
    # %%EOF is found across the boundary of two chunks of the read (64 KiB each).
    big = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n" + b"0" * (64 * 1024 - 32) + b"\n%%EOF\n"
    assert _upload("big.pdf", big).extension == "pdf"


def test_a_png_sent_as_pdf_is_stored_and_served_as_png(client, world):
    record = world["record"]
    application = repair_apply(
        actor=world["firm"],
        enterprise=record.enterprise,
        **apply_data(record, files=[("evidence", SimpleUploadedFile("png_as.pdf", PNG_BYTES))]),
    )
    attachment = RepairAttachment.objects.get(application=application)
    assert attachment.original_name == "png_as.png"
    assert attachment.file.name.endswith(".png")
    assert attachment.content_type == "image/png"
    client.force_login(world["firm"])
    answer = client.get(reverse("me-remediation:repair_file", args=[application.pk, attachment.pk]))
    assert answer.status_code == 200 and stream(answer) == PNG_BYTES
    assert 'filename="png_as.png"' in answer["Content-Disposition"]


# --------------------------------------------------------------------------- 8. apply page


def test_the_apply_page_of_a_repaired_record_says_so(client, world):
    app = _approved(world)
    client.force_login(world["firm"])
    answer = client.get(reverse("me-remediation:repair_apply", args=[world["record"].pk]))
    assert answer.status_code == 302 and answer["Location"] == reverse("me-remediation:repairs")
    said = _messages(answer)
    assert "already repaired" in said and today().isoformat() in said and f"{app.pk}" in said


def test_the_apply_page_of_a_record_not_repairable_says_why(client, world):
    ended = penalty_record(
        world["record"].enterprise,
        published_on=add_months(today(), -40),
        publicity_end=today() - dt.timedelta(days=3),
        number="双市监处罚〔2022〕5号",
    )
    client.force_login(world["firm"])
    answer = client.get(reverse("me-remediation:repair_apply", args=[ended.pk]))
    assert answer.status_code == 302 and answer["Location"] == reverse("me-remediation:repairs")
    assert "not repairable" in _messages(answer) and "publicity ended" in _messages(answer)
    elsewhere = penalty_record(
        world["record"].enterprise,
        published_on=world["record"].publicity_start,
        authority="区卫生健康局",
        number="卫罚〔2025〕3号",
    )
    answer = client.get(reverse("me-remediation:repair_apply", args=[elsewhere.pk]))
    assert answer.status_code == 302 and "信用中国" in _messages(answer)
    other = eligible_penalty(number="别家")
    assert client.get(reverse("me-remediation:repair_apply", args=[other.pk])).status_code == 404


# --------------------------------------------------------------------------- 9. provisional


def test_a_provisional_due_date_is_explained_once(client):
    with on_day(dt.date(2026, 12, 30)):
        record = eligible_penalty(number="双市监处罚〔2026〕7号")
        firm = member(record.enterprise, "firm")
        app = repair_apply(actor=firm, enterprise=record.enterprise, **apply_data(record))
        assert app.due_provisional
        client.force_login(firm)
        mine = _text(client.get(reverse("me-remediation:repairs")))
        clerk = officer()
        client.force_login(clerk)
        queue = _text(client.get(reverse("remediation:repair_list")))
        detail = _text(client.get(reverse("remediation:repair_detail", args=[app.pk])))
    assert mine.count(PROVISIONAL_NOTE) == 1
    assert PROVISIONAL_NOTE in queue and PROVISIONAL_NOTE in detail


def test_no_footnote_without_a_provisional_date(client, world):
    _submitted(world)
    client.force_login(world["firm"])
    assert PROVISIONAL_NOTE not in _text(client.get(reverse("me-remediation:repairs")))


# --------------------------------------------------------------------------- 10. admin


def test_a_partner_departments_admin_does_not_see_the_bureaus_repairs(client, department):
    eco = Department.objects.create(code="eco", name="区生态环境局")
    firm = EnterpriseFactory(department=eco, name="双流区生态养殖场")  # the partner supervises it
    record = eligible_penalty(firm, number="双市监处罚〔2025〕8号")
    user = member(firm, "eco-firm")
    app = repair_apply(actor=user, enterprise=firm, **apply_data(record))
    repair_decide(
        actor=officer("bureau"),
        application=repair_accept(actor=officer("chief"), application=app, expected_version=1),
        approve=True,
        reasons="",
        verified=DECLARED,
        expected_version=2,
    )
    partner = staff(
        *OFFICER_PERMS,
        "remediation.view_repairsync",
        "remediation.view_repairattachment",
        username="partner",
        department=eco,
    )
    partner.is_staff = True
    partner.save()
    client.force_login(partner)
    for name in ("repairapplication", "repairsync", "repairattachment"):
        page = client.get(reverse(f"admin:remediation_{name}_changelist"))
        assert page.status_code == 200
        assert list(page.context["cl"].result_list) == [], name
    assert (
        client.get(reverse("admin:remediation_repairapplication_change", args=[app.pk])).status_code
        == 302  # the admin's "not found": back to its index
    )
