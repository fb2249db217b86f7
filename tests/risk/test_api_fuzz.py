"""The classification API held to its schema by generated requests (issue 16 §9; the approach of
tests/credit_portal/test_api_schema_fuzz.py, whose staff hold the register's permissions only,
so that most of these operations answer them 403): here a supervisor holding every risk
codename, and an enterprise user on the reads, call each operation of the risk API with
generated and boundary data. Every answer must be documented (status, content type, body), and
none a server error.

Data: a classified company with an override, a task and its assessments, a company of another
department, a published and a draft version; many generated credit codes, ids and model codes
in addresses are theirs, so that the operations' answers are exercised, not only their 404s.
Requests run in process, inside the test's transaction (rolled back), as the register's fuzz
test does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from credit_portal import services
from credit_portal.models import User
from risk.services.models import version_draft_create
from risk.services.overrides import override_set
from tests.enterprises.factories import enterprise_user, make_uscc
from tests.risk.factories import applied_run, classify_by_hand, general_version
from tests.risk.test_api_access import company, eco, supervisor, task_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

EXAMPLES = 12  # generated cases per operation and caller (besides the boundary cases)
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
CODES = [make_uscc(seed) for seed in (8101, 8102)]  # the bureau's company, the partner's
IDS = [1, 2, 3]  # small ids: often those of the fixture's rows
RISK_PATHS = (
    r"^/api/v1/(enterprises/\{uscc\}/(assessments|risk|class-override)/"
    r"|classification-runs/|risk-models?|risk-model-versions/|class-overrides/"
    r"|class-change-tasks/|me/credit-risk/)"
)

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """Addresses often name the fixture's rows (the first branch of one_of is favoured)."""
    if not path_parameters:
        return st.just(path_parameters)
    known: dict[str, Any] = {
        "uscc": st.sampled_from(CODES),
        "id": st.sampled_from(IDS),
        "code": st.just("general"),
    }
    fixed = st.fixed_dictionaries(
        {name: known.get(name, st.just(value)) for name, value in path_parameters.items()}
    )
    return st.one_of(fixed, st.just(path_parameters))


@pytest.fixture
def _connection_kept_across_requests() -> Iterator[None]:
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(require_postgres: None, _connection_kept_across_requests: None) -> dict[str, str]:
    """The rows, and the token headers of the supervisor and of the company's user."""
    version = general_version()
    version_draft_create(model=version.model, by=None, copy_from=version)
    firm = company(uscc=CODES[0])
    company(uscc=CODES[1], department=eco())
    run = applied_run()
    classify_by_hand(firm, "B", version=version, run=run)
    boss = supervisor("fuzz-supervisor")
    override_set(
        enterprise=firm,
        risk_class="C",
        reason="复查",
        expires_on=timezone.localdate() + dt.timedelta(days=30),
        by=boss,
    )
    task_for(firm, run)
    return {
        "staff": _token(boss),
        "firm": _token(enterprise_user(firm, username="fuzz-firm-user")),
    }


def _token(user: User) -> str:
    return f"Token {services.api_token_issue(user=user).key}"


def _call(case: schemathesis.Case, authorization: str) -> None:
    cache.clear()  # no throttle counts up
    case.call_and_validate(headers={"Authorization": authorization}, checks=CHECKS)


@schema.include(path_regex=RISK_PATHS).parametrize()
@SETTINGS
def test_risk_api_as_a_supervisor(case: schemathesis.Case, world: dict[str, str]) -> None:
    _call(case, world["staff"])


@schema.include(path_regex=RISK_PATHS, method="GET").parametrize()
@SETTINGS
def test_risk_api_reads_as_an_enterprise_user(
    case: schemathesis.Case, world: dict[str, str]
) -> None:
    _call(case, world["firm"])
