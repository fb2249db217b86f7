"""factory_boy factories for the register. Credit codes are generated valid (check characters
computed), so any factory-built enterprise passes the service validation."""

from __future__ import annotations

import datetime as dt
import random

import factory
from django.db import connection

from credit_portal.models import Department, User
from enterprises.models import Enterprise, EnterpriseMembership
from enterprises.services.register import name_initials
from enterprises.uscc import CHARSET, orgcode_check_char, uscc_check_char

_ORG_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(seed: int, *, entity_digit: str = "1", division: str = "510116") -> str:
    """A valid 18-character code, deterministic for `seed`."""
    rnd = random.Random(seed)
    body = "MA" + "".join(rnd.choice(_ORG_BODY) for _ in range(6))
    org = body + orgcode_check_char(body)
    if any(c not in CHARSET for c in org):  # 'X'/'0' check chars are in CHARSET; safety net
        return make_uscc(seed + 7919, entity_digit=entity_digit, division=division)
    first17 = "9" + entity_digit + division + org
    return first17 + uscc_check_char(first17)


def make_regno(seed: int) -> str:
    from enterprises.uscc import regno15_check_digit

    first14 = "510116" + f"{seed:08d}"[-8:]
    return first14 + regno15_check_digit(first14)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = "amr"
    name = "区市场监督管理局"
    is_bureau = factory.LazyAttribute(lambda o: o.code == "amr")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    """Builds rows directly (fast); use `services.register.enterprise_create` in tests that are
    about creation itself."""

    class Meta:
        model = Enterprise

    uscc = factory.Sequence(lambda n: make_uscc(n))
    name = factory.Sequence(lambda n: f"成都市双流区测试企业{n}有限公司")
    name_initials = factory.LazyAttribute(lambda o: name_initials(o.name))
    entity_type = Enterprise.EntityType.COMPANY
    industry_section = "F"
    industry_division = "52"
    registered_on = dt.date(2020, 5, 1)
    registration_authority = "成都市双流区市场监督管理局"
    address = "四川省成都市双流区东升街道棠湖路1号"
    division = "东升街道"
    legal_rep_name = "张三"
    legal_rep_id_masked = "5101**********1234"
    registered_capital = 100
    business_scope = "日用百货销售"
    department = factory.SubFactory(DepartmentFactory)

    class Params:
        individual_business = factory.Trait(
            entity_type=Enterprise.EntityType.INDIVIDUAL_BUSINESS,
            uscc=factory.Sequence(lambda n: make_uscc(n, entity_digit="2")),
            name=factory.Sequence(lambda n: f"双流区测试个体店{n}"),
        )
        deregistered = factory.Trait(status=Enterprise.Status.DEREGISTERED)


def register_data(seed: int = 1, **over: object) -> dict[str, object]:
    """Valid input for the register services, forms and API (a company, catering, Dongsheng
    street), with a valid credit code from `seed`; `over` replaces or adds fields."""
    data: dict[str, object] = {
        "uscc": make_uscc(seed),
        "name": "成都蓉城餐饮有限公司",
        "entity_type": "company",
        "industry_division": "62",
        "registered_on": "2020-01-05",
        "registration_authority": "成都市双流区市场监督管理局",
        "address": "棠湖路1号",
        "division": "东升街道",
        "legal_rep_name": "张三",
        "legal_rep_id": "11010519491231002X",
        "registered_capital": "100",
        "department": "amr",
    }
    data.update(over)
    return data


def public_profile_queries() -> int:
    """Queries of one public profile: the entity with its public records aggregated to JSON on
    PostgreSQL, the entity then its records elsewhere (enterprises.public.public_profile)."""
    return 1 if connection.vendor == "postgresql" else 2


def enterprise_user(enterprise: Enterprise, username: str = "firm") -> User:
    """A user acting for `enterprise` (its membership), fetched afresh."""
    user = User.objects.create_user(username=username, password="Secret-pass-123")
    EnterpriseMembership.objects.create(user=user, enterprise=enterprise)
    return User.objects.get(pk=user.pk)


class Kind:
    """Ledger kind codes for tests, from the apps that declare them."""

    from annual_reports.kinds import ANNUAL_REPORT_FILED, ANNUAL_REPORT_LATE
    from enterprises.kinds import CORRECTION, REGISTRATION, REGISTRATION_CHANGE, STATUS_CHANGE
    from inspections.kinds import INSPECTION_RESULT
    from remediation.kinds import (
        ABNORMAL_LISTING,
        ABNORMAL_REMOVAL,
        LETTER_REPLY,
        PENALTY,
        REPAIR,
        SELF_CORRECTION,
        SERIOUS_LISTING,
        SERIOUS_REMOVAL,
        SOFT_ENFORCEMENT,
    )


def classify(
    enterprise: Enterprise,
    risk_class: str,
    score: object = "10.0",
    *,
    override_class: str = "",
    as_of: dt.date | None = None,
) -> object:
    """Give `enterprise` a current class (`risk.CurrentClass`, as a run writes it) without the
    engine: `score` in points; `override_class`: a supervisor's open override sets the class in
    effect to it (the computed one stays `risk_class`). Returns the row."""
    from decimal import Decimal

    from django.utils import timezone

    from risk.models import ClassOverride, CurrentClass, ModelVersion
    from tests.risk.factories import general_version

    version = (
        ModelVersion.objects.filter(model__code="general", status="published").first()
        or general_version()
    )
    day = as_of or timezone.localdate()
    override = None
    if override_class:
        supervisor = User.objects.filter(username="supervisor").first() or User.objects.create_user(
            username="supervisor", password="Secret-pass-123"
        )
        override = ClassOverride.objects.create(
            enterprise=enterprise,
            risk_class=override_class,
            reason="Inspection found serious hazards",
            starts_on=day,
            expires_on=day + dt.timedelta(days=90),
            created_by=supervisor,
        )
    current, _ = CurrentClass.objects.update_or_create(
        enterprise=enterprise,
        defaults={
            "risk_class": override_class or risk_class,
            "computed_class": risk_class,
            "score": Decimal(str(score)),
            "version": version,
            "as_of": day,
            "assessed_at": timezone.now(),
            "override": override,
        },
    )
    return current
