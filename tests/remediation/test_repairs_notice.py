"""The 信用修复告知书's wording (Order 45 art. 8; docs/domain.md §5; review finding S3): why a
penalty is not repaired early is the eligibility's own reason, said in the notice's words (not
"the term ends before a repair is possible" for every case); a ledger penalty without a
decision names its never-repairable measures in its details; the waiting time and Credit
China's review period come from `remediation.rules`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from credit_portal.dates import add_months, chinese_date
from enterprises.services.ledger import credit_record_append
from remediation import rules
from remediation.models import PenaltyDecision
from remediation.services.repairs import (
    repair_accept,
    repair_apply,
    repair_decide,
    repair_notice_content,
)
from tests.enterprises.factories import EnterpriseFactory
from tests.remediation.factories_repairs import (
    VERIFIED,
    apply_data,
    eligible_penalty,
    member,
    officer,
    penalty_decision,
    penalty_record,
    today,
)

pytestmark = pytest.mark.django_db

ENDS_FIRST = "早于可以申请提前停止公示之日"


def _text(content) -> str:
    return "".join(content.paragraphs)


def test_a_record_already_closed_says_so_with_its_date():
    record = eligible_penalty()
    application = repair_apply(
        actor=member(record.enterprise), enterprise=record.enterprise, **apply_data(record)
    )
    clerk = officer()
    application = repair_accept(actor=clerk, application=application, expected_version=1)
    repair_decide(
        actor=clerk,
        application=application,
        approve=True,
        reasons="",
        verified=VERIFIED,
        expected_version=2,
    )
    content = repair_notice_content(record=record)
    assert not content.repairable and content.earliest_on is None
    text = _text(content)
    assert f"已于{chinese_date(today())}停止公示" in text
    assert ENDS_FIRST not in text and "届满" not in text


def test_an_unpublished_penalty_is_not_published_not_a_term_that_ends_first():
    enterprise = EnterpriseFactory()
    unpublished = credit_record_append(
        enterprise=enterprise,
        kind="penalty",
        occurred_on=add_months(today(), -9),
        summary="简易程序罚款",
        actor=None,
        is_public=False,
        document_number="双市监简罚〔2026〕3号",
    )
    text = _text(repair_notice_content(record=unpublished))
    assert "不予公示" in text and ENDS_FIRST not in text
    # A decision without a ledger record (a party outside the register), recorded without a
    # publicity term (an on-the-spot decision): the same.
    decision = penalty_decision(None, enterprise=enterprise, number="双市监简罚〔2026〕4号")
    PenaltyDecision.objects.filter(pk=decision.pk).update(
        publicity_term="", procedure=PenaltyDecision.Procedure.SIMPLE
    )
    decision.refresh_from_db()
    content = repair_notice_content(decision=decision)
    assert not content.repairable and "不予公示" in _text(content)


def test_a_ledger_penalty_with_a_never_repairable_measure_in_its_details():
    record = penalty_record(
        EnterpriseFactory(),
        published_on=add_months(today(), -7),
        details={"measures": [{"kind": "fine"}, {"kind": "business_licence_revocation"}]},
    )
    content = repair_notice_content(record=record)
    text = _text(content)
    assert not content.repairable
    assert "不得提前停止公示" in text and ENDS_FIRST not in text
    # A plain list of kinds reads the same.
    listed = penalty_record(
        EnterpriseFactory(),
        published_on=add_months(today(), -7),
        details={"measures": ["stop_business"]},
        number="双市监处罚〔2025〕2号",
    )
    assert "不得提前停止公示" in _text(repair_notice_content(record=listed))


def test_a_term_that_ends_first_and_an_ended_term():
    published = add_months(today(), -2)
    short = penalty_record(
        EnterpriseFactory(),
        published_on=published,
        publicity_end=add_months(published, 3) - dt.timedelta(days=1),
    )
    text = _text(repair_notice_content(record=short))
    assert ENDS_FIRST in text and "公示满六个月后" in text
    published = add_months(today(), -40)
    ended = penalty_record(
        EnterpriseFactory(), published_on=published, number="双市监处罚〔2023〕5号"
    )
    text = _text(repair_notice_content(record=ended))
    assert f"已于{chinese_date(ended.publicity_end)}届满" in text and ENDS_FIRST not in text


def test_the_waiting_time_and_credit_chinas_period_come_from_the_rules(monkeypatch):
    import enterprises.rules

    monkeypatch.setattr(enterprises.rules, "PENALTY_REPAIR_AFTER_MONTHS", 9)
    monkeypatch.setattr(rules, "PENALTY_REPAIR_AFTER_MONTHS_SPECIAL_SECTORS", 18)
    monkeypatch.setattr(rules, "CREDIT_CHINA_REVIEW_WORKING_DAYS", 7)
    record = penalty_record(EnterpriseFactory(), published_on=add_months(today(), -10))
    assert "公示满九个月后" in _text(repair_notice_content(record=record))
    food = penalty_record(
        EnterpriseFactory(),
        published_on=add_months(today(), -10),
        details={"sector": "food"},
        number="双市监处罚〔2025〕3号",
    )
    assert "公示满十八个月后" in _text(repair_notice_content(record=food))
    elsewhere = penalty_record(
        EnterpriseFactory(),
        published_on=add_months(today(), -10),
        authority="区生态环境局",
        number="环罚〔2025〕1号",
    )
    assert "7个工作日内审核" in _text(repair_notice_content(record=elsewhere))
    with translation.override("en"):
        assert "within 7 working days" in rules.repair_elsewhere_message("区生态环境局")
    assert rules.chinese_months(6) == "六个月" and rules.chinese_months(12) == "一年"
