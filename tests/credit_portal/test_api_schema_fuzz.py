"""Schema-driven test of the API (issue 12, point 8): schemathesis generates requests from the
OpenAPI schema at /api/schema/ and checks that every answer is one the schema documents.

- Checks: not_a_server_error, status_code_conformance, content_type_conformance and
  response_schema_conformance, on every operation, positive and negative data (negative: what
  the schema says is invalid, such as a missing field or a too long q, must get a documented
  answer too, never a 500).
- Deterministic: Hypothesis derandomized (the seed comes from the test), no example database.
  `EXAMPLES` generated cases per operation and caller, besides the boundary cases of
  schemathesis' coverage phase.
- Callers: a bureau staff user holding every register permission, on every operation; an
  enterprise user bound to one enterprise, on the reads (their own enterprise, and 404 for
  any other); an anonymous caller on the operations open to anyone (the public lookup and
  the token endpoint). Users send a token, as other systems do. (Writes by enterprise users
  and anonymous calls to the register are refused before the input is read: a 403 that
  test_api_schema.py finds documented, and tests/enterprises/test_api_staff.py asserts.)
- Data: `REGISTER`, a few enterprises of each kind with ledger records. Many generated
  credit codes in URLs are codes of the register, so that reads, changes and records of
  existing rows are exercised, not only 404s; many registration and change bodies are valid,
  so that creation and change (201, 200, 409) are exercised, not only their 400s.
- Isolation: requests run in process through Django's WSGI handler, on the test's own
  connection, inside its transaction (pytest-django's `db`): everything a request writes is
  rolled back with the test. Django closes "old" connections at the start and end of each
  request; the test stops that, as Django's test client does.
- Throttling: the cache is cleared before each request, so no rate limit is reached (the 429
  answers are documented and checked by `test_api_schema.py`). Failed logins still lock a
  username out (django-axes keeps them in the database): a documented 429.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from credit_portal import services
from credit_portal.models import User
from enterprises.models import CreditRecord, Enterprise
from enterprises.permissions import EnterprisePerm as P
from tests.enterprises.factories import (
    DepartmentFactory,
    EnterpriseFactory,
    classify,
    enterprise_user,
    make_uscc,
    register_data,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

EXAMPLES = 25  # generated cases per operation and caller
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    print_blob=False,
)
# The credit codes of the fixture register (deterministic, so known before the database is).
REGISTER = [make_uscc(seed) for seed in range(7001, 7006)]
NEW_CODES = [make_uscc(seed) for seed in range(7101, 7104)]  # valid codes not yet registered
STAFF_PERMS = (
    P.VIEW,
    P.ADD,
    P.CHANGE,
    P.OVERRIDE_USCC_CHECK,
    P.VIEW_RISK,
    P.VIEW_RECORDS,
)


@pytest.fixture
def register(department: Any) -> list[Enterprise]:
    """Five enterprises: a company with risk data and ledger records, an individual business
    in the abnormal directory, a suspended one, a deregistered one and one of a partner
    department."""
    eco = DepartmentFactory(code="eco", name="区生态环境局")
    company, shop, suspended, closed, partner = (
        EnterpriseFactory(uscc=code, department=department) for code in REGISTER
    )
    classify(company, "B", 42)
    Enterprise.objects.filter(pk=shop.pk).update(
        entity_type=Enterprise.EntityType.INDIVIDUAL_BUSINESS, is_abnormal=True
    )
    Enterprise.objects.filter(pk=suspended.pk).update(
        status=Enterprise.Status.SUSPENDED,
        suspended_from=dt.date(2024, 1, 1),
        suspended_until=dt.date(2026, 12, 31),
    )
    Enterprise.objects.filter(pk=closed.pk).update(
        status=Enterprise.Status.DEREGISTERED,
        status_changed_on=dt.date(2023, 6, 1),
        on_serious_list=True,
        former_names=["成都旧名称有限公司"],
    )
    Enterprise.objects.filter(pk=partner.pk).update(department=eco, registered_capital=None)
    CreditRecord.objects.create(
        enterprise=company,
        kind="registration",
        occurred_on=dt.date(2020, 5, 1),
        summary="设立登记",
        details={"status": "operating"},
        is_public=True,
        publicity_start=dt.date(2020, 5, 1),
    )
    listing = CreditRecord.objects.create(
        enterprise=company,
        kind="abnormal_listing",
        occurred_on=dt.date(2024, 3, 1),
        summary="列入经营异常名录",
        details={"note": "内部：电话核实"},
        recorded_by=User.objects.create_user(username="officer"),
    )
    CreditRecord.objects.create(
        enterprise=company,
        kind="abnormal_removal",
        occurred_on=dt.date(2024, 9, 1),
        summary="移出经营异常名录",
        closes=listing,
    )
    return [company, shop, suspended, closed, partner]


@pytest.fixture
def _connection_kept_across_requests() -> Iterator[None]:
    """Requests go through the WSGI handler, which closes the connection at their start and
    end; inside the test's transaction that would lose it. Django's test client does this."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded when the module is collected (the schema view needs no database), so that each
# operation is a test item of its own.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """Codes in URLs are often codes of the fixture register (the first branch of one_of is the
    one Hypothesis favours), otherwise generated."""
    if not path_parameters or "uscc" not in path_parameters:
        return st.just(path_parameters)
    known = st.sampled_from(REGISTER).map(lambda code: {**path_parameters, "uscc": code})
    return st.one_of(known, st.just(path_parameters))


# Bodies the register's rules accept, which random data almost never is (a valid credit code,
# a current version): the generated bodies of a registration or a change are often one of these.
_VALID_BODIES = {
    ("POST", "/api/v1/enterprises/"): st.sampled_from(NEW_CODES).map(
        lambda code: register_data(uscc=code)
    ),
    ("PATCH", "/api/v1/enterprises/{uscc}/"): st.builds(
        lambda version, correction: {
            "version": version,
            "address": "棠湖路9号",
            "correction": correction,
        },
        st.sampled_from([1, 2, 3]),
        st.booleans(),
    ),
}


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    """Creation and change are exercised (201, 200, a stale version's 409), not only their
    400s: a registration repeated is a 400 (code taken), a version reused a 409."""
    operation = context.operation
    valid = _VALID_BODIES.get((operation.method.upper(), operation.path))
    if valid is None:
        return st.just(body)
    return st.one_of(valid, st.just(body))


@pytest.fixture(autouse=True)
def _data(
    require_postgres: None, register: list[Enterprise], _connection_kept_across_requests: None
) -> None:
    """Every case runs on PostgreSQL, with the fixture register."""


def _token_headers(user: User | None) -> dict[str, str]:
    if user is None:
        return {}
    return {"Authorization": f"Token {services.api_token_issue(user=user).key}"}


@pytest.fixture
def staff_headers(user_with_perms: Callable[..., User]) -> dict[str, str]:
    return _token_headers(user_with_perms(*STAFF_PERMS, username="fuzz-staff"))


@pytest.fixture
def enterprise_headers(register: list[Enterprise]) -> dict[str, str]:
    return _token_headers(enterprise_user(register[0], username="fuzz-firm"))


def _call(case: schemathesis.Case, headers: dict[str, str]) -> None:
    cache.clear()  # no throttle counts up (see the module docstring)
    case.call_and_validate(headers=headers, checks=CHECKS)


@schema.parametrize()
@SETTINGS
def test_api_as_staff(case: schemathesis.Case, staff_headers: dict[str, str]) -> None:
    _call(case, staff_headers)


@schema.include(method="GET").parametrize()
@SETTINGS
def test_api_reads_as_enterprise_user(
    case: schemathesis.Case, enterprise_headers: dict[str, str]
) -> None:
    _call(case, enterprise_headers)


@schema.include(path_regex=r"^/api/v1/(public|auth)/").parametrize()
@SETTINGS
def test_public_api_anonymous(case: schemathesis.Case) -> None:
    _call(case, {})
