"""Orders to disclose (issue 15, listing reason 2; docs/domain.md §3): staff order a company of
their jurisdiction to disclose items within 10 days; the daily job marks the order complied
with once every item is disclosed (read from the ledger), or lists the company in the abnormal
directory with reason 2 through the directory's service after the due day; staff withdraw an
open order with reasons. Pages, self-service and API with their permissions and jurisdiction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from credit_portal.errors import ConflictError
from credit_portal.models import AuditEvent
from enterprises.models import CreditRecord
from remediation.models import DirectoryCase, DisclosureOrder
from remediation.services.orders import order_create, order_withdraw
from tests.annual_reports.factories_disclosures import (
    ORDER_PERMS,
    at,
    company,
    contribution,
    disclose,
    member,
    partner,
    run_daily,
    staff,
)
from tests.enterprises.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ORDERED = dt.date(2025, 11, 3)
DUE = dt.date(2025, 11, 13)  # 10 calendar days after the order
JOB = "remediation.disclosure_orders"
Status = DisclosureOrder.Status


@pytest.fixture
def world():
    firm = company(name="成都市双流区蓉城贸易有限公司")
    eco = partner()
    eco_firm = company(department=eco, name="双流区生态科技有限公司")
    return {
        "firm": firm,
        "firm_user": member(firm, "firm"),
        "eco": eco,
        "eco_firm": eco_firm,
        "officer": staff(*ORDER_PERMS, username="officer"),
        "partner": staff(*ORDER_PERMS, username="partner", department=eco),
    }


def _order(world, **over) -> DisclosureOrder:
    data = {
        "actor": world["officer"],
        "enterprise": world["firm"],
        "items": ["contribution", "licence"],
        "document_number": "双市监责公〔2025〕7号",
    }
    data.update(over)
    with at(ORDERED):
        return order_create(**data)


def test_an_order_gives_ten_days_and_refuses_bad_input(world):
    order = _order(world)
    assert (order.ordered_on, order.due_on, order.status) == (ORDERED, DUE, Status.OPEN)
    assert order.department.is_bureau
    shop = EnterpriseFactory(individual_business=True)
    with at(ORDERED), translation.override("en"):
        with pytest.raises(ValidationError) as raised:
            order_create(
                actor=world["officer"],
                enterprise=shop,
                items=["gold", "gold"],
                document_number="",
                ordered_on=ORDERED + dt.timedelta(days=1),
            )
        assert set(raised.value.error_dict) == {
            "enterprise",
            "items",
            "document_number",
            "ordered_on",
        }
        assert "a company's duty" in raised.value.error_dict["enterprise"][0].messages[0]
        with pytest.raises(ValidationError, match="already open"):
            order_create(
                actor=world["officer"],
                enterprise=world["firm"],
                items=["licence"],
                document_number="N-2",
            )
        with pytest.raises(ValidationError, match="supervised by another department"):
            order_create(
                actor=world["partner"],
                enterprise=world["firm"],
                items=["licence"],
                document_number="N-3",
            )
    assert DisclosureOrder.objects.count() == 1
    assert AuditEvent.objects.filter(event_type="remediation.order_created").count() == 1


def test_the_order_is_complied_with_once_every_item_is_disclosed(world):
    order = _order(world)
    user = world["firm_user"]
    with at(ORDERED + dt.timedelta(days=2)):
        disclose(world["firm"], user, item="contribution", content=contribution())
        run_daily(ORDERED + dt.timedelta(days=2), JOB)
    order.refresh_from_db()
    assert order.status == Status.OPEN  # the licence is still missing
    with at(ORDERED + dt.timedelta(days=5)):
        disclose(world["firm"], user, item="licence")
    with at(ORDERED + dt.timedelta(days=6)):
        run_daily(ORDERED + dt.timedelta(days=6), JOB)
    order.refresh_from_db()
    assert (order.status, order.complied_on) == (Status.COMPLIED, ORDERED + dt.timedelta(days=5))
    with at(DUE + dt.timedelta(days=2)):
        run_daily(DUE + dt.timedelta(days=2), JOB)
    assert not DirectoryCase.objects.exists()


def test_not_complied_with_by_the_due_day_lists_the_company_with_reason_2(world):
    order = _order(world)
    with at(ORDERED - dt.timedelta(days=5)):  # before the order: does not count
        disclose(world["firm"], world["firm_user"], item="licence")
    with at(DUE):
        run_daily(DUE, JOB)
    order.refresh_from_db()
    assert order.status == Status.OPEN  # the due day itself still counts
    with at(DUE + dt.timedelta(days=1)):
        # Disclosed after the due day: too late for the order (removal is the cure).
        disclose(world["firm"], world["firm_user"], item="contribution", content=contribution())
        disclose(world["firm"], world["firm_user"], item="licence")
    day = DUE + dt.timedelta(days=2)
    with at(day):
        run_daily(day, JOB)
        run_daily(day, JOB)  # idempotent
    order.refresh_from_db()
    assert order.status == Status.LISTED
    case = DirectoryCase.objects.get()
    assert (case.reason, case.source, case.order_id, case.enterprise_id) == (
        "2",
        "order",
        order.pk,
        world["firm"].pk,
    )
    assert case.state == DirectoryCase.State.LISTED
    assert "双市监责公〔2025〕7号" in case.facts
    listing = CreditRecord.objects.get(enterprise=world["firm"], kind="abnormal_listing")
    assert listing.details["reason_code"] == "2" and listing.is_public
    events = AuditEvent.objects.filter(event_type="remediation.order_listed")
    assert events.count() == 1 and events.get().actor is None


def test_withdrawal_needs_reasons_the_version_and_the_jurisdiction(world):
    order = _order(world)
    with at(ORDERED), translation.override("en"):
        with pytest.raises(ValidationError, match="another department"):
            order_withdraw(actor=world["partner"], order=order, reasons="x", expected_version=1)
        with pytest.raises(ValidationError, match="Say why"):
            order_withdraw(actor=world["officer"], order=order, reasons="", expected_version=1)
        done = order_withdraw(
            actor=world["officer"], order=order, reasons="已依法登记", expected_version=1
        )
        assert done.status == Status.WITHDRAWN
        with pytest.raises(ConflictError):
            order_withdraw(actor=world["officer"], order=order, reasons="x", expected_version=1)
    with at(DUE + dt.timedelta(days=3)):
        run_daily(DUE + dt.timedelta(days=3), JOB)
    assert not DirectoryCase.objects.exists()


def test_staff_pages_issue_list_overdue_first_and_withdraw(client, world):
    early = _order(world, items=["licence"])
    late = _order(world, items=["contribution"], ordered_on=ORDERED - dt.timedelta(days=20))
    client.force_login(world["officer"])
    with at(ORDERED):
        listing = client.get(reverse("remediation:order_list"), **EN)
        assert listing.status_code == 200
        assert [r["order"].pk for r in listing.context["rows"]] == [late.pk, early.pk]
        assert listing.context["rows"][0]["overdue"] and b'data-overdue="true"' in listing.content
        assert client.get(reverse("remediation:order_create")).status_code == 200
        created = client.post(
            reverse("remediation:order_create"),
            {
                "enterprise_uscc": world["firm"].uscc,
                "items": ["ip_pledge"],
                "document_number": "双市监责公〔2025〕9号",
            },
        )
        new = DisclosureOrder.objects.get(items=["ip_pledge"])
        assert created["Location"] == reverse("remediation:order_detail", args=[new.pk])
        bad = client.post(
            reverse("remediation:order_create"),
            {"enterprise_uscc": world["firm"].uscc, "items": ["licence"], "document_number": "x"},
            **EN,
        )
        assert bad.status_code == 400 and b"already open" in bad.content
        withdraw = reverse("remediation:order_withdraw", args=[new.pk])
        assert client.post(withdraw, {"version": 1, "reasons": ""}).status_code == 400
        assert client.post(withdraw, {"version": 1, "reasons": "误发"}).status_code == 302
        detail = client.get(reverse("remediation:order_detail", args=[new.pk]), **EN)
        assert b'data-testid="withdraw-reasons"' in detail.content
        assert client.post(withdraw, {"version": 1, "reasons": "again"}).status_code == 409


def test_staff_pages_permissions_and_jurisdiction(client, world):
    order = _order(world)
    theirs = _order(world, actor=world["partner"], enterprise=world["eco_firm"])
    detail = reverse("remediation:order_detail", args=[order.pk])
    with at(ORDERED):
        client.force_login(staff("enterprises.view_enterprise", username="nobody"))
        assert client.get(reverse("remediation:order_list")).status_code == 403
        assert client.get(detail).status_code == 403
        client.force_login(staff("remediation.view_disclosureorder", username="reader"))
        assert client.get(detail).status_code == 200
        assert client.get(reverse("remediation:order_create")).status_code == 403
        withdraw = reverse("remediation:order_withdraw", args=[order.pk])
        assert client.post(withdraw, {"version": 1, "reasons": "x"}).status_code == 403
        client.force_login(world["partner"])
        rows = client.get(reverse("remediation:order_list")).context["rows"]
        assert [r["order"].pk for r in rows] == [theirs.pk]
        assert client.get(detail).status_code == 404
        assert client.post(withdraw, {"version": 1, "reasons": "x"}).status_code == 404
        client.logout()
        assert client.get(reverse("remediation:order_list")).status_code == 302


def test_the_company_sees_its_order_with_the_deadline_and_a_link_to_disclose(client, world):
    order = _order(world)
    _order(world, actor=world["partner"], enterprise=world["eco_firm"])
    client.force_login(world["firm_user"])
    with at(ORDERED + dt.timedelta(days=1)):
        disclose(world["firm"], world["firm_user"], item="licence")
        page = client.get(reverse("me-remediation:disclosure_orders"), **EN)
    assert page.status_code == 200
    assert [r["order"].pk for r in page.context["rows"]] == [order.pk]
    text = page.content.decode()
    assert "2025-11-13" in text and reverse("me-annual-reports:disclosures") in text
    items = {i["code"]: i["disclosed_on"] for i in page.context["rows"][0]["items"]}
    assert items == {"contribution": None, "licence": ORDERED + dt.timedelta(days=1)}
    client.force_login(world["officer"])
    assert client.get(reverse("me-remediation:disclosure_orders")).status_code == 403


def test_the_api_issues_reads_and_withdraws(api_client_for, world):
    api = api_client_for(world["officer"])
    with at(ORDERED):
        created = api.post(
            "/api/v1/disclosure-orders/",
            {
                "enterprise_uscc": world["firm"].uscc,
                "items": ["licence"],
                "document_number": "双市监责公〔2025〕8号",
            },
            format="json",
        )
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        assert created.json()["due_on"] == DUE.isoformat()
        bad = api.post(
            "/api/v1/disclosure-orders/",
            {"enterprise_uscc": world["firm"].uscc, "items": ["x"], "document_number": "n"},
            format="json",
        )
        assert bad.status_code == 400
        assert api.get("/api/v1/disclosure-orders/").json()["count"] == 1
        partner_api = api_client_for(world["partner"])
        assert partner_api.get(f"/api/v1/disclosure-orders/{pk}/").status_code == 404
        firm_api = api_client_for(world["firm_user"])
        assert firm_api.get(f"/api/v1/disclosure-orders/{pk}/").status_code == 200
        assert firm_api.post("/api/v1/disclosure-orders/", {}, format="json").status_code == 403
        stale = api.post(
            f"/api/v1/disclosure-orders/{pk}/withdraw/",
            {"version": 5, "reasons": "x"},
            format="json",
        )
        assert stale.status_code == 409
        done = api.post(
            f"/api/v1/disclosure-orders/{pk}/withdraw/",
            {"version": 1, "reasons": "误发"},
            format="json",
        )
        assert done.status_code == 200 and done.json()["status"] == "withdrawn"
        nobody = api_client_for(staff("enterprises.view_enterprise", username="nobody"))
        assert nobody.get("/api/v1/disclosure-orders/").status_code == 403


def test_the_admin_shows_orders_read_only(client, world, admin_user):
    order = _order(world)
    client.force_login(admin_user)
    with at(ORDERED):
        assert (
            client.get(reverse("admin:remediation_disclosureorder_changelist")).status_code == 200
        )
        change = client.get(reverse("admin:remediation_disclosureorder_change", args=[order.pk]))
        assert change.status_code == 200
        assert reverse("remediation:order_detail", args=[order.pk]).encode() in change.content
        assert client.get(reverse("admin:remediation_disclosureorder_add")).status_code == 403
        delete = reverse("admin:remediation_disclosureorder_delete", args=[order.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
    assert DisclosureOrder.objects.filter(pk=order.pk).exists()
