"""The soft-enforcement documents as PDFs (issue 14 item 4): each instrument with its number,
addressee and credit code, reason, legal basis, facts, required actions, the deadline in
Chinese (marked 暂定 when provisional), contact, issuer and date; and the proof of service.
Read back with pypdf, as a recipient's viewer would."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from credit_portal.documents import render_pdf
from remediation.selectors.soft_actions import proof_of_service_document, soft_action_document
from remediation.services.soft_actions import (
    electronic_service_consent_give,
    soft_action_opened_online,
)
from tests.remediation.factories_soft_actions import (
    FRIDAY,
    approved,
    draft,
    enterprise,
    member,
    officer,
    on_day,
    served,
    supervisor,
)

pytestmark = pytest.mark.django_db


def _text(document) -> str:
    pdf = render_pdf(document)
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    # Line breaks and the justification's spacing are not part of what is checked.
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "").replace(" ", "")


@pytest.fixture
def people():
    return {
        "officer": officer(),
        "chief": supervisor(),
        "firm": enterprise(name="成都蓉城餐饮有限公司"),
    }


@pytest.mark.parametrize(
    ("instrument", "title", "mark", "deadline"),
    [
        ("prompt", "行政提示书", "提", "2025年10月16日"),  # 10 WD after the Friday
        ("suggestion", "行政建议书", "建", "2025年10月23日"),  # 15 WD
        ("admonition", "警示告诫书", "警", "2025年10月16日"),
        # The notice states the day to attend by: 10 WD after its service.
        ("interview", "约谈通知书", "约", "2025年10月16日前，具体时间请与联系人商定"),
    ],
)
def test_each_instrument_is_an_official_document(people, instrument, title, mark, deadline):
    with on_day(FRIDAY):
        action = served(people["officer"], people["chief"], people["firm"], instrument=instrument)
    text = _text(soft_action_document(action))
    for expected in (
        title,
        f"双市监{mark}〔2025〕1号",
        "成都蓉城餐饮有限公司",
        people["firm"].uscc,
        "经营场所未公示营业执照",  # reason
        "《中华人民共和国食品安全法》第三十五条",  # legal basis
        "2025年9月20日检查发现",  # facts
        "补办许可证并公示营业执照",  # required actions
        "王科长",
        "028-85831234",
        "双流区市场监督管理局",  # the issuer (setting BUREAU_NAME)
        "2025年9月26日",  # issued
    ):
        assert expected in text, expected
    label = "约谈时间" if instrument == "interview" else "期限"
    assert f"{label}：{deadline}" in text  # counted on the calendar (the holiday skipped)
    assert "暂定" not in text


def test_the_admonition_says_it_is_not_the_penalty_of_warning(people):
    text = _text(soft_action_document(approved(people["officer"], people["chief"], people["firm"])))
    assert "不是《中华人民共和国行政处罚法》规定的警告处罚" in text


def test_a_provisional_deadline_is_marked_and_a_period_is_stated_before_service(people):
    with on_day(dt.date(2026, 12, 28)):
        action = approved(people["officer"], people["chief"], people["firm"])
        assert "自本文书送达之日起10个工作日内" in _text(soft_action_document(action))
        action = served(people["officer"], people["chief"], people["firm"])
    text = _text(soft_action_document(action))
    assert f"{action.deadline.year}年" in text and "（暂定）" in text


def test_a_draft_says_it_must_not_be_served(people):
    text = _text(soft_action_document(draft(people["officer"], people["firm"])))
    assert "（草稿）" in text and "不得送达" in text


def test_the_proof_of_service(people):
    action = approved(people["officer"], people["chief"], people["firm"])
    blank = _text(proof_of_service_document(action))
    assert "送达回证" in blank and action.number in blank and "受送达人签收" in blank
    with on_day(FRIDAY):
        action = served(people["officer"], people["chief"], people["firm"])
    text = _text(proof_of_service_document(action))
    for expected in ("送达回证", action.number, "成都蓉城餐饮有限公司", "张三", "2025年9月26日"):
        assert expected in text, expected
    assert people["firm"].address.replace(" ", "") in text


def test_the_proof_of_service_of_a_document_the_enterprise_opened_under_consent(people, settings):
    """Served electronically by the enterprise's own opening (APL art. 61): the department
    serves it, the system records it, in the self-service area; the user who opened it signs,
    at the time it was opened. Not the user as server, nor the company's street address."""
    settings.CREDIT_PORTAL = {**settings.CREDIT_PORTAL, "BUREAU_NAME": "成都市某区市场监督管理局"}
    user = member(people["firm"], "opener")
    user.display_name = "李小红"
    user.save()
    with on_day(FRIDAY):
        electronic_service_consent_give(user=user)
        action = approved(people["officer"], people["chief"], people["firm"])
        action = soft_action_opened_online(user=user, action=action)
    assert action.receipt_signed_by == "李小红" and action.served_recorded_by is None
    text = _text(proof_of_service_document(action))
    at = timezone.localtime(action.opened_at)
    for expected in (
        "送达人：成都市某区市场监督管理局（电子送达，系统记录）",
        "送达地点：企业自助服务区（电子送达）",
        "成都蓉城餐饮有限公司",
        f"受送达人签收：李小红（2025年9月26日{at:%H:%M}在线打开）",
        "2025年9月26日",
    ):
        assert expected in text, expected
    assert people["firm"].address.replace(" ", "") not in text
    assert "送达人：李小红" not in text
