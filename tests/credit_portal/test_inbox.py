"""The staff inbox (issue 18 §5): each source lists what waits and not what does not, within
the user's jurisdiction; one list, overdue first; the navigation's counts equal the page's
and cost one query; a constant number of queries for the page; nothing for enterprise users
and visitors (credit_portal.inbox)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from credit_portal.inbox import PAGE_LIMIT, inbox_counts, inbox_items, inbox_sources
from credit_portal.models import Department, StaffProfile, User
from enterprises.models import Enterprise
from inspections.models import Draw, Inspection, InspectionAssignment, Inspector
from remediation.models import RepairApplication
from risk.models import ClassChangeTask
from tests.enterprises.factories import EnterpriseFactory, enterprise_user
from tests.inspections.factories_work import draw as make_draw
from tests.remediation.factories_repairs import eligible_penalty, penalty_decision
from tests.risk.factories import applied_run

pytestmark = pytest.mark.django_db

REPAIR_PERMS = (
    "credit_portal.access_staff_portal",
    "remediation.view_repairapplication",
    "remediation.decide_repairapplication",
)
RISK_PERMS = (
    "credit_portal.access_staff_portal",
    "enterprises.view_enterprise",
    "risk.view_classchangetask",
    "risk.change_classchangetask",
)
INSPECTOR_PERMS = (
    "credit_portal.access_staff_portal",
    "inspections.view_inspection",
    "inspections.record_inspection",
)
ALL_PERMS = tuple(sorted({*REPAIR_PERMS, *RISK_PERMS, *INSPECTOR_PERMS}))


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Any:
    # The pages too (the interface speaks Chinese first): the tests read English labels.
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def today() -> dt.date:
    return timezone.localdate()


def bureau() -> Department:
    return Department.objects.get_or_create(
        code="amr", defaults={"name": "区市场监督管理局", "is_bureau": True}
    )[0]


def partner() -> Department:
    return Department.objects.get_or_create(code="health", defaults={"name": "区卫生健康局"})[0]


def staff(*codenames: str, username: str, department: Department | None = None) -> User:
    user = User.objects.create_user(username=username, password="Secret-pass-123")
    for full in codenames:
        app_label, codename = full.split(".", 1)
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    StaffProfile.objects.create(user=user, department=department or bureau())
    return User.objects.get(pk=user.pk)


def firm(name: str = "测试商贸有限公司", department: Department | None = None) -> Enterprise:
    row: Any = EnterpriseFactory(name=name, department=department or bureau())
    return row


def repair(
    *,
    status: str = RepairApplication.Status.SUBMITTED,
    due: dt.date | None = None,
    department: Department | None = None,
    name: str = "修复申请公司",
) -> RepairApplication:
    enterprise = firm(name, department)
    number = f"双市监处罚〔2025〕{enterprise.pk}号"
    record = eligible_penalty(enterprise, number=number)
    decision = penalty_decision(record, department=department or bureau(), number=number)
    applicant = User.objects.get_or_create(username=f"applicant-{enterprise.pk}")[0]
    fields: dict[str, Any] = {
        "kind": RepairApplication.Kind.PENALTY_PUBLICITY,
        "enterprise": enterprise,
        "record": record,
        "penalty": decision,
        "status": status,
        "applicant_name": "张三",
        "applicant_phone": "13800000000",
        "statement": "已履行",
        "submitted_by": applicant,
        "acceptance_due": due or today() + dt.timedelta(days=3),
    }
    if status == RepairApplication.Status.ACCEPTED:
        fields["accepted_on"] = today() - dt.timedelta(days=5)
        fields["decision_due"] = due or today() + dt.timedelta(days=10)
    if status in (RepairApplication.Status.APPROVED, RepairApplication.Status.REFUSED):
        fields["decided_on"] = today()
    return RepairApplication.objects.create(**fields)


def task(*, due: dt.date, department: Department | None = None, **over: Any) -> ClassChangeTask:
    enterprise = firm("分级变动公司", department)
    fields: dict[str, Any] = {
        "enterprise": enterprise,
        "department": enterprise.department,
        "run": applied_run(),
        "from_class": "B",
        "to_class": "C",
        "due_on": due,
        **over,
    }
    return ClassChangeTask.objects.create(**fields)


def assigned(user: User, *, due: dt.date, status: str = Inspection.Status.ASSIGNED) -> Inspection:
    inspector = Inspector.objects.get_or_create(user=user, defaults={"department": bureau()})[0]
    row = Inspection.objects.create(
        enterprise=firm("抽查对象公司"),
        origin=Inspection.Origin.RANDOM,
        draw=Draw.objects.first() or make_draw([]),
        department=bureau(),
        due_by=due,
        status=status,
    )
    InspectionAssignment.objects.create(inspection=row, inspector=inspector, position=1)
    return row


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def keys(items: list[Any]) -> list[tuple[str, int]]:
    return [(i.source, i.item_id) for i in items]


# --------------------------------------------------------------------------- registry


def test_the_domain_apps_declare_their_sources() -> None:
    declared = {s.key for s in inbox_sources()}
    assert {
        "remediation.repairs",
        "remediation.soft_actions",
        "remediation.penalties",
        "remediation.objections",
        "remediation.directory",
        "inspections.record",
        "inspections.results",
        "inspections.leads",
        "risk.tasks",
        "annual_reports.invitations",
    } <= declared


def test_every_source_compiles_for_a_bureau_and_a_partner_user() -> None:
    """Every declared source gives the shape and runs (an empty district): no source breaks
    the counts' single statement."""
    perms = [
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
    ]
    for user in (
        staff(*perms, username="all-bureau"),
        staff(*perms, username="all-partner", department=partner()),
    ):
        counts = inbox_counts(user=user)
        assert counts.total == 0 and counts.overdue == 0
        assert {s.key for s in counts.by_source} == {s.key for s in inbox_sources()}
        assert inbox_items(user=user) == []


# --------------------------------------------------------------------------- sources


def test_repairs_to_accept_and_decide_are_listed_the_decided_ones_not() -> None:
    officer = staff(*REPAIR_PERMS, username="officer")
    late = repair(due=today() - dt.timedelta(days=4), name="逾期受理公司")
    accepted = repair(status=RepairApplication.Status.ACCEPTED, name="待决定公司")
    decided = repair(status=RepairApplication.Status.APPROVED, name="已决定公司")
    items = inbox_items(user=officer)
    assert ("remediation.repairs", late.pk) in keys(items)
    assert ("remediation.repairs", accepted.pk) in keys(items)
    assert ("remediation.repairs", decided.pk) not in keys(items)
    first = items[0]
    assert first.item_id == late.pk and first.overdue
    assert first.step == "accept" and first.enterprise_name == "逾期受理公司"
    assert first.url == reverse("remediation:repair_detail", args=[late.pk])
    assert "overdue by" in first.when
    decide = next(i for i in items if i.item_id == accepted.pk)
    assert decide.step == "decide" and not decide.overdue and decide.when.startswith("in ")


def test_a_partner_department_never_sees_another_departments_cases() -> None:
    health = partner()
    theirs = repair(department=bureau(), name="局里的公司")
    ours = repair(department=health, name="卫健的公司")
    bureau_task = task(due=today(), department=bureau())
    partner_user = staff(*REPAIR_PERMS, *RISK_PERMS[1:], username="health", department=health)
    bureau_user = staff(*REPAIR_PERMS, *RISK_PERMS[1:], username="amr")
    seen = keys(inbox_items(user=partner_user))
    assert ("remediation.repairs", ours.pk) in seen
    assert ("remediation.repairs", theirs.pk) not in seen
    assert ("risk.tasks", bureau_task.pk) not in seen
    assert inbox_counts(user=partner_user).total == 1
    # The bureau supervises the whole district.
    seen_by_bureau = keys(inbox_items(user=bureau_user))
    assert {("remediation.repairs", ours.pk), ("remediation.repairs", theirs.pk)} <= set(
        seen_by_bureau
    )
    assert ("risk.tasks", bureau_task.pk) in seen_by_bureau


def test_class_change_tasks_open_are_listed_acknowledged_ones_not() -> None:
    user = staff(*RISK_PERMS, username="risk")
    open_task = task(due=today() + dt.timedelta(days=7))
    down = task(due=today() + dt.timedelta(days=8), from_class="D", to_class="C")
    task(due=today(), done_at=timezone.now(), note="done")
    items = inbox_items(user=user)
    assert keys(items) == [("risk.tasks", open_task.pk), ("risk.tasks", down.pk)]
    assert items[0].step == "up" and items[1].step == "down"
    assert items[0].url.endswith(f"#note-{open_task.pk}")


def test_inspections_assigned_to_me_are_listed_not_others_nor_recorded_ones() -> None:
    me = staff(*INSPECTOR_PERMS, username="inspector-me")
    other = staff(*INSPECTOR_PERMS, username="inspector-other")
    mine = assigned(me, due=today() + dt.timedelta(days=20))
    returned = assigned(me, due=today() - dt.timedelta(days=1), status=Inspection.Status.RETURNED)
    assigned(me, due=today(), status=Inspection.Status.PUBLISHED)
    theirs = assigned(other, due=today())
    items = inbox_items(user=me)
    assert keys(items) == [("inspections.record", returned.pk), ("inspections.record", mine.pk)]
    assert items[0].step == "correct" and items[0].overdue
    assert ("inspections.record", theirs.pk) not in keys(items)
    assert items[1].url == reverse("inspections:inspection", args=[mine.pk])


def test_a_source_needs_its_own_permission() -> None:
    repair(due=today())
    viewer = staff(
        "credit_portal.access_staff_portal",
        "remediation.view_repairapplication",  # may see, may not decide
        username="viewer",
    )
    assert inbox_counts(user=viewer).by_source == []
    assert inbox_items(user=viewer) == []


def test_one_list_overdue_first_then_by_due_date_across_sources() -> None:
    user = staff(*ALL_PERMS, username="everything")
    t_later = task(due=today() + dt.timedelta(days=9))
    r_overdue = repair(due=today() - dt.timedelta(days=2), name="逾期二天")
    i_today = assigned(user, due=today())
    t_overdue = task(due=today() - dt.timedelta(days=6))
    r_soon = repair(due=today() + dt.timedelta(days=1), name="明天到期")
    items = inbox_items(user=user)
    assert keys(items) == [
        ("risk.tasks", t_overdue.pk),
        ("remediation.repairs", r_overdue.pk),
        ("inspections.record", i_today.pk),
        ("remediation.repairs", r_soon.pk),
        ("risk.tasks", t_later.pk),
    ]
    assert [i.overdue for i in items] == [True, True, False, False, False]
    assert items[2].when == "due today"


# --------------------------------------------------------------------------- page, nav, API


def test_the_page_lists_the_items_with_chips_and_the_nav_counts_equal_the_pages() -> None:
    user = staff(*ALL_PERMS, username="page")
    late = repair(due=today() - dt.timedelta(days=3), name="页面逾期公司")
    task(due=today() + dt.timedelta(days=3))
    assigned(user, due=today() + dt.timedelta(days=5))
    response = logged_in(user).get(reverse("inbox"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="inbox-table"' in html
    assert "页面逾期公司" in html and "overdue by" in html
    assert reverse("remediation:repair_detail", args=[late.pk]) in html
    counts = inbox_counts(user=user)
    assert counts.total == 3 and counts.overdue == 1
    assert 'data-testid="inbox-count" title="3 items wait for you">3<' in html
    assert 'data-testid="inbox-overdue"' in html
    assert f'data-testid="chip-total">{counts.total}<' in html
    assert html.count('<tr class="') == counts.total
    # A chip filters one source.
    only = logged_in(user).get(reverse("inbox"), {"source": "risk.tasks"}).content.decode()
    assert only.count('data-source="risk.tasks" data-item=') == 1
    assert "页面逾期公司" not in only.split('data-testid="inbox-table"')[1]


def test_the_nav_badge_shows_on_other_staff_pages_and_the_workbench() -> None:
    user = staff(*ALL_PERMS, username="nav")
    repair(due=today() - dt.timedelta(days=1))
    home = logged_in(user).get(reverse("home")).content.decode()
    # In the navigation and on the workbench's tile.
    assert home.count('data-testid="inbox-count"') == 2
    assert home.count('data-testid="inbox-overdue"') == 2


def test_an_empty_inbox_is_friendly() -> None:
    user = staff(*REPAIR_PERMS, username="empty")
    html = logged_in(user).get(reverse("inbox")).content.decode()
    assert "Nothing waits for you." in html
    assert 'data-testid="inbox-count"' not in html  # no badge for zero
    nothing = staff("credit_portal.access_staff_portal", username="noroles")
    html = logged_in(nothing).get(reverse("inbox")).content.decode()
    assert "Your roles have no work queue." in html


def test_the_nav_count_is_one_query(django_assert_num_queries: Any) -> None:
    user = staff(*ALL_PERMS, username="one-query")
    repair(due=today())
    task(due=today())
    assigned(user, due=today())
    user.get_all_permissions()  # loaded by the navigation before the badge is read
    with django_assert_num_queries(1):
        counts = inbox_counts(user=user)
    assert counts.total == 3


def _page_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("inbox"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_page_costs_a_constant_number_of_queries() -> None:
    user = staff(*ALL_PERMS, username="constant")
    client = logged_in(user)
    repair(due=today() - dt.timedelta(days=1), name="一个")
    task(due=today())
    assigned(user, due=today())
    client.get(reverse("inbox"))  # the calendar's years cached
    one = _page_queries(client)
    for n in range(30):
        repair(due=today() + dt.timedelta(days=n), name=f"公司{n}")
        task(due=today() + dt.timedelta(days=n))
        assigned(user, due=today() + dt.timedelta(days=n))
    client.get(reverse("inbox"))
    thirty = _page_queries(client)
    assert thirty == one
    # The user, their permissions (own, groups), the navigation's membership check; one query
    # for the items of every source and one for the counts (the page's, which the
    # navigation's badge reuses); at most one for the calendar.
    assert len(inbox_counts(user=user).by_source) > 2
    assert one <= 4 + 1 + 1 + 1, one
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("inbox"))
    assert sum("inbox_s0" in q["sql"] for q in ctx.captured_queries) == 1
    assert sum("inbox_i0" in q["sql"] for q in ctx.captured_queries) == 1


def test_the_page_shows_the_most_urgent_items_of_all_sources_together() -> None:
    """The list is the first PAGE_LIMIT items of every source together (one query for them
    all), not PAGE_LIMIT of each: the overdue first, then by due date, then by chip order; the
    sources with more than the page shows link to their own lists."""
    user = staff(*ALL_PERMS, username="most-urgent")
    late = [repair(due=today() - dt.timedelta(days=n), name=f"逾期{n}") for n in (1, 2, 3)]
    due_today = assigned(user, due=today())
    run = applied_run()
    tasks = [task(due=today() + dt.timedelta(days=n), run=run) for n in range(0, PAGE_LIMIT - 1)]
    assert len(late) + 1 + len(tasks) == PAGE_LIMIT + 3
    inbox_items(user=user)  # the user's permissions and the calendar's years loaded
    with CaptureQueriesContext(connection) as ctx:
        items = inbox_items(user=user)
    assert len(ctx.captured_queries) == 1
    expected = (
        [("remediation.repairs", r.pk) for r in reversed(late)]
        # Due today: the inspection before today's task (chip order: inspections, then risk).
        + [("inspections.record", due_today.pk)]
        + [("risk.tasks", t.pk) for t in tasks[: PAGE_LIMIT - 4]]
    )
    assert keys(items) == expected
    assert [i.overdue for i in items[:4]] == [True, True, True, False]
    client = logged_in(user)
    html = client.get(reverse("inbox")).content.decode()
    table = html.split('data-testid="inbox-table"')[1]
    assert table.count('<tr class="') == PAGE_LIMIT
    note = html.split('data-testid="inbox-limited"')[1].split("</p>")[0]
    assert f"Only the {PAGE_LIMIT} most urgent items are listed here" in note
    assert reverse("risk:tasks") in note and f"({len(tasks)})" in note
    assert reverse("remediation:repair_list") not in note  # all three are shown
    # One source: its own first PAGE_LIMIT (here all of them), no note.
    only = client.get(reverse("inbox"), {"source": "risk.tasks"}).content.decode()
    assert only.count('data-source="risk.tasks" data-item=') == len(tasks)
    assert 'data-testid="inbox-limited"' not in only
    assert keys(inbox_items(user=user, source="risk.tasks")) == [
        ("risk.tasks", t.pk) for t in tasks
    ]


def test_enterprise_users_and_visitors_have_no_inbox_and_pay_no_count_query() -> None:
    enterprise = firm("企业用户公司")
    member = enterprise_user(enterprise, username="member")
    anonymous = Client().get(reverse("inbox"))
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    assert logged_in(member).get(reverse("inbox")).status_code == 403
    for client, path in ((logged_in(member), reverse("me:home")), (Client(), "/")):
        with CaptureQueriesContext(connection) as ctx:
            client.get(path)
        assert not any("inbox_s0" in q["sql"] for q in ctx.captured_queries)
        assert 'data-testid="inbox-count"' not in client.get(path).content.decode()


def test_the_api_gives_the_same_items_and_counts(api_client_for: Any) -> None:
    user = staff(*ALL_PERMS, username="api")
    late = repair(due=today() - dt.timedelta(days=2), name="接口逾期")
    task(due=today() + dt.timedelta(days=4))
    response = api_client_for(user).get("/api/v1/inbox/")
    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 2 and data["overdue"] == 1
    assert data["items"][0]["source"] == "remediation.repairs"
    assert data["items"][0]["item_id"] == late.pk and data["items"][0]["overdue"] is True
    assert data["items"][0]["enterprise_name"] == "接口逾期"
    assert sum(s["total"] for s in data["sources"]) == data["total"]
    member = enterprise_user(firm("企业"), username="api-member")
    assert api_client_for(member).get("/api/v1/inbox/").status_code == 403
    assert api_client_for(None).get("/api/v1/inbox/").status_code in (401, 403)
