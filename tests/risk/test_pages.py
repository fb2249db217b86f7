"""The staff pages of the classification (issue 16 §3, §4, §7, §8): each page as each role
(allowed, forbidden, a partner department's staff seeing their own department only), the
explanation of a class computed by the engine, overrides set and ended through the page (with
their audit), and the pages' query counts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from credit_portal.models import AuditEvent, Department, StaffProfile, User
from credit_portal.roles import Role
from enterprises.models import Enterprise
from risk import audit_events as events
from risk.models import ClassChangeTask, ClassificationRun, ClassOverride, CurrentClass
from risk.services.runs import run_now
from tests.enterprises.factories import DepartmentFactory, EnterpriseFactory, enterprise_user
from tests.risk.factories import applied_run, classify_by_hand, general_version, record

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def staff(role: Role, department: Department, username: str) -> User:
    user = User.objects.create_user(username=username, password="Secret-pass-123")
    user.groups.add(Group.objects.get(name=str(role)))
    StaffProfile.objects.create(user=user, department=department)
    return User.objects.get(pk=user.pk)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    """The page's text without tags, spaces collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", body)


@pytest.fixture
def bureau(department: Department) -> Department:
    return department


@pytest.fixture
def partner(db: Any) -> Department:
    return DepartmentFactory(code="eco", name="区生态环境局", is_bureau=False)


@pytest.fixture
def version(db: Any) -> Any:
    return general_version(published_at=timezone.now() - dt.timedelta(days=30))


@pytest.fixture
def officer(bureau: Department) -> User:
    return staff(Role.CREDIT_OFFICER, bureau, "officer")


@pytest.fixture
def supervisor(bureau: Department) -> User:
    return staff(Role.SUPERVISOR, bureau, "supervisor")


@pytest.fixture
def partner_officer(partner: Department) -> User:
    return staff(Role.CREDIT_OFFICER, partner, "partner-officer")


@pytest.fixture
def inspector(bureau: Department) -> User:
    return staff(Role.INSPECTOR, bureau, "inspector")


# --------------------------------------------------------------------------- who may see what


def test_every_page_needs_login_then_view_risk(officer, inspector, version):
    firm = EnterpriseFactory()
    classify_by_hand(firm, "B", version=version)
    run = ClassificationRun.objects.get()
    member = enterprise_user(firm)
    urls = [
        reverse("risk:distribution"),
        reverse("risk:enterprise", args=[firm.uscc]),
        reverse("risk:runs"),
        reverse("risk:run", args=[run.pk]),
        reverse("risk:models"),
        reverse("risk:tasks"),
    ]
    for url in urls:
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and "/login" in anonymous["Location"], url
        assert logged_in(inspector).get(url).status_code == 403, url
        # An enterprise user may not see classes, not even its own (docs/domain.md §1).
        assert logged_in(member).get(url).status_code == 403, url
        assert logged_in(officer).get(url).status_code == 200, url


def test_partner_staff_see_their_own_enterprises_only(officer, partner_officer, partner, version):
    ours = EnterpriseFactory()
    theirs = EnterpriseFactory(department=partner)
    for firm in (ours, theirs):
        classify_by_hand(firm, "C", version=version, run=applied_run())
    client = logged_in(partner_officer)
    assert client.get(reverse("risk:enterprise", args=[theirs.uscc])).status_code == 200
    assert client.get(reverse("risk:enterprise", args=[ours.uscc])).status_code == 404
    assert logged_in(officer).get(reverse("risk:enterprise", args=[theirs.uscc])).status_code == 200


def test_the_navigation_shows_the_entry_to_staff_who_may_see_classes(officer, inspector):
    url = reverse("risk:distribution")
    assert f'href="{url}"' in logged_in(officer).get(reverse("home")).content.decode()
    assert f'href="{url}"' not in logged_in(inspector).get(reverse("home")).content.decode()


# --------------------------------------------------------------------------- distribution


def summary_run(as_of: dt.date, by_class: dict[str, int], **summary: Any) -> ClassificationRun:
    run = applied_run(as_of=as_of, reason="nightly")
    run.summary = {"by_class": by_class, **summary}
    run.save(update_fields=["summary"])
    return run


def test_distribution_reads_the_runs_counts(officer, bureau, partner):
    today = timezone.localdate()
    summary_run(today - dt.timedelta(days=1), {"A": 10, "B": 4})
    latest = summary_run(
        today,
        {"A": 8, "B": 5, "C": 2, "D": 1},
        by_street={"东升街道": {"A": 5, "C": 2}, "九江街道": {"A": 3, "B": 5, "D": 1}},
        by_industry={"F": {"A": 8, "B": 1}, "H": {"B": 4, "C": 2, "D": 1}},
        by_department={str(bureau.pk): {"A": 8, "B": 5}, str(partner.pk): {"C": 2, "D": 1}},
    )
    latest.transitions = {"A>A": 7, "A>C": 1, "D>B": 1, "->A": 1, "B>-": 2}
    latest.save(update_fields=["transitions"])

    response = logged_in(officer).get(reverse("risk:distribution"), **EN)

    assert response.status_code == 200
    body = response.content.decode()
    page = text(response)
    assert "16 enterprises classified" in page  # the run's counts: there is no current class
    assert 'data-class="D">1<' in body
    assert "12.5%" in page  # C or D: 3 of 16
    for street in ("东升街道", "九江街道"):
        assert f'data-group="{street}"' in body
    assert "Accommodation and catering" in page  # section H, in the reader's language
    assert 'data-cell="A>C">1<' in body and 'data-cell="D>B">1<' in body
    assert 'data-cell="->A">1<' in body and 'data-cell="B>-">2<' in body
    assert "2 enterprises changed class" in page
    assert "the last 2 days, the last run of each" in page  # the trend


def test_distribution_of_a_partner_department_is_its_own_counts(partner_officer, bureau, partner):
    ours, theirs = str(bureau.pk), str(partner.pk)
    summary_run(
        timezone.localdate(),
        {"A": 8, "B": 5, "C": 2, "D": 1},
        by_street={"东升街道": {"A": 5, "C": 2}, "九江街道": {"A": 3, "B": 5, "D": 1}},
        by_department={ours: {"A": 8, "B": 5}, theirs: {"C": 2, "D": 1}},
        by_department_street={
            ours: {"九江街道": {"A": 8, "B": 5}},
            theirs: {"东升街道": {"C": 2, "D": 1}},
        },
        by_department_industry={ours: {"F": {"A": 8, "B": 5}}, theirs: {"H": {"C": 2, "D": 1}}},
        transitions_by_department={ours: {"A>B": 4}, theirs: {"B>C": 2}},
    )

    response = logged_in(partner_officer).get(reverse("risk:distribution"), **EN)

    body, page = response.content.decode(), text(response)
    assert "3 enterprises classified" in page
    assert 'data-group="东升街道"' in body and 'data-group="九江街道"' not in body
    assert 'data-group="H"' in body and 'data-group="F"' not in body
    assert 'data-cell="B>C">2<' in body and 'data-cell="A>B">0<' in body
    assert "Your department only" in page


def test_without_the_departments_counts_a_partner_sees_no_district_wide_table(
    partner_officer, bureau, partner, version
):
    theirs = EnterpriseFactory(department=partner, division="黄水镇")
    classify_by_hand(theirs, "C", version=version, run=applied_run())
    run = summary_run(
        timezone.localdate(),
        {"A": 8, "C": 1},
        by_street={"东升街道": {"A": 8}, "黄水镇": {"C": 1}},
        by_department={str(bureau.pk): {"A": 8}, str(partner.pk): {"C": 1}},
    )
    run.transitions = {"A>A": 8, "B>C": 1}
    run.save(update_fields=["transitions"])

    response = logged_in(partner_officer).get(reverse("risk:distribution"), **EN)

    body = response.content.decode()
    assert 'data-group="黄水镇"' in body and 'data-group="东升街道"' not in body
    assert 'data-testid="recounted"' in body
    assert 'data-testid="transitions"' not in body and 'data-testid="no-transitions"' in body


def test_distribution_before_any_run_says_so(officer):
    response = logged_in(officer).get(reverse("risk:distribution"), **EN)
    assert 'data-testid="no-run"' in response.content.decode()


@pytest.mark.parametrize("run", ["²", "abc", "-1", "99999999999999999999", "1.5"])
def test_distribution_takes_any_run_parameter_without_an_error(officer, run):
    response = logged_in(officer).get(reverse("risk:distribution"), {"run": run}, **EN)
    assert response.status_code == 200


def test_distribution_costs_the_same_queries_whatever_the_register(
    officer, version, django_assert_num_queries
):
    summary_run(timezone.localdate(), {"A": 1})
    client = logged_in(officer)
    client.get(reverse("risk:distribution"))  # sessions, permissions cached alike below
    counts = []
    for batch in (2, 20):
        for _ in range(batch):
            classify_by_hand(EnterpriseFactory(), "A", version=version, run=applied_run())
        # +1: the navigation's inbox count (credit_portal.inbox, one query).
        with django_assert_num_queries(counts[0] if counts else 10) as captured:
            client.get(reverse("risk:distribution"))
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


# --------------------------------------------------------------------------- one enterprise


@pytest.fixture
def penalised(version: Any) -> Enterprise:
    """An enterprise with two penalties (one of them 2.5 years old) and one soft action,
    classified by a real run of the engine."""
    today = timezone.localdate()
    firm = EnterpriseFactory(registered_on=today - dt.timedelta(days=3650), division="东升街道")
    record(firm, "penalty", today - dt.timedelta(days=900))
    record(firm, "penalty", today - dt.timedelta(days=100))
    record(firm, "soft_enforcement", today - dt.timedelta(days=30))
    run = run_now(reason="manual", enterprise=firm)
    assert run.status == "done", run.message
    return firm


def test_the_explanation_shows_every_contribution_in_words(officer, penalised):
    response = logged_in(officer).get(reverse("risk:enterprise", args=[penalised.uscc]), **EN)

    assert response.status_code == 200
    body, page = response.content.decode(), text(response)
    current = CurrentClass.objects.get(enterprise=penalised)
    assert f'data-class="{current.risk_class}"' in body
    assert str(current.score) in page  # 2 × 15 + 1 × 5 = 35.0 points
    assert current.score == Decimal("35.0")
    # The sentences are risk.explain's (its wording is its tests'): the numbers in them.
    assert re.search(r"\b2\b[^:]*× 15 points, at most 45: 30 points", page)
    assert re.search(r"\b1\b[^:]*× 5 points, at most 15: 5 points", page)
    assert 'data-indicator="penalties_3y"' in body
    assert '<svg class="contribbar"' in body  # a bar for each indicator
    # The register inputs it used, the facts that weigh and when each stops.
    assert "东升街道" in page and "Street or town" in page
    older = today_minus(900)
    assert (older + dt.timedelta(days=1095)).isoformat() in page
    assert "when the window ends" in page
    # The history: the run that classified it, first classification.
    assert "Manual #" in page


def today_minus(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def test_what_would_change_this_class_lists_the_facts_that_move_it(officer, version):
    firm = EnterpriseFactory(registered_on=today_minus(3650))
    # An abnormal listing in force: 30 points (B), and at least C by the hard rule; without
    # it, 0 points: A.
    listing = record(firm, "abnormal_listing", today_minus(50))
    run_now(reason="manual", enterprise=firm)
    response = logged_in(officer).get(reverse("risk:enterprise", args=[firm.uscc]), **EN)
    body = response.content.decode()
    assert 'data-testid="hard-rule"' in body
    assert f'data-record="{listing.pk}"' in body.split('data-testid="changes"')[1]


def test_an_enterprise_not_classified_says_why(officer):
    shop = EnterpriseFactory(individual_business=True)
    response = logged_in(officer).get(reverse("risk:enterprise", args=[shop.uscc]), **EN)
    assert response.status_code == 200
    assert "Individual businesses are not classified" in text(response)
    assert 'data-testid="override-form"' not in response.content.decode()


# --------------------------------------------------------------------------- overrides


def test_a_supervisor_overrides_and_ends_through_the_page(supervisor, version):
    firm = EnterpriseFactory()
    classify_by_hand(firm, "B", version=version)
    client = logged_in(supervisor)
    url = reverse("risk:enterprise", args=[firm.uscc])
    until = timezone.localdate() + dt.timedelta(days=60)

    response = client.post(
        reverse("risk:override_set", args=[firm.uscc]),
        {"risk_class": "D", "expires_on": until.isoformat(), "reason": "现场检查发现重大隐患"},
    )

    assert response.status_code == 302 and response["Location"] == url
    current = CurrentClass.objects.get(enterprise=firm)
    assert (current.risk_class, current.computed_class) == ("D", "B")
    event = AuditEvent.objects.get(event_type=events.OVERRIDE_SET)
    assert (event.actor, event.enterprise_id) == (supervisor, firm.pk)
    page = client.get(url, **EN)
    assert 'data-testid="override-note"' in page.content.decode()
    assert "Overridden by a supervisor" in text(page) and "现场检查发现重大隐患" in text(page)

    ended = client.post(reverse("risk:override_end", args=[firm.uscc]), {"end_reason": "已整改"})

    assert ended.status_code == 302
    current.refresh_from_db()
    assert (current.risk_class, current.override_id) == ("B", None)
    assert (
        AuditEvent.objects.filter(event_type=events.OVERRIDE_ENDED, actor=supervisor).count() == 1
    )


def test_override_form_errors_come_back_on_the_page(supervisor, version):
    firm = EnterpriseFactory()
    classify_by_hand(firm, "B", version=version)
    response = logged_in(supervisor).post(
        reverse("risk:override_set", args=[firm.uscc]),
        {"risk_class": "D", "expires_on": timezone.localdate().isoformat(), "reason": " "},
        **EN,
    )
    assert response.status_code == 400
    page = text(response)
    assert "This field is required" in page or "Give the reason" in page
    assert not ClassOverride.objects.exists()

    too_long = timezone.localdate() + dt.timedelta(days=400)
    response = logged_in(supervisor).post(
        reverse("risk:override_set", args=[firm.uscc]),
        {"risk_class": "D", "expires_on": too_long.isoformat(), "reason": "理由"},
        **EN,
    )
    assert response.status_code == 400
    assert "An override lasts at most 366 days" in text(response)
    assert not ClassOverride.objects.exists()
    assert not AuditEvent.objects.filter(event_type__startswith="risk.override").exists()


def test_only_a_supervisor_may_override_and_only_with_a_csrf_token(officer, supervisor, version):
    firm = EnterpriseFactory()
    classify_by_hand(firm, "B", version=version)
    data = {
        "risk_class": "D",
        "expires_on": (timezone.localdate() + dt.timedelta(days=9)).isoformat(),
        "reason": "理由",
    }
    url = reverse("risk:override_set", args=[firm.uscc])
    page = logged_in(officer).get(reverse("risk:enterprise", args=[firm.uscc]))
    assert 'data-testid="override-form"' not in page.content.decode()
    assert logged_in(officer).post(url, data).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(supervisor)
    assert strict.post(url, data).status_code == 403
    assert not ClassOverride.objects.exists()


def test_a_partner_supervisor_cannot_override_another_departments_enterprise(partner, version):
    firm = EnterpriseFactory()
    classify_by_hand(firm, "B", version=version)
    other = staff(Role.SUPERVISOR, partner, "partner-supervisor")
    response = logged_in(other).post(
        reverse("risk:override_set", args=[firm.uscc]),
        {"risk_class": "D", "expires_on": today_minus(-9).isoformat(), "reason": "理由"},
    )
    assert response.status_code == 404
    assert not ClassOverride.objects.exists()


# --------------------------------------------------------------------------- runs


def test_a_manual_run_started_from_the_page_runs_and_shows_its_counts(
    officer, version, django_capture_on_commit_callbacks
):
    firm = EnterpriseFactory(registered_on=today_minus(3000))
    record(firm, "penalty", today_minus(10))
    client = logged_in(officer)

    with django_capture_on_commit_callbacks(execute=True):  # eager: the worker's job, here
        response = client.post(reverse("risk:run_start"), {"reason": "manual"})

    run = ClassificationRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "risk:run", args=[run.pk]
    )
    run.refresh_from_db()
    assert (run.reason, run.created_by, run.status) == ("manual", officer, "done")  # eager here
    page = client.get(reverse("risk:run", args=[run.pk]), **EN)
    body = page.content.decode()
    assert 'data-field="classified">1<' in body
    assert 'data-cell="->A">1<' in body  # first classified, 15 points: A
    assert 'value="100"' in body


def test_a_second_applying_run_is_refused_while_one_is_unfinished(officer, version):
    busy = ClassificationRun.objects.create(
        reason="nightly", applies=True, as_of=timezone.localdate(), knowledge_at=timezone.now()
    )
    client = logged_in(officer)
    response = client.post(reverse("risk:run_start"), {"reason": "manual"}, **EN)
    assert response.status_code == 409
    assert "two cannot run at once" in text(response)
    assert list(ClassificationRun.objects.all()) == [busy]
    assert 'data-testid="unfinished"' in client.get(reverse("risk:runs")).content.decode()


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"reason": "replay"}, "A replay needs the date to recompute."),
        ({"reason": "replay", "as_of": "2999-01-01"}, "The date cannot be in the future."),
        ({"reason": "replay", "as_of": "2020-13-45"}, "Enter a valid date."),
        ({"reason": "manual", "as_of": "2020-01-01"}, "A manual run classifies as of today"),
        ({"reason": "replay", "as_of": "0001-01-01"}, "No market entity was registered before"),
        ({"reason": "what_if"}, "A what-if needs the draft version to try."),
        ({"reason": "what_if", "version": "PUBLISHED"}, "A what-if tries a draft version"),
        ({"reason": "nightly"}, "Select a valid choice"),
        (
            {"reason": "manual", "enterprise": "91510116MA0000000X"},
            "No enterprise with this credit code",
        ),
    ],
)
def test_bad_run_requests_are_refused_with_the_reason(officer, version, data, field_error):
    data = {k: (str(version.pk) if v == "PUBLISHED" else v) for k, v in data.items()}
    response = logged_in(officer).post(reverse("risk:run_start"), data, **EN)
    assert response.status_code == 400
    assert field_error in text(response)
    assert not ClassificationRun.objects.exists()


def test_starting_a_run_needs_the_run_permission(bureau, version):
    admin_no_run = staff(Role.ADMINISTRATOR, bureau, "admin")
    admin_no_run.user_permissions.remove(
        *admin_no_run.user_permissions.filter(codename="run_classification")
    )
    admin_no_run.groups.get().permissions.remove(
        *admin_no_run.groups.get().permissions.filter(codename="run_classification")
    )
    user = User.objects.get(pk=admin_no_run.pk)
    response = logged_in(user).post(reverse("risk:run_start"), {"reason": "manual"})
    assert response.status_code == 403
    assert not ClassificationRun.objects.exists()


def test_a_partner_cannot_open_the_run_of_another_departments_enterprise(
    partner_officer, officer, version
):
    firm = EnterpriseFactory()
    run = run_now(reason="manual", enterprise=firm)
    assert logged_in(partner_officer).get(reverse("risk:run", args=[run.pk])).status_code == 404
    assert logged_in(officer).get(reverse("risk:run", args=[run.pk])).status_code == 200


def test_a_partner_reads_no_district_wide_figure_of_a_run_over_the_register(
    partner_officer, officer, version
):
    run = applied_run()
    run.classified, run.changed_class, run.assessments = 9876, 5432, 5433
    run.transitions = {"A>B": 5432, "A>A": 4444}  # the pages show the moves of the table
    run.save(update_fields=["classified", "changed_class", "assessments", "transitions"])

    for url in (reverse("risk:run", args=[run.pk]), reverse("risk:runs")):
        partner_page = logged_in(partner_officer).get(url, **EN).content.decode()
        bureau_page = logged_in(officer).get(url, **EN).content.decode()
        assert "9876" in bureau_page and "5432" in bureau_page
        assert "9876" not in partner_page and "5432" not in partner_page
    partner_run = logged_in(partner_officer).get(reverse("risk:run", args=[run.pk]), **EN)
    assert 'data-testid="counts"' not in partner_run.content.decode()


def test_runs_list_costs_the_same_queries_for_more_runs(
    officer, version, django_assert_num_queries
):
    client = logged_in(officer)
    client.get(reverse("risk:runs"))
    counts = []
    for batch in (2, 20):
        for _ in range(batch):
            applied_run()
        # +1: the navigation's inbox count (credit_portal.inbox, one query).
        with django_assert_num_queries(counts[0] if counts else 11) as captured:
            client.get(reverse("risk:runs"))
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


# --------------------------------------------------------------------------- models


def test_models_page_shows_versions_in_words_and_a_drafts_problems(officer, version):
    from risk.models import ModelVersion, VersionBand, VersionIndicator

    draft = ModelVersion.objects.create(model=version.model, number=2)
    VersionIndicator.objects.create(
        version=draft,
        indicator=version.entries.get(indicator__code="penalties_3y").indicator,
        weight=10,
    )
    VersionBand.objects.create(version=draft, risk_class="A", score_from=0, score_to=20)
    VersionBand.objects.create(version=draft, risk_class="B", score_from=25, score_to=None)

    response = logged_in(officer).get(reverse("risk:models"), **EN)

    body, page = response.content.decode(), text(response)
    assert response.status_code == 200
    assert "Ledger facts: Administrative penalty" in page or "Ledger facts:" in page
    assert "in the last 3 years" in page and "15 points per fact" in page and "at most 45" in page
    assert "Register field: whole years since registration" in page
    problems = body.split(f'data-version="{draft.pk}"')[1].split('data-testid="problems"')[1]
    assert "<li>" in problems.split("</ul>")[0]
    assert 'data-testid="what-if"' not in body  # a draft with problems cannot be tried


def _valid_draft(version: Any, *, penalty_weight: int) -> Any:
    from risk.models import ModelVersion, VersionBand, VersionIndicator

    draft = ModelVersion.objects.create(model=version.model, number=2)
    for entry in version.entries.all():
        weight = penalty_weight if entry.indicator.code == "penalties_3y" else entry.weight
        VersionIndicator.objects.create(version=draft, indicator=entry.indicator, weight=weight)
    for band in version.bands.all():
        VersionBand.objects.create(
            version=draft,
            risk_class=band.risk_class,
            score_from=band.score_from,
            score_to=band.score_to,
        )
    return draft


def test_a_what_if_of_a_draft_shows_the_moves_it_would_cause(
    officer, version, django_capture_on_commit_callbacks
):
    firm = EnterpriseFactory(registered_on=today_minus(3000))
    record(firm, "penalty", today_minus(10))  # 15 points: A; × 3.0 in the draft: 45 points, B
    run_now(reason="manual")
    draft = _valid_draft(version, penalty_weight=30)
    client = logged_in(officer)
    models_page = client.get(reverse("risk:models")).content.decode()
    assert 'data-testid="what-if"' in models_page.split(f'data-version="{draft.pk}"')[1]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("risk:run_start"), {"reason": "what_if", "version": draft.pk}
        )

    run = ClassificationRun.objects.get(reason="what_if")
    assert response["Location"] == reverse("risk:run", args=[run.pk])
    run.refresh_from_db()
    assert (run.status, run.applies, run.version) == ("done", False, draft)
    page = client.get(reverse("risk:run", args=[run.pk]), **EN)
    assert "The class changes this draft would cause" in text(page)
    assert 'data-cell="A>B">1<' in page.content.decode()
    assert CurrentClass.objects.get(enterprise=firm).risk_class == "A"  # nothing written


def test_a_what_if_of_a_draft_with_problems_is_refused_naming_them(officer, version):
    from risk.models import ModelVersion

    draft = ModelVersion.objects.create(model=version.model, number=2)
    response = logged_in(officer).post(
        reverse("risk:run_start"), {"reason": "what_if", "version": draft.pk}, **EN
    )
    assert response.status_code == 400
    assert "has no indicator" in text(response)
    assert not ClassificationRun.objects.exists()


# --------------------------------------------------------------------------- tasks on the page


def test_the_explanation_lists_the_enterprises_open_tasks(officer, version, bureau):
    firm = EnterpriseFactory()
    classify_by_hand(firm, "C", version=version)
    task = ClassChangeTask.objects.create(
        enterprise=firm,
        department=bureau,
        run=ClassificationRun.objects.get(),
        from_class="B",
        to_class="C",
        due_on=timezone.localdate() + dt.timedelta(days=14),
    )
    response = logged_in(officer).get(reverse("risk:enterprise", args=[firm.uscc]), **EN)
    assert task.due_on.isoformat() in response.content.decode().split('data-testid="tasks"')[1]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("outage", ["refused", "hung"])
def test_a_run_the_queue_cannot_take_is_refused_with_503_and_not_kept(bureau, outage):
    from tests.redis_outage import broker_at, redis_outage

    general_version()
    EnterpriseFactory()
    client = logged_in(staff(Role.CREDIT_OFFICER, bureau, "officer"))
    with redis_outage(outage) as url, broker_at(url):
        response = client.post(reverse("risk:run_start"), {"reason": "manual"}, **EN)
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "The background queue is unavailable" in text(response)
    assert not ClassificationRun.objects.exists()


def test_a_replay_started_from_the_page_shows_what_it_reproduced(
    officer, version, django_capture_on_commit_callbacks
):
    firm = EnterpriseFactory(registered_on=today_minus(3000))
    record(firm, "penalty", today_minus(10))
    run_now(reason="manual")
    client = logged_in(officer)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("risk:run_start"),
            {"reason": "replay", "as_of": timezone.localdate().isoformat()},
        )

    replay = ClassificationRun.objects.get(reason="replay")
    replay.refresh_from_db()
    assert (replay.status, replay.applies, replay.matched, replay.mismatched) == (
        "done",
        False,
        1,
        0,
    )
    body = client.get(reverse("risk:run", args=[replay.pk])).content.decode()
    assert 'data-testid="matched">1<' in body and 'data-testid="mismatched">0<' in body
