"""Who may call the classification API (issue 16 §9: the permissions of the pages), endpoint by
endpoint: anonymous callers, enterprise users on the staff endpoints, staff without
`enterprises.view_risk` (or without the endpoint's own codename), and a partner department's
staff on another department's enterprise (404: not even its existence). A refused write
writes nothing.

The helpers at the top are the other API tests' too (tests/risk/test_api_*.py).

Anonymous callers get a 403 with code "not_authenticated", not a 401: the API authenticates by
session first, and DRF then sends no challenge (credit_portal.api_schema; the schema test
holds every operation to it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

import pytest
from django.urls import reverse
from django.utils import timezone

from credit_portal.models import Department, User
from enterprises.models import Enterprise
from enterprises.permissions import EnterprisePerm
from risk.models import ClassChangeTask, ClassificationRun, ClassOverride, ModelVersion
from risk.permissions import RiskPerm
from risk.services.overrides import override_set
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, enterprise_user
from tests.remediation.factories_repairs import staff
from tests.risk.factories import applied_run, classify_by_hand, general_version

pytestmark = pytest.mark.django_db

# --------------------------------------------------------------------------- helpers

READ = (EnterprisePerm.VIEW, RiskPerm.VIEW_RISK, RiskPerm.VIEW_MODEL, RiskPerm.VIEW_TASK)
ALL = (*READ, RiskPerm.RUN, RiskPerm.OVERRIDE, RiskPerm.CHANGE_TASK)


def bureau() -> Department:
    return cast(Department, DepartmentFactory(code="amr", name="区市场监督管理局"))


def eco() -> Department:
    return cast(Department, DepartmentFactory(code="eco", name="区生态环境局"))


def reader(username: str = "risk-reader", department: Department | None = None) -> User:
    """Staff who read classes: the register, view_risk, the models and the tasks."""
    bureau()
    return staff(*READ, username=username, department=department)


def supervisor(username: str = "risk-supervisor", department: Department | None = None) -> User:
    """Staff who also run, override and acknowledge."""
    bureau()
    return staff(*ALL, username=username, department=department)


def company(**over: Any) -> Enterprise:
    over.setdefault("department", bureau())
    return cast(Enterprise, EnterpriseFactory(**over))


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(f"risk-api:{name}", args=args or None, kwargs=kwargs or None)


def task_for(enterprise: Enterprise, run: ClassificationRun, **over: Any) -> ClassChangeTask:
    fields: dict[str, Any] = {
        "enterprise": enterprise,
        "department": enterprise.department,
        "run": run,
        "from_class": "B",
        "to_class": "C",
        "due_on": timezone.localdate() + dt.timedelta(days=14),
        **over,
    }
    return ClassChangeTask.objects.create(**fields)


@dataclass
class World:
    version: ModelVersion
    firm: Enterprise
    run: ClassificationRun
    one_run: ClassificationRun
    override: ClassOverride
    task: ClassChangeTask


@pytest.fixture
def world() -> World:
    """A classified company of the bureau with an open override and an open task, a run over the
    register and a run of that company alone."""
    version = general_version()
    firm = company()
    run = applied_run()
    classify_by_hand(firm, "B", version=version, run=run)
    override = override_set(
        enterprise=firm,
        risk_class="C",
        reason="现场检查发现隐患",
        expires_on=timezone.localdate() + dt.timedelta(days=30),
        by=supervisor("setter"),
    )
    one_run = applied_run()
    ClassificationRun.objects.filter(pk=one_run.pk).update(enterprise=firm)
    return World(version, firm, run, one_run, override, task_for(firm, run))


def endpoints(w: World) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    """(operation, method, address, body) of every staff operation, on the world's objects."""
    uscc = w.firm.uscc
    soon = str(timezone.localdate() + dt.timedelta(days=10))
    return [
        ("assessments", "get", url("enterprise-assessments", uscc=uscc), None),
        ("risk", "get", url("enterprise-risk", uscc=uscc), None),
        ("replay", "get", url("enterprise-risk", uscc=uscc) + "?as_of=2025-01-01", None),
        ("runs", "get", url("classification-run-list"), None),
        ("run-start", "post", url("classification-run-list"), {"reason": "manual"}),
        ("run", "get", url("classification-run-detail", w.run.pk), None),
        ("models", "get", url("risk-model-list"), None),
        ("versions", "get", url("risk-model-versions", code="general"), None),
        ("version", "get", url("risk-model-version-detail", w.version.pk), None),
        (
            "override",
            "post",
            url("enterprise-class-override", uscc=uscc),
            {"risk_class": "D", "reason": "x", "expires_on": soon},
        ),
        ("override-end", "post", url("class-override-end", w.override.pk), {"reason": "x"}),
        ("tasks", "get", url("class-change-task-list"), None),
        (
            "acknowledge",
            "post",
            url("class-change-task-acknowledge", w.task.pk),
            {"note": "x"},
        ),
    ]


def call(client: Any, method: str, address: str, body: dict[str, Any] | None) -> Any:
    if method == "get":
        return client.get(address)
    return client.post(address, body, format="json")


def nothing_written(w: World) -> None:
    assert ClassificationRun.objects.count() == 2
    assert ClassOverride.objects.get().ended_on is None
    assert ClassChangeTask.objects.get().done_at is None


# --------------------------------------------------------------------------- the matrix


def test_anonymous_callers_are_refused_everywhere(api_client_for, world):
    client = api_client_for(None)
    for _op, method, address, body in [
        *endpoints(world),
        ("me", "get", url("me-credit-risk"), None),
    ]:
        response = call(client, method, address, body)
        assert response.status_code == 403, (method, address)
        assert response.json()["code"] == "not_authenticated", (method, address)
    nothing_written(world)


def test_an_enterprise_user_is_refused_the_staff_endpoints_even_on_its_own_enterprise(
    api_client_for, world
):
    client = api_client_for(enterprise_user(world.firm))
    for _op, method, address, body in endpoints(world):
        response = call(client, method, address, body)
        assert response.status_code == 403, (method, address)
        assert response.json()["code"] == "permission_denied", (method, address)
    nothing_written(world)


def test_staff_without_view_risk_are_refused_everywhere(api_client_for, world):
    everything_but = [p for p in ALL if p != RiskPerm.VIEW_RISK]
    client = api_client_for(staff(*everything_but, username="registrar"))
    for _op, method, address, body in endpoints(world):
        assert call(client, method, address, body).status_code == 403, (method, address)
    nothing_written(world)


@pytest.mark.parametrize(
    ("missing", "refused"),
    [
        (RiskPerm.VIEW_MODEL, {"models", "versions", "version"}),
        (RiskPerm.RUN, {"run-start"}),
        (RiskPerm.OVERRIDE, {"override", "override-end"}),
        (RiskPerm.VIEW_TASK, {"tasks", "acknowledge"}),
        (RiskPerm.CHANGE_TASK, {"acknowledge"}),
    ],
)
def test_each_operation_needs_its_own_codename(api_client_for, world, missing, refused):
    client = api_client_for(staff(*[p for p in ALL if p != missing], username="partial"))
    for op, method, address, body in endpoints(world):
        status = call(client, method, address, body).status_code
        assert (status == 403) is (op in refused), (missing, op, status)


def test_a_partner_department_meets_404_for_the_bureaus_enterprise(api_client_for, world):
    client = api_client_for(supervisor("eco-supervisor", department=eco()))
    uscc = world.firm.uscc
    for method, address, body in [
        ("get", url("enterprise-assessments", uscc=uscc), None),
        ("get", url("enterprise-risk", uscc=uscc), None),
        ("get", url("enterprise-risk", uscc=uscc) + "?as_of=2025-01-01", None),
        (
            "post",
            url("enterprise-class-override", uscc=uscc),
            {"risk_class": "D", "reason": "x", "expires_on": "2099-01-01"},
        ),
        ("post", url("class-override-end", world.override.pk), {"reason": "x"}),
        ("post", url("class-change-task-acknowledge", world.task.pk), {"note": "x"}),
        ("get", url("classification-run-detail", world.one_run.pk), None),
    ]:
        response = call(client, method, address, body)
        assert response.status_code == 404, (method, address)
        assert response.json()["code"] == "not_found"
    # Lists leave out what is not theirs: the bureau's task, the run of the bureau's company.
    tasks = client.get(url("class-change-task-list")).json()
    assert tasks["count"] == 0
    runs = client.get(url("classification-run-list")).json()
    assert [r["id"] for r in runs["results"]] == [world.run.pk]
    nothing_written(world)


def test_an_unknown_code_or_id_is_a_404(api_client_for, world):
    client = api_client_for(supervisor())
    assert client.get(url("enterprise-risk", uscc="91510116MA6CH3W33X")).status_code == 404
    assert client.get(url("classification-run-detail", 999999)).status_code == 404
    assert client.get(url("risk-model-versions", code="nope")).status_code == 404
    assert client.get(url("risk-model-version-detail", 999999)).status_code == 404
    assert (
        client.post(url("class-override-end", 999999), {"reason": "x"}, format="json").status_code
        == 404
    )


def test_staff_are_refused_the_enterprises_own_endpoint(api_client_for, world):
    response = api_client_for(supervisor()).get(url("me-credit-risk"))
    assert response.status_code == 403
