"""Credit repair through its real surface: the enterprise's pages, the staff queue and detail,
the outbox, the notice PDF, the API and the admin; with the permissions of each (anonymous,
another enterprise's user, a partner department, staff without the codename)."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest
from django.urls import reverse
from django.utils import translation

from credit_portal.dates import add_months
from credit_portal.models import AuditEvent, Department, User
from remediation.models import RepairApplication, RepairSync
from remediation.services.repairs import repair_accept, repair_apply, repair_decide
from tests.enterprises.factories import EnterpriseFactory
from tests.remediation.factories_repairs import (
    VERIFIED,
    apply_data,
    eligible_penalty,
    fake_pdf,
    member,
    officer,
    pdf,
    penalty_decision,
    penalty_record,
    png,
    staff,
    stream,
    today,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    """Pages in English (the msgids); the interface is Chinese first elsewhere."""
    client.cookies["cp_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world():
    record = eligible_penalty(number="双市监处罚〔2025〕77号")
    firm = member(record.enterprise, "firm")
    other = EnterpriseFactory(name="成都隔壁企业有限公司")
    stranger = member(other, "stranger")
    return {"record": record, "firm": firm, "officer": officer(), "stranger": stranger}


def _submitted(world) -> RepairApplication:
    record = world["record"]
    return repair_apply(actor=world["firm"], enterprise=record.enterprise, **apply_data(record))


def _accepted(world) -> RepairApplication:
    app = _submitted(world)
    return repair_accept(actor=world["officer"], application=app, expected_version=1)


def _approved(world) -> RepairApplication:
    return repair_decide(
        actor=world["officer"],
        application=_accepted(world),
        approve=True,
        reasons="",
        verified=VERIFIED,
        expected_version=2,
    )


# --------------------------------------------------------------------------- enterprise


def test_the_enterprise_sees_its_penalty_with_eligibility_and_applies(client, world):
    record = world["record"]
    client.force_login(world["firm"])
    page = client.get(reverse("me-remediation:repairs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "双市监处罚〔2025〕77号" in html and "can apply now" in html
    assert reverse("me-remediation:repair_apply", args=[record.pk]) in html
    form = client.get(reverse("me-remediation:repair_apply", args=[record.pk]))
    assert form.status_code == 200 and "credit pledge" in form.content.decode()
    answer = client.post(
        reverse("me-remediation:repair_apply", args=[record.pk]),
        {
            "applicant_name": "张三",
            "applicant_phone": "13800000000",
            "statement": "罚款已缴清。",
            "pledge_accepted": "on",
            "evidence": [pdf(), png()],
        },
    )
    application = RepairApplication.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("me-remediation:repair_detail", args=[application.pk])
    assert application.attachments.count() == 2
    detail = client.get(answer["Location"])
    assert detail.status_code == 200 and "Acceptance" in detail.content.decode()
    again = client.get(reverse("me-remediation:repair_apply", args=[record.pk]))
    assert again.status_code == 302 and again["Location"] == answer["Location"]


def test_the_apply_form_shows_a_renamed_file_refused_and_keeps_nothing(client, world):
    record = world["record"]
    client.force_login(world["firm"])
    answer = client.post(
        reverse("me-remediation:repair_apply", args=[record.pk]),
        {
            "applicant_name": "张三",
            "applicant_phone": "13800000000",
            "statement": "罚款已缴清。",
            "pledge_accepted": "on",
            "evidence": [fake_pdf("缴款凭证.pdf")],
        },
    )
    assert answer.status_code == 400
    assert "缴款凭证.pdf is not a PDF or an image" in answer.content.decode()
    assert not RepairApplication.objects.exists()


def test_the_apply_form_without_pledge_says_so(client, world):
    client.force_login(world["firm"])
    answer = client.post(
        reverse("me-remediation:repair_apply", args=[world["record"].pk]),
        {
            "applicant_name": "张三",
            "applicant_phone": "13800000000",
            "statement": "x",
            "evidence": [pdf()],
        },
    )
    assert answer.status_code == 400
    assert "credit pledge" in answer.content.decode()


def test_an_ineligible_penalty_is_shown_with_its_date_and_cannot_be_applied_for(client, world):
    young = penalty_record(
        world["record"].enterprise, published_on=today() - dt.timedelta(days=40), number="新罚1"
    )
    client.force_login(world["firm"])
    page = client.get(reverse("me-remediation:repairs")).content.decode()
    assert "新罚1" in page and "possible from" in page
    assert reverse("me-remediation:repair_apply", args=[young.pk]) not in page
    answer = client.post(
        reverse("me-remediation:repair_apply", args=[young.pk]),
        {
            "applicant_name": "张三",
            "applicant_phone": "13800000000",
            "statement": "x",
            "pledge_accepted": "on",
            "evidence": [pdf()],
        },
    )
    assert answer.status_code == 400
    assert "possible from" in answer.content.decode()
    assert not RepairApplication.objects.exists()


def test_another_departments_penalty_says_credit_china(client, world):
    penalty_record(
        world["record"].enterprise,
        published_on=world["record"].publicity_start,
        authority="区卫生健康局",
        number="卫罚〔2025〕3号",
    )
    client.force_login(world["firm"])
    page = client.get(reverse("me-remediation:repairs")).content.decode()
    assert "卫罚〔2025〕3号" in page
    assert "信用中国" in page and "repaired on Credit China" in page


def test_refusal_reasons_are_visible_to_the_enterprise(client, world):
    app = _accepted(world)
    repair_decide(
        actor=world["officer"],
        application=app,
        approve=False,
        reasons="缴款凭证与处罚决定金额不符。",
        expected_version=2,
    )
    client.force_login(world["firm"])
    page = client.get(reverse("me-remediation:repair_detail", args=[app.pk])).content.decode()
    assert "缴款凭证与处罚决定金额不符。" in page and "Refused" in page
    listing = client.get(reverse("me-remediation:repairs")).content.decode()
    assert "缴款凭证与处罚决定金额不符。" in listing


def test_the_enterprise_withdraws_its_application(client, world):
    app = _submitted(world)
    client.force_login(world["firm"])
    answer = client.post(
        reverse("me-remediation:repair_withdraw", args=[app.pk]), {"version": app.version}
    )
    assert answer.status_code == 302
    app.refresh_from_db()
    assert app.status == RepairApplication.Status.WITHDRAWN


def test_the_enterprise_downloads_its_own_file_and_its_notice(client, world):
    app = _submitted(world)
    attachment = app.attachments.get()
    client.force_login(world["firm"])
    download = client.get(reverse("me-remediation:repair_file", args=[app.pk, attachment.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert stream(download).startswith(b"%PDF-")
    notice = client.get(reverse("me-remediation:repair_notice", args=[world["record"].pk]))
    assert notice.status_code == 200 and notice["Content-Type"] == "application/pdf"
    text = (
        "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(notice.content)).pages)
        .replace(" ", "")
        .replace("\n", "")
    )
    earliest = add_months(world["record"].publicity_start, 6)
    assert "信用修复告知书" in text and world["record"].enterprise.name in text
    assert f"即自{earliest.year}年{earliest.month}月{earliest.day}日起" in text
    assert "守信承诺书" in text and "2个工作日" in text


def test_another_enterprises_user_gets_404_everywhere(client, world):
    app = _submitted(world)
    attachment = app.attachments.get()
    client.force_login(world["stranger"])
    for url in [
        reverse("me-remediation:repair_detail", args=[app.pk]),
        reverse("me-remediation:repair_file", args=[app.pk, attachment.pk]),
        reverse("me-remediation:repair_notice", args=[world["record"].pk]),
        reverse("me-remediation:repair_apply", args=[world["record"].pk]),
        reverse("remediation:repair_detail", args=[app.pk]),
        reverse("remediation:repair_file", args=[app.pk, attachment.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("me-remediation:repair_withdraw", args=[app.pk]), {"version": 1}
        ).status_code
        == 404
    )
    assert client.post(reverse("remediation:repair_act", args=[app.pk]), {}).status_code == 404
    app.refresh_from_db()
    assert app.status == RepairApplication.Status.SUBMITTED


def test_anonymous_is_sent_to_the_login(client, world):
    app = _submitted(world)
    for url in [
        reverse("me-remediation:repairs"),
        reverse("me-remediation:repair_detail", args=[app.pk]),
        reverse("remediation:repair_list"),
        reverse("remediation:repair_detail", args=[app.pk]),
        reverse("remediation:repair_outbox"),
    ]:
        answer = client.get(url)
        assert answer.status_code == 302 and "/accounts/login/" in answer["Location"], url


def test_staff_without_an_enterprise_membership_get_403_on_the_self_service(client, world):
    client.force_login(world["officer"])
    assert client.get(reverse("me-remediation:repairs")).status_code == 403


# --------------------------------------------------------------------------- staff


def test_the_queue_lists_due_first_with_overdue_marked(client, world):
    late = _submitted(world)
    RepairApplication.objects.filter(pk=late.pk).update(
        acceptance_due=today() - dt.timedelta(days=7)
    )
    second = eligible_penalty(number="第二件")
    fresh = repair_apply(
        actor=member(second.enterprise, "firm2"),
        enterprise=second.enterprise,
        **apply_data(second),
    )
    client.force_login(world["officer"])
    page = client.get(reverse("remediation:repair_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(f"#{late.pk}<") < html.index(f"#{fresh.pk}<")
    assert "overdue by" in html and 'data-overdue="true"' in html
    only_late = client.get(reverse("remediation:repair_list"), {"overdue": "on"}).content.decode()
    assert f"#{late.pk}<" in only_late and f"#{fresh.pk}<" not in only_late
    by_kind = client.get(
        reverse("remediation:repair_list"), {"kind": "serious_removal"}
    ).content.decode()
    assert f"#{late.pk}<" not in by_kind


def test_staff_accept_and_approve_on_the_detail_page_and_the_public_no_longer_sees_it(
    client, world
):
    record = world["record"]
    uscc = record.enterprise.uscc
    before = client.get(reverse("public:profile", args=[uscc])).content.decode()
    assert "双市监处罚〔2025〕77号" in before
    app = _submitted(world)
    client.force_login(world["officer"])
    detail = client.get(reverse("remediation:repair_detail", args=[app.pk]))
    html = detail.content.decode()
    assert detail.status_code == 200
    assert "The record to repair" in html and "Audit history" in html and "证明.pdf" in html
    act = reverse("remediation:repair_act", args=[app.pk])
    assert client.post(act, {"version": 1, "action": "accept"}).status_code == 302
    assert (
        client.post(
            act, {"version": 2, "action": "approve", "verified": list(VERIFIED)}
        ).status_code
        == 302
    )
    app.refresh_from_db()
    assert app.status == RepairApplication.Status.APPROVED
    client.logout()
    after = client.get(reverse("public:profile", args=[uscc])).content.decode()
    assert "双市监处罚〔2025〕77号" not in after
    api = client.get(reverse("enterprises-api:public-enterprise-detail", args=[uscc]))
    assert api.status_code == 200 and "双市监处罚〔2025〕77号" not in api.content.decode()
    assert api.json()["penalties"] == []


def test_a_stale_form_answers_409_and_writes_nothing(client, world):
    app = _accepted(world)
    repair_decide(
        actor=officer("other"),
        application=app,
        approve=True,
        reasons="",
        verified=VERIFIED,
        expected_version=2,
    )
    client.force_login(world["officer"])
    answer = client.post(
        reverse("remediation:repair_act", args=[app.pk]),
        {"version": 2, "action": "refuse", "reasons": "不符合条件"},
    )
    assert answer.status_code == 409
    assert "Someone else acted on this application first" in answer.content.decode()
    app.refresh_from_db()
    assert app.status == RepairApplication.Status.APPROVED and app.reasons == ""


def test_refusing_without_reasons_is_a_form_error(client, world):
    app = _accepted(world)
    client.force_login(world["officer"])
    answer = client.post(
        reverse("remediation:repair_act", args=[app.pk]), {"version": 2, "action": "refuse"}
    )
    assert answer.status_code == 400
    assert "Say why the repair is refused" in answer.content.decode()


def test_staff_read_only_cannot_act_and_staff_without_the_codename_get_403(client, world):
    app = _submitted(world)
    reader = staff(
        "enterprises.view_enterprise", "remediation.view_repairapplication", username="reader"
    )
    client.force_login(reader)
    assert client.get(reverse("remediation:repair_detail", args=[app.pk])).status_code == 200
    answer = client.post(
        reverse("remediation:repair_act", args=[app.pk]), {"version": 1, "action": "accept"}
    )
    assert answer.status_code == 403
    assert client.get(reverse("remediation:repair_outbox")).status_code == 403
    nobody = staff("enterprises.view_enterprise", username="registrar")
    client.force_login(nobody)
    assert client.get(reverse("remediation:repair_list")).status_code == 403
    assert client.get(reverse("remediation:repair_detail", args=[app.pk])).status_code == 403


def test_a_partner_department_sees_only_the_repairs_of_its_own_decisions(client, world):
    """Who decided, repairs: a bureau penalty of an entity the partner department supervises
    is the bureau's case, not the partner's; the partner sees a repair of its own decision."""
    eco = Department.objects.create(code="eco", name="区生态环境局")
    partner = officer("partner", department=eco)
    theirs = eligible_penalty(EnterpriseFactory(department=eco), number="双市监处罚〔2025〕8号")
    bureau_case = repair_apply(
        actor=member(theirs.enterprise, "eco-firm"),
        enterprise=theirs.enterprise,
        **apply_data(theirs),
    )
    client.force_login(partner)
    assert (
        client.get(reverse("remediation:repair_detail", args=[bureau_case.pk])).status_code == 404
    )
    listed = client.get(reverse("remediation:repair_list")).content.decode()
    assert f"#{bureau_case.pk}<" not in listed
    # A repair of the partner's own decision (made directly: the portal refuses to take one,
    # since another department's penalties are repaired on Credit China).
    own_record = penalty_record(
        theirs.enterprise, published_on=theirs.publicity_start, number="环罚〔2025〕3号"
    )
    own = RepairApplication.objects.create(
        kind="penalty_publicity",
        enterprise=theirs.enterprise,
        record=own_record,
        penalty=penalty_decision(own_record, department=eco),
        applicant_name="张三",
        applicant_phone="13800000000",
        statement="x",
        pledge_accepted=True,
        submitted_by=world["firm"],
        acceptance_due=today(),
    )
    assert client.get(reverse("remediation:repair_detail", args=[own.pk])).status_code == 200
    assert f"#{own.pk}<" in client.get(reverse("remediation:repair_list")).content.decode()


def test_staff_download_a_file_and_it_is_audited(client, world):
    app = _submitted(world)
    attachment = app.attachments.get()
    client.force_login(world["officer"])
    answer = client.get(reverse("remediation:repair_file", args=[app.pk, attachment.pk]))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(
        event_type="remediation.repair_attachment_opened", actor=world["officer"]
    ).exists()


def test_the_staff_notice_of_a_penalty_decision_is_a_pdf(client, world):
    decision = penalty_decision(world["record"])
    client.force_login(world["officer"])
    answer = client.get(reverse("remediation:repair_notice", args=[decision.pk]))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF-")
    client.force_login(world["stranger"])
    assert client.get(reverse("remediation:repair_notice", args=[decision.pk])).status_code == 404


def test_the_notice_states_the_earliest_date_conditions_materials_and_limits(world):
    from remediation.services.repairs import repair_notice_content

    record = world["record"]
    content = repair_notice_content(record=record)
    assert content.repairable
    earliest = content.earliest_on
    assert earliest is not None
    text = "".join(content.paragraphs)
    assert f"{earliest.year}年{earliest.month}月{earliest.day}日" in text
    assert len(content.conditions) == 4 and any("守信承诺书" in m for m in content.materials)
    assert "2个工作日" in content.limits[1] and "15个工作日" in content.limits[1]
    banned = penalty_record(record.enterprise, published_on=record.publicity_start, number="B1")
    penalty_decision(banned, measures=("fine", "business_licence_revocation"))
    never = repair_notice_content(record=banned)
    assert not never.repairable and "不得提前停止公示" in "".join(never.paragraphs)


def test_the_outbox_exports_a_file_marks_rows_and_a_second_export_is_empty(client, world):
    _approved(world)
    client.force_login(world["officer"])
    page = client.get(reverse("remediation:repair_outbox"))
    assert page.status_code == 200
    assert 'data-testid="pending-gsxt">1<' in page.content.decode()
    answer = client.post(
        reverse("remediation:repair_outbox"), {"op": "export", "network": "gsxt", "format": "xlsx"}
    )
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    batch = RepairSync.objects.get(network="gsxt").export_batch
    assert batch and RepairSync.objects.get(network="gsxt").status == "exported"
    again = client.post(
        reverse("remediation:repair_outbox"), {"op": "export", "network": "gsxt", "format": "csv"}
    )
    assert again.status_code == 302
    csv_answer = client.post(
        reverse("remediation:repair_outbox"),
        {"op": "export", "network": "credit_china", "format": "csv"},
    )
    assert csv_answer["Content-Type"].startswith("text/csv")
    assert world["record"].enterprise.uscc in csv_answer.content.decode("utf-8-sig")
    confirm = client.post(reverse("remediation:repair_outbox"), {"op": "confirm", "batch": batch})
    assert confirm.status_code == 302
    assert RepairSync.objects.get(network="gsxt").status == "confirmed"


# --------------------------------------------------------------------------- API


def test_api_enterprise_applies_with_multipart_and_staff_decide(api_client_for, world):
    record = world["record"]
    firm = api_client_for(world["firm"])
    created = firm.post(
        reverse("remediation-api:repair-application-list"),
        {
            "kind": "penalty_publicity",
            "record": record.pk,
            "applicant_name": "张三",
            "applicant_phone": "13800000000",
            "statement": "罚款已缴清",
            "pledge_accepted": "true",
            "evidence": [pdf()],
        },
        format="multipart",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (
        body["status"] == "submitted"
        and body["attachments"][0]["content_type"] == "application/pdf"
    )
    assert body["next_due"]["step"]
    pk = body["id"]
    staff_api = api_client_for(world["officer"])
    accepted = staff_api.post(
        reverse("remediation-api:repair-application-accept", args=[pk]),
        {"version": 1},
        format="json",
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    stale = staff_api.post(
        reverse("remediation-api:repair-application-decide", args=[pk]),
        {"version": 1, "approve": True},
        format="json",
    )
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    decided = staff_api.post(
        reverse("remediation-api:repair-application-decide", args=[pk]),
        {"version": 2, "approve": True, "verified": dict.fromkeys(VERIFIED, True)},
        format="json",
    )
    assert decided.status_code == 200
    assert decided.json()["repair_record"] is not None
    assert {s["status"] for s in decided.json()["syncs"]} == {"pending"}
    listed = firm.get(reverse("remediation-api:repair-application-list")).json()
    assert [a["id"] for a in listed["results"]] == [pk]


def test_api_refuses_ineligible_and_bad_files_with_reasons(api_client_for, world):
    firm = api_client_for(world["firm"])
    young = penalty_record(
        world["record"].enterprise, published_on=today() - dt.timedelta(days=9), number="Y1"
    )
    answer = firm.post(
        reverse("remediation-api:repair-application-list"),
        {
            "kind": "penalty_publicity",
            "record": young.pk,
            "applicant_name": "张三",
            "applicant_phone": "13800000000",
            "statement": "x",
            "pledge_accepted": "true",
            "evidence": [fake_pdf()],
        },
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert "possible from" in " ".join(errors["record"])
    assert "not a PDF or an image" in " ".join(errors["files"])


def test_api_permissions(api_client_for, world):
    app = _submitted(world)
    url = reverse("remediation-api:repair-application-detail", args=[app.pk])
    assert api_client_for(None).get(url).status_code == 403
    assert api_client_for(world["stranger"]).get(url).status_code == 404
    assert api_client_for(world["firm"]).get(url).status_code == 200
    assert api_client_for(world["officer"]).get(url).status_code == 200
    eco = Department.objects.create(code="eco", name="区生态环境局")
    partner = officer("partner", department=eco)
    assert api_client_for(partner).get(url).status_code == 404
    listed = api_client_for(partner).get(reverse("remediation-api:repair-application-list"))
    assert listed.status_code == 200 and listed.json()["count"] == 0
    accept = reverse("remediation-api:repair-application-accept", args=[app.pk])
    assert api_client_for(world["firm"]).post(accept, {"version": 1}).status_code == 403
    assert api_client_for(world["stranger"]).post(accept, {"version": 1}).status_code == 404
    staff_create = api_client_for(world["officer"]).post(
        reverse("remediation-api:repair-application-list"), {}, format="multipart"
    )
    assert staff_create.status_code == 403
    registrar = staff("enterprises.view_enterprise", username="registrar")
    assert api_client_for(registrar).get(url).status_code == 403
    eligibility = api_client_for(world["firm"]).get(
        reverse("remediation-api:repair-application-eligibility"), {"record": world["record"].pk}
    )
    assert eligibility.status_code == 200 and eligibility.json()["eligible"] is True
    assert (
        api_client_for(world["stranger"])
        .get(
            reverse("remediation-api:repair-application-eligibility"),
            {"record": world["record"].pk},
        )
        .status_code
        == 404
    )
    file_url = reverse(
        "remediation-api:repair-application-file", args=[app.pk, app.attachments.get().pk]
    )
    assert api_client_for(world["stranger"]).get(file_url).status_code == 404
    assert api_client_for(world["firm"]).get(file_url).status_code == 200


def test_every_upload_download_is_sandboxed_the_api_as_the_pages(client, api_client_for, world):
    """The API's download answers with the pages' response: an attachment, nosniff and the
    sandbox policy, so an upload never runs as a page of the portal's origin."""
    app = _submitted(world)
    attachment = app.attachments.get()
    client.force_login(world["officer"])
    answers = [
        client.get(reverse("remediation:repair_file", args=[app.pk, attachment.pk])),
        api_client_for(world["officer"]).get(
            reverse("remediation-api:repair-application-file", args=[app.pk, attachment.pk])
        ),
        api_client_for(world["firm"]).get(
            reverse("remediation-api:repair-application-file", args=[app.pk, attachment.pk])
        ),
    ]
    for answer in answers:
        assert answer.status_code == 200
        assert answer["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert answer["Content-Disposition"].startswith("attachment")
        assert answer["Content-Type"] == "application/pdf"


# --------------------------------------------------------------------------- admin


def test_admin_lists_applications_read_only_and_confirms_syncs_through_the_service(client, world):
    app = _approved(world)
    from remediation.services.repairs import repair_sync_export

    repair_sync_export(actor=world["officer"], network="gsxt")
    admin = User.objects.create_superuser("root", password="Secret-pass-123")
    client.force_login(admin)
    change = client.get(reverse("admin:remediation_repairapplication_change", args=[app.pk]))
    assert change.status_code == 200
    html = change.content.decode()
    assert (
        "证明.pdf" in html
        and reverse("remediation:repair_file", args=[app.pk, app.attachments.get().pk]) in html
    )
    assert client.get(reverse("admin:remediation_repairapplication_add")).status_code == 403
    assert client.get(reverse("admin:remediation_repairsync_changelist")).status_code == 200
    rows = list(RepairSync.objects.order_by("network").values_list("pk", flat=True))
    answer = client.post(
        reverse("admin:remediation_repairsync_changelist"),
        {"action": "mark_confirmed", "_selected_action": rows},
    )
    assert answer.status_code == 302
    # Two rows were never exported: the service refuses, and nothing is confirmed.
    assert not RepairSync.objects.filter(status="confirmed").exists()
    gsxt = RepairSync.objects.get(network="gsxt")
    client.post(
        reverse("admin:remediation_repairsync_changelist"),
        {"action": "mark_confirmed", "_selected_action": [gsxt.pk]},
    )
    gsxt.refresh_from_db()
    assert gsxt.status == "confirmed"
    assert AuditEvent.objects.filter(event_type="remediation.repair_sync_confirmed").exists()
