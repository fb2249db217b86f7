"""Changes of registration are public, as the national publicity system shows them (变更信息:
item, before, after, date; 企业信息公示暂行条例 art. 6; docs/domain.md §5), except what the law
keeps private (identity numbers). Records written before issue 13 say "not public": the ledger
is append-only, so they are published by their kind, no row rewritten."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from enterprises.models import CreditRecord
from enterprises.services.ledger import credit_record_append
from enterprises.services.register import enterprise_create, enterprise_update
from tests.enterprises.factories import (
    EnterpriseFactory,
    Kind,
    public_profile_queries,
    register_data,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()


def _old_change(enterprise, changes, *, on, **details):
    """A change of registration as the register wrote it before issue 13: not public."""
    return credit_record_append(
        enterprise=enterprise,
        kind=Kind.REGISTRATION_CHANGE,
        occurred_on=on,
        summary="变更登记：" + "、".join(changes),
        actor=None,
        is_public=False,
        details={"changes": changes, **details},
    )


def _profile(client, enterprise, lang="zh-hans"):
    return client.get(
        reverse("public:profile", kwargs={"uscc": enterprise.uscc}), HTTP_ACCEPT_LANGUAGE=lang
    ).content.decode()


def test_the_profile_shows_changes_of_registration_old_and_new_without_identity_numbers(
    client, user_with_perms
):
    with translation.override("zh-hans"):
        firm = enterprise_create(actor=None, data=register_data(41))
    old_day = timezone.localdate() - dt.timedelta(days=400)
    _old_change(
        firm,
        {
            "address": ["棠湖路1号", "棠湖路2号"],
            "legal_rep_id_masked": ["1101**********002X", "5101**********1234"],
        },
        on=old_day,
    )
    enterprise_update(
        actor=user_with_perms(),
        enterprise=firm,
        data={"name": "成都蓉城新餐饮有限公司", "registered_capital": "250"},
    )

    html = _profile(client, firm)

    assert '<a href="#changes">变更信息' in html
    assert "变更事项" in html and "变更前内容" in html and "变更后内容" in html
    for words in ("名称", "成都蓉城餐饮有限公司", "成都蓉城新餐饮有限公司", "100", "250"):
        assert words in html
    # The record written "not public" before issue 13 is published by its kind.
    assert "棠湖路1号" in html and "棠湖路2号" in html and old_day.isoformat() in html
    # Never an identity number, not even masked.
    assert "1101**" not in html and "5101**" not in html
    english = _profile(client, firm, "en")
    assert "Change information" in english and "Item changed" in english
    assert "变更信息" not in english


def test_a_change_that_a_correction_closed_is_not_shown(client):
    firm = EnterpriseFactory()
    change = _old_change(
        firm, {"address": ["错误地址1号", "更正后地址2号"]}, on=dt.date(2024, 3, 1)
    )
    credit_record_append(
        enterprise=firm,
        kind=Kind.CORRECTION,
        occurred_on=dt.date(2024, 3, 2),
        summary="更正：录入错误",
        actor=None,
        closes=change,
    )
    html = _profile(client, firm)
    assert "错误地址1号" not in html
    assert "暂无变更信息。" in html


def test_the_public_api_lists_the_changed_items(api_client_for):
    firm = EnterpriseFactory(individual_business=True)
    _old_change(
        firm,
        {
            "legal_rep_name": ["李四", "王五"],
            "entity_type": ["company", "individual_business"],
            "legal_rep_id_masked": ["1101**********002X", "5101**********1234"],
        },
        on=dt.date(2024, 5, 6),
    )
    url = reverse("enterprises-api:public-enterprise-detail", kwargs={"uscc": firm.uscc})
    body = api_client_for(None).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert body["registration_changes"] == [  # in the order of the business licence
        {
            "item": "entity_type",
            "item_display": "主体类型",
            "before": "公司",
            "after": "个体工商户",
            "changed_on": "2024-05-06",
        },
        {
            "item": "legal_rep_name",
            "item_display": "经营者",  # the operator of an individual business
            "before": "李四",
            "after": "王五",
            "changed_on": "2024-05-06",
        },
    ]
    english = api_client_for(None).get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert [c["item_display"] for c in english["registration_changes"]] == [
        "Entity type",
        "Operator",
    ]


def test_new_changes_are_written_public_and_the_enterprise_sees_old_ones_as_public(
    client, user_with_perms
):
    from tests.enterprises.test_accounts_me import member_of

    firm = EnterpriseFactory()
    old = _old_change(firm, {"address": ["旧地址", "新地址"]}, on=dt.date(2023, 1, 2))
    enterprise_update(actor=user_with_perms(), enterprise=firm, data={"name": "新名称有限公司"})
    new = CreditRecord.objects.filter(kind=Kind.REGISTRATION_CHANGE).latest("id")
    assert (new.is_public, new.publicity_start) == (True, timezone.localdate())
    assert old.is_public is False  # the row as written: never rewritten
    client.force_login(member_of(firm))
    client.cookies["cp_language"] = "zh-hans"
    records = client.get(reverse("me:records"))
    public = [v.record.pk for v in records.context["public"]]
    private = [v.record.pk for v in records.context["private"]]
    assert old.pk in public and new.pk in public and old.pk not in private


@pytest.mark.parametrize("changes", [1, 20])
def test_the_profile_with_changes_stays_within_its_queries(
    client, django_assert_num_queries, changes
):
    firm = EnterpriseFactory()
    for i in range(changes):
        _old_change(firm, {"address": [f"地址{i}号", f"地址{i + 1}号"]}, on=dt.date(2024, 1, 1 + i))
    with django_assert_num_queries(public_profile_queries()):
        html = _profile(client, firm)
    assert html.count('data-label="变更事项"') == changes
