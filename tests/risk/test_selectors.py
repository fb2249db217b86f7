"""The classification's selectors (risk.selectors): jurisdiction and query counts of the reads
the pages and the API share."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from credit_portal.models import Department
from credit_portal.roles import Role
from risk.models import ClassChangeTask
from risk.selectors import distribution, models_list, runs_for, tasks_for, tasks_open_count
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, enterprise_user
from tests.risk.factories import applied_run, general_version
from tests.risk.test_pages import staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(db: Any) -> Department:
    return DepartmentFactory(code="eco", name="区生态环境局", is_bureau=False)


def _task(department: Department) -> ClassChangeTask:
    return ClassChangeTask.objects.create(
        enterprise=EnterpriseFactory(department=department),
        department=department,
        run=applied_run(),
        from_class="B",
        to_class="C",
        due_on=timezone.localdate() + dt.timedelta(days=3),
    )


def test_tasks_are_scoped_to_the_users_departments(department, partner):
    ours, theirs = _task(department), _task(partner)
    bureau_officer = staff(Role.CREDIT_OFFICER, department, "officer")
    partner_officer = staff(Role.CREDIT_OFFICER, partner, "partner")
    assert set(tasks_for(user=bureau_officer)) == {ours, theirs}
    assert list(tasks_for(user=partner_officer)) == [theirs]
    assert tasks_open_count(user=partner_officer) == 1
    member = enterprise_user(ours.enterprise)
    assert list(tasks_for(user=member)) == []


def test_a_one_enterprise_run_is_seen_within_jurisdiction_only(department, partner):
    general_version()
    whole = applied_run()
    theirs = applied_run()
    theirs.enterprise = EnterpriseFactory(department=partner)
    theirs.save(update_fields=["enterprise"])
    ours = applied_run()
    ours.enterprise = EnterpriseFactory(department=department)
    ours.save(update_fields=["enterprise"])
    partner_officer = staff(Role.CREDIT_OFFICER, partner, "partner")
    assert set(runs_for(partner_officer)) == {whole, theirs}
    assert set(runs_for(staff(Role.CREDIT_OFFICER, department, "officer"))) == {whole, theirs, ours}


def test_a_user_without_the_register_sees_no_counts(department):
    run = applied_run()
    run.summary = {"by_class": {"A": 3}, "by_department": {str(department.pk): {"A": 3}}}
    run.save(update_fields=["summary"])
    member = enterprise_user(EnterpriseFactory())
    shown = distribution(user=member)
    assert shown.overall.total == 0 and shown.trend == [] and shown.transitions is None
    assert distribution(user=staff(Role.CREDIT_OFFICER, department, "officer")).overall.total == 3


def test_models_list_reads_a_constant_number_of_queries(django_assert_num_queries):
    general_version()
    with django_assert_num_queries(4):
        models = list(models_list())
        for model in models:
            for version in model.versions.all():
                list(version.entries.all())
                list(version.bands.all())
