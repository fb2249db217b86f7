"""Fixtures shared by the staff page and staff API tests."""

from __future__ import annotations

import datetime as dt

import pytest

from enterprises.models import Enterprise
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, classify, make_uscc


@pytest.fixture
def district():
    """Four entities that each filter of the register list tells apart (HTML and API)."""
    eco = DepartmentFactory(code="eco", name="区生态环境局")
    company = EnterpriseFactory(
        uscc=make_uscc(1),
        name="成都蓉城餐饮有限公司",
        name_initials="CDRCCYYXGS",
        industry_section="F",
        industry_division="52",
        registered_on=dt.date(2020, 5, 1),
    )
    shop = EnterpriseFactory(
        uscc=make_uscc(2, entity_digit="2"),
        name="双流区张记面馆",
        name_initials="SLQZJMG",
        entity_type=Enterprise.EntityType.INDIVIDUAL_BUSINESS,
        industry_section="H",
        industry_division="62",
        status=Enterprise.Status.SUSPENDED,
        suspended_from=dt.date(2024, 1, 1),
        suspended_until=dt.date(2026, 1, 1),
        department=eco,
        registered_on=dt.date(2023, 3, 1),
        is_abnormal=True,
    )
    closed = EnterpriseFactory(
        uscc=make_uscc(3),
        name="四川华西机械制造有限公司",
        name_initials="SCHXJXZZYXGS",
        former_names=["成都华西机械厂"],
        industry_section="C",
        industry_division="34",
        status=Enterprise.Status.DEREGISTERED,
        registered_on=dt.date(2010, 1, 1),
        on_serious_list=True,
    )
    classify(company, "A", 12)
    classify(shop, "C", 61)
    classify(closed, "D", 88)
    return {"company": company, "shop": shop, "closed": closed}
