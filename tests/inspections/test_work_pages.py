"""The inspections work pages (issue 17 §4, §6, §8): the inspector's task list (their own
inspections, due first, overdue marked, with the entity, its address, the items of every plan
of a joint visit grouped by plan and department, the co-inspectors), the result form, the
supervisor's review and publication, and the enterprise's own published inspections; each
page behind its codename and the visibility rule (another department's inspection: 404)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from credit_portal.roles import Role
from enterprises.models import CreditRecord
from inspections.models import Inspection
from tests.inspections.factories_work import (
    at,
    company,
    drawn,
    firm_user,
    partner,
    person,
    world,
)

pytestmark = pytest.mark.django_db

START = dt.date(2025, 9, 1)
DAY = dt.date(2025, 9, 26)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
Status = Inspection.Status


@pytest.fixture
def w():
    with at(START):
        return world()


def _login(client, user):
    client.force_login(user)
    return client


def _record_post(w, inspection, **over):
    data = {
        "version": inspection.version,
        "result_codes": ["1"],
        "findings": "",
        "checked_from": "2025-09-22",
        "check_ended_on": "2025-09-26",
        "order_number": "",
    }
    for check in inspection.checks.all():
        data[f"check_{check.pk}"] = "ok"
        data[f"note_{check.pk}"] = ""
    data.update(over)
    return data


def test_the_inspector_sees_their_tasks_due_first_with_the_joint_visits_items(w, client):
    other = company(name="双流区后到期商贸有限公司")
    overdue = company(name="双流区逾期检查有限公司")
    with at(START):
        drawn(other, w["draw"], [w["joint"]], [w["a"], w["h"]], due_by=dt.date(2025, 12, 1))
        drawn(overdue, w["draw"], [w["joint"]], [w["a"], w["h"]], due_by=dt.date(2025, 9, 10))
        drawn(company(name="不是我的"), w["draw"], [w["joint"]], [w["b"], w["h"]])
    _login(client, w["a"].user)
    with at(DAY):
        page = client.get(reverse("inspections:tasks"), **EN)
    assert page.status_code == 200
    html = page.content.decode()
    names = re.findall(r'class="task__name" href="[^"]+">([^<]+)<', html)
    assert names == [
        "双流区逾期检查有限公司",
        "成都市双流区蓉城贸易有限公司",
        "双流区后到期商贸有限公司",
    ]
    assert html.count('data-testid="overdue"') == 1
    assert "双流区东升街道棠湖路8号" in html
    assert "市场主体联合抽查 · 区市场监督管理局" in html
    assert "市场主体联合抽查 · 区卫生健康局" in html and "食品经营卫生检查" in html
    assert "insp_h (区卫生健康局)" in html
    assert "<table" not in html.split('data-testid="tasks"')[1]  # cards, phone-width first
    assert 'name="viewport"' in html


def test_visibility_a_partner_inspector_sees_joint_visits_and_another_department_nothing(w, client):
    third = partner("tax", "区税务局")
    stranger = person(Role.INSPECTOR, "stranger", third)
    pk = w["inspection"].pk
    _login(client, w["h2"].user)  # the partner's inspector, not assigned: a joint visit's item
    assert client.get(reverse("inspections:inspection", args=[pk])).status_code == 200
    _login(client, stranger)
    assert client.get(reverse("inspections:inspection", args=[pk])).status_code == 404
    with at(DAY):
        listed = client.get(reverse("inspections:tasks") + "?scope=all")
    assert "蓉城贸易" not in listed.content.decode()
    firm = firm_user(w["firm"])
    _login(client, firm)
    assert client.get(reverse("inspections:tasks")).status_code == 403
    client.logout()
    assert client.get(reverse("inspections:tasks")).status_code == 302


def test_record_review_and_publish_through_the_pages(w, client):
    inspection = w["inspection"]
    _login(client, w["a"].user)
    with at(DAY):
        detail = client.get(reverse("inspections:inspection", args=[inspection.pk]), **EN)
        assert 'data-testid="record-link"' in detail.content.decode()
        assert "1. 核查营业执照" in detail.content.decode()  # the checklist
        form = client.get(reverse("inspections:record", args=[inspection.pk]))
        assert form.status_code == 200
        done = client.post(
            reverse("inspections:record", args=[inspection.pk]), _record_post(w, inspection)
        )
    assert done.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == Status.RECORDED
    with at(DAY):
        again = client.post(
            reverse("inspections:record", args=[inspection.pk]),
            _record_post(w, inspection),
            **EN,
        )
    assert again.status_code == 400
    assert "already recorded on 2025-09-26" in again.content.decode()
    # The inspector cannot review; the supervisor can, then publishes.
    assert (
        client.post(
            reverse("inspections:review", args=[inspection.pk]),
            {"version": inspection.version, "decision": "approve"},
        ).status_code
        == 403
    )
    _login(client, w["supervisor"])
    with at(dt.date(2025, 10, 9)):
        page = client.get(reverse("inspections:inspection", args=[inspection.pk]))
        assert 'data-testid="review-form"' in page.content.decode()
        reviewed = client.post(
            reverse("inspections:review", args=[inspection.pk]),
            {"version": inspection.version, "decision": "approve"},
        )
        assert reviewed.status_code == 302
        inspection.refresh_from_db()
        published = client.post(
            reverse("inspections:publish", args=[inspection.pk]), {"version": inspection.version}
        )
        assert published.status_code == 302
        twice = client.post(
            reverse("inspections:publish", args=[inspection.pk]),
            {"version": inspection.version + 1},
            **EN,
        )
    assert twice.status_code == 400
    assert "published on 2025-10-09" in twice.content.decode()
    assert CreditRecord.objects.filter(kind="inspection_result", enterprise=w["firm"]).count() == 1


def test_the_result_form_shows_each_error_in_place(w, client):
    inspection = w["inspection"]
    _login(client, w["a"].user)
    data = _record_post(w, inspection, result_codes=["B"], findings="")
    first = inspection.checks.order_by("pk").first()
    data[f"check_{first.pk}"] = "problem"
    with at(DAY):
        page = client.post(reverse("inspections:record", args=[inspection.pk]), data, **EN)
    assert page.status_code == 400
    html = page.content.decode()
    assert "State the findings" in html
    assert "a note is required" in html
    assert "Choose the items the company must disclose" in html
    inspection.refresh_from_db()
    assert inspection.status == Status.ASSIGNED


def test_a_return_shows_the_note_and_a_stale_version_is_a_conflict(w, client):
    inspection = w["inspection"]
    _login(client, w["a"].user)
    with at(DAY):
        client.post(
            reverse("inspections:record", args=[inspection.pk]), _record_post(w, inspection)
        )
    inspection.refresh_from_db()
    _login(client, w["supervisor"])
    with at(DAY):
        no_note = client.post(
            reverse("inspections:review", args=[inspection.pk]),
            {"version": inspection.version, "decision": "return"},
            **EN,
        )
        assert no_note.status_code == 400
        assert "Say what the inspectors should correct" in no_note.content.decode()
        stale = client.post(
            reverse("inspections:review", args=[inspection.pk]),
            {"version": inspection.version - 1, "decision": "return", "note": "x"},
        )
        assert stale.status_code == 409
        client.post(
            reverse("inspections:review", args=[inspection.pk]),
            {"version": inspection.version, "decision": "return", "note": "补充照片"},
        )
    inspection.refresh_from_db()
    assert inspection.status == Status.RETURNED
    _login(client, w["a"].user)
    with at(DAY):
        mine = client.get(reverse("inspections:tasks"), **EN).content.decode()
    assert "Returned for correction" in mine


def test_the_enterprise_sees_its_own_inspections_once_published(w, client):
    from inspections.services.inspections import (
        inspection_publish,
        inspection_record,
        inspection_review,
    )
    from tests.inspections.factories_work import all_ok

    user = firm_user(w["firm"])
    _login(client, user)
    page = client.get(reverse("me-inspections:inspections"), **EN)
    assert page.status_code == 200 and 'data-testid="no-inspections"' in page.content.decode()
    inspection = w["inspection"]
    with at(DAY):
        inspection_record(
            actor=w["a"].user,
            inspection=inspection,
            checks=all_ok(inspection),
            result_codes=["1"],
            findings="",
            checked_from=dt.date(2025, 9, 22),
            check_ended_on=DAY,
            expected_version=inspection.version,
        )
        done = inspection_review(
            actor=w["supervisor"], inspection=inspection, decision="approve", expected_version=2
        )
    page = client.get(reverse("me-inspections:inspections"), **EN)
    assert 'data-testid="no-inspections"' in page.content.decode()  # reviewed, not published
    with at(DAY):
        inspection_publish(actor=w["supervisor"], inspection=done, expected_version=done.version)
    page = client.get(reverse("me-inspections:inspections"), **EN)
    html = page.content.decode()
    assert f'data-inspection="{inspection.pk}"' in html
    assert "No problem found" in html and "insp_a" not in html
    assert reverse("me-inspections:inspections") in client.get(reverse("me:home")).content.decode()


def test_the_follow_ups_show_on_the_inspection_with_their_links(w, client):
    from inspections.services.inspections import inspection_record, inspection_review
    from tests.inspections.factories_work import all_ok

    inspection = w["inspection"]
    with at(DAY):
        inspection_record(
            actor=w["a"].user,
            inspection=inspection,
            checks=all_ok(inspection, **{"gs-info": {"result": "problem", "note": "未公示"}}),
            result_codes=["B", "C"],
            findings="未公示股东出资信息；年报信息虚假",
            checked_from=dt.date(2025, 9, 22),
            check_ended_on=DAY,
            expected_version=1,
            disclose_items=["contribution"],
            order_number="双市监责公〔2025〕9号",
        )
    _login(client, w["supervisor"])
    with at(DAY):
        page = client.get(reverse("inspections:inspection", args=[inspection.pk]), **EN)
        assert "Self-correction applies (result C)" in page.content.decode()
        inspection_review(
            actor=w["supervisor"], inspection=inspection, decision="approve", expected_version=2
        )
        page = client.get(reverse("inspections:inspection", args=[inspection.pk]), **EN)
    html = page.content.decode()
    follow = inspection.__class__.objects.get(pk=inspection.pk).follow_up
    assert reverse("remediation:order_detail", args=[follow["order"]]) in html
    assert reverse("remediation:directory_detail", args=[follow["listing_3"]]) in html
    assert 'data-testid="publish-form"' in html
